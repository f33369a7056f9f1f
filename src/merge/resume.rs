//! An interrupted landing, found through its journal, and repaired:
//!
//! * `--continue` finishes it: the objects checked, the files and the index brought to the new
//!   tree, then the ref moved (compare-and-swap from the old tip);
//! * `--abort` goes back: the ref back to the old tip first (if it had moved), then the files and
//!   the index to the old tree; a target moved by someone else since is left as it is;
//! * a plain merge settles a journal by itself when only one outcome is possible (nothing but
//!   objects had been written, or everything had been done) and refuses otherwise.
//!
//! Only the paths the landing changes are touched, so local changes elsewhere stay.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Result;
use gix::bstr::BString;
use gix::ObjectId;
use serde::Serialize;

use super::apply::{self, Step};
use super::journal::{Journal, LockFile, MergeLock, Phase};
use super::select::{CheckedOut, Target};
use crate::error::{Error, Fix};
use crate::repo::Project;

/// Which way to repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    Continue,
    Abort,
}

/// What `--continue` or `--abort` did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ResumeReport {
    pub action: Action,
    pub target: String,
    pub worktree: Option<PathBuf>,
    /// How far the interrupted merge had got.
    pub phase: Phase,
    /// Where the interrupted merge started and where it was going.
    pub old: String,
    pub new: String,
    /// Where the target is now.
    pub tip: String,
    pub warnings: Vec<String>,
}

/// The interrupted landing as found now.
struct Found {
    journal: Journal,
    target: Target,
    old: ObjectId,
    new: ObjectId,
}

impl Found {
    fn open(project: &Project, journal: Journal) -> Result<Found> {
        // A deleted branch is one that moved: only forgetting the merge is left.
        let tip = crate::gitops::worktree::local_branch_tip(&project.repo, &journal.target)?
            .unwrap_or_else(|| ObjectId::null(project.repo.object_hash()));
        let worktree = match &journal.worktree {
            Some(path) => crate::gitops::open_worktree(path)
                .ok()
                .map(|repo| CheckedOut {
                    path: path.clone(),
                    repo,
                }),
            None => None,
        };
        Ok(Found {
            target: Target {
                name: journal.target.clone(),
                full_name: format!("refs/heads/{}", journal.target),
                tip,
                worktree,
            },
            old: journal.old.to_gix(),
            new: journal.new.to_gix(),
            journal,
        })
    }

    /// The worktree the landing was updating cannot be opened any more.
    fn worktree_gone(&self) -> bool {
        self.journal.worktree.is_some() && self.target.worktree.is_none()
    }

    fn at_old(&self) -> bool {
        self.target.tip == self.old
    }

    fn at_new(&self) -> bool {
        self.target.tip == self.new
    }

    /// The paths the landing changes, less those it leaves as they are.
    fn paths(&self, repo: &gix::Repository) -> Result<BTreeSet<BString>> {
        let kept: HashSet<&str> = self.journal.kept.iter().map(String::as_str).collect();
        Ok(
            crate::gitops::diff::files_between(repo, self.old, self.new)?
                .into_iter()
                .filter(|p| !kept.contains(p.to_string().as_str()))
                .collect(),
        )
    }

    /// Clear what the dead process left (its lock, stage and temporary objects) and the journal.
    fn forget(mut self, repo: &gix::Repository, state: &Path) -> Result<()> {
        apply::clear_own_leftovers(&mut self.journal);
        super::objects::remove_temporaries(repo, self.journal.pid);
        Journal::remove(state)
    }
}

/// Finish or undo the interrupted merge of the repository around `project`.
pub fn resume(project: &Project, action: Action, interrupt: &AtomicBool) -> Result<ResumeReport> {
    let state = project.state_dir();
    let _lock = MergeLock::acquire(&state)?;
    let Some(journal) = Journal::load(&state)? else {
        let what = match action {
            Action::Continue => "continue",
            Action::Abort => "abort",
        };
        return Err(Error::usage(format!(
            "there is no interrupted git agents merge to {what}"
        ))
        .with_fix(Fix::NothingToResume)
        .into());
    };
    let found = Found::open(project, journal)?;
    let mut report = ResumeReport {
        action,
        target: found.target.name.clone(),
        worktree: found.journal.worktree.clone(),
        phase: found.journal.phase,
        old: found.old.to_string(),
        new: found.new.to_string(),
        tip: String::new(),
        warnings: Vec::new(),
    };
    let tip = match action {
        Action::Continue => finish(project, found, &state, interrupt)?,
        Action::Abort => undo(project, found, &state, &mut report.warnings)?,
    };
    report.tip = tip.to_string();
    Ok(report)
}

fn finish(
    project: &Project,
    mut found: Found,
    state: &Path,
    interrupt: &AtomicBool,
) -> Result<ObjectId> {
    let repo = &project.repo;
    if !found.at_old() && !found.at_new() || found.worktree_gone() {
        return Err(moved_elsewhere(&found));
    }
    let phase = found.journal.phase;
    if phase == Phase::Objects {
        let sources: HashSet<ObjectId> = found.journal.sources.iter().map(|c| c.to_gix()).collect();
        let empty = gix::odb::memory::Storage::default();
        if let Err(err) = super::objects::persist(repo, &empty, found.new, &sources) {
            found.forget(repo, state)?;
            return Err(Error::usage(
                "there is nothing to continue: the interrupted merge had not written all of its objects, and nothing else had changed (it was forgotten)",
            )
            .with_fix(Fix::NothingToResume)
            .caused_by(err)
            .into());
        }
    }
    if let Some(wt) = &found.target.worktree {
        let paths = if phase < Phase::Files && found.at_old() {
            checked_paths(repo, &found, wt)?
        } else {
            found.paths(repo)?
        };
        if !(phase == Phase::Ref && found.at_new()) {
            let untouched = phase < Phase::Files;
            let goal = apply::Goal {
                tree: apply::tree_of(repo, found.new)?,
                paths: &paths,
                clear_dirs: untouched,
                from: untouched
                    .then(|| apply::tree_of(repo, found.old))
                    .transpose()?,
            };
            apply::files_to(&wt.repo, &mut found.journal, state, &goal, interrupt)
                .map_err(unfinished)?;
        }
    }
    if found.at_old() {
        found.journal.save(state, Phase::Ref)?;
        let wt = found.target.worktree.as_ref().map(|wt| &wt.repo);
        let message = found.journal.message.clone();
        apply::move_ref(repo, wt, &found.target, found.old, found.new, &message)?;
    }
    let new = found.new;
    found.forget(repo, state)?;
    Ok(new)
}

/// The paths to update when the landing had not touched the worktree yet: judged by git's rules
/// again, since the worktree may have changed since.
fn checked_paths(
    repo: &gix::Repository,
    found: &Found,
    wt: &CheckedOut,
) -> Result<BTreeSet<BString>> {
    let local = crate::gitops::checkout::local_changes(&wt.repo)?;
    let touched = crate::gitops::diff::files_between(repo, found.old, found.new)?;
    let how = super::local::Move {
        old: found.old,
        tip: found.new,
        touched: &touched,
        any_merge: !found.journal.fast_forward,
    };
    let verdict = super::local::judge(repo, wt, &local, &how)?;
    if let Some(refusal) = super::local::refusal(&found.target, &verdict) {
        return Err(refusal.into());
    }
    Ok(verdict.update)
}

fn undo(
    project: &Project,
    mut found: Found,
    state: &Path,
    warnings: &mut Vec<String>,
) -> Result<ObjectId> {
    let repo = &project.repo;
    if !found.at_old() && !found.at_new() || found.worktree_gone() {
        warnings.push(format!(
            "'{}' or its worktree changed since the merge was interrupted: the branch, its files and its index were left as they are",
            found.target.name
        ));
        let tip = found.target.tip;
        found.forget(repo, state)?;
        return Ok(tip);
    }
    let wt = found.target.worktree.as_ref().map(|wt| &wt.repo);
    if found.at_new() {
        let message = format!("merge --abort: back to {}", found.old);
        apply::move_ref(repo, wt, &found.target, found.new, found.old, &message)?;
        found.journal.save(state, Phase::Files)?;
    }
    if let Some(wt) = &found.target.worktree {
        if found.journal.phase >= Phase::Files {
            let paths = found.paths(repo)?;
            let goal = apply::Goal {
                tree: apply::tree_of(repo, found.old)?,
                paths: &paths,
                clear_dirs: false,
                from: None,
            };
            let never = AtomicBool::new(false);
            apply::files_to(&wt.repo, &mut found.journal, state, &goal, &never)
                .map_err(unfinished)?;
        }
    }
    let old = found.old;
    found.forget(repo, state)?;
    Ok(old)
}

fn unfinished(step: Step) -> anyhow::Error {
    match step {
        Step::Untouched(err) | Step::Partial(err) => err,
    }
}

fn moved_elsewhere(found: &Found) -> anyhow::Error {
    let name = &found.target.name;
    let now = if found.worktree_gone() {
        format!(
            "the worktree of the interrupted merge into '{name}' ({}) cannot be opened any more",
            found
                .journal
                .worktree
                .as_deref()
                .unwrap_or(Path::new(""))
                .display()
        )
    } else if found.target.tip.is_null() {
        format!("branch '{name}' of the interrupted merge no longer exists")
    } else {
        format!(
            "'{name}' is at {}, neither where the interrupted merge started ({}) nor where it was going ({})",
            found.target.tip, found.old, found.new
        )
    };
    Error::usage(now).with_fix(Fix::AbortMerge).into()
}

/// Before a plain merge (or its dry run): settle a journal that has only one possible outcome,
/// refuse on any other. Returns the `index.lock` a settled journal recorded as ours, which a dry
/// run must not count as someone else's (the real merge removes it first).
pub fn before_merge(project: &Project, dry_run: bool) -> Result<Option<LockFile>> {
    let state = project.state_dir();
    let Some(journal) = Journal::load(&state)? else {
        return Ok(None);
    };
    let found = Found::open(project, journal)?;
    let phase = found.journal.phase;
    let checked_out = found.journal.worktree.is_some();
    let settled = phase < Phase::Files
        || (phase == Phase::Ref && (found.at_new() || !checked_out && found.at_old()));
    if !settled && (found.worktree_gone() || !found.at_old() && !found.at_new()) {
        return Err(moved_elsewhere(&found));
    }
    if !settled {
        return Err(interrupted_there(&found));
    }
    if let Some(wt) = &found.target.worktree {
        let ours = found.journal.index_lock.as_ref();
        super::local::refuse_locked_index(wt, ours)?;
    }
    if dry_run {
        return Ok(found.journal.index_lock.filter(LockFile::is_present));
    }
    found.forget(&project.repo, &state)?;
    Ok(None)
}

fn interrupted_there(found: &Found) -> anyhow::Error {
    let place = found
        .journal
        .worktree
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let name = &found.target.name;
    let when = match found.journal.phase {
        Phase::Ref if found.at_old() => {
            format!("after the files of {place} were updated, before '{name}' moved")
        }
        _ => format!("while it replaced the files of {place}"),
    };
    Error::usage(format!(
        "a git agents merge into '{name}' was interrupted {when} (from {} to {})",
        found.old, found.new
    ))
    .with_fix(Fix::ContinueOrAbortMerge)
    .into()
}
