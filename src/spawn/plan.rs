//! Everything a spawn decides before it touches anything: which tasks, which command,
//! where each workspace goes, and whether what is already there is ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use std::collections::HashMap;

use super::mode::{branch, dir};
use super::schedule::Finished;
use super::SpawnOptions;
use super::{deps, Mode};
use crate::agent::Template;
use crate::config::Resolver;
use crate::error::UserError;
use crate::gitops::worktree::{self, Registered};
use crate::lock::{self, TaskLocks};
use crate::repo::{self, Project};
use crate::state::{Store, TaskState};
use crate::tasks::{self, Task};
use crate::{scope, verify};

/// What is already on disk for a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: create the branch (if missing) and the worktree.
    Nothing,
    /// Our worktree is there with the task's branch: reuse it.
    Worktree,
    /// A stale registration (its directory is gone): prune it, then add.
    Stale(Registered),
    /// Dir and branch modes: the agent works in the main worktree itself.
    InPlace,
}

#[derive(Debug, Clone)]
pub struct TaskPlan {
    pub task: Task,
    /// Short branch name, e.g. `feature/auth`.
    pub branch: String,
    pub workspace: PathBuf,
    pub log: PathBuf,
    pub template: Template,
    pub program: PathBuf,
    pub prompt: String,
    pub timeout: Option<Duration>,
    pub retries: u32,
    /// Repo-relative files to copy from the main worktree (untracked at the base).
    pub copies: Vec<PathBuf>,
    pub existing: Existing,
    /// Directories the task may change (empty: anywhere).
    pub scope: Vec<String>,
    /// The check to run after the agent, when spawning with `--verify`.
    pub verify: Option<verify::Command>,
    /// Dir mode under Landlock: the only places the agent may write.
    pub write_scope: Option<Vec<PathBuf>>,
}

/// What the runner can do, an input to planning: the plan is final before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Agents run under the supervisor, which can confine their writes (Landlock).
    pub supervised: bool,
}

pub struct Plan {
    pub project: Project,
    pub base: gix::ObjectId,
    pub tasks: Vec<TaskPlan>,
    /// Finished tasks left alone (no `--rerun`).
    pub skipped: Vec<TaskState>,
    pub warnings: Vec<String>,
    /// Held for the tasks to run until the plan is dropped.
    pub locks: TaskLocks,
    /// Dependencies that finished before this run, with their branch heads.
    pub known: HashMap<String, Finished>,
    pub verify: bool,
    pub fix_attempts: u32,
    pub mode: Mode,
    /// Dir mode: how scopes are held (Landlock enforcement or detection alone).
    pub enforcement: Option<dir::Enforcement>,
    /// Branch mode: where the main worktree's HEAD was, to return to it.
    pub origin: Option<branch::Origin>,
    /// What the runner could do when the plan was made.
    pub capabilities: Capabilities,
}

pub fn plan(cwd: &Path, options: &SpawnOptions, capabilities: Capabilities) -> Result<Plan> {
    let project = Project::open(cwd, &options.overrides)?;
    let (all, warnings) = tasks::discover(&project.root, project.tasks_dir())?;
    let selected = tasks::select(all.clone(), &options.tasks)?;
    repo::check_identity(&project.repo)?;
    let base = repo::resolve_base(&project.repo, options.base.as_deref())?;
    let registered = worktree::list(&project.repo)?;
    let state = Store::new(project.state_dir()).load()?;
    let resolver = Resolver::new(&project.settings, &project.root)
        .with_verify_command(options.verify_command.as_deref());
    let mode = resolver.mode().value;

    let finished_head = |task: &Task| -> Option<gix::ObjectId> {
        let done = state
            .tasks
            .get(&task.name)
            .is_some_and(|r| r.state.is_finished());
        if mode == Mode::Dir {
            // In place: there is no task branch, work lands on the current one.
            return done.then_some(base);
        }
        let branch = format!("refs/heads/{}", project.branch_for(&task.slug));
        done.then(|| worktree::branch_tip(&project.repo, &branch).ok().flatten())
            .flatten()
    };
    let selected = deps::order(&all, selected, &|t| finished_head(t).is_some())?;
    let mut known = HashMap::new();
    for task in &all {
        if let Some(head) = finished_head(task) {
            known.insert(task.name.clone(), Finished::Ok(head));
        }
    }
    let shared_copies = shared_copies(&project, base)?;
    // Branch mode commits in the main worktree, where task files may sit untracked.
    let mut untracked_material = shared_copies.clone();
    for task in &all {
        if !tracked(&project.repo, base, &task.rel_file)? {
            untracked_material.push(task.rel_file.clone());
        }
    }
    let main_branch = project.repo.head_name()?.map(|n| n.to_string());
    let in_place_branch = main_branch
        .as_deref()
        .map(|b| b.trim_start_matches("refs/heads/").to_owned())
        .unwrap_or_else(|| "HEAD".into());

    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    for task in selected {
        let branch = project.branch_for(&task.slug);
        let full = format!("refs/heads/{branch}");
        if gix::validate::reference::name(full.as_str().into()).is_err() {
            return Err(UserError::usage(
                format!(
                    "task '{}' would use the branch name '{branch}', which git does not allow",
                    task.name
                ),
                "fix git config agents.branchPrefix",
            )
            .into());
        }
        if !options.rerun && finished_head(&task).is_some() {
            skipped.push(state.tasks[&task.name].clone());
            continue;
        }
        known.remove(&task.name);
        if mode != Mode::Dir && main_branch.as_deref() == Some(full.as_str()) {
            return Err(UserError::usage(
                format!("branch '{branch}' is checked out in the main worktree"),
                "switch the main worktree to another branch first (git switch main)",
            )
            .into());
        }
        let (workspace, existing, copies, branch) = if mode == Mode::Dir {
            (
                project.root.clone(),
                Existing::InPlace,
                Vec::new(),
                in_place_branch.clone(),
            )
        } else if mode == Mode::Branch {
            if let Some(elsewhere) = registered
                .iter()
                .find(|w| w.branch.as_deref() == Some(full.as_str()))
            {
                return Err(UserError::usage(
                    format!("{branch} is checked out in {}", elsewhere.path.display()),
                    "remove that worktree first (git agents clean), or use --mode worktree",
                )
                .into());
            }
            (
                project.root.clone(),
                Existing::InPlace,
                untracked_material.clone(),
                branch,
            )
        } else {
            let workspace = project.workspace_root().join(&task.slug);
            let existing = existing(&registered, &workspace, &full)?;
            let mut copies = shared_copies.clone();
            if !tracked(&project.repo, base, &task.rel_file)? {
                copies.push(task.rel_file.clone());
            }
            (workspace, existing, copies, branch)
        };
        let settings = resolver.task(&task)?;
        let verify = if options.verify {
            resolver.verify(&task)?.map(verify::Command::from)
        } else {
            None
        };
        let scope = scope::for_task(&project.repo, &project.root, &task)?;
        let mut prompt = settings.prompt.value;
        if mode == Mode::Dir {
            prompt.push_str(&dir::scope_instruction(&task, &scope)?);
        }
        plans.push(TaskPlan {
            scope,
            verify,
            write_scope: None,
            prompt,
            timeout: settings.timeout.map(|t| t.value),
            retries: settings.retries.value,
            log: project.log_dir().join(format!("{}.log", task.slug)),
            task,
            branch,
            workspace,
            template: settings.agent.template.value,
            program: settings.agent.path,
            copies,
            existing,
        });
    }
    let origin = if mode == Mode::Branch {
        Some(branch::check_clean(&project)?)
    } else {
        None
    };
    let enforcement = if mode == Mode::Dir {
        Some(dir::prepare(&project, &mut plans, capabilities)?)
    } else {
        None
    };
    let slugs: Vec<&str> = plans.iter().map(|p| p.task.slug.as_str()).collect();
    let (locks, lock_warnings) = lock::acquire(&project.state_dir(), &slugs)?;
    let mut warnings: Vec<String> = warnings.into_iter().map(|w| w.0).collect();
    warnings.extend(lock_warnings);
    Ok(Plan {
        project,
        base,
        tasks: plans,
        skipped,
        warnings,
        locks,
        known,
        verify: options.verify,
        fix_attempts: options.fix_attempts,
        mode,
        enforcement,
        origin,
        capabilities,
    })
}

fn existing(registered: &[Registered], workspace: &Path, full_branch: &str) -> Result<Existing> {
    if let Some(entry) = worktree::find_at(registered, workspace) {
        if entry.prunable {
            return Ok(Existing::Stale(entry.clone()));
        }
        if entry.branch.as_deref() == Some(full_branch) {
            return Ok(Existing::Worktree);
        }
        let other = entry.branch.as_deref().unwrap_or("a detached HEAD");
        return Err(UserError::usage(
            format!(
                "{} is a worktree of {other}, not of {full_branch}",
                workspace.display()
            ),
            "remove that worktree, or point git config agents.workspaceRoot elsewhere",
        )
        .into());
    }
    if let Some(elsewhere) = registered
        .iter()
        .find(|w| w.branch.as_deref() == Some(full_branch) && !w.prunable)
    {
        return Err(UserError::usage(
            format!(
                "{full_branch} is already checked out in {}",
                elsewhere.path.display()
            ),
            "remove that worktree (git worktree remove) or rename the task",
        )
        .into());
    }
    match std::fs::read_dir(workspace).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(UserError::usage(
            format!(
                "{} exists and is not a git-agents worktree",
                workspace.display()
            ),
            "move it out of the way, or point git config agents.workspaceRoot elsewhere",
        )
        .into()),
        Ok(false) => Ok(Existing::Nothing),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Existing::Nothing),
        Err(_) => Err(UserError::usage(
            format!(
                "{} exists and is not a directory git-agents can use",
                workspace.display()
            ),
            "move it out of the way, or point git config agents.workspaceRoot elsewhere",
        )
        .into()),
    }
}

/// The contracts and CLAUDE.md files that are not tracked at the base, to copy into every workspace.
fn shared_copies(project: &Project, base: gix::ObjectId) -> Result<Vec<PathBuf>> {
    let mut candidates = Vec::new();
    collect_files(
        &project.root,
        &project.settings.contracts_dir.value,
        &mut candidates,
    )?;
    if project.root.join("CLAUDE.md").is_file() {
        candidates.push(PathBuf::from("CLAUDE.md"));
    }
    let mut copies = Vec::new();
    for rel in candidates {
        if !tracked(&project.repo, base, &rel)? {
            copies.push(rel);
        }
    }
    Ok(copies)
}

fn collect_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let child = rel.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(root, &child, out)?;
        } else if kind.is_file() || kind.is_symlink() {
            out.push(child);
        }
    }
    out.sort();
    Ok(())
}

fn tracked(repo: &gix::Repository, base: gix::ObjectId, rel: &Path) -> Result<bool> {
    let tree = repo.find_commit(base)?.tree()?;
    Ok(tree.lookup_entry_by_path(rel)?.is_some())
}

impl Plan {
    /// Validate everything and decide what to do, creating nothing.
    pub fn new(cwd: &Path, options: &SpawnOptions, capabilities: Capabilities) -> Result<Plan> {
        plan(cwd, options, capabilities)
    }
}
