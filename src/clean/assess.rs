//! What clean finds before it touches anything: per task, what is there and every reason to
//! keep it.

use std::path::PathBuf;

use anyhow::Result;

use super::{CleanOptions, Reason};
use crate::gitops::reach;
use crate::gitops::scan;
use crate::gitops::worktree::{self, Registered};
use crate::inventory::{self as known, KnownTask, Target};
use crate::status::probe;

/// What was found before anything is touched.
pub(super) struct Assessment {
    pub task: KnownTask,
    /// The task's worktree.
    pub entry: Option<Registered>,
    /// The task's worktree entry whose directory is missing.
    pub missing: Option<Registered>,
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
    let mine = own_entry(&task, registered);
    let entry = mine.filter(|e| !e.prunable).cloned();
    let missing = mine.filter(|e| e.prunable).cloned();
    let tip = worktree::branch_tip(repo, &full)?;
    if let Some(entry) = &entry {
        worktree_reasons(repo, &task, entry, options, &mut kept)?;
    } else if let Some(missing) = &missing {
        missing_reasons(repo, missing, options, &mut kept)?;
    } else {
        kept.extend(not_ours(&task, registered));
    }
    let mut branch_pinned = false;
    if let (Some(tip), false) = (tip, options.keep_branches) {
        kept.extend(unmerged(repo, &task, tip, target)?);
        let removing = entry
            .as_ref()
            .or(missing.as_ref().filter(|_| options.prune));
        let holder = registered
            .iter()
            .filter(|e| Some(*e) != removing)
            .find(|e| e.branch.as_deref() == Some(&full));
        branch_pinned = holder.is_some() || main_branch == Some(&full);
        let place = match holder {
            // Its own entry, kept for want of --prune: said above.
            Some(holder) if Some(holder) == mine => None,
            Some(holder) => Some(holder.path.display().to_string()),
            None => branch_pinned.then(|| "the main worktree".to_owned()),
        };
        if let Some(place) = place {
            kept.push(Reason {
                reason: format!("branch {} is checked out in {place}", task.branch),
                force: false,
            });
        }
    }
    Ok(Assessment {
        task,
        entry,
        missing,
        tip,
        branch_pinned,
        kept,
    })
}

/// The worktree entry git-agents made for `task`: marked for it, or (made before markers)
/// registered where its record says its workspace is.
pub(super) fn own_entry<'a>(
    task: &KnownTask,
    registered: &'a [Registered],
) -> Option<&'a Registered> {
    let recorded = task.record.as_ref().map(|r| r.workspace.as_path());
    registered
        .iter()
        .find(|e| e.owner.as_deref() == Some(task.name.as_str()))
        .or_else(|| {
            worktree::find_at(registered, &task.workspace)
                .filter(|e| e.made_for(&task.name, recorded))
        })
}

/// Something at the task's workspace that git-agents did not make.
fn not_ours(task: &KnownTask, registered: &[Registered]) -> Option<Reason> {
    let shown = task.workspace.display();
    let reason = match worktree::find_at(registered, &task.workspace) {
        Some(_) => format!("{shown} is a worktree git-agents did not make; left alone"),
        None if task.record.is_some() && task.workspace.symlink_metadata().is_ok() => {
            format!("{shown} is not a worktree of this repository; left alone")
        }
        None => return None,
    };
    Some(Reason {
        reason,
        force: false,
    })
}

fn forced(reason: String) -> Reason {
    Reason {
        reason,
        force: true,
    }
}

/// Reasons in the task's live worktree: a lock, uncommitted work, commits held nowhere else.
fn worktree_reasons(
    repo: &gix::Repository,
    task: &KnownTask,
    entry: &Registered,
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
    let doomed = [entry.git_dir.clone(), entry.path.clone()];
    lost_commits(repo, entry, &doomed, kept)
}

/// The task's entry is there but its directory is not: kept (and its branch with it) unless
/// `--prune`, and then only if nothing would be lost with its admin directory.
fn missing_reasons(
    repo: &gix::Repository,
    entry: &Registered,
    options: &CleanOptions,
    kept: &mut Vec<Reason>,
) -> Result<()> {
    if !options.prune {
        kept.push(Reason {
            reason: format!(
                "worktree directory missing: {} (git worktree repair finds it where it went; --prune gives it up)",
                entry.path.display()
            ),
            force: false,
        });
        return Ok(());
    }
    if options.force {
        return Ok(());
    }
    lost_commits(repo, entry, std::slice::from_ref(&entry.git_dir), kept)
}

/// Commits only the entry's detached HEAD reaches, or only its submodules hold, all of it
/// under `doomed`.
fn lost_commits(
    repo: &gix::Repository,
    entry: &Registered,
    doomed: &[PathBuf],
    kept: &mut Vec<Reason>,
) -> Result<()> {
    let opened = worktree::open(repo, entry);
    let worktree_repo = match opened {
        Ok(r) => r,
        Err(err) => {
            kept.push(forced(format!("its repository cannot be read: {err:#}")));
            return Ok(());
        }
    };
    let head = worktree_repo.head_id().ok().map(|id| id.detach());
    if let (None, Some(head)) = (&entry.branch, head) {
        if reach::on_no_ref(repo, head)? {
            kept.push(forced(
                "its detached HEAD holds commits on no branch".to_owned(),
            ));
        }
    }
    let doomed: Vec<PathBuf> = doomed
        .iter()
        .map(|d| d.canonicalize().unwrap_or_else(|_| d.clone()))
        .collect();
    let held = reach::submodules_holding_commits(&worktree_repo, &doomed)?;
    if !held.is_empty() {
        let (which, verb) = match held.len() {
            1 => ("its submodule", "holds"),
            _ => ("its submodules", "hold"),
        };
        kept.push(forced(format!(
            "{which} {} {verb} commits found nowhere else",
            held.join(", ")
        )));
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
