//! What clean finds before it touches anything: per task, what is there and every reason to
//! keep it.

use std::path::Path;

use anyhow::Result;

use super::{CleanOptions, Reason};
use crate::gitops::worktree::{self, Registered};
use crate::inventory::{self as known, KnownTask, Target};
use crate::status::{probe, scan};

/// What was found before anything is touched.
pub(super) struct Assessment {
    pub task: KnownTask,
    /// The task's live worktree.
    pub entry: Option<Registered>,
    /// The task's stale worktree entry.
    pub stale: Option<Registered>,
    pub tip: Option<gix::ObjectId>,
    /// The branch may not be deleted (checked out elsewhere).
    pub branch_pinned: bool,
    pub kept: Vec<Reason>,
}

/// Where `task` stands, and why (if at all) to keep it.
pub(super) fn assess(
    repo: &gix::Repository,
    task: KnownTask,
    (target, registered, main_branch): (&Target, &[Registered], Option<&str>),
    options: &CleanOptions,
) -> Result<Assessment> {
    let full = task.full_branch();
    let mut kept = Vec::new();
    if let Some(record) = task.record.as_ref().filter(|r| known::is_live(r)) {
        let pid = record.pid.unwrap_or_default();
        kept.push(forced(format!("its spawn is still running (pid {pid})")));
    }
    let at_path = worktree::find_at(registered, &task.workspace);
    let stale = registered
        .iter()
        .find(|e| e.prunable && (Some(*e) == at_path || e.branch.as_deref() == Some(&full)))
        .cloned();
    let entry = at_path.filter(|e| !e.prunable).cloned();
    let tip = worktree::branch_tip(repo, &full)?;
    match &entry {
        Some(entry) => worktree_reasons(repo, &task, entry, tip, target, options, &mut kept)?,
        None if task.record.is_some()
            && task.workspace.symlink_metadata().is_ok()
            && at_path.is_none() =>
        {
            kept.push(Reason {
                reason: format!(
                    "{} is not a worktree of this repository; left alone",
                    task.workspace.display()
                ),
                force: false,
            })
        }
        None => {}
    }
    let mut branch_pinned = false;
    if let (Some(tip), false) = (tip, options.keep_branches) {
        kept.extend(unmerged(repo, &task, tip, target)?);
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

fn forced(reason: String) -> Reason {
    Reason {
        reason,
        force: true,
    }
}

/// Reasons in the task's live worktree: a lock, uncommitted work, commits on no branch.
fn worktree_reasons(
    repo: &gix::Repository,
    task: &KnownTask,
    entry: &Registered,
    tip: Option<gix::ObjectId>,
    target: &Target,
    options: &CleanOptions,
    kept: &mut Vec<Reason>,
) -> Result<()> {
    if entry.git_dir.join("locked").exists() {
        kept.push(forced(
            "its worktree is locked (git worktree unlock)".to_owned(),
        ));
    }
    // The scan of every file is the expensive part, and --force would override it anyway.
    if options.force {
        return Ok(());
    }
    let copied = task
        .record
        .as_ref()
        .map(|r| r.copied.as_slice())
        .unwrap_or_default();
    match scan::uncommitted(repo, &entry.path, copied, false) {
        Ok(paths) if !paths.is_empty() => kept.push(forced(uncommitted_reason(&paths))),
        Ok(_) => {}
        Err(err) => kept.push(forced(format!(
            "its worktree status cannot be read: {err:#}"
        ))),
    }
    if entry.branch.is_none() && detached_commits(repo, &entry.path, tip, target)? {
        kept.push(forced(
            "its detached HEAD holds commits on no branch".to_owned(),
        ));
    }
    Ok(())
}

/// The task branch holds commits the target does not.
fn unmerged(
    repo: &gix::Repository,
    task: &KnownTask,
    tip: gix::ObjectId,
    target: &Target,
) -> Result<Option<Reason>> {
    let commits = match target.tip() {
        Some(commit) => match probe::commits_missing(repo, tip, commit)? {
            0 => return Ok(None),
            1 => "1 commit".to_owned(),
            n => format!("{n} commits"),
        },
        None => "commits (and the target has none)".to_owned(),
    };
    Ok(Some(forced(format!(
        "branch {} has {commits} not in {}",
        task.branch, target.name
    ))))
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
    for known in [tip, target.tip()].into_iter().flatten() {
        if probe::commits_missing(repo, head, known)? == 0 {
            return Ok(false);
        }
    }
    Ok(true)
}
