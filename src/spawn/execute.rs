//! One task from start to end on a worker thread: prepare, run (with retries), commit.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result};
use gix::bstr::{BStr, ByteSlice};

use super::plan::TaskPlan;
use super::prepare;
use crate::agent::Values;
use crate::gitops::commit;
use crate::progress::{Event, Reporter};
use crate::runner::{Exit, Job, LineSink, Runner};
use crate::state::{self, Status, Store, TaskState};

pub struct Context<'a> {
    pub repo: gix::ThreadSafeRepository,
    pub root: PathBuf,
    pub base: gix::ObjectId,
    pub store: &'a Store,
    pub reporter: &'a dyn Reporter,
    pub runner: &'a Runner,
    pub retry_delay: Duration,
}

struct Sink<'a> {
    reporter: &'a dyn Reporter,
    task: &'a str,
}

impl LineSink for Sink<'_> {
    fn wants_lines(&self) -> bool {
        self.reporter.wants_output()
    }
    fn line(&self, line: &str) {
        self.reporter.event(&Event::Output {
            task: self.task.to_owned(),
            line: line.to_owned(),
        });
    }
}

/// Run one task to its end and return its final record. Failures end up in the record.
pub fn run_task(cx: &Context<'_>, task: &TaskPlan) -> TaskState {
    let name = task.task.name.as_str();
    let result = if cx.runner.is_interrupted() {
        finish(
            cx,
            task,
            Status::Interrupted,
            None,
            Some("not started: interrupted".into()),
        )
    } else {
        attempt_all(cx, task)
    };
    result.unwrap_or_else(|err| {
        let message = format!("{err:#}");
        finish(cx, task, Status::Failed, None, Some(message.clone())).unwrap_or_else(|_| {
            let mut record = super::queued_record(task, cx.base);
            record.state = Status::Failed;
            record.message = Some(message);
            record.task = name.to_owned();
            record
        })
    })
}

fn set_state(
    cx: &Context<'_>,
    task: &TaskPlan,
    status: Status,
    change: impl FnOnce(&mut TaskState),
) -> Result<TaskState> {
    let record = cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, cx.base));
        record.state = status;
        change(&mut record);
        record
    })?;
    cx.reporter.event(&Event::State {
        task: task.task.name.clone(),
        state: status,
    });
    Ok(record)
}

fn attempt_all(cx: &Context<'_>, task: &TaskPlan) -> Result<TaskState> {
    let repo = cx.repo.to_thread_local();
    set_state(cx, task, Status::Preparing, |r| {
        r.started = Some(state::now());
        r.ended = None;
        r.attempts = 0;
        r.exit_code = None;
        r.message = None;
    })?;
    let copied = prepare::prepare(&repo, &cx.root, cx.base, task)?;
    cx.store.update(&task.task.name, |old| {
        let mut record = old.expect("recorded above");
        record.copied = copied.clone();
        record
    })?;

    let last_line = Arc::new(Mutex::new(String::new()));
    cx.reporter.attach(&task.task.name, last_line.clone());
    let sink = Sink {
        reporter: cx.reporter,
        task: &task.task.name,
    };
    let argv = render(task, cx.base);
    let max_attempts = task.retries + 1;
    let mut exit = Exit::Code(-1);
    let mut log_error = None;
    for attempt in 1..=max_attempts {
        set_state(cx, task, Status::Running, |r| r.attempts = attempt)?;
        cx.reporter.event(&Event::Started {
            task: task.task.name.clone(),
            attempt,
            argv: argv.clone(),
        });
        let job = Job {
            argv: argv.clone(),
            program: task.program.clone(),
            cwd: task.workspace.clone(),
            env: environment(task, cx.base),
            log: task.log.clone(),
            header: Some(format!(
                "==> git-agents: task {} attempt {attempt}/{max_attempts} at {}: {}",
                task.task.name,
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()),
                shlex::try_join(argv.iter().map(String::as_str))
                    .unwrap_or_else(|_| format!("{argv:?}"))
            )),
            timeout: task.timeout,
        };
        let outcome = cx.runner.run(&job, &last_line, &sink)?;
        exit = outcome.exit;
        log_error = outcome.log_error;
        if exit.success() || exit == Exit::Interrupted || attempt == max_attempts {
            break;
        }
        if !backoff(cx, attempt) {
            exit = Exit::Interrupted;
            break;
        }
    }

    let log_note = log_error.map(|e| format!(" (writing the log failed: {e})"));
    match exit {
        Exit::Code(0) => commit_task(cx, task, &copied, log_note),
        Exit::Interrupted => finish(cx, task, Status::Interrupted, None, log_note),
        Exit::TimedOut => {
            let limit = task
                .timeout
                .map(|t| humantime::format_duration(t).to_string())
                .unwrap_or_default();
            finish(
                cx,
                task,
                Status::TimedOut,
                None,
                Some(format!(
                    "no exit within {limit}{}",
                    log_note.unwrap_or_default()
                )),
            )
        }
        Exit::Code(code) => finish(
            cx,
            task,
            Status::Failed,
            Some(code),
            Some(format!(
                "agent exited with {code}{}",
                log_note.unwrap_or_default()
            )),
        ),
        Exit::Signal(signal) => {
            let name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str())
                .unwrap_or("a signal");
            finish(
                cx,
                task,
                Status::Failed,
                exit.code(),
                Some(format!(
                    "agent killed by {name}{}",
                    log_note.unwrap_or_default()
                )),
            )
        }
    }
}

/// Sleep before the next attempt: the delay doubles each time, with ±25% jitter, at most a minute.
/// Returns false when interrupted while waiting.
fn backoff(cx: &Context<'_>, attempt: u32) -> bool {
    let base = cx.retry_delay.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1) as i32);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.75 + 0.5 * f64::from(nanos % 1000) / 1000.0;
    let delay = Duration::from_secs_f64((base * jitter).min(60.0));
    let until = std::time::Instant::now() + delay;
    while std::time::Instant::now() < until {
        if cx.runner.is_interrupted() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20).min(until - std::time::Instant::now()));
    }
    !cx.runner.is_interrupted()
}

fn render(task: &TaskPlan, _base: gix::ObjectId) -> Vec<String> {
    let workspace = task.workspace.to_string_lossy();
    let task_file = task.workspace.join(&task.task.rel_file);
    task.template.render(&Values {
        prompt: &task.prompt,
        task: &task.task.name,
        task_file: &task_file.to_string_lossy(),
        workspace: &workspace,
        branch: &task.branch,
    })
}

fn environment(task: &TaskPlan, base: gix::ObjectId) -> Vec<(String, String)> {
    vec![
        ("GIT_AGENTS_TASK".into(), task.task.name.clone()),
        (
            "GIT_AGENTS_TASK_FILE".into(),
            task.workspace
                .join(&task.task.rel_file)
                .to_string_lossy()
                .into_owned(),
        ),
        (
            "GIT_AGENTS_WORKSPACE".into(),
            task.workspace.to_string_lossy().into_owned(),
        ),
        ("GIT_AGENTS_BRANCH".into(), task.branch.clone()),
        ("GIT_AGENTS_BASE".into(), base.to_string()),
    ]
}

/// The commit subject: the task's name, or its slug when the name holds control characters.
fn subject(task: &TaskPlan) -> String {
    let name = &task.task.name;
    let shown = if name.chars().any(char::is_control) {
        &task.task.slug
    } else {
        name
    };
    format!("feat: {shown} implementation")
}

fn commit_task(
    cx: &Context<'_>,
    task: &TaskPlan,
    copied: &[String],
    note: Option<String>,
) -> Result<TaskState> {
    set_state(cx, task, Status::Committing, |_| {})?;
    let repo = gix::open(&task.workspace)
        .with_context(|| format!("opening {}", task.workspace.display()))?;
    let exclude = |path: &BStr| copied.iter().any(|c| c.as_bytes() == path.as_bytes());
    let outcome = commit::commit_all(&repo, &subject(task), &exclude).with_context(|| {
        format!(
            "committing the agent's changes in {}",
            task.workspace.display()
        )
    })?;
    let head = repo
        .head_id()
        .context("reading the workspace's HEAD")?
        .detach();
    let commits = repo.rev_walk([head]).with_hidden([cx.base]).all()?.count() as u32;
    let files = changed_files(&repo, cx.base, head)?;
    if let Some(commit) = outcome.commit {
        cx.reporter.event(&Event::Committed {
            task: task.task.name.clone(),
            commit: commit.to_string(),
            files_changed: outcome.changed.len() as u32,
        });
    }
    let status = if commits == 0 {
        Status::NoChanges
    } else {
        Status::Done
    };
    if status == Status::NoChanges {
        cx.reporter.event(&Event::Warning {
            message: format!(
                "{}: the agent succeeded but changed nothing",
                task.task.name
            ),
        });
    }
    let record = cx.store.update(&task.task.name, |old| {
        let mut record = old.expect("recorded before");
        record.state = status;
        record.exit_code = Some(0);
        record.ended = Some(state::now());
        record.head = Some(head.to_string());
        record.commits = commits;
        record.files_changed = files;
        record.message = note.clone();
        record
    })?;
    emit_finished(cx, &record);
    Ok(record)
}

fn changed_files(repo: &gix::Repository, base: gix::ObjectId, head: gix::ObjectId) -> Result<u32> {
    if base == head {
        return Ok(0);
    }
    let old = repo.find_commit(base)?.tree()?;
    let new = repo.find_commit(head)?.tree()?;
    let mut options = gix::diff::Options::default();
    options.track_rewrites(None);
    let changes = repo.diff_tree_to_tree(&old, &new, options)?;
    Ok(changes.iter().filter(|c| !c.entry_mode().is_tree()).count() as u32)
}

fn finish(
    cx: &Context<'_>,
    task: &TaskPlan,
    status: Status,
    code: Option<i32>,
    message: Option<String>,
) -> Result<TaskState> {
    let record = cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, cx.base));
        record.state = status;
        record.exit_code = code;
        record.ended = Some(state::now());
        record.message = message.clone();
        record
    })?;
    emit_finished(cx, &record);
    Ok(record)
}

fn emit_finished(cx: &Context<'_>, record: &TaskState) {
    cx.reporter.event(&Event::Finished {
        task: record.task.clone(),
        state: record.state,
        exit_code: record.exit_code,
        message: record.message.clone(),
    });
}
