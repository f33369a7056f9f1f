//! `clean`: remove the worktrees of tasks whose work is safe and delete their branches once
//! merged into the target. Anything that would lose work is kept and said why, unless forced.

mod remove;
mod report;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use remove::remove_tree;
pub use report::write_report;

use crate::config::Overrides;
use crate::gitops::worktree::{self, Registered};
use crate::inventory::{self as known, Inventory, KnownTask, Target};
use crate::repo::Project;
use crate::status::{probe, scan};

/// What to clean.
#[derive(Debug, Clone, Default)]
pub struct CleanOptions {
    /// Task names or slugs; all when empty (and then every stale worktree entry is pruned).
    pub tasks: Vec<String>,
    /// Remove dirty worktrees and delete unmerged branches too.
    pub force: bool,
    /// Remove worktrees only; every branch stays.
    pub keep_branches: bool,
    /// Merged means merged into this branch; default the main worktree's branch.
    pub into: Option<String>,
}

/// Why something was kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub reason: String,
    /// `--force` overrides it; until then it keeps the whole task (worktree and branch).
    pub force: bool,
}

/// What happened to one task.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TaskClean {
    pub task: String,
    pub removed_worktree: Option<PathBuf>,
    /// The task's worktree entry was stale (its directory gone) and was pruned.
    pub pruned_entry: Option<PathBuf>,
    pub deleted_branch: Option<String>,
    /// Kept because of `--keep-branches`.
    pub kept_branch: Option<String>,
    pub kept: Vec<Reason>,
    /// Reasons to keep that `--force` overrode.
    pub forced: Vec<String>,
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
pub struct CleanReport {
    pub target: Target,
    /// Selected tasks with something to do (every named task).
    pub tasks: Vec<TaskClean>,
    /// Stale worktree entries of no task that were pruned.
    pub pruned: Vec<PathBuf>,
    /// Failures not tied to a task (deleting moved-aside trees).
    pub errors: Vec<String>,
    #[serde(skip)]
    pub root: PathBuf,
}

impl CleanReport {
    /// 0 when everything asked for went, 1 when something was kept or failed.
    pub fn exit_code(&self) -> i32 {
        if self.errors.is_empty() && self.tasks.iter().all(TaskClean::complete) {
            crate::error::exit::OK
        } else {
            crate::error::exit::FAILED
        }
    }
}

/// What was found before anything is touched.
struct Assessment {
    task: KnownTask,
    /// The task's live worktree.
    entry: Option<Registered>,
    /// The task's stale worktree entry.
    stale: Option<Registered>,
    tip: Option<gix::ObjectId>,
    /// The branch may not be deleted (checked out elsewhere).
    branch_pinned: bool,
    kept: Vec<Reason>,
}

/// Assess every task (in parallel), then remove what is safe. Nothing is removed for a task
/// with a reason to keep it, unless `force`.
pub fn clean(cwd: &Path, options: &CleanOptions) -> Result<CleanReport> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let selected = inventory.select(&options.tasks)?;
    let target = inventory.target(options.into.as_deref())?;
    let store = inventory.store();
    let Inventory {
        project,
        worktrees: registered,
        ..
    } = inventory;
    let main_branch = project.repo.head_name()?.map(|n| n.as_bstr().to_string());
    let context = (&target, registered.as_slice(), main_branch.as_deref());
    let assessed = crate::status::for_each_parallel(&project.repo, &selected, |repo, task| {
        assess(repo, task.clone(), context, options)
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;

    let mut trash = remove::Trash::default();
    let mut to_delete = Vec::new();
    let mut tasks = Vec::new();
    for item in &assessed {
        let blocked = !options.force && item.kept.iter().any(|r| r.force);
        let (forced, kept): (Vec<Reason>, Vec<Reason>) =
            item.kept.iter().cloned().partition(|r| r.force && !blocked);
        let mut done = TaskClean {
            task: item.task.name.clone(),
            kept,
            forced: forced.into_iter().map(|r| r.reason).collect(),
            ..TaskClean::default()
        };
        if let Some(stale) = &item.stale {
            match worktree::prune(stale) {
                Ok(()) => done.pruned_entry = Some(stale.path.clone()),
                Err(err) => done.errors.push(format!("{err:#}")),
            }
        }
        if !blocked {
            if let Some(entry) = &item.entry {
                match trash.take_worktree(entry) {
                    Ok(()) => done.removed_worktree = Some(entry.path.clone()),
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

    let mut pruned = Vec::new();
    if options.tasks.is_empty() {
        let ours: Vec<&PathBuf> = assessed
            .iter()
            .filter_map(|a| a.stale.as_ref().map(|s| &s.git_dir))
            .collect();
        for entry in registered.iter().filter(|e| e.prunable) {
            if !ours.contains(&&entry.git_dir) && worktree::prune(entry).is_ok() {
                pruned.push(entry.path.clone());
            }
        }
    }

    let mut repo = project.repo.clone();
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

    trash.sweep_leftovers(&project.workspace_root());
    let errors = trash
        .empty()
        .into_iter()
        .map(|(path, err)| format!("deleting {}: {err}", path.display()))
        .collect();

    for (item, done) in assessed.iter().zip(&mut tasks) {
        let worktree_gone = item.entry.is_none() || done.removed_worktree.is_some();
        let branch_gone = item.tip.is_none() || done.deleted_branch.is_some();
        if item.task.record.is_some() && done.complete() && worktree_gone && branch_gone {
            done.forgot_state = store.remove(&item.task.name)?.is_some();
        }
    }
    let named = !options.tasks.is_empty();
    tasks.retain(|t| named || t.touched());
    Ok(CleanReport {
        target,
        tasks,
        pruned,
        errors,
        root: project.root.clone(),
    })
}

fn assess(
    repo: &gix::Repository,
    task: KnownTask,
    (target, registered, main_branch): (&Target, &[Registered], Option<&str>),
    options: &CleanOptions,
) -> Result<Assessment> {
    let full = task.full_branch();
    let mut kept = Vec::new();
    let mut force = |reason: String| {
        kept.push(Reason {
            reason,
            force: true,
        })
    };
    let record = task.record.as_ref();
    if let Some(record) = record.filter(|r| known::is_live(r)) {
        let pid = record.pid.unwrap_or_default();
        force(format!("its spawn is still running (pid {pid})"));
    }
    let at_path = worktree::find_at(registered, &task.workspace);
    let stale = registered
        .iter()
        .find(|e| e.prunable && (Some(*e) == at_path || e.branch.as_deref() == Some(&full)))
        .cloned();
    let entry = at_path.filter(|e| !e.prunable).cloned();
    let tip = worktree::branch_tip(repo, &full)?;
    if let Some(entry) = &entry {
        if entry.git_dir.join("locked").exists() {
            force("its worktree is locked (git worktree unlock)".to_owned());
        }
        // The scan of every file is the expensive part, and --force would override it anyway.
        if !options.force {
            let copied = record.map(|r| r.copied.as_slice()).unwrap_or_default();
            match scan::uncommitted(repo, &entry.path, copied, false) {
                Ok(paths) if !paths.is_empty() => force(uncommitted_reason(&paths)),
                Ok(_) => {}
                Err(err) => force(format!("its worktree status cannot be read: {err:#}")),
            }
        }
        if !options.force
            && entry.branch.is_none()
            && detached_commits(repo, &entry.path, tip, target)?
        {
            force("its detached HEAD holds commits on no branch".to_owned());
        }
    } else if record.is_some() && task.workspace.symlink_metadata().is_ok() && at_path.is_none() {
        kept.push(Reason {
            reason: format!(
                "{} is not a worktree of this repository; left alone",
                task.workspace.display()
            ),
            force: false,
        });
    }
    let mut branch_pinned = false;
    if let (Some(tip), false) = (tip, options.keep_branches) {
        let unmerged = match target.commit {
            Some(commit) => match probe::commits_missing(repo, tip, commit)? {
                0 => None,
                1 => Some("1 commit".to_owned()),
                n => Some(format!("{n} commits")),
            },
            None => Some("commits (and the target has none)".to_owned()),
        };
        if let Some(commits) = unmerged {
            kept.push(Reason {
                reason: format!(
                    "branch {} has {commits} not in {}",
                    task.branch, target.name
                ),
                force: true,
            });
        }
        let elsewhere = registered
            .iter()
            .filter(|e| !e.prunable && Some(*e) != entry.as_ref())
            .find(|e| e.branch.as_deref() == Some(&full))
            .map(|e| e.path.display().to_string())
            .or_else(|| (main_branch == Some(&full)).then(|| "the main worktree".to_owned()));
        if let Some(place) = elsewhere {
            branch_pinned = true;
            kept.push(Reason {
                reason: format!("branch {} is checked out in {place}", task.branch),
                force: false,
            });
        }
    }
    Ok(Assessment {
        task,
        entry,
        stale,
        tip,
        branch_pinned,
        kept,
    })
}

fn uncommitted_reason(paths: &[gix::bstr::BString]) -> String {
    const SHOWN: usize = 3;
    let mut list: Vec<String> = paths.iter().take(SHOWN).map(|p| p.to_string()).collect();
    if paths.len() > SHOWN {
        list.push(format!("+{} more", paths.len() - SHOWN));
    }
    let files = if paths.len() == 1 { "path" } else { "paths" };
    format!(
        "uncommitted changes in {} {files} ({})",
        paths.len(),
        list.join(", ")
    )
}

/// A detached HEAD whose commit neither the task branch nor the target contains.
fn detached_commits(
    repo: &gix::Repository,
    workspace: &Path,
    tip: Option<gix::ObjectId>,
    target: &Target,
) -> Result<bool> {
    let head = gix::open(workspace)
        .ok()
        .and_then(|r| r.head_id().ok().map(|id| id.detach()));
    let Some(head) = head else { return Ok(false) };
    for known in [tip, target.commit].into_iter().flatten() {
        if probe::commits_missing(repo, head, known)? == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}
