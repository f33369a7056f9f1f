//! Branch mode's way home: before a task's branch is checked out in the main worktree, where
//! HEAD was is written down, so that an interrupted run — or one killed outright — goes back
//! there with the task's work committed on its branch, never lost and never in the way.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::branch::{switch, Origin};
use super::TaskMaterial;
use crate::gitops::commit;
use crate::ids::CommitId;
use crate::repo::Project;

/// What `<state>/branch-mode.json` holds while a task's branch is checked out.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Away {
    /// The branch to return to (full name), `None` when HEAD was detached.
    origin_branch: Option<String>,
    origin_commit: CommitId,
    /// The task whose branch is checked out, and that branch (full name).
    task: String,
    branch: String,
}

pub fn journal(state_dir: &Path) -> PathBuf {
    state_dir.join("branch-mode.json")
}

/// Note that `task`'s `branch` is about to be checked out, and where to return.
pub fn leaving(journal: &Path, origin: &Origin, task: &str, branch: &str) -> Result<()> {
    let away = Away {
        origin_branch: origin.branch.clone(),
        origin_commit: origin.commit.into(),
        task: task.to_owned(),
        branch: branch.to_owned(),
    };
    if let Some(dir) = journal.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::state::write_atomically(journal, &serde_json::to_vec_pretty(&away)?)
}

/// Back at the origin: nothing to return from.
pub fn returned(journal: &Path) {
    let _ = std::fs::remove_file(journal);
}

/// Commit what the agent left on the task's branch (the run was stopped mid-task), so the
/// main worktree is clean to switch back; returns the commit, if there was anything.
pub fn keep_work(
    repo: &gix::Repository,
    material: &TaskMaterial,
    task: &str,
) -> Result<Option<gix::ObjectId>> {
    let subject = format!("wip: {task} (interrupted; git-agents resumes it)");
    let outcome = commit::commit_all(repo, &subject, &|p| material.contains(p))?;
    Ok(outcome.commit)
}

/// A run killed while a task's branch was checked out left the journal: if HEAD is still on
/// that branch, keep the work there and return; returns a note for the user.
pub fn recover(project: &Project) -> Result<Option<String>> {
    let path = journal(&project.state_dir());
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    let away: Away = serde_json::from_slice(&bytes)?;
    let repo = crate::gitops::open_worktree(&project.root)?;
    let head = crate::gitops::head::read(&repo)?.branch;
    if head.as_deref() != Some(away.branch.as_str()) {
        returned(&path);
        return Ok(None);
    }
    let kept = keep_work(&repo, &TaskMaterial::of(project), &away.task)?;
    switch(
        &repo,
        away.origin_branch.as_deref(),
        away.origin_commit.to_gix(),
    )?;
    returned(&path);
    let short = away.branch.trim_start_matches("refs/heads/");
    let work = match kept {
        Some(commit) => format!("its work was committed on {short} as {commit}"),
        None => "it had left no changes".to_owned(),
    };
    let back = away
        .origin_branch
        .as_deref()
        .map(|b| b.trim_start_matches("refs/heads/").to_owned())
        .unwrap_or_else(|| away.origin_commit.to_string());
    Ok(Some(format!(
        "an earlier branch-mode run stopped during '{}': {work}; back on {back}",
        away.task
    )))
}
