//! Branch-per-task and directory-isolation modes.

use crate::common::{stderr, stdout, summary, Env};

/// Three scoped tasks in the main worktree: `a` stays in its scope, `b` also writes outside
/// every scope, `c` writes into `a`'s scope.
fn dir_mode_env() -> Env {
    let env = Env::new();
    for dir in ["a", "b", "c"] {
        env.write(&format!("area/{dir}/keep.txt"), "keep\n");
    }
    env.commit_all("areas");
    env.task(
        "a",
        "---\nscope: [area/a]\ncommand: fake-agent write area/a/new.txt from-a\n---\n",
    );
    env.task(
        "b",
        "---\nscope: [area/b]\ncommand: fake-agent write area/b/new.txt from-b write stray.txt oops\n---\n",
    );
    env.task(
        "c",
        "---\nscope: [area/c]\ncommand: fake-agent write area/c/new.txt from-c write area/a/intruder.txt from-c\n---\n",
    );
    env
}

fn files_of(env: &Env, rev: &str) -> String {
    env.git(&["show", "--name-only", "--format=%s", rev])
}

#[test]
fn dir_mode_with_landlock_prevents_writes_outside_the_scope() {
    let env = dir_mode_env();
    let out = env
        .cmd()
        .args(["spawn", "--mode", "dir", "-j", "3", "--json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("note: dir mode: each agent may write only inside its scope (Landlock)"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(summary(&out)["enforcement"]["landlock"], true);
    assert!(
        !env.repo.join("stray.txt").exists(),
        "outside every scope: prevented"
    );
    assert!(
        !env.repo.join("area/a/intruder.txt").exists(),
        "another task's scope: prevented"
    );
    assert!(env.read(&env.log("c")).contains("Permission denied"));
    // One commit per task on the current branch, each with exactly its own files.
    let log = env.git(&["log", "--format=%s", "-3"]);
    let mut subjects: Vec<&str> = log.lines().collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "feat: a implementation",
            "feat: b implementation",
            "feat: c implementation"
        ]
    );
    for (i, _) in subjects.iter().enumerate() {
        let rev = format!("HEAD~{i}");
        let files = files_of(&env, &rev);
        let task = files
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("feat: ")
            .trim_end_matches(" implementation");
        assert_eq!(
            files,
            format!("feat: {task} implementation\n\narea/{task}/new.txt\n")
        );
    }
    assert_eq!(env.git(&["status", "--porcelain"]), "?? .claude/\n");
    assert!(
        !env.root().join("repo.agents").exists(),
        "no worktrees in dir mode"
    );
}

#[test]
fn dir_mode_without_enforcement_detects_and_attributes() {
    let env = dir_mode_env();
    env.git(&["config", "agents.landlock", "false"]);
    let out = env
        .cmd()
        .args(["spawn", "--mode", "dir", "-j", "3"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("detection only"), "{err}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "a change outside every scope fails the run: {err}"
    );
    assert!(
        err.contains("stray.txt: changed outside every task's scope"),
        "{err}"
    );
    assert!(stdout(&out).contains("outside every scope (left uncommitted): stray.txt"));
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? .claude/\n?? stray.txt\n"
    );
    // What lands in a's scope is a's change, whoever wrote it.
    let a_commit = env.git(&["log", "--format=%H", "--grep", "feat: a implementation"]);
    let files = env.git(&["show", "--name-only", "--format=", a_commit.trim()]);
    assert_eq!(files, "area/a/intruder.txt\narea/a/new.txt\n");
}

#[test]
fn dir_mode_refuses_overlaps_missing_scopes_and_a_dirty_worktree() {
    let env = Env::new();
    env.write("src/api/x.txt", "x\n");
    env.commit_all("src");
    env.task("wide", "---\nscope: [src]\n---\n");
    env.task("narrow", "---\nscope: [src/api]\n---\n");
    let out = env
        .cmd()
        .args(["spawn", "--mode", "dir", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("overlap"), "{}", stderr(&out));

    env.task("wide", "# no scope\n");
    let out = env
        .cmd()
        .args(["spawn", "--mode", "dir", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("task 'wide' has no scope"),
        "{}",
        stderr(&out)
    );

    std::fs::remove_file(env.repo.join(".claude/tasks/wide.md")).unwrap();
    env.write("src/api/x.txt", "edited\n");
    let out = env
        .cmd()
        .args(["spawn", "--mode", "dir", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the main worktree has changes (src/api/x.txt)"),
        "{}",
        stderr(&out)
    );
    assert!(!env.repo.join(".git/agents/state.json").exists());
}

#[test]
fn branch_mode_gives_each_task_its_own_branch_and_returns_home() {
    let env = Env::new();
    env.task("one", "---\ncommand: fake-agent write one.txt 1\n---\n");
    env.task(
        "two",
        "---\ncommand: fake-agent write two.txt 2 append README.md more\n---\n",
    );
    env.task("three", "---\ncommand: fake-agent rm src/lib.txt\n---\n");
    let main_before = env.rev("main");
    let out = env
        .cmd()
        .args(["spawn", "--mode", "branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.git(&["branch", "--show-current"]), "main\n");
    assert_eq!(env.rev("main"), main_before, "main untouched");
    assert_eq!(env.git(&["status", "--porcelain"]), "?? .claude/\n");
    let changes =
        |task: &str| env.git(&["diff", "--name-status", "main", &format!("feature/{task}")]);
    assert_eq!(changes("one"), "A\tone.txt\n");
    assert_eq!(changes("two"), "M\tREADME.md\nA\ttwo.txt\n");
    assert_eq!(changes("three"), "D\tsrc/lib.txt\n");
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "feature/two"]),
        "feat: two implementation\n"
    );
    assert!(
        env.repo.join("src/lib.txt").exists(),
        "the main worktree is back at main"
    );
    assert!(!env.root().join("repo.agents").exists());
    env.git(&["fsck", "--strict"]);
    let reflog = env.git(&["reflog", "-1", "--format=%gs", "HEAD"]);
    assert_eq!(reflog, "checkout: moving from feature/two to main\n");
    env.git(&["checkout", "-q", "-"]);
    assert_eq!(env.git(&["branch", "--show-current"]), "feature/two\n");
}

#[test]
fn branch_mode_stops_with_the_tree_as_it_is_when_work_cannot_be_committed() {
    let env = Env::new();
    env.task(
        "a-fails",
        "---\ncommand: fake-agent write half.txt done-halfway exit 3\n---\n",
    );
    env.task(
        "b-later",
        "---\ncommand: fake-agent write later.txt 1\n---\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--mode", "branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("branch mode stopped: 'a-fails' left changes that were not committed"),
        "{err}"
    );
    assert!(stdout(&out).contains("stopped:"), "{}", stdout(&out));
    assert_eq!(
        env.git(&["branch", "--show-current"]),
        "feature/a-fails\n",
        "left where the work is"
    );
    assert_eq!(env.read(&env.repo.join("half.txt")), "done-halfway\n");
    assert!(
        !env.repo.join("later.txt").exists(),
        "the next task did not run over it"
    );
}

#[test]
fn branch_mode_refuses_a_dirty_main_worktree() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    env.write("README.md", "edited\n");
    let out = env
        .cmd()
        .args(["spawn", "--mode", "branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the main worktree has changes (README.md)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&["branch", "--list", "feature/*"]), "");
}
