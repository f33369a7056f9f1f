//! The three ways to run a task, as drivers on one scheduler: they differ in where the agent
//! works and when its work is committed, never in how tasks are ordered or fail.

pub mod branch;
mod branch_return;
pub mod confine;
pub mod dir;
pub mod worktree;

use anyhow::Result;
use gix::bstr::{BStr, ByteSlice};

use super::execute::Context;
use super::plan::{Plan, TaskPlan};
use crate::error::{Error, Fix};
use crate::repo::Project;
use crate::state::TaskState;

pub use super::Mode;

/// When a successful agent's work becomes a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Right after the agent, in its workspace (then the task's check, if any).
    Now,
    /// After every agent of the run ended: they share one worktree.
    AfterRun,
}

/// What the run's end adds to the report.
#[derive(Debug, Default)]
pub struct RunEnd {
    /// Changes that lie in no task's scope (dir mode); they make the run fail.
    pub outside_scopes: Vec<String>,
}

/// What one mode does around the shared per-task flow (see `execute`).
pub trait Driver: Sync {
    /// Whether tasks may run at the same time.
    fn parallel(&self) -> bool {
        true
    }

    /// Make `task`'s workspace ready at `base`; returns the repo-relative paths of files that
    /// are there for the agent and must stay out of its commits.
    fn prepare(
        &self,
        cx: &Context<'_>,
        task: &TaskPlan,
        base: gix::ObjectId,
    ) -> Result<Vec<String>>;

    /// When a successful agent's work is committed.
    fn commit(&self) -> Commit {
        Commit::Now
    }

    /// After a task ended, however it ended. `Some(why)` stops the run: no further task starts.
    fn task_ended(&self, _cx: &Context<'_>, _task: &TaskPlan) -> Result<Option<String>> {
        Ok(None)
    }

    /// After every task of `tasks` ended: commit the work deferred by [`Commit::AfterRun`]
    /// (`deferred` pairs each such task with its record, updated here).
    fn finish_run(
        &self,
        _project: &Project,
        _cx: &Context<'_>,
        _tasks: &[TaskPlan],
        _deferred: &mut [(&TaskPlan, &mut TaskState)],
    ) -> Result<RunEnd> {
        Ok(RunEnd::default())
    }
}

/// The driver for a plan's mode.
pub fn driver(plan: &Plan) -> Box<dyn Driver> {
    match (plan.mode, &plan.origin) {
        (Mode::Branch, Some(origin)) => Box::new(branch::Driver::new(&plan.project, origin)),
        (Mode::Dir, _) => Box::new(dir::Driver),
        _ => Box::new(worktree::Driver),
    }
}

/// Files that may sit untracked in the main worktree without being anybody's work: task files,
/// contracts and CLAUDE.md.
#[derive(Debug, Clone)]
pub struct TaskMaterial {
    tasks_dir: String,
    contracts_dir: String,
}

impl TaskMaterial {
    pub fn of(project: &Project) -> TaskMaterial {
        let dir = |p: &std::path::Path| format!("{}/", p.to_string_lossy().trim_end_matches('/'));
        TaskMaterial {
            tasks_dir: dir(project.tasks_dir()),
            contracts_dir: dir(&project.settings.contracts_dir.value),
        }
    }

    pub fn contains(&self, path: &BStr) -> bool {
        let path = path.to_str_lossy();
        path == "CLAUDE.md"
            || path.starts_with(&self.tasks_dir)
            || path.starts_with(&self.contracts_dir)
    }
}

/// Refuse to work in place in a main worktree with changes (task material aside): they would
/// mix with the agents' work. `why` finishes the sentence.
pub fn ensure_clean(project: &Project, why: &str) -> Result<()> {
    CleanCheck::of(project).run(why)
}

/// [`ensure_clean`], made ready to run on another thread.
pub struct CleanCheck {
    repo: gix::Repository,
    root: std::path::PathBuf,
    material: TaskMaterial,
}

impl CleanCheck {
    pub fn of(project: &Project) -> CleanCheck {
        CleanCheck {
            repo: project.repo.clone(),
            root: project.root.clone(),
            material: TaskMaterial::of(project),
        }
    }

    pub fn run(self, why: &str) -> Result<()> {
        let CleanCheck {
            repo,
            root,
            material,
        } = self;
        // What `git status` would list (the fast scan status uses), less the task material.
        let mut dirty = crate::gitops::scan::uncommitted(&repo, &root, &[], false)?;
        dirty.retain(|path| !material.contains(path.as_ref()));
        refuse_changes(&dirty, why)
    }
}

fn refuse_changes(dirty: &[gix::bstr::BString], why: &str) -> Result<()> {
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = dirty
        .iter()
        .take(5)
        .map(|p| p.to_str_lossy().into_owned())
        .collect();
    let more = if dirty.len() > 5 { ", ..." } else { "" };
    Err(Error::usage(format!(
        "the main worktree has changes ({}{more}), and {why}",
        shown.join(", ")
    ))
    .with_fix(Fix::Text("commit or stash them first".into()))
    .into())
}
