//! status stays exact where a fast status could cut corners: stat data that almost match,
//! changes deep in directories whose own stamps say nothing, and its untracked cache.

use std::path::Path;
use std::time::Duration;

use crate::common::Env;
use crate::status::{ok, row, spawn, status_json};

pub(crate) const DEEP: &str = "a/b/c/d/e/f";

/// Two tasks with worktrees over a tree six directories deep, committed files in every
/// level, `*.tmp` ignored; their directories old enough for the untracked cache to be kept.
pub(crate) fn deep_env() -> Env {
    let env = Env::new();
    env.write(".gitignore", "*.tmp\n");
    let mut dir = String::new();
    for level in DEEP.split('/') {
        dir = if dir.is_empty() {
            level.to_owned()
        } else {
            format!("{dir}/{level}")
        };
        env.write(&format!("{dir}/file.txt"), &format!("in {dir}\n"));
    }
    env.commit_all("a deep tree");
    // Task files left uncommitted: committed ones would need `git agents trust` first.
    for task in ["alpha", "beta"] {
        env.task(
            task,
            &format!("---\ncommand: fake-agent write {task}.txt done\n---\n# Task\n"),
        );
    }
    spawn(&env, &["alpha", "beta"]);
    settle();
    env
}

/// Past the second in which a directory or file last changed: a cache may trust its stamps.
pub(crate) fn settle() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// The paths `git status --porcelain -uall` lists in `ws`, each once (a path both staged as
/// deleted and untracked is one path), without the files git-agents copied in.
pub(crate) fn git_paths(env: &Env, ws: &Path) -> Vec<String> {
    let mut paths: Vec<String> = env
        .git_in(ws, &["status", "--porcelain", "--untracked-files=all"])
        .lines()
        .map(|l| l[3..].to_owned())
        .filter(|p| !p.starts_with(".claude/"))
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

pub(crate) fn uncommitted(env: &Env, task: &str) -> (String, u64) {
    let report = status_json(env, &[task]);
    let row = row(&report, task);
    (
        row["worktree"].as_str().unwrap().to_owned(),
        row["uncommitted"]
            .as_u64()
            .unwrap_or_else(|| panic!("{row}")),
    )
}

/// Same size, other bytes, and an mtime one second past the old one.
pub(crate) fn edit_in_place(path: &Path) {
    let old = std::fs::metadata(path).unwrap().modified().unwrap();
    let content = std::fs::read(path).unwrap();
    let flipped: Vec<u8> = content.iter().map(|b| b.to_ascii_uppercase()).collect();
    assert_eq!(flipped.len(), content.len());
    std::fs::write(path, flipped).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(old + Duration::from_secs(1)).unwrap();
}

#[test]
fn a_change_deep_in_an_untouched_looking_tree_is_seen() {
    let env = deep_env();
    let ws = env.workspace("alpha");
    assert_eq!(uncommitted(&env, "alpha"), ("clean".into(), 0));
    let cache = env.root().join("repo/.git/agents/cache/untracked/wt-alpha");
    let written = std::fs::metadata(&cache)
        .and_then(|m| m.modified())
        .expect("the first status keeps an untracked cache, so what follows tests it");
    assert_eq!(uncommitted(&env, "alpha"), ("clean".into(), 0));
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        written,
        "the second status answered from the cache"
    );

    edit_in_place(&ws.join(DEEP).join("file.txt"));
    std::fs::write(ws.join("a/b/c/d/e/new.txt"), "untracked\n").unwrap();
    std::fs::remove_file(ws.join("a/b/file.txt")).unwrap();
    std::fs::write(ws.join("a/b/c/scratch.tmp"), "ignored\n").unwrap();

    let git = git_paths(&env, &ws);
    assert_eq!(git.len(), 3, "{git:?}");
    assert_eq!(uncommitted(&env, "alpha"), ("dirty".into(), 3));
    assert_eq!(uncommitted(&env, "beta"), ("clean".into(), 0));
    let table = ok(&env, &["status"]);
    assert!(table.contains("dirty (3)"), "{table}");
}

#[test]
fn the_untracked_cache_never_hides_a_later_change() {
    let env = deep_env();
    let ws = env.workspace("alpha");
    let check = |what: &str| {
        let git = git_paths(&env, &ws);
        let state = if git.is_empty() { "clean" } else { "dirty" };
        assert_eq!(
            uncommitted(&env, "alpha"),
            (state.into(), git.len() as u64),
            "{what}: git lists {git:?}"
        );
        // Once more from a cache written now (or still valid), after the stamps settled.
        settle();
        assert_eq!(
            uncommitted(&env, "alpha").1,
            git.len() as u64,
            "{what}, cached"
        );
    };
    check("clean");
    std::fs::write(ws.join(DEEP).join("new.txt"), "untracked\n").unwrap();
    check("a new file deep down");
    std::fs::create_dir_all(ws.join(DEEP).join("g/h")).unwrap();
    check("empty directories");
    std::fs::write(ws.join(DEEP).join("g/h/inside.txt"), "x\n").unwrap();
    check("a file in a directory that was empty");
    std::fs::write(ws.join("a/b/.gitignore"), "inside.txt\n").unwrap();
    check("a new .gitignore");
    std::fs::write(ws.join("a/b/.gitignore"), "new.txt\n").unwrap();
    check("a .gitignore edited in place");
    let exclude = env.root().join("repo/.git/info/exclude");
    std::fs::write(&exclude, "*.txt\n").unwrap();
    check("info/exclude");
    std::fs::write(&exclude, "").unwrap();
    env.git_in(&ws, &["rm", "-q", "--cached", "a/b/c/file.txt"]);
    check("a file untracked through the index");
    std::fs::remove_file(ws.join("a/file.txt")).unwrap();
    std::fs::write(ws.join("a/other.txt"), "x\n").unwrap();
    // Its directory's mtime put back a year: its ctime still tells.
    let touched = std::process::Command::new("touch")
        .args(["-m", "-t", "202501010000"])
        .arg(ws.join("a"))
        .status()
        .unwrap();
    assert!(touched.success());
    check("a file replaced, its directory's mtime put back");
    // A tracked directory replaced by a symbolic link to a copy: its files are gone for git.
    let copy = env.root().join("copy-of-e");
    std::fs::rename(ws.join("a/b/c/d/e"), &copy).unwrap();
    std::os::unix::fs::symlink(&copy, ws.join("a/b/c/d/e")).unwrap();
    check("a directory replaced by a symbolic link");
}
