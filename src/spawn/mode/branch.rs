//! Branch per task (the seed's Pattern 2): one task after another in the main worktree, each
//! on its own branch checked out for it, and back to where the user was at the end.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};

use super::branch_return as back;
use super::TaskMaterial;
use crate::error::{Error, Fix};
use crate::gitops::{checkout, commit, head, worktree};
use crate::progress::Event;
use crate::repo::Project;
use crate::spawn::execute::Context;
use crate::spawn::plan::{Existing, Placement, Survey, TaskPlan};

/// Where HEAD was before the run.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `refs/heads/main`, or `None` when HEAD was detached.
    pub branch: Option<String>,
    pub commit: gix::ObjectId,
}

/// In the main worktree, on the task's own branch, which must not be checked out elsewhere.
pub fn place(survey: &Survey, branch: String, full: &str) -> Result<Placement> {
    if let Some(elsewhere) = survey
        .registered
        .iter()
        .find(|w| w.branch.as_deref() == Some(full))
    {
        return Err(Error::usage(format!(
            "{branch} is checked out in {}",
            elsewhere.path.display()
        ))
        .with_fix(Fix::FreeBranch { branch_mode: true })
        .into());
    }
    Ok(Placement {
        branch,
        workspace: survey.project.root.clone(),
        existing: Existing::InPlace,
        copies: survey.untracked_material.clone(),
    })
}

/// Bring the main worktree back from a run killed while a task's branch was checked out; a
/// note for the user when there was one.
pub fn recover(project: &Project) -> Result<Option<String>> {
    back::recover(project)
}

/// The main worktree must be clean (task files, contracts and CLAUDE.md aside).
pub fn check_clean(project: &Project) -> Result<Origin> {
    super::ensure_clean(project, "branch mode checks out each task's branch there")?;
    let head = head::read(&project.repo)?;
    Ok(Origin {
        commit: head.born()?,
        branch: head.branch,
    })
}

/// One task at a time in the main worktree: its branch checked out for it, and back to where
/// the user was once it ended — unless its agent left changes that could not be committed,
/// which stops the run there (the tree is left as it is, on that task's branch).
pub struct Driver {
    root: PathBuf,
    origin: Origin,
    material: TaskMaterial,
    /// Where HEAD is to return to is written here while a task's branch is checked out.
    journal: PathBuf,
}

impl Driver {
    pub fn new(project: &Project, origin: &Origin) -> Driver {
        Driver {
            root: project.root.clone(),
            origin: origin.clone(),
            material: TaskMaterial::of(project),
            journal: back::journal(&project.state_dir()),
        }
    }
}

impl super::Driver for Driver {
    fn parallel(&self) -> bool {
        false
    }

    fn prepare(
        &self,
        _cx: &Context<'_>,
        task: &TaskPlan,
        base: gix::ObjectId,
    ) -> Result<Vec<String>> {
        let repo = crate::gitops::open_worktree(&self.root)?;
        let full = format!("refs/heads/{}", task.branch);
        worktree::ensure_branch(&repo, &full, base)?;
        let tip = worktree::branch_tip(&repo, &full)?
            .with_context(|| format!("branch {full} vanished after it was made"))?;
        back::leaving(&self.journal, &self.origin, &task.task.name, &full)?;
        switch(&repo, Some(&full), tip)?;
        // Nothing is copied; these are the untracked task files and contracts to keep out of commits.
        Ok(task
            .copies
            .iter()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .collect())
    }

    fn task_ended(&self, cx: &Context<'_>, task: &TaskPlan) -> Result<Option<String>> {
        let repo = crate::gitops::open_worktree(&self.root)?;
        if cx.runner.is_interrupted() {
            if let Some(commit) = back::keep_work(&repo, &self.material, &task.task.name)? {
                cx.reporter.event(&Event::Warning {
                    message: format!(
                        "{}: interrupted; its work so far is committed on {} as {commit}",
                        task.task.name, task.branch
                    ),
                });
            }
        }
        let left = commit::pending_changes(&repo, &|p| self.material.contains(p))?;
        if !left.is_empty() {
            return Ok(Some(format!(
                "'{}' left changes that were not committed; they are still in the main worktree, on {}",
                task.task.name, task.branch
            )));
        }
        switch(&repo, self.origin.branch.as_deref(), self.origin.commit)?;
        back::returned(&self.journal);
        Ok(None)
    }
}

/// Check out `commit` in the main worktree (which must be clean) and point HEAD at `branch`,
/// or detach it there.
pub fn switch(repo: &gix::Repository, branch: Option<&str>, commit: gix::ObjectId) -> Result<()> {
    let here = head::read(repo)?;
    let from = here.born()?;
    let from_tree = repo.find_commit(from)?.tree_id()?.detach();
    let to_tree = repo.find_commit(commit)?.tree_id()?.detach();
    if from_tree != to_tree {
        checkout::update_worktree(repo, from_tree, to_tree)
            .with_context(|| format!("checking out {}", branch.unwrap_or("the original commit")))?;
    }
    let from_name = match here.branch {
        Some(_) => here.name(),
        None => from.to_string(),
    };
    let to_name = branch
        .map(|b| b.trim_start_matches("refs/heads/").to_owned())
        .unwrap_or_else(|| commit.to_string());
    let new = match branch {
        Some(branch) => gix::refs::Target::Symbolic(branch.try_into()?),
        None => gix::refs::Target::Object(commit),
    };
    repo.edit_reference(RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "".into(),
            },
            expected: PreviousValue::Any,
            new,
        },
        name: "HEAD".try_into()?,
        deref: false,
    })
    .context("moving HEAD")?;
    let message = format!("checkout: moving from {from_name} to {to_name}");
    log_head_move(repo, from, commit, &message)
}

/// gix writes no reflog entry when HEAD's symbolic target changes; git does, and `git checkout -`
/// relies on it. Append git's line to `logs/HEAD` when that log exists.
fn log_head_move(
    repo: &gix::Repository,
    from: gix::ObjectId,
    to: gix::ObjectId,
    message: &str,
) -> Result<()> {
    use std::io::Write;
    let path = repo.git_dir().join("logs").join("HEAD");
    let Some(Ok(signature)) = repo.committer() else {
        return Ok(());
    };
    if !path.is_file() {
        return Ok(());
    }
    let mut line = format!("{from} {to} ").into_bytes();
    signature.write_to(&mut line)?;
    line.extend_from_slice(format!("\t{message}\n").as_bytes());
    let mut log = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    log.write_all(&line)
        .with_context(|| format!("writing {}", path.display()))
}
