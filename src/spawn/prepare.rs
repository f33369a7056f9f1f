//! Make a task's workspace ready: its branch, its linked worktree, the copied files.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use super::plan::{Existing, TaskPlan};
use crate::gitops::worktree;

/// Create or reuse the branch and worktree; return the repo-relative paths copied in.
pub fn prepare(
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
