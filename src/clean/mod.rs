//! `clean`: remove the worktrees of tasks whose work is safe and delete their branches once
//! merged into the target. Anything that would lose work is kept and said why, unless forced.
#![doc(hidden)]

mod assess;
mod recover;
mod remove;
mod report;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;

pub use crate::gitops::worktree::remove_tree;
pub use report::write_report;

use assess::{assess, Assessment};

use crate::config::Overrides;
use crate::gitops::{ledger, worktree};
use crate::inventory::{Inventory, Target};
use crate::repo::Project;

/// What to clean.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CleanOptions {
    /// Task names or slugs; all when empty.
    pub tasks: Vec<String>,
    /// Remove dirty worktrees and delete unmerged branches too.
    pub force: bool,
    /// Remove worktrees only; every branch stays.
    pub keep_branches: bool,
    /// Merged means merged into this branch; default the main worktree's branch.
    pub into: Option<String>,
    /// Give up the worktree entries of tasks whose directory is missing; without it they are
    /// reported and kept, for `git worktree repair` to find again.
    pub prune: bool,
    /// Once set (by a signal handler, say), clean stops before its next removal, every lock
    /// released; the next clean finishes what it began.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl CleanOptions {
    fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::SeqCst))
    }
}

crate::builder::setters!(CleanOptions {
    /// Only these tasks (names or slugs).
    tasks: list String,
    /// Remove dirty worktrees and delete unmerged branches too.
    force: value bool,
    /// Remove worktrees only; every branch stays.
    keep_branches: value bool,
    /// Merged means merged into this branch.
    into: some String,
    /// Give up the worktree entries of tasks whose directory is missing.
    prune: value bool,
});

/// Why something was kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Reason {
    /// Why, in one line (an unmerged branch, a dirty worktree, a spawn still running, ...).
    pub reason: String,
    /// `--force` overrides it; until then it keeps the whole task (worktree and branch).
    pub force: bool,
}

/// What happened to one task.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[non_exhaustive]
pub struct TaskClean {
    /// The task's name.
    pub task: String,
    /// The worktree that was removed; `None` when there was none or it was kept.
    pub removed_worktree: Option<PathBuf>,
    /// The task's worktree entry, whose directory was missing, was pruned (`--prune`).
    pub pruned_entry: Option<PathBuf>,
    /// The branch that was deleted (short name); `None` when there was none or it was kept.
    pub deleted_branch: Option<String>,
    /// Kept because of `--keep-branches`.
    pub kept_branch: Option<String>,
    /// Reasons that kept the task's worktree or branch; empty when nothing stood in the way.
    pub kept: Vec<Reason>,
    /// Reasons to keep that `--force` overrode.
    pub forced: Vec<String>,
    /// What failed while pruning, removing or deleting, one line each.
    pub errors: Vec<String>,
    /// Its record was dropped from the state: nothing of it is left but its log.
    pub forgot_state: bool,
}

impl TaskClean {
    /// Everything asked for went.
    pub fn complete(&self) -> bool {
        self.kept.is_empty() && self.errors.is_empty()
    }

    fn touched(&self) -> bool {
        self.removed_worktree.is_some()
            || self.pruned_entry.is_some()
            || self.deleted_branch.is_some()
            || self.kept_branch.is_some()
            || !self.complete()
    }
}

/// The outcome of a clean.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct CleanReport {
    /// The branch a task branch must be merged into to be deleted without `force`.
    pub target: Target,
    /// Selected tasks with something to do (every named task).
    pub tasks: Vec<TaskClean>,
    /// What was put right before cleaning: locks, entries and removals that killed git-agents
    /// processes left behind.
    pub notes: Vec<String>,
    /// Failures not tied to a task (deleting moved-aside trees, a lock in the way).
    pub errors: Vec<String>,
    /// Stopped by Ctrl-C or SIGTERM before it was done.
    pub interrupted: bool,
    /// The directory the command ran in, to show paths relative to it.
    #[serde(skip)]
    pub shown_from: PathBuf,
}

impl CleanReport {
    /// 0 when everything asked for went, 1 when something was kept or failed.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            crate::error::exit::INTERRUPTED
        } else if self.errors.is_empty() && self.tasks.iter().all(TaskClean::complete) {
            crate::error::exit::OK
        } else {
            crate::error::exit::FAILED
        }
    }
}

/// Assess every task (in parallel), then remove what is safe. Nothing is removed for a task
/// with a reason to keep it, unless `force`.
///
/// What could not be removed is not an error: the report says what was kept and why, and what
/// failed, and [`CleanReport::exit_code`] is then 1.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), each with a
/// [`Fix`](crate::Fix), before anything is removed: `cwd` is in no repository or a bare one, a
/// bad `agents.*` value, no tasks directory or task files while the state remembers no task
/// either, a task file that cannot be read or has bad front matter, a name in `options.tasks`
/// that is no task ([`Fix::ChooseTask`](crate::Fix::ChooseTask)), an `options.into` that names
/// no branch or commit ([`Fix::ChooseTarget`](crate::Fix::ChooseTarget)).
///
/// Failures (exit code 1): a state file this build cannot read or cannot update, and I/O or git
/// errors (with no [`Error`](crate::Error) in their chain) while assessing the tasks, before
/// anything is removed, or while dropping a record from the state, after.
pub fn clean(cwd: &Path, options: &CleanOptions) -> Result<CleanReport> {
    let mut inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let notes = recover::recover(&mut inventory)?;
    let selected = inventory.select(&options.tasks)?;
    let target = inventory.target(options.into.as_deref())?;
    let store = inventory.store();
    let Inventory {
        project,
        worktrees: registered,
        ..
    } = inventory;
    let main_branch = crate::gitops::head::read(&project.repo)?.branch;
    let context = (&target, registered.as_slice(), main_branch.as_deref());
    let assessed = crate::status::for_each_parallel(&project.repo, &selected, |repo, task| {
        assess(repo, task.clone(), context, options)
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;

    let mut trash = remove::Trash::new(project.state_dir());
    let (mut tasks, to_delete) = remove_worktrees(&assessed, &mut trash, options);
    let mut errors = Vec::new();
    if !options.interrupted() {
        errors = delete_branches(&project, &assessed, &to_delete, &mut tasks);
    }
    // Interrupted (perhaps while deleting branches), what was moved aside stays for the next
    // clean to delete.
    if !options.interrupted() {
        trash.sweep_leftovers(&project.workspace_root());
        errors.extend(
            trash
                .empty()
                .into_iter()
                .map(|(path, err)| format!("deleting {}: {err}", path.display())),
        );
    }
    for (item, done) in assessed.iter().zip(&mut tasks) {
        let worktree_gone = done.removed_worktree.is_some()
            || done.pruned_entry.is_some()
            || (item.entry.is_none() && item.missing.is_none());
        let branch_gone = item.tip.is_none() || done.deleted_branch.is_some();
        // A merged task's record is its history: it stays (status --all shows it).
        let merged = item
            .task
            .record
            .as_ref()
            .is_some_and(|r| r.merged.is_some());
        if item.task.record.is_some() && !merged && done.complete() && worktree_gone && branch_gone
        {
            done.forgot_state = store.remove(&item.task.name)?.is_some();
        }
        if done.complete() && worktree_gone && branch_gone {
            // Temp files only: what a confined agent's runs kept of its TMPDIR.
            let tmp = crate::sandbox::private_tmp(&project.common_dir, &item.task.slug);
            let _ = std::fs::remove_dir_all(tmp);
        }
    }
    let named = !options.tasks.is_empty();
    tasks.retain(|t| named || t.touched());
    Ok(CleanReport {
        target,
        tasks,
        notes,
        errors,
        interrupted: options.interrupted(),
        shown_from: project.cwd.clone(),
    })
}

/// A branch to delete: the task's index, its full name, and the tip it must still have.
type Doomed = (usize, String, gix::ObjectId);

/// Move aside the worktrees of tasks nothing keeps, prune their stale entries; returns what
/// happened to each task and the branches to delete.
fn remove_worktrees(
    assessed: &[Assessment],
    trash: &mut remove::Trash,
    options: &CleanOptions,
) -> (Vec<TaskClean>, Vec<Doomed>) {
    let mut to_delete = Vec::new();
    let mut tasks = Vec::new();
    for item in assessed {
        let blocked = options.interrupted() || !options.force && item.kept.iter().any(|r| r.force);
        let (forced, kept): (Vec<Reason>, Vec<Reason>) =
            item.kept.iter().cloned().partition(|r| r.force && !blocked);
        let mut done = TaskClean {
            task: item.task.name.clone(),
            kept,
            forced: forced.into_iter().map(|r| r.reason).collect(),
            ..TaskClean::default()
        };
        if !blocked {
            if let Some(entry) = &item.entry {
                match trash.take_worktree(entry) {
                    Ok(()) => done.removed_worktree = Some(entry.path.clone()),
                    Err(err) => done.errors.push(format!("{err:#}")),
                }
            }
            if let Some(missing) = item.missing.as_ref().filter(|_| options.prune) {
                match trash.take_entry(missing) {
                    Ok(()) => done.pruned_entry = Some(missing.path.clone()),
                    Err(err) => done.errors.push(format!("{err:#}")),
                }
            }
            if let Some(tip) = item.tip {
                if options.keep_branches {
                    done.kept_branch = Some(item.task.branch.clone());
                } else if !item.branch_pinned && done.errors.is_empty() {
                    to_delete.push((tasks.len(), item.task.full_branch(), tip));
                }
            }
        }
        tasks.push(done);
    }
    (tasks, to_delete)
}

/// Delete the doomed branches (each only if still at its tip) and record the outcome. The
/// locks this takes are noted first; when one of them is already there, nothing is deleted and
/// that is the error returned.
fn delete_branches(
    project: &Project,
    assessed: &[Assessment],
    to_delete: &[Doomed],
    tasks: &mut [TaskClean],
) -> Vec<String> {
    if to_delete.is_empty() {
        return Vec::new();
    }
    let mut repo = project.repo.clone();
    let mut locks: Vec<PathBuf> = to_delete
        .iter()
        .map(|(_, name, _)| worktree::ref_lock(&repo, name))
        .collect();
    locks.push(project.common_dir.join("packed-refs.lock"));
    locks.push(project.common_dir.join("config.lock"));
    let in_the_way = ledger::present(&locks);
    if !in_the_way.is_empty() {
        return in_the_way
            .iter()
            .map(|lock| lock_in_the_way(lock))
            .collect();
    }
    let _noted = match ledger::hold(&project.state_dir(), &locks) {
        Ok(noted) => noted,
        Err(err) => return vec![format!("{err:#}")],
    };
    let branches: Vec<(String, gix::ObjectId)> = to_delete
        .iter()
        .map(|(_, name, tip)| (name.clone(), *tip))
        .collect();
    let results = remove::delete_branches(&mut repo, &branches);
    for ((index, _, _), result) in to_delete.iter().zip(results) {
        let done = &mut tasks[*index];
        match result {
            Ok(()) => done.deleted_branch = Some(assessed[*index].task.branch.clone()),
            Err(err) => done.errors.push(format!("{err:#}")),
        }
    }
    Vec::new()
}

/// A lock file that is not ours keeps every branch.
fn lock_in_the_way(lock: &Path) -> String {
    format!(
        "no branch deleted: {} exists; another git command holds it, or one that died left it behind (if no git is running, delete it)",
        lock.display()
    )
}
