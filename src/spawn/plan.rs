//! Everything a spawn decides before it touches anything: which tasks, which command,
//! where each workspace goes, and whether what is already there is ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use std::collections::HashMap;

use super::schedule::Finished;
use super::SpawnOptions;
use super::{deps, dir_mode, Mode};
use crate::agent::{self, Template};
use crate::config::{parse_duration, Origin};
use crate::error::{Error, Fix};
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
    pub enforcement: Option<dir_mode::Enforcement>,
    /// Branch mode: where the main worktree's HEAD was, to return to it.
    pub origin: Option<super::branch_mode::Origin>,
}

pub fn plan(cwd: &Path, options: &SpawnOptions) -> Result<Plan> {
    let project = Project::open(cwd, &options.overrides)?;
    let (all, warnings) = tasks::discover(&project.root, project.tasks_dir())?;
    let selected = tasks::select(all.clone(), &options.tasks)?;
    repo::check_identity(&project.repo)?;
    let base = repo::resolve_base(&project.repo, options.base.as_deref())?;
    let registered = worktree::list(&project.repo)?;
    let state = Store::new(project.state_dir()).load()?;
    let mode = mode_for(&project)?;

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
            let key = crate::config::keys::BRANCH_PREFIX.into();
            return Err(Error::usage(format!(
                "task '{}' would use the branch name '{branch}', which git does not allow",
                task.name
            ))
            .with_fix(Fix::FixConfig { key })
            .into());
        }
        if !options.rerun && finished_head(&task).is_some() {
            skipped.push(state.tasks[&task.name].clone());
            continue;
        }
        known.remove(&task.name);
        if mode != Mode::Dir && main_branch.as_deref() == Some(full.as_str()) {
            return Err(Error::usage(format!(
                "branch '{branch}' is checked out in the main worktree"
            ))
            .with_fix(Fix::SwitchBranch)
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
                return Err(Error::usage(format!(
                    "{branch} is checked out in {}",
                    elsewhere.path.display()
                ))
                .with_fix(Fix::FreeBranch { branch_mode: true })
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
        let (template, program) = command_for(&project, &task)?;
        let verify = if options.verify {
            verify_for(&project, options, &task)?
        } else {
            None
        };
        let scope = scope::for_task(&project.repo, &project.root, &task)?;
        let mut prompt = prompt_for(&project, &task);
        if mode == Mode::Dir {
            prompt.push_str(&dir_mode::scope_instruction(&task, &scope)?);
        }
        plans.push(TaskPlan {
            scope,
            verify,
            write_scope: None,
            prompt,
            timeout: timeout_for(&project, &task)?,
            retries: retries_for(&project, &task),
            log: project.log_dir().join(format!("{}.log", task.slug)),
            task,
            branch,
            workspace,
            template,
            program,
            copies,
            existing,
        });
    }
    let origin = if mode == Mode::Branch {
        Some(super::branch_mode::check_clean(&project)?)
    } else {
        None
    };
    let enforcement = if mode == Mode::Dir {
        Some(dir_mode::prepare(&project, &mut plans)?)
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
        return Err(Error::usage(format!(
            "{} is a worktree of {other}, not of {full_branch}",
            workspace.display()
        ))
        .with_fix(Fix::ClearWorkspace { worktree: true })
        .into());
    }
    if let Some(elsewhere) = registered
        .iter()
        .find(|w| w.branch.as_deref() == Some(full_branch) && !w.prunable)
    {
        return Err(Error::usage(format!(
            "{full_branch} is already checked out in {}",
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

/// `--mode` > git config agents.mode > worktree.
fn mode_for(project: &Project) -> Result<Mode> {
    match &project.settings.mode {
        None => Ok(Mode::Worktree),
        Some(raw) => raw.value.parse().map_err(|_| {
            Error::usage(format!(
                "agents.mode is '{}'; it must be worktree, branch or dir",
                raw.value
            ))
            .with_fix(Fix::SetConfig {
                key: crate::config::keys::MODE.into(),
                example: "worktree".into(),
            })
            .into()
        }),
    }
}

/// flag > task front matter > git config > default.
fn command_for(project: &Project, task: &Task) -> Result<(Template, PathBuf)> {
    let settings = &project.settings;
    let from_flag = |origin: Origin| origin == Origin::Flag;
    let template = match (&settings.command, &settings.agent) {
        (Some(cmd), _) if from_flag(cmd.origin) => Template::parse(&cmd.value)?,
        (_, agent) if from_flag(agent.origin) => Template::preset(&agent.value)?,
        _ => match (&task.meta.command, &task.meta.agent, &settings.command) {
            (Some(cmd), _, _) => Template::parse(cmd)?,
            (None, Some(agent), _) => Template::preset(agent)?,
            (None, None, Some(cmd)) => Template::parse(&cmd.value)?,
            (None, None, None) => Template::preset(&settings.agent.value)?,
        },
    };
    let program = template.resolve(&project.root)?;
    Ok((template, program))
}

/// The check command: `--verify-command` > front matter `verify` > git config `agents.verify`.
pub fn verify_for(
    project: &Project,
    options: &SpawnOptions,
    task: &Task,
) -> Result<Option<verify::Command>> {
    let configured = project.settings.verify.as_ref().map(|s| s.value.clone());
    let raw = options
        .verify_command
        .clone()
        .or_else(|| task.meta.verify.clone())
        .or(configured);
    let Some(raw) = raw else { return Ok(None) };
    let template = Template::parse(&raw)?;
    let program = which::which_in(template.program(), std::env::var_os("PATH"), &project.root)
        .map_err(|_| {
            Error::usage(format!(
                "verify command '{}' of task '{}' was not found on PATH",
                template.program(),
                task.name
            ))
            .with_fix(Fix::InstallCheck)
        })?;
    Ok(Some(verify::Command { template, program }))
}

fn prompt_for(project: &Project, task: &Task) -> String {
    let settings = &project.settings;
    let configured = settings.prompt.as_ref();
    let raw = match (configured, &task.meta.prompt) {
        (Some(p), _) if p.origin == Origin::Flag => p.value.clone(),
        (_, Some(p)) => p.clone(),
        (Some(p), None) => p.value.clone(),
        (None, None) => agent::default_prompt(&task.rel_file, &settings.contracts_dir.value),
    };
    raw.replace("{task}", &task.name)
        .replace("{task_file}", &task.rel_file.to_string_lossy())
}

fn timeout_for(project: &Project, task: &Task) -> Result<Option<Duration>> {
    let settings = &project.settings;
    let raw = match (&settings.timeout, &task.meta.timeout) {
        (Some(t), _) if t.origin == Origin::Flag => Some(t.value.clone()),
        (_, Some(t)) => Some(t.clone()),
        (Some(t), None) => Some(t.value.clone()),
        (None, None) => None,
    };
    raw.map(|raw| {
        parse_duration(&raw).ok_or_else(|| {
            Error::usage(format!(
                "timeout '{raw}' for task '{}' is not a duration",
                task.name
            ))
            .with_fix(Fix::Text("write durations like 90s, 30m or 1h".into()))
            .into()
        })
    })
    .transpose()
}

fn retries_for(project: &Project, task: &Task) -> u32 {
    let retries = &project.settings.retries;
    match (retries.origin, task.meta.retries) {
        (Origin::Flag, _) | (_, None) => retries.value,
        (_, Some(n)) => n,
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
    pub fn new(cwd: &Path, options: &SpawnOptions) -> Result<Plan> {
        plan(cwd, options)
    }
}
