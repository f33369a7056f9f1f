//! A task's setup commands (`agents.setup`, front matter `setup:`): run in its workspace after
//! it is prepared and before its first agent attempt, where the workspace is new this run or
//! its last setup did not succeed. Each runs as the agent does (argv only, its environment,
//! its confinement and time limits, the run's interrupt), its output in the task's log. A
//! failure ends the task as failed with kind `setup`; it is not retried within the run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Result;

use super::execute::{self, Context};
use super::plan::{Existing, TaskPlan};
use crate::agent::failure::FailureKind;
use crate::agent::{Format, Values};
use crate::config::Program;
use crate::progress::{command_line, Event};
use crate::runner::{Exit, Job, LineSink, Live};
use crate::state::{self, SetupRecord, Status, TaskState};

/// The workspaces set up in this run, each with the commands that succeeded there.
pub type SetUp = Mutex<HashMap<PathBuf, Arc<Mutex<Vec<String>>>>>;

/// How one setup command ended.
enum Step {
    Ok,
    Failed(String),
    Interrupted,
}

struct NoLines;
impl LineSink for NoLines {}

/// Run `task`'s setup where it is needed; `Some(record)` when the task ended in it (failed or
/// interrupted), `None` when its agent may start. `record` is the task's record as prepared.
pub fn run(
    cx: &Context<'_>,
    task: &TaskPlan,
    base: gix::ObjectId,
    live: &Live,
    port: Option<u16>,
    record: &TaskState,
) -> Result<Option<TaskState>> {
    if task.setup.is_empty() {
        return Ok(None);
    }
    let commands: Vec<String> = task
        .setup
        .iter()
        .map(|s| s.template.value.command_line())
        .collect();
    let new = matches!(task.existing, Existing::Nothing | Existing::HalfMade(_));
    let done_before = record
        .setup
        .as_ref()
        .is_some_and(|s| s.ok && s.commands == commands);
    if !new && done_before {
        return Ok(None);
    }
    // Tasks that share a workspace take turns, and the first one's setup serves them all.
    let shared = Arc::clone(
        cx.set_up
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(task.workspace.clone())
            .or_default(),
    );
    let mut done_here = shared.lock().unwrap_or_else(PoisonError::into_inner);
    if *done_here == commands {
        return record_setup(cx, task, true, commands).map(|_| None);
    }
    let step = run_all(cx, task, base, live, port)?;
    live.line.lock().unwrap().clear();
    match step {
        Step::Ok => {
            *done_here = commands.clone();
            record_setup(cx, task, true, commands).map(|_| None)
        }
        Step::Failed(why) => {
            record_setup(cx, task, false, commands)?;
            cx.store.update(&task.task.name, |old| {
                let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
                record.failure = Some(FailureKind::Setup);
                record
            })?;
            let message = format!("setup failed: {why}");
            execute::finish(cx, task, Status::Failed, None, Some(message)).map(Some)
        }
        Step::Interrupted => {
            record_setup(cx, task, false, commands)?;
            let message = "interrupted during setup".to_owned();
            execute::finish(cx, task, Status::Interrupted, None, Some(message)).map(Some)
        }
    }
}

/// Run the setup commands in order until one fails.
fn run_all(
    cx: &Context<'_>,
    task: &TaskPlan,
    base: gix::ObjectId,
    live: &Live,
    port: Option<u16>,
) -> Result<Step> {
    let port = port.map(|p| p.to_string()).unwrap_or_default();
    let (env, write_scope) = super::attempts::surroundings(task, base, &port)?;
    let mut step = Step::Ok;
    for (i, program) in task.setup.iter().enumerate() {
        if cx.runner.is_interrupted() {
            return Ok(Step::Interrupted);
        }
        let argv = render(task, program, &port);
        cx.reporter.event(&Event::Setup {
            task: task.task.name.clone(),
            argv: argv.clone(),
        });
        *live.line.lock().unwrap() = format!("setup: {}", command_line(&argv));
        let job = Job {
            header: Some(super::attempts::log_header(
                task.run,
                &format!("setup {}/{}", i + 1, task.setup.len()),
                &argv,
            )),
            program: program_path(task, program),
            argv,
            cwd: task.workspace.clone(),
            env: env.clone(),
            log: task.log.clone(),
            timeout: task.timeout,
            write_scope: write_scope.clone(),
            format: Format::Text,
            raw_log: None,
            idle_timeout: task.idle_timeout,
            budget_usd: None,
        };
        step = run_one(cx, task, &job);
        if !matches!(step, Step::Ok) {
            break;
        }
    }
    Ok(step)
}

/// The command's argv, placeholders filled in as the agent's are, each value one word.
fn render(task: &TaskPlan, program: &Program, port: &str) -> Vec<String> {
    let workspace = task.workspace.to_string_lossy();
    let task_file = task.workspace.join(&task.task.rel_file);
    program.template.value.render(&Values {
        prompt: &task.prompt,
        task: &task.task.name,
        task_file: &task_file.to_string_lossy(),
        workspace: &workspace,
        branch: &task.branch,
        port,
    })
}

/// A program named by a relative path is the workspace's own.
fn program_path(task: &TaskPlan, program: &Program) -> PathBuf {
    match program.path.is_relative() {
        true => task.workspace.join(&program.path),
        false => program.path.clone(),
    }
}

/// Run one setup job; what its failure says ends with the last line it printed.
fn run_one(cx: &Context<'_>, task: &TaskPlan, job: &Job) -> Step {
    let shown = command_line(&job.argv);
    let before = std::fs::metadata(&job.log).map(|m| m.len()).unwrap_or(0);
    let outcome = match cx.runner.run(job, &Live::default(), &NoLines) {
        Ok(outcome) => outcome,
        Err(err) => return Step::Failed(format!("{shown}: {err:#}")),
    };
    let limit = |limit: Option<std::time::Duration>| {
        limit
            .map(|t| humantime::format_duration(t).to_string())
            .unwrap_or_default()
    };
    let ended = match outcome.exit {
        Exit::Code(0) => return Step::Ok,
        Exit::Interrupted => return Step::Interrupted,
        Exit::Code(code) => format!("exited {code}"),
        Exit::Signal(signal) => {
            let name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str())
                .unwrap_or("a signal");
            format!("was killed by {name}")
        }
        Exit::TimedOut => format!("did not end within {}", limit(task.timeout)),
        Exit::Hung => format!("printed nothing for {}", limit(task.idle_timeout)),
        Exit::OverBudget => "went over budget".to_owned(),
        Exit::OutOfMemory => "ran out of memory".to_owned(),
    };
    let said = last_line(&job.log, before)
        .map(|line| format!(": {line}"))
        .unwrap_or_default();
    Step::Failed(format!("{shown} {ended}{said}"))
}

/// The last line the step wrote to `log` after `offset`, cut to fit a message.
fn last_line(log: &std::path::Path, offset: u64) -> Option<String> {
    let line = crate::logs::last_line_after(log, offset)?;
    Some(match line.chars().count() > 240 {
        true => format!("{}…", line.chars().take(239).collect::<String>()),
        false => line,
    })
}

/// Record whether the task's setup succeeded in its workspace.
fn record_setup(
    cx: &Context<'_>,
    task: &TaskPlan,
    ok: bool,
    commands: Vec<String>,
) -> Result<TaskState> {
    cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
        record.setup = Some(SetupRecord {
            ok,
            at: state::now(),
            commands,
        });
        record
    })
}
