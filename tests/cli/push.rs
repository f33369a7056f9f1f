//! push: finished task branches to a local bare repository, judged by git (`rev-parse` and
//! `fsck` in the bare repository), under a lease: a rerun's commits replace what git-agents
//! pushed, someone else's are never overwritten.

use std::path::PathBuf;

use crate::common::{stderr, stdout, Env};

/// A repository with tasks `names` committed, and `origin` a bare repository beside it.
pub fn with_remote(names: &[&str]) -> (Env, PathBuf) {
    let env = Env::new();
    for name in names {
        env.task(name, &format!("# Do {name}\n\nWrite {name}.txt.\n"));
    }
    env.commit_all("tasks");
    let bare = env.root().join("origin.git");
    env.git_in(
        env.root(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    env.git(&["remote", "add", "origin", bare.to_str().unwrap()]);
    env.git(&["push", "-q", "origin", "main"]);
    (env, bare)
}

/// Spawn `task` with a fake agent that writes `text` into `<task>.txt`.
pub fn spawn(env: &Env, task: &str, text: &str, rerun: bool) {
    let command = format!("fake-agent write {task}.txt {text}");
    let mut args = vec!["spawn", "-q", "--command", &command, task];
    if rerun {
        args.push("--rerun");
    }
    let out = env.cmd().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn remote_tip(env: &Env, bare: &std::path::Path, branch: &str) -> String {
    let git_dir = format!("--git-dir={}", bare.display());
    env.git(&[&git_dir, "rev-parse", &format!("refs/heads/{branch}")])
        .trim()
        .to_owned()
}

fn push(env: &Env, args: &[&str]) -> std::process::Output {
    env.cmd().arg("push").args(args).output().unwrap()
}

#[test]
fn push_sends_finished_branches_and_a_rerun_under_a_lease() {
    let (env, bare) = with_remote(&["alpha"]);
    spawn(&env, "alpha", "one", false);
    let out = push(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("alpha: feature/alpha -> origin (new branch)"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("note: pushed with"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("gix cannot push yet"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        remote_tip(&env, &bare, "feature/alpha"),
        env.rev("feature/alpha")
    );
    let first = env.rev("feature/alpha");

    // A rerun from the base (the agent's work reset): its commit replaces the one pushed, under the lease.
    env.git_in(&env.workspace("alpha"), &["reset", "-q", "--hard", "main"]);
    spawn(&env, "alpha", "two", true);
    let second = env.rev("feature/alpha");
    assert_ne!(first, second);
    let out = push(&env, &["alpha"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(replaced what git-agents pushed before)"),
        "{}",
        stdout(&out)
    );
    assert_eq!(remote_tip(&env, &bare, "feature/alpha"), second);
    let pushed = env.read(&env.repo.join(".git/agents/pushed.json"));
    assert!(pushed.contains(&second), "{pushed}");

    let again = push(&env, &["alpha"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("(up to date)"),
        "{}",
        stdout(&again)
    );
    env.git_in(
        env.root(),
        &[&format!("--git-dir={}", bare.display()), "fsck", "--strict"],
    );
}

#[test]
fn push_never_overwrites_what_someone_else_pushed() {
    let (env, bare) = with_remote(&["alpha"]);
    spawn(&env, "alpha", "one", false);
    assert_eq!(push(&env, &[]).status.code(), Some(0));
    // A reviewer adds a commit to the pushed branch from a clone of their own.
    let clone = env.root().join("reviewer");
    env.git_in(
        env.root(),
        &[
            "clone",
            "-q",
            "-b",
            "feature/alpha",
            bare.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    env.git_in(
        &clone,
        &[
            "-c",
            "user.name=R",
            "-c",
            "user.email=r@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "review",
        ],
    );
    env.git_in(&clone, &["push", "-q", "origin", "feature/alpha"]);
    let theirs = remote_tip(&env, &bare, "feature/alpha");

    env.git_in(&env.workspace("alpha"), &["reset", "-q", "--hard", "main"]);
    spawn(&env, "alpha", "two", true);
    // Even after a fetch moved the remote-tracking branch, the lease expects what git-agents
    // pushed.
    env.git(&["fetch", "-q", "origin"]);
    let out = push(&env, &["alpha"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("rejected"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("someone else pushed?"),
        "{}",
        stderr(&out)
    );
    assert_eq!(remote_tip(&env, &bare, "feature/alpha"), theirs);

    // Once fetched and looked at, the remote-tracking branch may be the lease.
    let out = push(&env, &["alpha", "--lease-from-fetch"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        remote_tip(&env, &bare, "feature/alpha"),
        env.rev("feature/alpha")
    );
}

#[test]
fn push_leaves_out_unfinished_tasks_and_names_the_remote_it_uses() {
    let (env, bare) = with_remote(&["alpha", "broken"]);
    spawn(&env, "alpha", "one", false);
    let out = env
        .cmd()
        .args(["spawn", "-q", "--command", "fake-agent exit 3", "broken"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // The branch's upstream beats origin; agents.remote beats the upstream.
    env.git(&["remote", "add", "mirror", bare.to_str().unwrap()]);
    env.git(&["config", "branch.feature/alpha.remote", "mirror"]);
    let out = push(&env, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pushed"][0]["remote"], "mirror");
    assert_eq!(report["pushed"][0]["outcome"], "created");
    assert_eq!(report["skipped"][0]["task"], "broken");
    assert!(
        stderr(&out).contains("broken: skipped, it is failed"),
        "{}",
        stderr(&out)
    );
    let out = push(&env, &["broken"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("task 'broken' has nothing to push"),
        "{}",
        stderr(&out)
    );
    let status = env.git_in(
        env.root(),
        &[&format!("--git-dir={}", bare.display()), "branch", "--list"],
    );
    assert!(!status.contains("feature/broken"), "{status}");
}
