//! Commands that come with a repository run only once approved: front matter `command:` and
//! `verify:` in committed task files, per repository and exact command, kept outside it.

use crate::common::{stderr, stdout, Env};

/// A repository whose committed task `t` names its own agent command.
fn cloned_with_a_command() -> Env {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n# t\n");
    env.commit_all("a task with its own command");
    env
}

fn spawn(env: &Env, extra: &[&str]) -> std::process::Output {
    env.cmd().arg("spawn").args(extra).output().unwrap()
}

#[test]
fn a_committed_command_is_refused_listing_exactly_what_would_run() {
    let env = cloned_with_a_command();
    let out = spawn(&env, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("t (agent): fake-agent write t.txt 1"), "{err}");
    assert!(err.contains("git agents trust"), "{err}");
    let branches = env.git(&["branch", "--list", "feature/*"]);
    assert_eq!(branches, "", "nothing may be created before approval");
    assert!(!env.repo.join(".git/agents/state.json").exists());
}

#[test]
fn trust_approves_once_per_exact_command_outside_the_repository() {
    let env = cloned_with_a_command();
    let list = env.cmd().args(["trust", "--list"]).output().unwrap();
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    assert!(stdout(&list).contains("not approved"), "{}", stdout(&list));
    let approve = env.cmd().arg("trust").output().unwrap();
    assert_eq!(approve.status.code(), Some(0), "{}", stderr(&approve));
    assert!(
        stdout(&approve).contains("approving"),
        "{}",
        stdout(&approve)
    );
    assert!(env.home.join(".config/git-agents/trusted.json").is_file());
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "",
        "nothing written in the repository"
    );
    let out = spawn(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.git(&["show", "feature/t:t.txt"]), "1\n");

    // The same file with another command is another command: refused again.
    env.task("t", "---\ncommand: fake-agent write t.txt 2\n---\n# t\n");
    env.commit_all("the command changed");
    let out = spawn(&env, &["--rerun"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fake-agent write t.txt 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn yes_and_agents_trust_run_without_approval_and_own_files_need_none() {
    let env = cloned_with_a_command();
    let out = spawn(&env, &["--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let env = cloned_with_a_command();
    env.git(&["config", "agents.trust", "true"]);
    let out = spawn(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A task file the user wrote (not committed) is the user's own command.
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n# t\n");
    let out = spawn(&env, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A flag's command replaces the file's, so nothing from the repository would run.
    let env = cloned_with_a_command();
    let out = spawn(&env, &["--command", "fake-agent write t.txt flag"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_committed_check_needs_approval_for_verify_too() {
    let env = Env::new();
    env.task("t", "---\nverify: fake-agent exit 0\n---\n# t\n");
    env.commit_all("a task with its own check");
    let out = spawn(&env, &["--command", "fake-agent write t.txt 1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no check asked for: {}",
        stderr(&out)
    );
    let out = env.cmd().arg("verify").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("t (check): fake-agent exit 0"),
        "{}",
        stderr(&out)
    );
    let out = env.cmd().args(["verify", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
