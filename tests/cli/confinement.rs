//! Worktree mode under Landlock, on by default (`agents.landlock false` turns it off): an agent
//! writes in its worktree and commits from it, and cannot write the main worktree or its git
//! directory through `../`.

use crate::common::{background, stderr, summary, Env};

/// A repository with nothing configured: confinement is the default.
fn confined() -> Env {
    Env::new()
}

fn task_state(out: &std::process::Output, name: &str) -> String {
    let report = summary(out);
    let task = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == name)
        .unwrap()
        .clone();
    task["state"].as_str().unwrap().to_owned()
}

#[test]
fn an_agent_cannot_write_outside_its_worktree_and_still_commits_inside() {
    let env = confined();
    env.task(
        "escape",
        "---\ncommand: fake-agent write ../../repo/README.md pwned\n---\n",
    );
    env.task(
        "config",
        "---\ncommand: fake-agent append ../../repo/.git/config pwned\n---\n",
    );
    env.task(
        "good",
        "---\ncommand: fake-agent write ok.txt 1 commit mine\n---\n",
    );
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("worktree mode: each agent may write only in its worktree"),
        "{err}"
    );
    assert_eq!(task_state(&out, "good"), "done", "{err}");
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "feature/good"])
            .trim(),
        "mine"
    );
    assert_ne!(task_state(&out, "escape"), "done", "{err}");
    assert_ne!(task_state(&out, "config"), "done", "{err}");
    assert_eq!(env.read(&env.repo.join("README.md")), "# demo\n");
    assert!(!env.read(&env.repo.join(".git/config")).contains("pwned"));
    assert_eq!(
        env.git(&["status", "--porcelain", "--untracked-files=no"]),
        ""
    );
}

#[test]
fn allow_write_opens_a_place_outside_and_landlock_false_turns_it_off() {
    let env = confined();
    let scratch = env.tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    env.git(&["config", "agents.allowWrite", &scratch.to_string_lossy()]);
    let target = scratch.join("note.txt");
    env.task(
        "t",
        &format!(
            "---\ncommand: fake-agent write {} 1\n---\n",
            target.display()
        ),
    );
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(task_state(&out, "t"), "no-changes", "{}", stderr(&out));
    assert!(target.exists());

    let env = Env::new();
    env.git(&["config", "agents.landlock", "false"]);
    env.task("t", "---\ncommand: fake-agent write x.txt 1\n---\n");
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert!(!stderr(&out).contains("may write only"), "{}", stderr(&out));
    assert_eq!(task_state(&out, "t"), "done");
}

#[test]
fn a_confined_agent_has_a_private_tmpdir_kept_for_its_reruns_and_emptied_after_each() {
    let env = confined();
    env.task(
        "temp",
        "---\ncommand: sh -c 'echo \"$TMPDIR\" >> tmpdir.txt; echo x > \"$TMPDIR/left\"'\n---\n",
    );
    let first = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(task_state(&first, "temp"), "done", "{}", stderr(&first));
    let again = env
        .cmd()
        .args(["spawn", "--rerun", "--json", "temp"])
        .output()
        .unwrap();
    assert_eq!(task_state(&again, "temp"), "done", "{}", stderr(&again));
    let seen = env.git(&["show", "feature/temp:tmpdir.txt"]);
    let dirs: Vec<&str> = seen.lines().collect();
    assert_eq!(dirs.len(), 2, "{seen}");
    assert_eq!(dirs[0], dirs[1], "the same directory in both runs");
    let dir = std::path::Path::new(dirs[0]);
    assert!(
        dir.starts_with(env.home.join("tmp")) && dir.to_string_lossy().contains("/git-agents-"),
        "{}",
        dir.display()
    );
    assert!(dir.is_dir(), "kept: {}", dir.display());
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        0,
        "emptied after the run"
    );
    let parent = dir.parent().unwrap().parent().unwrap();
    let mode = std::os::unix::fs::PermissionsExt::mode(&parent.metadata().unwrap().permissions());
    assert_eq!(mode & 0o077, 0, "the per-user directory is private");
    let clean = env.cmd().args(["clean", "--force"]).output().unwrap();
    assert!(clean.status.success(), "{}", stderr(&clean));
    assert!(
        !dir.exists(),
        "clean removes it with the task: {}",
        dir.display()
    );
}

#[test]
fn a_shared_place_made_during_the_run_is_writable_to_agents_started_after() {
    let env = confined();
    let late = env.tmp.path().join("late");
    env.git(&["config", "agents.allowWrite", &late.to_string_lossy()]);
    // The first agent starts while the place does not exist; it is made while that one runs.
    env.task("first", "---\ncommand: fake-agent sleep 2\n---\n");
    for task in ["second", "third"] {
        let file = late.join(format!("{task}.txt"));
        env.task(
            task,
            &format!(
                "---\ndepends_on: first\ncommand: fake-agent write {} 1\n---\n",
                file.display()
            ),
        );
    }
    let child = background(&env, &["spawn", "--json"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !env.log("first").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first agent never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::create_dir(&late).unwrap();
    let out = child.wait_with_output().unwrap();
    for task in ["second", "third"] {
        assert_eq!(task_state(&out, task), "no-changes", "{}", stderr(&out));
        assert_eq!(env.read(&late.join(format!("{task}.txt"))), "1\n");
    }
}
