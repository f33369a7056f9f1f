//! Commits that removing a worktree would lose: ones only its detached `HEAD` reaches, and ones
//! only its submodules hold.
//!
//! A linked worktree keeps its submodules' repositories in its own admin directory
//! (`.git/worktrees/<id>/modules/<name>`, or old-form `.git` directories inside the worktree),
//! so they go with it, local branches and all. A submodule's `HEAD` commit is safe only when it
//! is known to live on: reachable from a remote-tracking ref of that repository (it came from,
//! or went to, its remote), from any ref when the repository lies outside what is removed, or
//! from another copy of the same submodule in this repository (the main worktree's, another
//! worktree's), where the commits the superproject records usually live.

use std::path::{Path, PathBuf};

use anyhow::Result;
use gix::bstr::{BStr, ByteSlice};
use gix::ObjectId;

/// Nesting deeper than this is not followed.
const DEPTH: usize = 8;

/// Whether `commit` is reachable from none of `repo`'s refs.
pub fn on_no_ref(repo: &gix::Repository, commit: ObjectId) -> Result<bool> {
    let tips = ref_tips(repo, &|_| true)?;
    unreachable_from(repo, commit, tips)
}

/// The commits every ref of `repo` that `keep` accepts points to (tags peeled).
fn ref_tips(repo: &gix::Repository, keep: &dyn Fn(&BStr) -> bool) -> Result<Vec<ObjectId>> {
    let mut tips = Vec::new();
    let references = repo.references()?;
    for reference in references.all()?.flatten() {
        if !keep(reference.name().as_bstr()) {
            continue;
        }
        let mut reference = reference;
        if let Ok(commit) = reference.peel_to_commit() {
            tips.push(commit.id);
        }
    }
    Ok(tips)
}

fn unreachable_from(repo: &gix::Repository, commit: ObjectId, tips: Vec<ObjectId>) -> Result<bool> {
    if tips.contains(&commit) {
        return Ok(false);
    }
    let mut walk = repo.rev_walk([commit]).with_hidden(tips).all()?;
    Ok(walk.next().transpose()?.is_some())
}

/// The submodules (nested ones too) of the worktree `repo` whose `HEAD` commit would be lost
/// with everything under `doomed`: their paths, relative to the worktree.
pub fn submodules_holding_commits(
    repo: &gix::Repository,
    doomed: &[PathBuf],
) -> Result<Vec<String>> {
    let mut held = Vec::new();
    let common = repo.common_dir().to_owned();
    visit(repo, &common, doomed, "", 0, &mut held)?;
    Ok(held)
}

fn visit(
    repo: &gix::Repository,
    common: &Path,
    doomed: &[PathBuf],
    prefix: &str,
    depth: usize,
    held: &mut Vec<String>,
) -> Result<()> {
    let Some(submodules) = repo.submodules().ok().flatten() else {
        return Ok(());
    };
    for submodule in submodules {
        let path = submodule
            .path()
            .map(|p| format!("{prefix}{}", p.to_str_lossy()))
            .unwrap_or_else(|_| format!("{prefix}{}", submodule.name()));
        let opened = match submodule.open() {
            Ok(Some(sub)) => Some(sub),
            Ok(None) => continue,
            Err(_) => submodule.git_dir().ok().and_then(|dir| gix::open(dir).ok()),
        };
        let Some(sub) = opened else {
            held.push(format!("{path} (unreadable)"));
            continue;
        };
        let Some(head) = sub.head_id().ok().map(|id| id.detach()) else {
            continue;
        };
        if !lives_on(&sub, head, submodule.name(), common, doomed)? {
            held.push(path.clone());
        }
        if depth < DEPTH {
            visit(&sub, common, doomed, &format!("{path}/"), depth + 1, held)?;
        }
    }
    Ok(())
}

/// Whether `head` of the submodule repository `sub` (named `name`) outlives `doomed`.
fn lives_on(
    sub: &gix::Repository,
    head: ObjectId,
    name: &BStr,
    common: &Path,
    doomed: &[PathBuf],
) -> Result<bool> {
    let inside = |dir: &Path| {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
        doomed.iter().any(|d| dir.starts_with(d))
    };
    let survives = !inside(sub.git_dir());
    let remote = |name: &BStr| survives || name.starts_with(b"refs/remotes/");
    if !unreachable_from(sub, head, ref_tips(sub, &remote)?)? {
        return Ok(true);
    }
    for copy in other_copies(common, name) {
        if inside(&copy) || copy.canonicalize().ok() == sub.git_dir().canonicalize().ok() {
            continue;
        }
        let Ok(other) = gix::open(&copy) else {
            continue;
        };
        if !other.has_object(head) {
            continue;
        }
        let mut tips = ref_tips(&other, &|_| true)?;
        tips.extend(other.head_id().ok().map(|id| id.detach()));
        if !unreachable_from(&other, head, tips)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Where else this repository keeps a submodule named `name`: the main worktree's modules and
/// every linked worktree's.
fn other_copies(common: &Path, name: &BStr) -> Vec<PathBuf> {
    let Ok(name) = gix::path::from_bstr(name) else {
        return Vec::new();
    };
    let mut copies = vec![common.join("modules").join(&name)];
    if let Ok(entries) = std::fs::read_dir(common.join("worktrees")) {
        copies.extend(
            entries
                .flatten()
                .map(|e| e.path().join("modules").join(&name)),
        );
    }
    copies.retain(|c| c.is_dir());
    copies
}
