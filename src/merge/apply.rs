//! Landing a computed plan, in steps recorded in the [`journal`](super::journal) so that a merge
//! killed at any instant leaves the old state, the new state, or one the next merge repairs:
//!
//! 1. the objects the new tip needs, children before parents, durably ([`super::objects`]);
//! 2. for a checked-out target, under its `index.lock`: the new files written aside, then moved
//!    into place, then the index ([`crate::gitops::update`]); a failure or an interrupt before
//!    the files move changes nothing, a failure while they move puts them back;
//! 3. the ref, compare-and-swap against the tip the plan started from.
//!
//! The ref never moves before the files and the index are the new tree's.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use gix::bstr::BString;
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
use gix::refs::Target as RefTarget;
use gix::ObjectId;

use super::journal::{Journal, LockFile, Phase};
use super::select::Target;
use crate::error::{Error, Fix};
use crate::gitops::index_lock::{self, IndexLock};
use crate::gitops::update::{self, Update};

/// What to land and where.
pub struct Landing<'a> {
    pub state_dir: PathBuf,
    pub target: &'a Target,
    pub tip: ObjectId,
    pub message: String,
    /// The old tip and the merged branches' tips.
    pub sources: Vec<ObjectId>,
    /// Paths of the checked-out target to bring to the new tree.
    pub update: BTreeSet<BString>,
    /// Paths that differ between the trees but stay as they are.
    pub kept: Vec<BString>,
    pub fast_forward: bool,
}

/// Move the target to `landing.tip`, whose new objects live in `mem`'s object memory. Returns
/// whether an interrupt came once the files had begun to move (the landing was finished).
pub fn land(
    repo: &gix::Repository,
    mem: &mut gix::Repository,
    landing: &Landing<'_>,
    interrupt: &AtomicBool,
) -> Result<bool> {
    let target = landing.target;
    let state = landing.state_dir.as_path();
    let mut journal = begin(landing);
    journal.save(state, Phase::Objects)?;
    let memory = mem.objects.take_object_memory().unwrap_or_default();
    let known: HashSet<ObjectId> = landing.sources.iter().copied().collect();
    let written = super::objects::persist(repo, &memory, landing.tip, &known);
    drop(memory);
    if let Err(err) = written {
        let _ = Journal::remove(state);
        return Err(err.context("could not write the merge commits"));
    }
    if interrupt.load(Ordering::SeqCst) {
        Journal::remove(state)?;
        return Err(interrupted(&target.name));
    }
    let Some(wt) = &target.worktree else {
        journal.save(state, Phase::Ref)?;
        let moved = move_ref(
            repo,
            None,
            target,
            target.tip,
            landing.tip,
            &landing.message,
        );
        Journal::remove(state)?;
        moved?;
        return Ok(false);
    };
    land_checked_out(repo, wt, landing, &mut journal, interrupt)?;
    Ok(interrupt.load(Ordering::SeqCst))
}

fn begin(landing: &Landing<'_>) -> Journal {
    let target = landing.target;
    Journal {
        version: super::journal::VERSION,
        pid: std::process::id(),
        target: target.name.clone(),
        worktree: target.worktree.as_ref().map(|wt| wt.path.clone()),
        old: target.tip.into(),
        new: landing.tip.into(),
        phase: Phase::Objects,
        message: landing.message.clone(),
        sources: landing.sources.iter().map(|id| (*id).into()).collect(),
        fast_forward: landing.fast_forward,
        kept: landing.kept.iter().map(ToString::to_string).collect(),
        index_lock: None,
        stage: None,
    }
}

/// Files and index of the checked-out target to the new tree, then the ref; a failure before
/// the files move changes nothing, one after puts them back.
fn land_checked_out(
    repo: &gix::Repository,
    wt: &super::select::CheckedOut,
    landing: &Landing<'_>,
    journal: &mut Journal,
    interrupt: &AtomicBool,
) -> Result<()> {
    let (target, state) = (landing.target, landing.state_dir.as_path());
    let old_tree = tree_of(repo, target.tip)?;
    let new_tree = tree_of(repo, landing.tip)?;
    let paths = &landing.update;
    let goal = Goal {
        tree: new_tree,
        paths,
        clear_dirs: true,
        from: Some(old_tree),
    };
    match files_to(&wt.repo, journal, state, &goal, interrupt) {
        Ok(()) => {}
        Err(Step::Untouched(err)) => {
            Journal::remove(state)?;
            return Err(err);
        }
        Err(Step::Partial(err)) => {
            let err = put_back(wt, journal, state, old_tree, paths, err)?;
            return Err(Error::failed(format!(
                "could not update the files in {}; they were put back and '{}' did not move",
                wt.path.display(),
                target.name
            ))
            .with_fix(Fix::FixThenMergeAgain)
            .caused_by(err)
            .into());
        }
    }
    journal.save(state, Phase::Ref)?;
    let message = &landing.message;
    if let Err(err) = move_ref(
        repo,
        Some(&wt.repo),
        target,
        target.tip,
        landing.tip,
        message,
    ) {
        journal.save(state, Phase::Files)?;
        return Err(put_back(wt, journal, state, old_tree, paths, err)?);
    }
    Journal::remove(state)
}

/// Why bringing files to a tree failed: before anything in the worktree changed, or half-way.
pub(super) enum Step {
    Untouched(anyhow::Error),
    Partial(anyhow::Error),
}

/// Where [`files_to`] brings a worktree.
pub(super) struct Goal<'a> {
    pub tree: ObjectId,
    pub paths: &'a BTreeSet<BString>,
    /// Remove directories in the way with what they hold (only ignored files, as judged).
    pub clear_dirs: bool,
    /// The tree whose entries the index must still have at `paths` once locked, when the
    /// worktree was judged before the lock was taken.
    pub from: Option<ObjectId>,
}

/// Bring `goal.paths` of `repo`'s worktree (files, then index) to `goal.tree`, the journal
/// following: `Staging` (with the identity of our `index.lock`, recorded before the lock exists)
/// while nothing has changed, unless the journal is already further; then `Files` just before
/// files move. An interrupt is only heeded before that point.
pub(super) fn files_to(
    repo: &gix::Repository,
    journal: &mut Journal,
    state: &Path,
    goal: &Goal<'_>,
    interrupt: &AtomicBool,
) -> Result<(), Step> {
    let start = journal.phase;
    let early = start < Phase::Files;
    let untouched = Step::Untouched;
    clear_own_leftovers(journal);
    let lock_path = index_lock::lock_path(repo);
    let place = repo.workdir().unwrap_or(repo.git_dir()).to_owned();
    if lock_path.exists() {
        return Err(untouched(super::local::index_locked(&place, &lock_path)));
    }
    let stage = update::stage_dir(repo).map_err(untouched)?;
    let lock = IndexLock::acquire(repo, &mut |path, dev, ino| {
        journal.index_lock = Some(LockFile {
            path: path.to_owned(),
            dev,
            ino,
        });
        journal.stage = Some(stage.clone());
        journal.save(state, start.max(Phase::Staging))
    })
    .map_err(untouched)?;
    let mut update =
        Update::new(repo, lock, goal.tree, goal.paths.clone(), stage).map_err(untouched)?;
    if let Some(from) = goal.from {
        update.expect_index_at(from).map_err(untouched)?;
    }
    update.stage(interrupt).map_err(|err| {
        untouched(
            Error::failed(format!(
                "could not write the new files of {}",
                place.display()
            ))
            .with_fix(Fix::FixThenMergeAgain)
            .caused_by(err)
            .into(),
        )
    })?;
    if interrupt.load(Ordering::SeqCst) && early {
        return Err(untouched(interrupted(&journal.target)));
    }
    journal
        .save(state, start.max(Phase::Files))
        .map_err(untouched)?;
    update.swap(goal.clear_dirs).map_err(Step::Partial)?;
    update.write_index().map_err(Step::Partial)?;
    Ok(())
}

/// Remove what a dead process recorded in `journal` left: its `index.lock` (recognised by its
/// inode, never anyone else's), the private name it made it under, and its stage directory.
pub(super) fn clear_own_leftovers(journal: &mut Journal) {
    if let Some(lock) = journal.index_lock.take() {
        if lock.is_present() {
            let _ = std::fs::remove_file(&lock.path);
        }
        let _ = std::fs::remove_file(index_lock::private_path(&lock.path, journal.pid));
    }
    if let Some(stage) = journal.stage.take() {
        let _ = std::fs::remove_dir_all(stage);
    }
}

/// After files failed to move half-way (or the ref could not move): bring them back to
/// `old_tree` and forget the landing, handing `err` back; when that fails too, the journal stays
/// for `--continue` / `--abort` and the error says so.
fn put_back(
    wt: &super::select::CheckedOut,
    journal: &mut Journal,
    state: &Path,
    old_tree: ObjectId,
    paths: &BTreeSet<BString>,
    err: anyhow::Error,
) -> Result<anyhow::Error> {
    let never = AtomicBool::new(false);
    let goal = Goal {
        tree: old_tree,
        paths,
        clear_dirs: false,
        from: None,
    };
    match files_to(&wt.repo, journal, state, &goal, &never) {
        Ok(()) => {
            Journal::remove(state)?;
            Ok(err)
        }
        Err(Step::Untouched(again) | Step::Partial(again)) => Err(Error::failed(format!(
            "updating the files in {} failed half-way, and so did putting them back ({again:#})",
            wt.path.display()
        ))
        .with_fix(Fix::ContinueOrAbortMerge)
        .caused_by(err)
        .into()),
    }
}

/// Move `target` from `from` to `to` (compare-and-swap), through the HEAD of its worktree when it
/// is checked out so that HEAD's reflog says so too; then make the ref durable.
pub(super) fn move_ref(
    repo: &gix::Repository,
    worktree: Option<&gix::Repository>,
    target: &Target,
    from: ObjectId,
    to: ObjectId,
    message: &str,
) -> Result<()> {
    let (name, deref) = match worktree {
        Some(_) => ("HEAD", true),
        None => (target.full_name.as_str(), false),
    };
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: message.into(),
            },
            expected: PreviousValue::MustExistAndMatch(RefTarget::Object(from)),
            new: RefTarget::Object(to),
        },
        name: name.try_into().expect("valid name"),
        deref,
    };
    worktree
        .unwrap_or(repo)
        .edit_reference(edit)
        .map_err(|err| moved_meanwhile(&target.name, err))?;
    let file = repo.common_dir().join(&target.full_name);
    if let Ok(f) = std::fs::File::open(&file) {
        let _ = f.sync_all();
        if let Some(dir) = file.parent() {
            let _ = crate::gitops::sync_dir(dir);
        }
    }
    Ok(())
}

pub(super) fn interrupted(target: &str) -> anyhow::Error {
    Error::interrupted(format!(
        "interrupted: '{target}', its files and its index were left as they were"
    ))
    .into()
}

fn moved_meanwhile(target: &str, err: gix::Error) -> anyhow::Error {
    Error::failed(format!("could not move '{target}'"))
        .with_fix(Fix::MergeAgain)
        .caused_by(err)
        .into()
}

pub(super) fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<ObjectId> {
    Ok(repo
        .find_commit(commit)
        .and_then(|c| c.tree_id())
        .with_context(|| format!("could not read the tree of commit {commit}"))?
        .detach())
}

/// Quote for a POSIX shell when needed, for commands we print (never run).
pub fn shell_quote(word: &str) -> String {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| word.to_owned())
}
