//! Everything a spawn decides before it touches anything: which tasks, which command,
//! where each workspace goes, and whether what is already there is ours.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

use std::collections::HashMap;

mod cone;
mod places;
mod resume;
mod survey;

pub use survey::Survey;

use super::mode::{branch, confine, dir, worktree};
use super::schedule::Finished;
use super::Mode;
use super::SpawnOptions;
use crate::agent::Template;
use crate::config::{Origin, Program, Resolver, Setting};
use crate::error::{Error, Fix};
use crate::gitops::worktree::Registered;
use crate::lock::{self, TaskLocks};
use crate::repo::Project;
pub use crate::runner::Capabilities;
use crate::state::TaskState;
use crate::tasks::Task;
use crate::{scope, trust, verify};

/// What is already on disk for a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Existing {
    /// Nothing: create the branch (if missing) and the worktree.
    Nothing,
    /// Our worktree is there with the task's branch: reuse it.
    Worktree,
    /// Our worktree entry, left half-made by an interrupted spawn: finish it, then use it.
    HalfMade(Registered),
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
    /// The number of the run it is part of; given when the run starts.
    pub run: u32,
    pub template: Template,
    pub program: PathBuf,
    pub prompt: String,
    pub timeout: Option<Duration>,
    /// End the agent after this long without output.
    pub idle_timeout: Option<Duration>,
    /// End the agent once its reported cost passes this (US dollars).
    pub budget_usd: Option<f64>,
    pub retries: u32,
    /// Repo-relative files to copy from the main worktree (untracked at the base).
    pub copies: Vec<PathBuf>,
    /// Ignored files to copy into the worktree when it is new.
    pub includes: Vec<super::include::Include>,
    pub existing: Existing,
    /// Directories the task may change (empty: anywhere).
    pub scope: Vec<String>,
    /// The check to run after the agent, when spawning with `--verify`.
    pub verify: Option<verify::Command>,
    /// Dir mode under Landlock: the only places the agent may write.
    pub write_scope: Option<Vec<PathBuf>>,
    /// Confined: the agent's private TMPDIR, also in `write_scope`.
    pub tmp: Option<PathBuf>,
    /// Worktree mode, sparse: the directories a new worktree is checked out with.
    pub sparse: Option<Vec<String>>,
    /// Run in a new workspace (or one whose setup never succeeded) before the agent.
    pub setup: Vec<Program>,
}

/// A validated spawn, made by [`Plan::new`] and carried out by [`run`](crate::run): which tasks
/// run, in what order, where each works and what it runs.
///
/// It holds a lock on every task it will run until it is dropped (a spawn drops it when it
/// ends), so another spawn of the same tasks refuses meanwhile.
pub struct Plan {
    pub(crate) project: Project,
    pub(crate) base: gix::ObjectId,
    pub(crate) tasks: Vec<TaskPlan>,
    /// Finished tasks left alone (no `--rerun`).
    pub(crate) skipped: Vec<TaskState>,
    pub(crate) warnings: Vec<String>,
    /// Held for the tasks to run until the plan is dropped.
    pub(crate) _locks: TaskLocks,
    /// Dependencies that finished before this run, with their branch heads.
    pub(crate) known: HashMap<String, Finished>,
    pub(crate) verify: bool,
    pub(crate) fix_attempts: u32,
    /// Each task continues its last conversation (`git agents continue`).
    pub(crate) continuing: bool,
    pub(crate) mode: Mode,
    /// Dir mode: how scopes are held (Landlock enforcement or detection alone).
    pub(crate) enforcement: Option<dir::Enforcement>,
    /// Branch mode: where the main worktree's HEAD was, to return to it.
    pub(crate) origin: Option<branch::Origin>,
    /// What the runner could do when the plan was made.
    pub(crate) capabilities: Capabilities,
}

pub fn plan(cwd: &Path, options: &SpawnOptions, capabilities: Capabilities) -> Result<Plan> {
    let survey = Survey::take(cwd, options)?;
    // Dir mode's clean check reads the whole main worktree: it runs beside the planning, and
    // its verdict is taken where it always was, so errors come in the same order.
    let clean = (survey.mode == Mode::Dir).then(|| super::mode::CleanCheck::of(&survey.project));
    std::thread::scope(|scope| {
        let clean = clean.map(|check| scope.spawn(move || check.run(dir::CLEAN_BECAUSE)));
        let clean = move || match clean {
            Some(check) => check
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Ok(()),
        };
        plan_with(survey, options, capabilities, clean)
    })
}

fn plan_with(
    survey: Survey,
    options: &SpawnOptions,
    capabilities: Capabilities,
    clean: impl FnOnce() -> Result<()>,
) -> Result<Plan> {
    let resolver = Resolver::new(&survey.project.settings, &survey.project.root)
        .with_verify_command(options.verify_command.as_deref());
    let selected = crate::tasks::dependency_order(&survey.all, survey.selected.clone(), &|t| {
        survey.finished_head(t).is_some()
    })?;
    let mut known: HashMap<String, Finished> = survey
        .all
        .iter()
        .filter_map(|t| Some((t.name.clone(), Finished::Ok(survey.finished_head(t)?))))
        .collect();
    let mut plans = Vec::new();
    let mut skipped = Vec::new();
    let mut from_repository = Vec::new();
    let mut notes = Vec::new();
    for task in selected {
        if !options.rerun && survey.finished_head(&task).is_some() {
            skipped.push(survey.state.tasks[&task.name].clone());
            continue;
        }
        known.remove(&task.name);
        let (mut plan, commands) = plan_task(&survey, &resolver, options, task, &mut notes)?;
        if options.continue_session {
            resume::same_agent(&survey, &resolver, options, &mut plan)?;
            resume::can_continue(&survey, &plan)?;
        }
        from_repository.extend(commands);
        plans.push(plan);
    }
    trust::require(&survey.project, &from_repository, options.trust)?;
    let Survey {
        project,
        base,
        mode,
        mut warnings,
        ..
    } = survey;
    warnings.extend(notes);
    if plans.iter().any(|p| p.sparse.is_some()) {
        crate::gitops::sparse::check_worktree_config(&project.repo)?;
    }
    let origin = match mode {
        Mode::Branch => Some(branch::check_clean(&project)?),
        _ => None,
    };
    let enforcement = match mode {
        Mode::Dir => Some(dir::prepare(&project, &mut plans, capabilities, clean())?),
        Mode::Worktree => confine::worktrees(&project, &mut plans, capabilities),
        Mode::Branch => None,
    };
    crate::backend::check(&project.settings.backend.value)?;
    let slugs: Vec<&str> = plans.iter().map(|p| p.task.slug.as_str()).collect();
    let (locks, lock_warnings) = lock::acquire(&project.state_dir(), &slugs)?;
    warnings.extend(lock_warnings);
    Ok(Plan {
        project,
        base,
        tasks: plans,
        skipped,
        warnings,
        _locks: locks,
        known,
        verify: options.verify,
        fix_attempts: options.fix_attempts,
        continuing: options.continue_session,
        mode,
        enforcement,
        origin,
        capabilities,
    })
}

/// One task's plan: its branch and workspace (as its mode places it), command, prompt, limits;
/// and the commands of it that come from its committed task file (to be trusted).
fn plan_task(
    survey: &Survey,
    resolver: &Resolver<'_>,
    options: &SpawnOptions,
    task: Task,
    warnings: &mut Vec<String>,
) -> Result<(TaskPlan, Vec<trust::Command>)> {
    let project = &survey.project;
    let branch = project.branch_for(&task.slug);
    let full = format!("refs/heads/{branch}");
    if gix::validate::reference::name(full.as_str().into()).is_err() {
        return Err(Error::usage(format!(
            "task '{}' would use the branch name '{branch}', which git does not allow",
            task.name
        ))
        .with_fix(Fix::FixConfig {
            key: crate::config::keys::BRANCH_PREFIX.into(),
        })
        .into());
    }
    if survey.mode != Mode::Dir && survey.main_branch.as_deref() == Some(full.as_str()) {
        return Err(Error::usage(format!(
            "branch '{branch}' is checked out in the main worktree"
        ))
        .with_fix(Fix::SwitchBranch)
        .into());
    }
    let place = match survey.mode {
        Mode::Dir => dir::place(survey),
        Mode::Branch => branch::place(survey, branch, &full)?,
        Mode::Worktree => worktree::place(survey, &task, branch, &full)?,
    };
    let settings = resolver.task(&task)?;
    let check = match options.verify {
        true => resolver.verify(&task)?,
        false => None,
    };
    let setup = resolver.setup(&task)?;
    let mut commands = committed_commands(survey, &task, &settings.agent.template, check.as_ref())?;
    if survey.tracked(&task.rel_file)? {
        commands.extend(
            setup
                .iter()
                .filter(|s| s.template.origin == Origin::FrontMatter)
                .map(|s| trust::command(&task, trust::Use::Setup, &s.template.value)),
        );
    }
    let verify = check.map(verify::Command::from);
    let scope = scope::for_task(&project.repo, &project.root, &task)?;
    let sparse = cone::for_task(survey, resolver, &task, &scope, warnings);
    let mut prompt = settings.prompt.value;
    if survey.mode == Mode::Dir {
        prompt.push_str(&dir::scope_instruction(&task, &scope)?);
    }
    let plan = TaskPlan {
        scope,
        verify,
        write_scope: None,
        tmp: None,
        prompt,
        timeout: settings.timeout.value.duration(),
        idle_timeout: project.settings.idle_timeout.value.duration(),
        budget_usd: project.settings.budget.as_ref().map(|b| b.value),
        retries: settings.retries.value,
        log: project.log_dir().join(format!("{}.log", task.slug)),
        run: 0,
        task,
        branch: place.branch,
        workspace: place.workspace,
        template: settings.agent.template.value,
        program: settings.agent.path,
        copies: place.copies,
        includes: survey.includes.clone(),
        existing: place.existing,
        sparse,
        setup,
    };
    Ok((plan, commands))
}

/// The task's agent and check commands that come from its task file, when that file is
/// committed (it came with the repository): they run only once trusted.
fn committed_commands(
    survey: &Survey,
    task: &Task,
    agent: &Setting<Template>,
    check: Option<&Program>,
) -> Result<Vec<trust::Command>> {
    if !survey.tracked(&task.rel_file)? {
        return Ok(Vec::new());
    }
    let mut commands = Vec::new();
    if agent.origin == Origin::FrontMatter && agent.value.source == "custom" {
        commands.push(trust::command(task, trust::Use::Agent, &agent.value));
    }
    if let Some(check) = check.filter(|c| c.template.origin == Origin::FrontMatter) {
        commands.push(trust::command(
            task,
            trust::Use::Verify,
            &check.template.value,
        ));
    }
    Ok(commands)
}

/// Where a task works, as its mode decides.
pub struct Placement {
    /// The branch its work is committed on (short name).
    pub branch: String,
    pub workspace: PathBuf,
    pub existing: Existing,
    /// Repo-relative files to copy in (or, in place, to keep out of commits).
    pub copies: Vec<PathBuf>,
}

impl TaskPlan {
    /// The commit subject: the task's name, or its slug when the name holds control characters.
    pub fn subject(&self) -> String {
        let name = &self.task.name;
        let shown = if name.chars().any(char::is_control) {
            &self.task.slug
        } else {
            name
        };
        format!("feat: {shown} implementation")
    }
}

impl Plan {
    /// The tasks it will run, in the order they are handed out.
    pub fn task_names(&self) -> Vec<String> {
        self.tasks.iter().map(|t| t.task.name.clone()).collect()
    }

    /// What planning found worth saying (unknown front-matter keys, stale locks taken over).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Where its agents work.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The repository it was made for.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Validate everything and decide what to do, creating nothing.
    pub fn new(cwd: &Path, options: &SpawnOptions, capabilities: Capabilities) -> Result<Plan> {
        plan(cwd, options, capabilities)
    }
}
