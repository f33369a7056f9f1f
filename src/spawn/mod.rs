//! `spawn`: task files → branches and linked worktrees → agents on a bounded pool → commits.
#![doc(hidden)]

mod attempts;
mod deps;
mod execute;
mod failed;
mod include;
mod mode;
mod options;
mod plan;
mod pool;
mod ports;
mod rate_pause;
mod schedule;
mod setup;
mod test_hooks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use rayon::prelude::*;

pub use crate::runner::Capabilities;
pub use crate::tasks::dependency_order;
pub use attempts::raw_log;
pub use mode::dir::Enforcement;
pub use options::SpawnOptions;
pub use plan::{Existing, Plan, TaskPlan};

pub use crate::config::Mode;
use crate::error::exit;
use crate::progress::{Event, Reporter};
use crate::runner::Runner;
use crate::state::{self, Status, Store, TaskState};

/// The outcome of a spawn.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct SpawnReport {
    /// This run's number (each spawn and continue takes the next one).
    pub run: u32,
    /// Every task run this time, in task order.
    pub tasks: Vec<TaskState>,
    /// Finished tasks skipped (no `--rerun`).
    pub skipped: Vec<TaskState>,
    /// The run was stopped ([`Runner::interrupt_handle`], a signal): tasks it cut short are
    /// [`Status::Interrupted`], and the next spawn runs them again.
    pub interrupted: bool,
    /// Where its agents worked.
    pub mode: Mode,
    /// Dir mode: whether Landlock enforced the scopes or they were only checked afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<Enforcement>,
    /// Dir mode: changes that lie in no task's scope; they make the run fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_scopes: Vec<String>,
    /// Branch mode: why the run stopped before its last task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The directory the command ran in, to show paths relative to it.
    #[serde(skip)]
    pub shown_from: PathBuf,
}

impl SpawnReport {
    /// 0 all done, 1 any task failed, 130 interrupted.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            exit::INTERRUPTED
        } else if self.outside_scopes.is_empty()
            && self.stopped.is_none()
            && self.tasks.iter().all(|t| t.state.is_finished())
        {
            exit::OK
        } else {
            exit::FAILED
        }
    }
}

/// Plan, prepare and run. Nothing is created before the whole plan is known to be valid.
///
/// The same as [`Plan::new`] for `runner`'s capabilities, then [`run`]; the plan's warnings go
/// to `reporter` first. A task that fails is not an error: its record in the report says why,
/// and [`SpawnReport::exit_code`] is then 1.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), each with a
/// [`Fix`](crate::Fix), found while planning and so before anything is created: `cwd` is in no
/// repository or a bare one; a bad `agents.*` value or override (no jobs, a zero timeout, an
/// unknown agent); no tasks directory or task files, an unreadable task file or bad front
/// matter; an unknown task name, a dependency on no task or a cycle; an agent program not on
/// PATH; no author identity; a base that names no commit; a workspace root inside the
/// repository or a log directory that takes no file; a workspace path or branch already in use;
/// a task another spawn is running ([`Fix::WaitForRun`](crate::Fix::WaitForRun)); commands
/// from committed task files not approved, unless `options.trust`
/// ([`Fix::TrustCommands`](crate::Fix::TrustCommands)); in dir mode a missing or overlapping
/// scope, and in dir and branch modes a main worktree with changes.
///
/// Then the errors of [`run`].
pub fn spawn(
    cwd: &Path,
    options: &SpawnOptions,
    reporter: &dyn Reporter,
    runner: &Runner,
) -> Result<SpawnReport> {
    let plan = Plan::new(cwd, options, runner.capabilities())?;
    for warning in &plan.warnings {
        reporter.event(&Event::Warning {
            message: warning.clone(),
        });
    }
    run(plan, reporter, runner)
}

/// Run a validated plan; it must have been made for this runner's capabilities.
///
/// Every task is recorded as queued, then handed to the pool; a task that fails is recorded as
/// failed and is not an error. Interrupting the `runner` ends the running agents and starts no
/// more tasks: the report comes back with [`SpawnReport::interrupted`] set.
///
/// # Errors
///
/// - The plan was made for a supervised runner and `runner` has none; this error carries no
///   [`Error`](crate::Error).
/// - A usage error (exit code 2, [`Fix::WritableDir`](crate::Fix::WritableDir)) when the log
///   directory or, in worktree mode, the workspace root cannot be created; no task has started.
/// - Failures (exit code 1): the state file cannot be read or written (one written by a newer
///   git-agents, say), the worker pool cannot start, or in dir mode committing the tasks'
///   changes after the run fails. They come as [`ErrorKind::Failed`](crate::ErrorKind::Failed)
///   or as I/O and git errors with no [`Error`](crate::Error) in their chain. Tasks that already
///   ran keep their records and branches.
pub fn run(mut plan: Plan, reporter: &dyn Reporter, runner: &Runner) -> Result<SpawnReport> {
    let notifier = crate::notify::Notifier::new(&plan.project.settings, reporter);
    let reporter: &dyn Reporter = &notifier;
    announce(&plan, reporter, runner)?;
    let store = Store::new(plan.project.state_dir());
    create_dirs(&plan)?;
    let number = store.next_run()?;
    for task in &mut plan.tasks {
        task.run = number;
    }
    queue_all(&plan, &store, reporter)?;

    let context = execute::Context {
        repo: plan.project.repo.clone().into_sync(),
        root: plan.project.root.clone(),
        contracts_dir: plan.project.settings.contracts_dir.value.clone(),
        store: &store,
        reporter,
        runner,
        retry_delay: plan.project.settings.retry_delay.value,
        pause: &rate_pause::RatePause::default(),
        verify: plan.verify,
        fix_attempts: plan.fix_attempts,
        ports: &ports::Ports::new(plan.project.settings.port_range.value),
        plain_copy_noted: Default::default(),
        set_up: Default::default(),
        place: &plan.project.settings.backend.value,
    };
    let driver = mode::driver(&plan);
    let ran = pool::run_all(&context, driver.as_ref(), pool::Work::of(&plan))?;
    if let Some(why) = &ran.stopped {
        reporter.event(&Event::Warning {
            message: format!("{} mode stopped: {why}", plan.mode.name()),
        });
    }
    let mut ends = ran.ends;
    let mut deferred: Vec<_> = plan
        .tasks
        .iter()
        .zip(ends.iter_mut())
        .filter(|(_, end)| end.deferred)
        .map(|(task, end)| (task, &mut end.record))
        .collect();
    let end = driver.finish_run(&plan.project, &context, &plan.tasks, &mut deferred)?;
    let tmps: Vec<PathBuf> = plan.tasks.iter().filter_map(|t| t.tmp.clone()).collect();
    if !tmps.is_empty() {
        crate::sandbox::tidy_private_tmp(&tmps);
    }
    for path in &end.outside_scopes {
        reporter.event(&Event::Warning {
            message: format!("{path}: changed outside every task's scope (left uncommitted)"),
        });
    }
    store.flush()?;
    let report = SpawnReport {
        run: number,
        tasks: ends.into_iter().map(|end| end.record).collect(),
        skipped: plan.skipped,
        interrupted: runner.is_interrupted(),
        shown_from: plan.project.cwd.clone(),
        mode: plan.mode,
        enforcement: plan.enforcement,
        outside_scopes: end.outside_scopes,
        stopped: ran.stopped,
    };
    notifier.run_ended(report.run, report.exit_code(), &report.tasks);
    reporter.finish();
    Ok(report)
}

/// Refuse a runner the plan was not made for; say at start what the user should know about
/// how the agents will run.
fn announce(plan: &Plan, reporter: &dyn Reporter, runner: &Runner) -> Result<()> {
    if plan.capabilities.supervised && !runner.supervised() {
        let why = "the plan confines agents through the supervisor, and this runner has none";
        return Err(crate::error::Error::usage(why)
            .with_fix(crate::error::Fix::Text(
                "plan with the capabilities of the runner that runs it (Runner::capabilities)"
                    .into(),
            ))
            .into());
    }
    if !runner.supervised() {
        reporter.event(&Event::Warning {
            message: "agents run without a supervisor, so killing this process with SIGKILL would leave them running; install git-agents (git-agents-supervise on PATH) to make that safe".into(),
        });
    }
    if let Some(enforcement) = &plan.enforcement {
        reporter.event(&Event::Note {
            message: format!("{} mode: {}", plan.mode.name(), enforcement.detail),
        });
    }
    Ok(())
}

/// The log directory, and in worktree mode the workspace root, exist or are made.
fn create_dirs(plan: &Plan) -> Result<()> {
    let mut dirs = vec![(plan.project.log_dir(), crate::config::keys::LOG_DIR)];
    if plan.mode == Mode::Worktree {
        dirs.push((
            plan.project.workspace_root(),
            crate::config::keys::WORKSPACE_ROOT,
        ));
    }
    for (dir, key) in dirs {
        std::fs::create_dir_all(&dir).map_err(|err| {
            crate::error::Error::usage(format!("cannot create {}", dir.display()))
                .with_fix(crate::error::Fix::WritableDir { key: key.into() })
                .caused_by(err)
        })?;
    }
    Ok(())
}

fn queued_record(task: &TaskPlan, base: Option<gix::ObjectId>) -> TaskState {
    TaskState {
        task: task.task.name.clone(),
        state: Status::Queued,
        attempts: 0,
        run: task.run,
        exit_code: None,
        started: None,
        ended: None,
        base: base.map(Into::into),
        head: None,
        workspace: task.workspace.clone(),
        branch: task.branch.clone(),
        log: task.log.clone(),
        copied: Vec::new(),
        port: None,
        commits: 0,
        files_changed: 0,
        message: None,
        pid: Some(std::process::id()),
        violations: Vec::new(),
        verify: None,
        failure: None,
        agent: Default::default(),
        waiting_until: None,
        merged: None,
        setup: None,
        slurm: None,
    }
}

/// Say which tasks are skipped, and record every task of the run as queued: readers (status,
/// logs -f) see them all from the start. The logs of a task's last run are set aside first.
fn queue_all(plan: &Plan, store: &Store, reporter: &dyn Reporter) -> Result<()> {
    for skipped in &plan.skipped {
        let already = match &skipped.merged {
            Some(merged) => format!("merged into {}", merged.into),
            None => skipped.state.label().to_owned(),
        };
        reporter.event(&Event::Warning {
            message: format!(
                "{}: already {already}, skipped (pass --rerun to run it again)",
                skipped.task
            ),
        });
    }
    let state = store.load()?;
    let place = &plan.project.settings.backend.value;
    // A batch job an earlier spawn left running still writes its log: followed, not set aside.
    // Each task's logs are its own files, so they are set aside side by side.
    let jobs: Vec<_> = plan
        .tasks
        .par_iter()
        .map(|task| crate::backend::logs_aside(place, state.tasks.get(&task.task.name), &task.log))
        .collect();
    for (task, job) in plan.tasks.iter().zip(jobs) {
        let job = job?;
        store.update(&task.task.name, |old| {
            let mut record = queued_record(task, None);
            record.slurm = job;
            let Some(old) = old else { return record };
            // Files copied into a worktree being reused are still its own, not the agent's work.
            if old.workspace == record.workspace {
                record.copied = old.copied;
                record.setup = old.setup;
            }
            // An interrupted agent's conversation is picked up where the preset can.
            if old.state == Status::Interrupted || plan.continuing {
                record.agent.sessions = old.agent.sessions;
            }
            record
        })?;
        reporter.event(&Event::Queued {
            task: task.task.name.clone(),
        });
    }
    store.flush()?;
    Ok(())
}

/// Seconds between two state timestamps, for display.
pub fn duration(record: &TaskState) -> Option<Duration> {
    let start = record.started?;
    let end = record.ended.unwrap_or_else(state::now);
    Some(Duration::from_secs_f64((end - start).max(0.0)))
}
