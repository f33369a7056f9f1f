//! What git-agents knows about a repository's tasks, read once: every task file, plus every
//! task the state remembers whose file is gone, each with the paths its spawn used (or would
//! use), its record, and the repository's registered worktrees. status, clean, logs and verify
//! work from it.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::error::{Error, Fix};
use crate::gitops::head;
use crate::gitops::worktree::{self, Registered};
use crate::ids::CommitId;
use crate::repo::Project;
use crate::state::{State, Store, TaskState};
use crate::tasks::{self, Task};

/// The project, its state and its tasks, as they were when loaded.
pub struct Inventory {
    pub project: Project,
    /// Every known task, sorted by name.
    pub tasks: Vec<KnownTask>,
    /// The repository's linked worktrees, as git records them.
    pub worktrees: Vec<Registered>,
}

impl Inventory {
    /// Read the state, the task files and the worktree list of `project`.
    pub fn load(project: Project) -> Result<Inventory> {
        let state = Store::new(project.state_dir()).load()?;
        let tasks = known_tasks(&project, &state)?;
        let worktrees = worktree::list(&project.repo)?;
        Ok(Inventory {
            project,
            tasks,
            worktrees,
        })
    }

    /// The tasks named (by name or slug), in task order; all when `names` is empty.
    pub fn select(&self, names: &[String]) -> Result<Vec<KnownTask>> {
        select(self.tasks.clone(), names)
    }

    /// `into`, or else the branch checked out in the main worktree.
    pub fn target(&self, into: Option<&str>) -> Result<Target> {
        target(&self.project, into)
    }

    /// Where the state is kept, to record into.
    pub fn store(&self) -> Store {
        Store::new(self.project.state_dir())
    }
}

/// One task as far as git-agents knows it.
#[derive(Debug, Clone)]
pub struct KnownTask {
    /// The task file's stem (or the name the state recorded).
    pub name: String,
    /// The name made safe for a branch and a directory.
    pub slug: String,
    /// Short branch name, e.g. `feature/auth`.
    pub branch: String,
    /// Its linked worktree (or where it would be).
    pub workspace: PathBuf,
    /// Its agent's log.
    pub log: PathBuf,
    /// Its task file, parsed; `None` when the file is gone and only the state remembers it.
    pub file: Option<Task>,
    /// What the last spawn recorded; `None` when the task never ran.
    pub record: Option<TaskState>,
}

impl KnownTask {
    /// Full ref name of the branch.
    pub fn full_branch(&self) -> String {
        format!("refs/heads/{}", self.branch)
    }
}

/// Every task file and every task in `state`, sorted by name. Paths recorded in the state win
/// over the ones derived from the current settings: they are where things really are.
pub fn known_tasks(project: &Project, state: &State) -> Result<Vec<KnownTask>> {
    let files = match tasks::discover(&project.root, project.tasks_dir()) {
        Ok((files, _warnings)) => files,
        // No tasks directory (any more) is fine as long as the state remembers tasks.
        Err(_) if !state.tasks.is_empty() => Vec::new(),
        Err(err) => return Err(err),
    };
    let mut known: Vec<KnownTask> = files
        .into_iter()
        .map(|task| KnownTask {
            file: Some(task.clone()),
            ..derived(project, &task.name, &task.slug)
        })
        .collect();
    for name in state.tasks.keys() {
        if !known.iter().any(|k| &k.name == name) {
            known.push(derived(project, name, &tasks::slug(name)));
        }
    }
    for task in &mut known {
        if let Some(record) = state.tasks.get(&task.name) {
            task.branch = record.branch.clone();
            task.workspace = record.workspace.clone();
            task.log = record.log.clone();
            task.record = Some(record.clone());
        }
    }
    known.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(known)
}

fn derived(project: &Project, name: &str, slug: &str) -> KnownTask {
    KnownTask {
        name: name.to_owned(),
        slug: slug.to_owned(),
        branch: project.branch_for(slug),
        workspace: project.workspace_root().join(slug),
        log: project.log_dir().join(format!("{slug}.log")),
        file: None,
        record: None,
    }
}

/// Keep the tasks named in `selected` (by name or slug), in task order; all when empty.
pub fn select(known: Vec<KnownTask>, selected: &[String]) -> Result<Vec<KnownTask>> {
    for wanted in selected {
        if !known.iter().any(|t| &t.name == wanted || &t.slug == wanted) {
            let known = known.iter().map(|t| t.name.clone()).collect();
            return Err(Error::usage(format!("no task named '{wanted}'"))
                .with_fix(Fix::ChooseTask { known })
                .into());
        }
    }
    if selected.is_empty() {
        return Ok(known);
    }
    Ok(known
        .into_iter()
        .filter(|t| selected.iter().any(|s| s == &t.name || s == &t.slug))
        .collect())
}

/// The branch work is measured against (ahead/behind, merged or not).
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Target {
    /// As shown: the branch's short name, or the revision given.
    pub name: String,
    /// Full ref name when the target is a branch.
    #[serde(skip)]
    pub full: Option<String>,
    /// The commit it points to; `None` when the main worktree's HEAD is unborn.
    pub commit: Option<CommitId>,
}

impl Target {
    pub(crate) fn tip(&self) -> Option<gix::ObjectId> {
        self.commit.map(CommitId::to_gix)
    }
}

/// `into`, or else the branch checked out in the main worktree (its commit when detached).
pub fn target(project: &Project, into: Option<&str>) -> Result<Target> {
    let repo = &project.repo;
    if let Some(rev) = into {
        let full = format!("refs/heads/{rev}");
        if let Some(mut reference) = repo.try_find_reference(full.as_str())? {
            let commit = reference.peel_to_commit().ok().map(|c| c.id.into());
            return Ok(Target {
                name: rev.to_owned(),
                full: Some(full),
                commit,
            });
        }
        let commit = repo
            .rev_parse_single(rev)
            .ok()
            .and_then(|id| id.object().ok()?.peel_to_commit().ok())
            .ok_or_else(|| {
                Error::usage(format!(
                    "the target '{rev}' does not name a branch or commit"
                ))
                .with_fix(Fix::ChooseTarget)
            })?;
        return Ok(Target {
            name: rev.to_owned(),
            full: None,
            commit: Some(commit.id.into()),
        });
    }
    let head = head::read(repo).context("reading the main worktree's HEAD")?;
    Ok(Target {
        name: head.name(),
        commit: head.commit.map(Into::into),
        full: head.branch,
    })
}

/// The spawn that recorded `record` is still at work on it: the state is not terminal and
/// the recorded process is alive.
pub fn is_live(record: &TaskState) -> bool {
    !record.state.is_terminal() && record.pid.is_some_and(process_alive)
}

/// The state says the task is underway, but the process that said so is gone.
pub fn is_stale(record: &TaskState) -> bool {
    !record.state.is_terminal() && !is_live(record)
}

pub use crate::lock::process_alive;
