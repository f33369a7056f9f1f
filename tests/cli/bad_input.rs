//! Bad input is refused with exit 2 before anything exists: no branch, no worktree, no log, no
//! hang on a FIFO.

use std::time::{Duration, Instant};

use crate::common::{stderr, Env};

/// Run `spawn` and fail instead of hanging; returns its exit code and stderr.
fn spawn_refused(env: &Env) -> (Option<i32>, String) {
    let mut child =
        crate::common::background(env, &["spawn", "--command", "fake-agent write x.txt 1"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("spawn hung on bad input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code(), stderr(&out))
}

/// Nothing of a spawn exists: no task branch, no linked worktree, no state.
fn assert_untouched(env: &Env, case: &str) {
    let branches = env.git(&["branch", "--list", "--format=%(refname)"]);
    assert_eq!(branches.trim(), "refs/heads/main", "{case}: {branches}");
    let worktrees = env.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(
        worktrees.matches("worktree ").count(),
        1,
        "{case}: {worktrees}"
    );
    assert!(!env.repo.join(".git/agents/state.json").exists(), "{case}");
    assert!(!env.repo.join(".git/agents/logs").exists(), "{case}");
}

#[test]
fn a_workspace_root_inside_the_repository_or_at_the_root_is_refused() {
    for (root, why) in [
        (".", "inside the repository"),
        ("sub/dir", "inside the repository"),
        (".git", "inside the git directory"),
        ("/", "root"),
    ] {
        let env = Env::new();
        env.task("t", "# t\n");
        env.git(&["config", "agents.workspaceRoot", root]);
        let (code, err) = spawn_refused(&env);
        assert_eq!(code, Some(2), "{root}: {err}");
        assert!(
            err.contains(why) && err.contains("agents.workspaceRoot"),
            "{root}: {err}"
        );
        assert_untouched(&env, root);
    }
}

#[test]
fn a_branch_prefix_git_cannot_use_is_refused() {
    for prefix in ["-x", "a..b/", "bad prefix/"] {
        let env = Env::new();
        env.task("t", "# t\n");
        env.git(&["config", "agents.branchPrefix", prefix]);
        let (code, err) = spawn_refused(&env);
        assert_eq!(code, Some(2), "{prefix}: {err}");
        assert!(err.contains("agents.branchPrefix"), "{prefix}: {err}");
        assert_untouched(&env, prefix);
    }
}

#[test]
fn fifos_and_dangling_links_among_tasks_and_contracts_are_refused_without_hanging() {
    let make_fifo = |path: &std::path::Path| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).unwrap();
    };
    let env = Env::new();
    env.task("t", "# t\n");
    make_fifo(&env.repo.join(".claude/tasks/pipe.md"));
    let (code, err) = spawn_refused(&env);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("pipe.md") && err.contains("not a regular file"),
        "{err}"
    );
    assert_untouched(&env, "fifo task");

    let env = Env::new();
    env.task("t", "# t\n");
    std::os::unix::fs::symlink("nowhere.md", env.repo.join(".claude/tasks/gone.md")).unwrap();
    let (code, err) = spawn_refused(&env);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("gone.md"), "{err}");
    assert_untouched(&env, "dangling task");

    let env = Env::new();
    env.task("t", "# t\n");
    let fifo = env.tmp.path().join("fifo");
    make_fifo(&fifo);
    std::fs::create_dir_all(env.repo.join(".claude/contracts")).unwrap();
    std::os::unix::fs::symlink(&fifo, env.repo.join(".claude/contracts/api.md")).unwrap();
    let (code, err) = spawn_refused(&env);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("api.md") && err.contains("not a regular file"),
        "{err}"
    );
    assert_untouched(&env, "fifo contract");
}
