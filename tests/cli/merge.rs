//! merge: task branches brought home, judged by git (`git merge-tree --write-tree`, sequential
//! `git merge` in a copy of the repository, `git status`).

mod behaviour;
mod corpus;
mod crash;
mod failures;
mod local_changes;
mod many;
mod oracle;
mod resolve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{stderr, stdout, Env};

/// Tasks `names` committed on main, each with its branch `feature/<name>` at that commit.
fn with_tasks(names: &[&str]) -> Env {
    let env = Env::new();
    for name in names {
        env.task(name, &format!("# {name}\n"));
    }
    env.commit_all("tasks");
    for name in names {
        env.git(&["branch", &format!("feature/{name}")]);
    }
    env
}

/// A change to a worktree.
#[derive(Clone, Copy)]
enum Op<'a> {
    Write(&'a str, &'a [u8]),
    Delete(&'a str),
    Rename(&'a str, &'a str),
    Exec(&'a str),
    Symlink(&'a str, &'a str),
}

fn apply(dir: &Path, ops: &[Op]) {
    for op in ops {
        match *op {
            Op::Write(path, content) => {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            Op::Delete(path) => {
                let path = dir.join(path);
                std::fs::remove_file(&path).unwrap();
                let _ = std::fs::remove_dir(path.parent().unwrap());
            }
            Op::Rename(from, to) => {
                let to = dir.join(to);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::rename(dir.join(from), to).unwrap();
            }
            Op::Exec(path) => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(0o755))
                    .unwrap();
            }
            Op::Symlink(path, target) => {
                let path = dir.join(path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::os::unix::fs::symlink(target, path).unwrap();
            }
        }
    }
}

/// Switch the main worktree to `branch`, apply `ops`, commit, and switch back to main.
fn commit_on(env: &Env, branch: &str, ops: &[Op], message: &str) {
    env.git(&["switch", "-q", branch]);
    apply(&env.repo, ops);
    env.commit_all(message);
    env.git(&["switch", "-q", "main"]);
}

/// What `git merge-tree --write-tree` says about merging `theirs` into `ours`.
struct GitMerge {
    tree: String,
    conflicts: Vec<String>,
}

fn git_merge_tree(env: &Env, ours: &str, theirs: &str) -> GitMerge {
    let out = env
        .git_cmd(&env.repo)
        .args([
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            ours,
            theirs,
        ])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "merge-tree failed: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let mut lines = text.lines();
    let tree = lines.next().unwrap().to_owned();
    let conflicts = lines.filter(|l| !l.is_empty()).map(str::to_owned).collect();
    GitMerge { tree, conflicts }
}

/// Run `git agents merge ARGS --json`; exit code and parsed report.
fn merge_json(env: &Env, args: &[&str]) -> (i32, serde_json::Value) {
    let out = env
        .cmd()
        .arg("merge")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}), exit {code}:\n{}{}",
            stdout(&out),
            stderr(&out)
        )
    });
    (code, json)
}

fn outcomes(report: &serde_json::Value) -> Vec<(String, String)> {
    report["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["branch"].as_str().unwrap().to_owned(),
                b["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// Everything a merge must not change when it refuses or stops before landing.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    refs: String,
    head: String,
    index: Vec<u8>,
    files: BTreeMap<PathBuf, Vec<u8>>,
}

fn snapshot(env: &Env) -> Snapshot {
    let git_dir = env.repo.join(".git");
    let mut files = BTreeMap::new();
    collect_files(&env.repo, &env.repo, &mut files);
    Snapshot {
        refs: env.git(&["for-each-ref", "--format=%(refname) %(objectname)"]),
        head: std::fs::read_to_string(git_dir.join("HEAD")).unwrap(),
        index: std::fs::read(git_dir.join("index")).unwrap(),
        files,
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path == root.join(".git") {
            continue;
        }
        if path.is_dir() {
            collect_files(root, &path, out);
        } else {
            out.insert(
                path.strip_prefix(root).unwrap().to_owned(),
                std::fs::read(&path).unwrap(),
            );
        }
    }
}

/// Number of loose and packed objects in the repository.
fn object_count(env: &Env) -> u64 {
    let text = env.git(&["count-objects", "-v"]);
    text.lines()
        .filter_map(|l| {
            l.strip_prefix("count: ")
                .or_else(|| l.strip_prefix("in-pack: "))
        })
        .map(|n| n.trim().parse::<u64>().unwrap())
        .sum()
}

/// The main worktree has no staged, unstaged or untracked changes, and git can read everything.
fn assert_clean(env: &Env, dir: &Path) {
    let status = env.git_in(dir, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, "", "git status in {} is not clean", dir.display());
    assert_eq!(env.git_in(dir, &["diff-index", "--cached", "HEAD"]), "");
    assert!(!dir.join(".git/MERGE_HEAD").exists());
}

/// A copy of the whole repository (worktree and .git), for replaying with git.
fn copy_repo(env: &Env, name: &str) -> PathBuf {
    let dest = env.root().join(name);
    copy_dir(&env.repo, &dest);
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let ty = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if ty.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
