//! Worktree mode under Landlock, on by default (`agents.landlock false` turns it off): an agent
//! writes in its worktree and commits from it, and cannot write the main worktree or its git
//! directory through `../`.

use crate::common::{stderr, summary, Env};

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
