//! git's rules for the local changes of a checked-out target, applied to the landing as a whole
//! (the sequence of merges, as if `git merge` ran once per branch):
//!
//! * a path a landed step changes must have an index entry equal to the old tree's (a staged
//!   change refuses) and a file equal to that entry or missing (an edit refuses): git's "Your
//!   local changes to the following files would be overwritten by merge";
//! * an entry marked assume-unchanged or skip-worktree is looked at all the same when the merge
//!   changes it: an edited file refuses, as with git;
//! * when a step makes a merge commit, any staged change refuses (git merges only into an index
//!   that matches HEAD); a fast-forward keeps staged changes elsewhere;
//! * an index entry that already equals the new tree's is left as it is, file included;
//! * everything else (edits, deletions and staged changes of paths the merge does not change) is
//!   left alone and does not block; untracked files block only where the merge writes.

use std::collections::BTreeSet;

use anyhow::Result;
use gix::bstr::{BString, ByteSlice};
use gix::ObjectId;

use super::plan::{Plan, StepKind};
use super::select::CheckedOut;
use crate::error::Error;
use crate::gitops::checkout::{self, LocalChanges};
use crate::gitops::diff::files_between;
use crate::gitops::update;

/// What the landing does to a checked-out target, or why it must not.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Tracked local changes the merge would overwrite.
    pub blocking: Vec<BString>,
    /// Untracked files where the merge writes.
    pub in_the_way: Vec<BString>,
    /// Paths to bring to the new tree.
    pub update: BTreeSet<BString>,
    /// Paths that differ between the trees whose index entry already equals the new tree's.
    pub kept: Vec<BString>,
}

/// How a landing moves the target: from `old` to `tip`, through steps that change `touched`
/// (each path any step changes) and make a merge commit when `any_merge`.
pub struct Move<'a> {
    pub old: ObjectId,
    pub tip: ObjectId,
    pub touched: &'a BTreeSet<BString>,
    pub any_merge: bool,
}

/// Judge `how` for `wt` (commits in `mem`).
pub fn judge(
    mem: &gix::Repository,
    wt: &CheckedOut,
    local: &LocalChanges,
    how: &Move<'_>,
) -> Result<Verdict> {
    let Move {
        old,
        tip,
        touched,
        any_merge,
    } = *how;
    let index = update::read_index(&wt.repo)?;
    refuse_unusual(&wt.repo, &index, wt)?;
    let changed = files_between(mem, old, tip)?;
    let old_tree = mem.find_commit(old)?.tree()?;
    let new_tree = mem.find_commit(tip)?.tree()?;
    let entry_of = |tree: &gix::Tree<'_>, path: &BString| -> Result<Option<(ObjectId, u32)>> {
        Ok(tree
            .lookup_entry(path.split_str("/"))?
            .filter(|e| !e.mode().is_tree())
            .map(|e| (e.object_id(), e.mode().value() as u32)))
    };
    let modified: BTreeSet<&BString> = local.modified.iter().collect();
    let hidden: BTreeSet<BString> = checkout::hidden_changes(&wt.repo, &index, touched)?
        .into_iter()
        .collect();
    let mut verdict = Verdict::default();
    let mut blocking = BTreeSet::new();
    for path in touched {
        let in_index = index
            .entry_by_path(path.as_bstr())
            .map(|e| (e.id, e.mode.bits()));
        let in_old = entry_of(&old_tree, path)?;
        if changed.contains(path) && in_index.is_some() && in_index == entry_of(&new_tree, path)? {
            verdict.kept.push(path.clone());
        } else if in_index != in_old || modified.contains(path) || hidden.contains(path) {
            blocking.insert(path.clone());
        }
    }
    if any_merge {
        blocking.extend(local.staged.iter().cloned());
    }
    verdict.blocking = blocking.into_iter().collect();
    verdict.update = changed
        .into_iter()
        .filter(|p| !verdict.kept.contains(p))
        .collect();
    if !local.untracked.is_empty() {
        let to_tree = new_tree.id;
        verdict.in_the_way =
            checkout::in_the_way(mem, &wt.path, &local.untracked, touched, to_tree)?;
    }
    Ok(verdict)
}

/// Every path a landed step changes, and whether any step makes a merge commit.
pub fn landed_changes(
    mem: &gix::Repository,
    plan: &Plan,
    old: ObjectId,
) -> Result<(BTreeSet<BString>, bool)> {
    let end = plan.stop.unwrap_or(plan.steps.len());
    let mut touched = BTreeSet::new();
    let mut any_merge = false;
    let mut before = old;
    for step in &plan.steps[..end] {
        let Some(after) = step.tip_after else {
            continue;
        };
        any_merge |= matches!(step.kind, StepKind::Merge | StepKind::Resolved(_));
        touched.extend(files_between(mem, before, after)?);
        before = after;
    }
    Ok((touched, any_merge))
}

/// Conflicts in the index, or a sparse checkout (whose patterns git agents does not apply).
fn refuse_unusual(repo: &gix::Repository, index: &gix::index::File, wt: &CheckedOut) -> Result<()> {
    let dir = wt.path.display();
    let sparse = repo
        .config_snapshot()
        .boolean("core.sparseCheckout")
        .unwrap_or(false);
    let why = if update::has_conflicts(index) {
        format!("the index of {dir} has unmerged entries")
    } else if sparse
        && index
            .entries()
            .iter()
            .any(|e| e.flags.contains(gix::index::entry::Flags::SKIP_WORKTREE))
    {
        format!("{dir} is a sparse checkout, which git agents cannot update")
    } else {
        return Ok(());
    };
    Err(Error::usage(why)
        .with_fix(crate::error::Fix::FixThenMergeAgain)
        .into())
}

/// The `index.lock` of the target's worktree, unless it is `ours` (left by a killed merge that
/// the landing clears first): the real merge would fail to take it.
pub fn refuse_locked_index(wt: &CheckedOut, ours: Option<&super::journal::LockFile>) -> Result<()> {
    let lock = crate::gitops::index_lock::lock_path(&wt.repo);
    let ours = ours.is_some_and(|l| l.path == lock && l.is_present());
    if lock.exists() && !ours {
        return Err(index_locked(&wt.path, &lock));
    }
    Ok(())
}

pub fn index_locked(place: &std::path::Path, lock: &std::path::Path) -> anyhow::Error {
    Error::usage(format!(
        "cannot update {}: {} exists (is another git process running there?)",
        place.display(),
        lock.display()
    ))
    .with_fix(crate::error::Fix::RemoveStaleLock {
        lock: lock.to_owned(),
    })
    .into()
}

/// What [`judge`] found, as the refusal a merge (and its dry run) makes.
pub fn refusal(target: &super::select::Target, verdict: &Verdict) -> Option<Error> {
    if !verdict.blocking.is_empty() {
        return Some(refuse(
            target,
            "has local changes the merge would overwrite",
            &verdict.blocking,
            false,
        ));
    }
    if !verdict.in_the_way.is_empty() {
        return Some(refuse(
            target,
            "has untracked files the merge would overwrite",
            &verdict.in_the_way,
            true,
        ));
    }
    None
}

fn refuse(
    target: &super::select::Target,
    what: &str,
    paths: &[gix::bstr::BString],
    untracked: bool,
) -> Error {
    const SHOWN: usize = 10;
    let mut list: Vec<String> = paths.iter().take(SHOWN).map(|p| p.to_string()).collect();
    if paths.len() > SHOWN {
        list.push(format!("and {} more", paths.len() - SHOWN));
    }
    let place = target
        .worktree
        .as_ref()
        .map(|wt| wt.path.display().to_string())
        .unwrap_or_default();
    Error::usage(format!(
        "'{}' is checked out in {place} and {what}: {}",
        target.name,
        list.join(", ")
    ))
    .with_fix(crate::error::Fix::CleanTarget { untracked })
}
