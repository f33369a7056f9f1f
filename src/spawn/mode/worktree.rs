//! Worktree mode (the seed's Pattern 1): a branch and a linked worktree per task, in parallel;
//! the untracked contracts, task file and CLAUDE.md are copied in and never committed.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use crate::gitops::worktree;
use crate::spawn::execute;
use crate::spawn::plan::{Existing, TaskPlan};

pub struct Driver;

impl super::Driver for Driver {
    fn prepare(
        &self,
        cx: &execute::Context<'_>,
        task: &TaskPlan,
        base: gix::ObjectId,
    ) -> Result<Vec<String>> {
        prepare(&cx.repo.to_thread_local(), &cx.root, base, task)
    }
}

/// Create or reuse the branch and worktree; return the repo-relative paths copied in.
fn prepare(
    repo: &gix::Repository,
    root: &Path,
    base: gix::ObjectId,
    task: &TaskPlan,
) -> Result<Vec<String>> {
    let full = format!("refs/heads/{}", task.branch);
    match &task.existing {
        Existing::Worktree | Existing::InPlace => {}
        Existing::Stale(entry) => {
            worktree::prune(entry)?;
            worktree::ensure_branch(repo, &full, base)?;
            worktree::add(repo, &task.workspace, &full, &AtomicBool::new(false))?;
        }
        Existing::Nothing => {
            worktree::ensure_branch(repo, &full, base)?;
            worktree::add(repo, &task.workspace, &full, &AtomicBool::new(false))?;
        }
    }
    copy_files(root, &task.workspace, &task.copies)
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
