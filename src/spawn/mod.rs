//! `spawn`: task files → branches and linked worktrees → agents on a bounded pool → commits.

mod attempts;
mod branch_mode;
mod deps;
mod dir_mode;
mod execute;
mod plan;
mod prepare;
mod schedule;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

pub use deps::order as dependency_order;
pub use plan::{verify_for, Existing, Plan, TaskPlan};

use crate::config::Overrides;
use crate::error::exit;
use crate::progress::{Event, Reporter};
use crate::runner::Runner;
use crate::state::{self, Status, Store, TaskState};
use schedule::{Finished, Next, Scheduler};

/// Where agents work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A linked worktree and a branch per task, in parallel.
    #[default]
    Worktree,
    /// One task after another in the main worktree, each on its own branch.
    Branch,
    /// In parallel in the main worktree, each task confined to its scope.
    Dir,
}

impl std::str::FromStr for Mode {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "worktree" => Ok(Mode::Worktree),
            "branch" => Ok(Mode::Branch),
            "dir" => Ok(Mode::Dir),
            _ => Err(()),
        }
    }
}

/// What to spawn; the command line and library callers fill this in.
#[derive(Debug, Clone, Default)]
pub struct SpawnOptions {
    /// Task names (or slugs) to run; empty means all.
    pub tasks: Vec<String>,
    /// Revision to branch from; default HEAD of the main worktree.
    pub base: Option<String>,
    /// Run finished tasks again.
    pub rerun: bool,
    pub overrides: Overrides,
    /// Run each task's contract check after it.
    pub verify: bool,
    /// With `verify`: the check command for every task.
    pub verify_command: Option<String>,
    /// With `verify`: give a task whose check failed back to its agent this many times.
    pub fix_attempts: u32,
}

/// The outcome of a spawn.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SpawnReport {
    /// Every task run this time, in task order.
    pub tasks: Vec<TaskState>,
    /// Finished tasks skipped (no `--rerun`).
    pub skipped: Vec<TaskState>,
    pub interrupted: bool,
    pub mode: Mode,
    /// Dir mode: whether Landlock enforced the scopes or they were only checked afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<dir_mode::Enforcement>,
    /// Dir mode: changes that lie in no task's scope; they make the run fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outside_scopes: Vec<String>,
    /// Branch mode: why the run stopped before its last task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The main worktree's root, to show paths relative to it.
    #[serde(skip)]
    pub root: PathBuf,
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
pub fn spawn(
    cwd: &Path,
    options: &SpawnOptions,
    reporter: &dyn Reporter,
    runner: &Runner,
) -> Result<SpawnReport> {
    let plan = plan::plan(cwd, options)?;
    for warning in &plan.warnings {
        reporter.event(&Event::Warning {
            message: warning.clone(),
        });
    }
    run(plan, reporter, runner)
}

/// Run a validated plan.
pub fn run(mut plan: Plan, reporter: &dyn Reporter, runner: &Runner) -> Result<SpawnReport> {
    if let Some(enforcement) = &mut plan.enforcement {
        if enforcement.landlock && !runner.supervised() {
            *enforcement = dir_mode::Enforcement::detection_only(
                "no git-agents binary to apply Landlock from",
            );
            plan.tasks.iter_mut().for_each(|t| t.write_scope = None);
        }
        reporter.event(&Event::Note {
            message: format!("dir mode: {}", enforcement.detail),
        });
    }
    let store = Store::new(plan.project.state_dir());
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
    for skipped in &plan.skipped {
        reporter.event(&Event::Warning {
            message: format!(
                "{}: already {}, skipped (pass --rerun to run it again)",
                skipped.task,
                skipped.state.label()
            ),
        });
    }
    for task in &plan.tasks {
        store.update(&task.task.name, |_| queued_record(task, None))?;
        reporter.event(&Event::Queued {
            task: task.task.name.clone(),
        });
    }
    // Readers (status, logs -f) see every task of this run from the start.
    store.flush()?;

    let jobs = plan
        .project
        .settings
        .jobs
        .value
        .min(plan.tasks.len())
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("git-agents-{i}"))
        .build()
        .context("starting the worker pool")?;
    let context = execute::Context {
        repo: plan.project.repo.clone().into_sync(),
        root: plan.project.root.clone(),
        contracts_dir: plan.project.settings.contracts_dir.value.clone(),
        store: &store,
        reporter,
        runner,
        retry_delay: plan.project.settings.retry_delay.value,
        verify: plan.verify,
        fix_attempts: plan.fix_attempts,
        defer_in_place_commits: plan.mode == Mode::Dir,
    };
    if let Some(origin) = &plan.origin {
        let (tasks, stopped) = branch_mode::run(&context, &plan, origin)?;
        if let Some(why) = &stopped {
            reporter.event(&Event::Warning {
                message: format!("branch mode stopped: {why}"),
            });
        }
        store.flush()?;
        reporter.finish();
        return Ok(SpawnReport {
            tasks,
            skipped: plan.skipped,
            interrupted: runner.is_interrupted(),
            root: plan.project.root.clone(),
            mode: plan.mode,
            enforcement: None,
            outside_scopes: Vec::new(),
            stopped,
        });
    }
    let (tasks, base) = (&plan.tasks, plan.base);
    let scheduler = Scheduler::new(tasks, plan.known.clone());
    let results = std::sync::Mutex::new(vec![None; plan.tasks.len()]);
    pool.broadcast(|_| loop {
        let (index, record) = match scheduler.next() {
            Next::Done => break,
            Next::Run(index, heads) => (index, run_one(&context, &tasks[index], base, &heads)),
            Next::Blocked(index, dep, why) => {
                let task = &tasks[index];
                let record = if runner.is_interrupted() {
                    execute::run_task(&context, task, base)
                } else {
                    execute::fail(
                        &context,
                        task,
                        format!("not started: its dependency '{dep}' {why}"),
                    )
                };
                (index, record)
            }
        };
        let outcome = match (record.state, &record.head) {
            (state, Some(head)) if state.is_finished() => {
                Finished::Ok(head.parse().expect("a commit id we wrote"))
            }
            // In place, a successful agent's work is committed after all have ended.
            (Status::Committing, _) => Finished::Ok(base),
            (state, _) => Finished::Failed(state.label().to_owned()),
        };
        scheduler.finish(&record.task, outcome);
        results.lock().unwrap()[index] = Some(record);
    });
    drop(pool);
    if plan.tasks.iter().any(|t| t.write_scope.is_some()) {
        let _ = std::fs::remove_dir_all(crate::sandbox::run_tmp_root());
    }

    let mut tasks: Vec<TaskState> = results
        .into_inner()
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let outside_scopes = if plan.mode == Mode::Dir {
        dir_mode::commit_changes(&plan.project, &plan.tasks, &mut tasks, &store, reporter)?
    } else {
        Vec::new()
    };
    for path in &outside_scopes {
        reporter.event(&Event::Warning {
            message: format!("{path}: changed outside every task's scope (left uncommitted)"),
        });
    }
    store.flush()?;
    reporter.finish();
    Ok(SpawnReport {
        tasks,
        skipped: plan.skipped,
        interrupted: runner.is_interrupted(),
        root: plan.project.root.clone(),
        mode: plan.mode,
        enforcement: plan.enforcement,
        outside_scopes,
        stopped: None,
    })
}

/// Work out a task's base from its dependencies, then run it.
fn run_one(
    cx: &execute::Context<'_>,
    task: &TaskPlan,
    base: gix::ObjectId,
    heads: &[(String, gix::ObjectId)],
) -> TaskState {
    if heads.is_empty() {
        return execute::run_task(cx, task, base);
    }
    let repo = cx.repo.to_thread_local();
    match deps::base_from(&repo, &task.task.name, heads) {
        Ok(Ok(base)) => execute::run_task(cx, task, base),
        Ok(Err(paths)) => execute::fail(
            cx,
            task,
            format!(
                "its dependencies conflict when merged, in: {}",
                paths.join(", ")
            ),
        ),
        Err(err) => execute::fail(cx, task, format!("merging its dependencies: {err:#}")),
    }
}

fn queued_record(task: &TaskPlan, base: Option<gix::ObjectId>) -> TaskState {
    TaskState {
        task: task.task.name.clone(),
        state: Status::Queued,
        attempts: 0,
        exit_code: None,
        started: None,
        ended: None,
        base: base.map(|b| b.to_string()),
        head: None,
        workspace: task.workspace.clone(),
        branch: task.branch.clone(),
        log: task.log.clone(),
        copied: Vec::new(),
        commits: 0,
        files_changed: 0,
        message: None,
        pid: Some(std::process::id()),
        violations: Vec::new(),
        verify: None,
    }
}

/// Seconds between two state timestamps, for display.
pub fn duration(record: &TaskState) -> Option<Duration> {
    let start = record.started?;
    let end = record.ended.unwrap_or_else(state::now);
    Some(Duration::from_secs_f64((end - start).max(0.0)))
}
