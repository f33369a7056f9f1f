//! Worktree mode (the seed's Pattern 1): a branch and a linked worktree per task, in parallel;
//! the untracked contracts, task file and CLAUDE.md are copied in and never committed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

use crate::error::{Error, Fix};
use crate::gitops::worktree::{self, Registered};
use crate::progress::Event;
use crate::spawn::plan::{Existing, Placement, Survey, TaskPlan};
use crate::spawn::{execute, include};
use crate::tasks::Task;

pub struct Driver;

impl super::Driver for Driver {
    fn prepare(
        &self,
        cx: &execute::Context<'_>,
        task: &TaskPlan,
        base: gix::ObjectId,
    ) -> Result<Vec<String>> {
        prepare(cx, &cx.repo.to_thread_local(), base, task)
    }
}

/// A linked worktree of its own under the workspace root, with the untracked contracts,
/// CLAUDE.md and task file copied in.
pub fn place(survey: &Survey, task: &Task, branch: String, full: &str) -> Result<Placement> {
    let recorded = survey
        .state
        .tasks
        .get(&task.name)
        .map(|r| r.workspace.as_path());
    // A worktree of ours at an older place (the seed's layout, say) keeps being used.
    let workspace = recorded
        .filter(|at| {
            worktree::find_at(&survey.registered, at)
                .is_some_and(|e| !e.prunable && e.made_for(&task.name, Some(at)))
        })
        .map(Path::to_path_buf)
        .unwrap_or_else(|| survey.project.workspace_root().join(&task.slug));
    let existing = existing(&survey.registered, task, recorded, &workspace, full)?;
    let mut copies = survey.shared_copies.clone();
    if !survey.tracked(&task.rel_file)? {
        copies.push(task.rel_file.clone());
    }
    Ok(Placement {
        branch,
        workspace,
        existing,
        copies,
    })
}

/// What is at `workspace` already. An entry whose directory is missing is never pruned here:
/// the directory may have been moved or sit on a disk not mounted, and only its admin
/// directory knows where its HEAD was.
fn existing(
    registered: &[Registered],
    task: &Task,
    recorded: Option<&Path>,
    workspace: &Path,
    full_branch: &str,
) -> Result<Existing> {
    if let Some(entry) = worktree::find_at(registered, workspace) {
        let ours = entry.made_for(&task.name, recorded);
        if ours && entry.repairable() {
            return Ok(Existing::HalfMade(entry.clone()));
        }
        if entry.prunable {
            return Err(directory_missing(entry, &task.name, ours).into());
        }
        if entry.branch.as_deref() == Some(full_branch) {
            return Ok(Existing::Worktree);
        }
        let other = entry.branch.as_deref().unwrap_or("a detached HEAD");
        return Err(Error::usage(format!(
            "{} is a worktree of {other}, not of {full_branch}",
            workspace.display()
        ))
        .with_fix(Fix::ClearWorkspace { worktree: true })
        .into());
    }
    if let Some(elsewhere) = registered
        .iter()
        .find(|w| w.branch.as_deref() == Some(full_branch))
    {
        let gone = if elsewhere.prunable {
            " (whose directory is missing)"
        } else {
            ""
        };
        return Err(Error::usage(format!(
            "{full_branch} is already checked out in {}{gone}",
            elsewhere.path.display()
        ))
        .with_fix(Fix::FreeBranch { branch_mode: false })
        .into());
    }
    match std::fs::read_dir(workspace).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(Error::usage(format!(
            "{} exists and is not a git-agents worktree",
            workspace.display()
        ))
        .with_fix(Fix::ClearWorkspace { worktree: false })
        .into()),
        Ok(false) => Ok(Existing::Nothing),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Existing::Nothing),
        Err(_) => Err(Error::usage(format!(
            "{} exists and is not a directory git-agents can use",
            workspace.display()
        ))
        .with_fix(Fix::ClearWorkspace { worktree: false })
        .into()),
    }
}

fn directory_missing(entry: &Registered, task: &str, ours: bool) -> Error {
    let path = entry.path.display();
    if ours {
        Error::usage(format!(
            "the worktree of task '{task}' is registered at {path}, but its directory is missing"
        ))
        .with_fix(Fix::FindWorktree {
            task: Some(task.to_owned()),
        })
    } else {
        Error::usage(format!(
            "{path} is registered as a worktree git-agents did not make, and its directory is missing"
        ))
        .with_fix(Fix::FindWorktree { task: None })
    }
}

/// Create or reuse the branch and worktree; return the repo-relative paths copied in.
fn prepare(
    cx: &execute::Context<'_>,
    repo: &gix::Repository,
    base: gix::ObjectId,
    task: &TaskPlan,
) -> Result<Vec<String>> {
    let full = format!("refs/heads/{}", task.branch);
    let state_dir = cx.store.dir();
    let new = matches!(task.existing, Existing::Nothing | Existing::HalfMade(_));
    match &task.existing {
        Existing::Worktree | Existing::InPlace => {}
        Existing::HalfMade(entry) => {
            worktree::ensure_branch(repo, &full, base)?;
            let note = worktree::repair(repo, entry, &task.task.name, &full)?;
            cx.reporter.event(&Event::Warning { message: note });
        }
        Existing::Nothing => {
            worktree::ensure_branch(repo, &full, base)?;
            let interrupt = AtomicBool::new(false);
            let name = &task.task.name;
            if let Some(cone) = &task.sparse {
                sparse_note(cx, repo, state_dir, name, cone)?;
            }
            let cone = task.sparse.as_deref();
            worktree::add(
                repo,
                state_dir,
                name,
                &task.workspace,
                &full,
                cone,
                &interrupt,
            )?;
        }
    }
    let mut copied = copy_files(&cx.root, &task.workspace, &task.copies)?;
    copied.extend(include_ignored(cx, task, new)?);
    Ok(copied)
}

/// Say which directories a sparse worktree gets, and, the first time, that the repository's
/// config now has `extensions.worktreeConfig` (as `git sparse-checkout init` would set it).
fn sparse_note(
    cx: &execute::Context<'_>,
    repo: &gix::Repository,
    state_dir: &Path,
    task: &str,
    cone: &[String],
) -> Result<()> {
    if crate::gitops::sparse::enable_worktree_config(repo, state_dir)? {
        cx.reporter.event(&Event::Note {
            message: format!(
                "sparse worktrees: extensions.worktreeConfig turned on in {}, as git sparse-checkout does",
                repo.common_dir().join("config").display()
            ),
        });
    }
    cx.reporter.event(&Event::Note {
        message: format!(
            "task '{task}': sparse worktree (cone mode) with {} and the top-level files",
            cone.join(", ")
        ),
    });
    Ok(())
}

/// Copy the ignored files `.worktreeinclude` and `agents.copy` select into a new worktree;
/// a reused one keeps what it has, and those of them still there stay out of its commits.
fn include_ignored(cx: &execute::Context<'_>, task: &TaskPlan, new: bool) -> Result<Vec<String>> {
    if !new {
        return Ok(task
            .includes
            .iter()
            .filter(|i| task.workspace.join(&i.rel).symlink_metadata().is_ok())
            .map(include::Include::recorded)
            .collect());
    }
    let (copied, how) = include::copy_into(&cx.root, &task.workspace, &task.includes)?;
    if how.plain && !cx.plain_copy_noted.swap(true, Ordering::Relaxed) {
        cx.reporter.event(&Event::Note {
            message: "this filesystem cannot clone files; ignored files are copied into new worktrees byte by byte".into(),
        });
    }
    Ok(copied)
}

/// Copy files that are not tracked at the base; an existing copy is left as the agent has it.
fn copy_files(root: &Path, workspace: &Path, copies: &[PathBuf]) -> Result<Vec<String>> {
    let mut copied = Vec::new();
    for rel in copies {
        let dest = workspace.join(rel);
        if dest.symlink_metadata().is_err() {
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::copy(root.join(rel), &dest)
                .with_context(|| format!("copying {} into the workspace", rel.display()))?;
        }
        copied.push(rel.to_string_lossy().replace('\\', "/"));
    }
    Ok(copied)
}
