//! The resolve worktree: a linked worktree detached at the target's tip (as the sequence reached
//! it) with the merge of the conflicting branch in progress, as `git merge` leaves it: the files
//! with git's conflict markers (`<<<<<<< HEAD` / `=======` / `>>>>>>> BRANCH`), stages 1/2/3 in
//! the index, `MERGE_HEAD`, `MERGE_MSG`, `MERGE_MODE` and `ORIG_HEAD`. `git status` there shows
//! the merge, and `git commit` finishes it.
//!
//! The file [`PREPARED`] in its admin directory is written last: a worktree without it was cut
//! short while being made, was never handed to anyone, and is made again.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use gix::bstr::{BString, ByteSlice};
use gix::merge::blob::builtin_driver::text::Labels;
use gix::merge::tree::TreatAsUnresolved;
use gix::ObjectId;

use crate::error::{Error, Fix};
use crate::gitops::{self, worktree};
use crate::merge::plan::{self, Conflicted};
use crate::repo::Project;

/// In the resolve worktree's admin directory once it is complete: `OURS THEIRS`.
const PREPARED: &str = "git-agents-resolve";

/// What is found at the resolve worktree's place.
pub(super) enum Found {
    /// Made now, the merge in progress.
    Fresh,
    /// Left by an earlier `merge --resolve` (failed or killed) with this merge still in progress:
    /// the agent goes on in it, with whatever is there.
    InProgress,
    /// Someone finished this merge there (`git commit`): that commit is the resolution.
    Committed,
}

/// The resolve worktree of one conflict, ready for the agent.
pub(super) struct Prepared {
    pub path: PathBuf,
    pub found: Found,
    /// The conflicted paths, as git lists them.
    pub paths: Vec<BString>,
}

/// The marker naming who made the worktree (never a task name, so `clean` never takes it for a
/// task's workspace).
pub(super) fn owner(branch: &str, target: &str) -> String {
    format!("merge --resolve {branch} into {target}")
}

/// Make (or find again) the resolve worktree at `path` for `conflict`, whose objects are all
/// stored in `project.repo` by now.
pub(super) fn prepare(
    project: &Project,
    path: &Path,
    conflict: &Conflicted<'_>,
    target: &str,
    no_ff: bool,
) -> Result<Prepared> {
    let repo = &project.repo;
    if path.symlink_metadata().is_ok() {
        if let Some(found) = existing(project, path, conflict, target)? {
            return Ok(Prepared {
                path: path.to_owned(),
                found,
                paths: conflict.paths.to_vec(),
            });
        }
    }
    let never = AtomicBool::new(false);
    let state = project.state_dir();
    worktree::add_detached(
        repo,
        &state,
        &owner(conflict.branch, target),
        path,
        conflict.ours,
        &never,
    )?;
    let wt = gitops::open_worktree(path)?;
    let paths = merge_in_progress(repo, &wt, conflict, no_ff)?;
    std::fs::write(
        wt.git_dir().join(PREPARED),
        format!("{} {}\n", conflict.ours, conflict.theirs),
    )?;
    Ok(Prepared {
        path: path.to_owned(),
        found: Found::Fresh,
        paths,
    })
}

/// What an earlier `merge --resolve` left at `path`: `None` when it was only half made (it is
/// removed then, to be made again); a refusal when it holds anything else.
fn existing(
    project: &Project,
    path: &Path,
    conflict: &Conflicted<'_>,
    target: &str,
) -> Result<Option<Found>> {
    let registered = worktree::list(&project.repo)?;
    let in_the_way = |worktree: bool| -> anyhow::Error {
        let quoted = crate::merge::apply::shell_quote(&path.to_string_lossy());
        let fix = match worktree {
            true => format!(
                "look at it, then remove it (git worktree remove --force {quoted}) and merge again"
            ),
            false => format!("it is no worktree: move {quoted} away, then merge again"),
        };
        Error::usage(format!(
            "{} is in the way of the resolve worktree for '{}': it holds something else",
            path.display(),
            conflict.branch
        ))
        .with_fix(Fix::Text(fix))
        .into()
    };
    let Some(entry) = worktree::find_at(&registered, path) else {
        return Err(in_the_way(false));
    };
    let ours_entry = entry.owner.as_deref() == Some(owner(conflict.branch, target).as_str());
    if ours_entry && entry.half_made.is_some() {
        // Its making was cut short: nobody has seen it.
        remove_half_made(project, entry, path)?;
        return Ok(None);
    }
    let wt = gitops::open_worktree(path)?;
    let head = wt.head_id().ok().map(gix::Id::detach);
    let merge_head = std::fs::read_to_string(wt.git_dir().join("MERGE_HEAD")).ok();
    let prepared = wt.git_dir().join(PREPARED).is_file();
    let at_ours = match head {
        Some(head) => same_side(&wt, head, conflict.ours)?,
        None => false,
    };
    let theirs = conflict.theirs.to_string();
    if at_ours && prepared && merge_head.as_deref().map(str::trim) == Some(theirs.as_str()) {
        return Ok(Some(Found::InProgress));
    }
    if let Some(head) = head.filter(|_| !at_ours) {
        if resolution_of(&wt, head, conflict)? {
            return Ok(Some(Found::Committed));
        }
    }
    if ours_entry && !prepared && at_ours {
        // Cut short before the merge was all in place: nobody has seen it.
        remove_half_made(project, entry, path)?;
        return Ok(None);
    }
    Err(in_the_way(true))
}

fn remove_half_made(project: &Project, entry: &worktree::Registered, path: &Path) -> Result<()> {
    let aside = worktree::unregister(&entry.git_dir, &project.state_dir())?;
    worktree::remove_tree(&aside)?;
    Ok(worktree::remove_tree(path)?)
}

/// `a` and `b` are the same side of a merge: the same commit, or commits of the same tree (the
/// merge commits an earlier run made in memory before the same branch, made again now).
pub(super) fn same_side(repo: &gix::Repository, a: ObjectId, b: ObjectId) -> Result<bool> {
    let tree = |id: ObjectId| -> Result<ObjectId> { Ok(repo.find_commit(id)?.tree_id()?.detach()) };
    Ok(a == b || tree(a)? == tree(b)?)
}

/// `commit` finishes the merge of `conflict`: its parents are the target's side and the branch.
pub(super) fn resolution_of(
    repo: &gix::Repository,
    commit: ObjectId,
    conflict: &Conflicted<'_>,
) -> Result<bool> {
    let parents: Vec<ObjectId> = repo
        .find_commit(commit)?
        .parent_ids()
        .map(gix::Id::detach)
        .collect();
    Ok(match parents.as_slice() {
        [first, second] => *second == conflict.theirs && same_side(repo, *first, conflict.ours)?,
        _ => false,
    })
}

/// Bring the fresh worktree `wt` (at `conflict.ours`) to the merge in progress: files and
/// index to the merged tree with markers, then the conflicts into the index, then git's merge
/// state files. Returns the conflicted paths.
fn merge_in_progress(
    repo: &gix::Repository,
    wt: &gix::Repository,
    conflict: &Conflicted<'_>,
    no_ff: bool,
) -> Result<Vec<BString>> {
    let options: gix::merge::plumbing::tree::Options = repo
        .tree_merge_options()
        .context("could not read the merge configuration")?
        .into();
    let bases = plan::merge_bases(repo, conflict.ours, conflict.theirs)?;
    // `git merge BRANCH` labels its side HEAD.
    let labels = Labels {
        ancestor: None,
        current: Some("HEAD".as_bytes().as_bstr()),
        other: Some(conflict.branch.as_bytes().as_bstr()),
    };
    let mut outcome = crate::merge::recursive::merge_commits(
        repo,
        conflict.ours,
        conflict.theirs,
        &bases,
        labels,
        &options,
    )?;
    let marked = outcome.tree.write()?.detach();
    let ours_tree = repo.find_commit(conflict.ours)?.tree_id()?.detach();
    gitops::checkout::update_worktree(wt, ours_tree, marked)
        .context("could not write the conflicted files")?;
    let mut index = wt.open_index()?;
    outcome.index_changed_after_applying_conflicts(
        &mut index,
        TreatAsUnresolved::git(),
        gix::merge::tree::apply_index_entries::RemovalMode::Prune,
    );
    index.remove_tree();
    index.remove_resolve_undo();
    index.write(gitops::index_write_options(wt))?;
    let paths: std::collections::BTreeSet<BString> = index
        .entries()
        .iter()
        .filter(|e| e.stage_raw() != 0)
        .map(|e| e.path(&index).to_owned())
        .collect();
    let paths: Vec<BString> = paths.into_iter().collect();
    write_merge_state(wt.git_dir(), conflict, &paths, no_ff)?;
    Ok(paths)
}

/// `MERGE_HEAD`, `MERGE_MSG` (with git's commented list of conflicts), `MERGE_MODE`, `ORIG_HEAD`.
fn write_merge_state(
    git_dir: &Path,
    conflict: &Conflicted<'_>,
    paths: &[BString],
    no_ff: bool,
) -> Result<()> {
    let mut message = conflict.message.to_owned();
    message.push_str("\n# Conflicts:\n");
    for path in paths {
        message.push_str(&format!("#\t{path}\n"));
    }
    let files = [
        ("ORIG_HEAD", format!("{}\n", conflict.ours)),
        ("MERGE_MSG", message),
        ("MERGE_MODE", if no_ff { "no-ff" } else { "" }.to_owned()),
        ("MERGE_HEAD", format!("{}\n", conflict.theirs)),
    ];
    for (name, text) in files {
        std::fs::write(git_dir.join(name), text).with_context(|| format!("writing {name}"))?;
    }
    Ok(())
}
