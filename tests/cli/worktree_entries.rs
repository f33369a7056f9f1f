//! Worktree entries: only git-agents' own are ever pruned, and only when asked; nothing is
//! removed while a detached HEAD or a submodule holds commits found nowhere else. git judges.

use std::path::Path;

use crate::common::{stderr, stdout, Env};
use crate::status::{ok, row, run, status_json};

fn worktrees(env: &Env) -> String {
    env.git(&["worktree", "list", "--porcelain"])
}

fn branches(env: &Env) -> Vec<String> {
    env.git(&["for-each-ref", "--format=%(refname:short)", "refs/heads"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Tasks that each commit one file, spawned.
fn spawned(names: &[&str]) -> Env {
    let env = Env::new();
    for name in names {
        env.task(
            name,
            &format!("---\ncommand: fake-agent write {name}.txt {name}\n---\n"),
        );
    }
    ok(&env, &["spawn", "-q"]);
    env
}

fn merge(env: &Env, task: &str) {
    let branch = format!("feature/{task}");
    env.git(&["merge", "-q", "--no-ff", "-m", "merge", &branch]);
}

fn clean(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let out = run(env, &[&["clean"], args].concat());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    (out.status.code(), stdout(&out))
}

/// An empty commit in `dir` (a submodule has no identity of its own configured).
fn commit_in(env: &Env, dir: &Path, message: &str) -> String {
    let who = ["-c", "user.name=T", "-c", "user.email=t@example.com"];
    env.git_in(
        dir,
        &[&who[..], &["commit", "-q", "--allow-empty", "-m", message]].concat(),
    );
    env.git_in(dir, &["rev-parse", "HEAD"]).trim().to_owned()
}

fn healthy(env: &Env) {
    worktrees(env);
    env.git(&["fsck", "--strict"]);
    env.git(&["gc", "-q", "--prune=now"]);
}

#[test]
fn a_users_own_moved_worktree_survives_clean_and_spawn_and_repair_then_fixes_it() {
    let env = spawned(&["alpha"]);
    merge(&env, "alpha");
    let mine = env.root().join("mine");
    env.git(&["worktree", "add", "-q", "--detach", mine.to_str().unwrap()]);
    let lonely = commit_in(&env, &mine, "on a detached HEAD, on no branch");
    let moved = env.root().join("moved");
    std::fs::rename(&mine, &moved).unwrap();
    assert!(worktrees(&env).contains("prunable"), "{}", worktrees(&env));

    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    env.task("beta", "---\ncommand: fake-agent write beta.txt b\n---\n");
    ok(&env, &["spawn", "-q"]);
    let (code, out) = clean(&env, &["--prune", "--force"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(worktrees(&env).contains(mine.to_str().unwrap()));

    env.git(&["worktree", "repair", moved.to_str().unwrap()]);
    let list = worktrees(&env);
    assert!(
        list.contains(&format!("worktree {}", moved.display())),
        "{list}"
    );
    assert!(!list.contains("prunable"), "{list}");
    assert_eq!(env.git_in(&moved, &["rev-parse", "HEAD"]).trim(), lonely);
    healthy(&env);
}

#[test]
fn our_own_moved_worktree_is_reported_and_pruned_only_with_prune() {
    let env = spawned(&["alpha"]);
    merge(&env, "alpha");
    let workspace = env.workspace("alpha");
    let away = env.root().join("away");
    std::fs::rename(&workspace, &away).unwrap();

    let report = status_json(&env, &["alpha"]);
    let alpha = row(&report, "alpha");
    assert_eq!(alpha["worktree"], "missing", "{report}");
    let why = alpha["worktree_error"].as_str().unwrap_or_default();
    assert!(why.starts_with("worktree directory missing"), "{report}");
    assert!(ok(&env, &["status"]).contains("directory missing"));
    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("alpha: kept: worktree directory missing: "),
        "{out}"
    );
    let (code, _) = clean(&env, &["--force"]);
    assert_eq!(code, Some(1), "--force does not prune");
    assert!(worktrees(&env).contains(workspace.to_str().unwrap()));
    assert_eq!(branches(&env), ["feature/alpha", "main"]);
    let out = run(&env, &["spawn", "-q", "--rerun", "alpha"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("its directory is missing"));

    let (code, out) = clean(&env, &["--prune"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "alpha: pruned the entry of its missing worktree ../repo.agents/alpha, deleted branch feature/alpha\n"
    );
    assert!(!worktrees(&env).contains("prunable"));
    assert!(
        away.join("alpha.txt").exists(),
        "the moved directory is left alone"
    );
    healthy(&env);
}

#[test]
fn a_detached_head_commit_on_no_branch_keeps_the_worktree_without_force() {
    let env = spawned(&["alpha"]);
    merge(&env, "alpha");
    let workspace = env.workspace("alpha");
    env.git_in(&workspace, &["checkout", "-q", "--detach"]);
    let lonely = commit_in(&env, &workspace, "on no branch");

    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("kept: its detached HEAD holds commits on no branch (use --force"),
        "{out}"
    );
    assert!(workspace.exists());
    assert_eq!(
        env.git_in(&workspace, &["rev-parse", "HEAD"]).trim(),
        lonely
    );

    let (code, out) = clean(&env, &["--force"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!workspace.exists());
    healthy(&env);
}

#[test]
fn a_submodule_commit_found_nowhere_else_keeps_the_worktree_without_force() {
    let env = Env::new();
    let sub = env.root().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    env.git_in(&sub, &["init", "-q", "-b", "main"]);
    commit_in(&env, &sub, "sub");
    let file = ["-c", "protocol.file.allow=always"];
    let add = [
        &file[..],
        &["submodule", "add", "-q", sub.to_str().unwrap(), "sub"],
    ]
    .concat();
    env.git(&add);
    env.commit_all("add a submodule");
    for name in ["plain", "ahead"] {
        env.task(
            name,
            &format!("---\ncommand: fake-agent write {name}.txt {name}\n---\n"),
        );
    }
    ok(&env, &["spawn", "-q"]);
    merge(&env, "plain");
    merge(&env, "ahead");
    let update = [&file[..], &["submodule", "update", "-q", "--init"]].concat();
    for name in ["plain", "ahead"] {
        env.git_in(&env.workspace(name), &update);
    }
    let only_here = commit_in(&env, &env.workspace("ahead").join("sub"), "only here");

    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("plain: removed worktree ../repo.agents/plain"),
        "its submodule's HEAD is on its remote's branch: {out}"
    );
    assert!(
        out.contains(
            "ahead: kept: its submodule sub holds commits found nowhere else (use --force"
        ),
        "{out}"
    );
    let sub_of_ahead = env.workspace("ahead").join("sub");
    assert_eq!(
        env.git_in(&sub_of_ahead, &["rev-parse", "HEAD"]).trim(),
        only_here
    );

    let (code, out) = clean(&env, &["--force"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!env.workspace("ahead").exists());
    healthy(&env);
}
