//! Sparse worktrees (`agents.sparse`, front matter `sparse`, `--sparse`): git's cone mode over
//! the task's scope, judged by git itself (`sparse-checkout list`, `status`, `ls-tree`, `fsck`).

use std::path::Path;

use crate::common::{stderr, stdout, with_stdin, Env};
use crate::status::{ok, row, run, status_json};

const FILES: usize = 20_000;

/// A repository whose branch `big` has 20,000 files, made in a moment from one blob, without
/// writing them anywhere: `main`, checked out, holds README.md, src/lib.txt, the contract, the
/// task file and the 100 files of `pkg/a`; `big` adds 19,896 more in `pkg/d0` .. `pkg/d99`.
fn big_repo(task: &str) -> Env {
    let env = Env::new();
    env.write(".claude/contracts/api.md", "# API\n");
    env.task("a", task);
    for i in 0..100 {
        env.write(&format!("pkg/a/f{i}"), "content\n");
    }
    env.commit_all("pkg/a");
    let blob = env.git(&["rev-parse", "main:pkg/a/f0"]);
    let blob = blob.trim();
    let mut lines = String::new();
    for i in 0..FILES - 104 {
        lines.push_str(&format!("100644 {blob}\tpkg/d{}/f{i}\n", i % 100));
    }
    let index = env.root().join("big-index");
    let git = |args: &[&str], input: &[u8]| {
        let mut cmd = env.git_cmd(&env.repo);
        cmd.env("GIT_INDEX_FILE", &index).args(args);
        with_stdin(cmd, input)
    };
    git(&["read-tree", "main"], b"");
    git(&["update-index", "--index-info"], lines.as_bytes());
    let tree = git(&["write-tree"], b"");
    let commit = git(
        &[
            "commit-tree",
            "-p",
            "main",
            "-m",
            "twenty thousand files",
            tree.trim(),
        ],
        b"",
    );
    env.git(&["update-ref", "refs/heads/big", commit.trim()]);
    env.git(&["config", "agents.sparse", "true"]);
    env
}

/// Every file under `dir` but those in `.git`, repo-relative, sorted.
fn files_on_disk(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap() == ".git" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Whether `git config KEY` has no value in `dir`.
fn unset(env: &Env, dir: &Path, key: &str) -> bool {
    let out = env.git_cmd(dir).args(["config", key]).output().unwrap();
    out.status.code() == Some(1)
}

fn spawn(env: &Env, args: &[&str]) -> std::process::Output {
    let out = run(env, &[&["spawn"], args].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

#[test]
fn a_sparse_worktree_of_a_20000_file_repository_holds_only_its_scope() {
    let env = big_repo("---\nscope: pkg/a/**\n---\n# Work in pkg/a\n");
    let out = spawn(&env, &["--base", "big", "--command", "true"]);
    let err = stderr(&out);
    assert!(err.contains("extensions.worktreeConfig turned on"), "{err}");
    assert!(
        err.contains("sparse worktree (cone mode) with .claude/contracts, .claude/tasks, pkg/a"),
        "{err}"
    );

    let wt = env.workspace("a");
    let on_disk = files_on_disk(&wt);
    assert_eq!(
        on_disk.len(),
        103,
        "{:?}",
        &on_disk[..10.min(on_disk.len())]
    );
    assert!(on_disk.iter().all(|f| f == "README.md"
        || f.starts_with(".claude/contracts/")
        || f.starts_with(".claude/tasks/")
        || f.starts_with("pkg/a/")));
    assert_eq!(
        env.git_in(&wt, &["sparse-checkout", "list"]),
        ".claude/contracts\n.claude/tasks\npkg/a\n"
    );
    assert_eq!(env.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(
        env.git_in(&wt, &["config", "--worktree", "core.sparseCheckoutCone"]),
        "true\n"
    );
    assert_eq!(
        env.git(&["config", "--local", "extensions.worktreeConfig"]),
        "true\n"
    );
    assert!(
        unset(&env, &env.repo, "core.sparseCheckout"),
        "main stays whole"
    );
    assert_eq!(row(&status_json(&env, &[]), "a")["worktree"], "clean");

    // The same worktree again, now with an agent that edits a file in scope.
    spawn(
        &env,
        &[
            "--rerun",
            "--base",
            "big",
            "--command",
            "fake-agent write pkg/a/f7 changed",
        ],
    );
    assert_eq!(files_on_disk(&wt).len(), 103, "reused, still sparse");
    assert_eq!(env.git_in(&wt, &["status", "--porcelain"]), "");
    let tree = env.git(&["ls-tree", "-r", "--name-only", "feature/a"]);
    assert_eq!(
        tree.lines().count(),
        FILES,
        "files outside the cone stay in the tree"
    );
    assert_eq!(
        env.git(&["diff", "--name-only", "big..feature/a"]),
        "pkg/a/f7\n"
    );
    env.git(&["fsck", "--strict"]);
    assert_eq!(row(&status_json(&env, &[]), "a")["worktree"], "clean");

    ok(&env, &["merge", "--into", "big"]);
    assert_eq!(env.git(&["show", "big:pkg/a/f7"]), "changed\n");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    ok(&env, &["clean", "--into", "big"]);
    assert!(!wt.exists());
    let list = env.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(list.matches("worktree ").count(), 1, "{list}");
    env.git(&["fsck", "--strict"]);
}

/// A small repository with a committed task `a` to `pkg/a` under `agents.sparse`.
fn small_repo(task: &str) -> Env {
    let env = Env::new();
    env.write("pkg/a/one.txt", "1\n");
    env.write("pkg/b/two.txt", "2\n");
    env.write(".claude/contracts/api.md", "# API\n");
    env.task("a", task);
    env.commit_all("packages and task");
    env.git(&["config", "agents.sparse", "true"]);
    env
}

#[test]
fn git_can_widen_and_undo_our_sparse_checkout() {
    let env = small_repo("---\nscope: pkg/a\n---\n# A\n");
    spawn(
        &env,
        &["--verify", "--command", "fake-agent write pkg/a/new.txt n"],
    );
    let wt = env.workspace("a");
    assert!(!wt.join("src/lib.txt").exists());
    assert_eq!(row(&status_json(&env, &[]), "a")["verify"]["passed"], true);
    ok(&env, &["verify", "a"]);
    ok(&env, &["merge"]);
    assert_eq!(env.read(&env.repo.join("pkg/a/new.txt")), "n\n");
    env.git_in(&wt, &["sparse-checkout", "add", "src"]);
    assert!(wt.join("src/lib.txt").exists());
    assert!(!wt.join("pkg/b/two.txt").exists());
    assert_eq!(env.git_in(&wt, &["status", "--porcelain"]), "");
    env.git_in(&wt, &["sparse-checkout", "disable"]);
    assert!(wt.join("pkg/b/two.txt").exists());
    assert_eq!(env.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(row(&status_json(&env, &[]), "a")["worktree"], "clean");
    ok(&env, &["clean"]);
    assert!(!wt.exists());
}

#[test]
fn front_matter_sparse_false_beats_the_config() {
    let env = small_repo("---\nscope: pkg/a\nsparse: false\n---\n# A\n");
    let out = spawn(&env, &["--command", "true"]);
    assert!(!stderr(&out).contains("sparse"), "{}", stderr(&out));
    let wt = env.workspace("a");
    assert!(wt.join("pkg/b/two.txt").exists());
    assert!(wt.join("src/lib.txt").exists());
    assert!(
        unset(&env, &env.repo, "extensions.worktreeConfig"),
        "no sparse worktree, no extension"
    );
}

#[test]
fn a_task_without_a_scope_is_checked_out_whole_with_a_warning() {
    let env = small_repo("# A, anywhere\n");
    let out = spawn(&env, &["--command", "true"]);
    let err = stderr(&out);
    assert!(
        err.contains("task 'a' has no scope, so its worktree is checked out whole, not sparse"),
        "{err}"
    );
    let wt = env.workspace("a");
    assert!(wt.join("pkg/b/two.txt").exists());
    assert_eq!(env.git_in(&wt, &["status", "--porcelain"]), "");
}

#[test]
fn no_sparse_flag_beats_front_matter_and_dir_mode_ignores_sparse() {
    let env = small_repo("---\nscope: pkg/a\nsparse: true\n---\n# A\n");
    spawn(&env, &["--no-sparse", "--command", "true"]);
    assert!(env.workspace("a").join("pkg/b/two.txt").exists());

    let env = small_repo("---\nscope: pkg/a\n---\n# A\n");
    let out = spawn(&env, &["--mode", "dir", "--command", "true"]);
    let err = stderr(&out);
    assert!(
        err.contains("sparse checkouts are for worktree mode"),
        "{err}"
    );
    assert!(env.repo.join("pkg/b/two.txt").exists());
    assert!(unset(&env, &env.repo, "core.sparseCheckout"));
}
