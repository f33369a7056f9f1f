//! One task from start to end on a worker thread: prepare, run the agent, commit, check.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use gix::bstr::{BStr, ByteSlice};

use super::attempts::{self, Ran};
use super::mode::{Commit, Driver};
use super::plan::TaskPlan;
use crate::gitops::{commit, diff};
use crate::progress::{Event, Reporter};
use crate::runner::{Live, Runner};
use crate::state::{self, Status, Store, TaskState};
use crate::{scope, verify};

pub struct Context<'a> {
    pub repo: gix::ThreadSafeRepository,
    pub root: PathBuf,
    pub contracts_dir: PathBuf,
    pub store: &'a Store,
    pub reporter: &'a dyn Reporter,
    pub runner: &'a Runner,
    pub retry_delay: Duration,
    /// Rate limits pause every start of the run.
    pub pause: &'a super::rate_pause::RatePause,
    /// Run the contract check after each task.
    pub verify: bool,
    /// Hand a failed check back to the agent this many times.
    pub fix_attempts: u32,
    /// The ports the run's tasks hold.
    pub ports: &'a super::ports::Ports,
    /// The note that ignored files were copied without copy-on-write has been given.
    pub plain_copy_noted: std::sync::atomic::AtomicBool,
    /// Workspaces set up in this run: tasks that share one set it up once.
    pub set_up: super::setup::SetUp,
    pub place: &'a crate::backend::Place,
}

/// How a task ended.
pub struct TaskEnd {
    pub record: TaskState,
    /// Its agent succeeded and its work waits to be committed after the run ([`Commit::AfterRun`]).
    pub deferred: bool,
}

impl From<TaskState> for TaskEnd {
    fn from(record: TaskState) -> TaskEnd {
        TaskEnd {
            record,
            deferred: false,
        }
    }
}

/// Run one task, branching from `base`, to its end; failures end up in the record.
pub fn run_task(
    cx: &Context<'_>,
    driver: &dyn Driver,
    task: &TaskPlan,
    base: gix::ObjectId,
) -> TaskEnd {
    let result = if cx.runner.is_interrupted() {
        finish(
            cx,
            task,
            Status::Interrupted,
            None,
            Some("not started".into()),
        )
        .map(TaskEnd::from)
    } else {
        run(cx, driver, task, base)
    };
    result.unwrap_or_else(|err| fail(cx, task, format!("{err:#}")).into())
}

/// Record a failure that happened outside the agent (preparing, committing, a dependency).
pub fn fail(cx: &Context<'_>, task: &TaskPlan, message: String) -> TaskState {
    finish(cx, task, Status::Failed, None, Some(message.clone())).unwrap_or_else(|_| {
        let mut record = super::queued_record(task, None);
        record.state = Status::Failed;
        record.message = Some(message);
        record
    })
}

pub fn set_state(
    cx: &Context<'_>,
    task: &TaskPlan,
    status: Status,
    change: impl FnOnce(&mut TaskState),
) -> Result<TaskState> {
    let record = cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
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

fn run(
    cx: &Context<'_>,
    driver: &dyn Driver,
    task: &TaskPlan,
    base: gix::ObjectId,
) -> Result<TaskEnd> {
    let (started, copied, start) = prepare(cx, driver, task, base)?;
    // Held until the task ends, through its retries and fix attempts.
    let lease = super::ports::lease(cx, task)?;
    let (port, live) = (Some(lease.port), Live::default());
    cx.reporter.attach(&task.task.name, live.line.clone());
    if let Some(ended) = super::setup::run(cx, task, base, &live, port, &started)? {
        return Ok(ended.into());
    }
    let mut prompt = task.prompt.clone();
    let mut session = started.agent.last_session().map(str::to_owned);
    let rounds = if cx.verify { cx.fix_attempts + 1 } else { 1 };
    for round in 1..=rounds {
        let turn = attempts::Turn {
            prompt: &prompt,
            session: session.take(),
            fix: (round > 1).then(|| (round - 1, rounds - 1)),
        };
        let ran = attempts::run_agent(cx, task, base, turn, &live, port)?;
        if !ran.succeeded() {
            return agent_failed(cx, task, ran).map(TaskEnd::from);
        }
        // A fix attempt continues the same conversation, where the preset can.
        session = ran.session.clone();
        if driver.commit() == Commit::AfterRun {
            let record = set_state(cx, task, Status::Committing, |r| r.exit_code = Some(0))?;
            return Ok(TaskEnd {
                record,
                deferred: true,
            });
        }
        let note = ran
            .log_error
            .map(|e| format!("writing the log failed: {e}"));
        let record = commit_task(cx, task, (base, start), &copied, note)?;
        if !cx.verify {
            return Ok(announce(cx.reporter, record).into());
        }
        let result = check(cx, task, &record)?;
        let record = cx.store.update(&task.task.name, |old| {
            let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
            record.verify = Some(result.clone());
            record
        })?;
        if result.passed {
            return Ok(announce(cx.reporter, record).into());
        }
        let why = result.message.clone().unwrap_or_default();
        if round == rounds {
            return finish(
                cx,
                task,
                Status::Failed,
                Some(0),
                Some(format!("verify failed: {why}")),
            )
            .map(TaskEnd::from);
        }
        cx.reporter.event(&Event::Warning {
            message: format!(
                "{}: verify failed ({why}); giving it back to the agent",
                task.task.name
            ),
        });
        prompt = format!(
            "{}\n\nThe contract check failed after your last run ({why}). Its output ends with:\n\n{}\n\nFix the problem.",
            task.prompt,
            verify::log_tail(&result.log, 60)
        );
    }
    unreachable!("the loop returns in its last round")
}

/// Make the task's workspace ready; its record as it then stands, the files copied in, and
/// the commit its workspace starts this run at.
fn prepare(
    cx: &Context<'_>,
    driver: &dyn Driver,
    task: &TaskPlan,
    base: gix::ObjectId,
) -> Result<(TaskState, Vec<String>, gix::ObjectId)> {
    let started = set_state(cx, task, Status::Preparing, |r| {
        r.started = Some(state::now());
        r.ended = None;
        r.attempts = 0;
        r.exit_code = None;
        r.message = None;
        r.base = Some(base.into());
    })?;
    super::test_hooks::maybe_panic(&task.task.name);
    let copied = driver.prepare(cx, task, base)?;
    // Only a task committed as it ends needs to know where its workspace starts.
    let start = match driver.commit() {
        Commit::AfterRun => None,
        _ => crate::gitops::head::commit_in(&cx.repo, &cx.root, &task.workspace),
    };
    let start = start.unwrap_or(base);
    let copied_for_state = copied.clone();
    cx.store.update(&task.task.name, move |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
        record.copied = copied_for_state;
        record
    })?;
    Ok((started, copied, start))
}

fn agent_failed(cx: &Context<'_>, task: &TaskPlan, ran: Ran) -> Result<TaskState> {
    let (status, code, message) = super::failed::ending(task, ran);
    finish(cx, task, status, code, message)
}

fn check(cx: &Context<'_>, task: &TaskPlan, record: &TaskState) -> Result<verify::VerifyResult> {
    let log = crate::logs::runs::latest(&task.log, crate::logs::runs::Kind::Verify);
    verify::run(
        cx.runner,
        &verify::Check {
            task: &task.task.name,
            branch: &task.branch,
            workspace: &task.workspace,
            root: &cx.root,
            contracts_dir: &cx.contracts_dir,
            copied: &record.copied,
            base: record.base.map(|b| b.to_gix()),
            command: task.verify.as_ref(),
            log,
        },
    )
}

/// Commit what the agent left; the record counts what this run added since `start`, and
/// judges the branch since `base` (no changes, files outside the scope).
fn commit_task(
    cx: &Context<'_>,
    task: &TaskPlan,
    (base, start): (gix::ObjectId, gix::ObjectId),
    copied: &[String],
    note: Option<String>,
) -> Result<TaskState> {
    set_state(cx, task, Status::Committing, |_| {})?;
    let repo = crate::gitops::open_worktree(&task.workspace)
        .with_context(|| format!("opening {}", task.workspace.display()))?;
    let preset = task.template.preset_info();
    let exclude = |path: &BStr| {
        super::include::covers(copied, path)
            || preset.is_some_and(|p| p.leaves_behind(&path.to_str_lossy()))
    };
    let outcome = commit::commit_all(&repo, &task.subject(), &exclude).with_context(|| {
        format!(
            "committing the agent's changes in {}",
            task.workspace.display()
        )
    })?;
    let head = repo
        .head_id()
        .context("reading the workspace's HEAD")?
        .detach();
    let on_branch = repo.rev_walk([head]).with_hidden([base]).all()?.count();
    let (commits, files_this_run) = diff::work_since(&repo, start, head)?;
    let changed = diff::changed_paths(&repo, base, head)?;
    if let Some(commit) = outcome.commit {
        cx.reporter.event(&Event::Committed {
            task: task.task.name.clone(),
            commit: commit.to_string(),
            files_changed: outcome.changed.len() as u32,
        });
    }
    let status = if on_branch == 0 {
        Status::NoChanges
    } else {
        Status::Done
    };
    let violations = scope::violations(&task.scope, &changed);
    cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
        record.state = status;
        record.exit_code = Some(0);
        record.ended = Some(state::now());
        record.head = Some(head.into());
        record.commits = commits;
        record.files_changed = files_this_run;
        record.violations = violations;
        record.message = note;
        record
    })
}

/// Warnings for a successful task, then its `Finished` event.
pub fn announce(reporter: &dyn Reporter, record: TaskState) -> TaskState {
    if record.state == Status::NoChanges {
        reporter.event(&Event::Warning {
            message: format!("{}: the agent succeeded but changed nothing", record.task),
        });
    }
    if !record.violations.is_empty() {
        reporter.event(&Event::Warning {
            message: format!(
                "{}: changed files outside its scope: {}",
                record.task,
                record.violations.join(", ")
            ),
        });
    }
    emit_finished(reporter, &record);
    record
}

pub(super) fn finish(
    cx: &Context<'_>,
    task: &TaskPlan,
    status: Status,
    code: Option<i32>,
    message: Option<String>,
) -> Result<TaskState> {
    let record = cx.store.update(&task.task.name, |old| {
        let mut record = old.unwrap_or_else(|| super::queued_record(task, None));
        record.state = status;
        record.exit_code = code;
        record.ended = Some(state::now());
        record.message = message.clone();
        record
    })?;
    emit_finished(cx.reporter, &record);
    Ok(record)
}

fn emit_finished(reporter: &dyn Reporter, record: &TaskState) {
    reporter.event(&Event::Finished {
        task: record.task.clone(),
        state: record.state,
        exit_code: record.exit_code,
        message: record.message.clone(),
        failure: record.failure,
    });
}
