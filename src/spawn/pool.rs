//! The bounded pool every mode runs on: workers take tickets from the scheduler, run each task
//! through its mode's driver, and settle it — a panicking task included — so nothing waits for ever.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context as _, Result};

use super::deps;
use super::execute::{self, Context, TaskEnd};
use super::mode::Driver;
use super::plan::{Plan, TaskPlan};
use super::schedule::{Finished, Next, Scheduler, Ticket};

/// Every task's end, in plan order, and why the run stopped early, if it did.
pub struct Ran {
    pub ends: Vec<TaskEnd>,
    pub stopped: Option<String>,
}

/// The part of a plan the workers share.
pub struct Work<'p> {
    pub tasks: &'p [TaskPlan],
    /// What tasks without dependencies start from.
    pub base: gix::ObjectId,
    /// Dependencies that finished before this run, with their branch heads.
    pub known: HashMap<String, Finished>,
    /// `agents.jobs`.
    pub jobs: usize,
}

impl<'p> Work<'p> {
    pub fn of(plan: &'p Plan) -> Work<'p> {
        Work {
            tasks: &plan.tasks,
            base: plan.base,
            known: plan.known.clone(),
            jobs: plan.project.settings.jobs.value,
        }
    }
}

/// Run every task on a pool sized by `agents.jobs` (one worker when the mode is sequential).
/// Returns `Err` only when a mode could not restore the repository between tasks.
pub fn run_all(cx: &Context<'_>, driver: &dyn Driver, work: Work<'_>) -> Result<Ran> {
    let tasks = work.tasks;
    let jobs = if driver.parallel() {
        work.jobs.min(tasks.len()).max(1)
    } else {
        1
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("git-agents-{i}"))
        .build()
        .context("starting the worker pool")?;
    let scheduler = Scheduler::new(tasks, work.known.clone());
    let ends: Mutex<Vec<Option<TaskEnd>>> = Mutex::new((0..tasks.len()).map(|_| None).collect());
    let stopped = Mutex::new(None::<String>);
    let fatal = Mutex::new(None::<anyhow::Error>);
    pool.broadcast(|_| loop {
        let (ticket, end) = match scheduler.next() {
            Next::Done => break,
            Next::Stopped(ticket, why) => {
                let task = &tasks[ticket.index];
                let end = execute::fail(cx, task, format!("not started: {why}")).into();
                (ticket, end)
            }
            next => {
                let Some((ticket, end)) = guarded(cx, driver, &work, next) else {
                    continue;
                };
                (ticket, end)
            }
        };
        let task = &tasks[ticket.index];
        match catch_unwind(AssertUnwindSafe(|| driver.task_ended(cx, task))) {
            Ok(Ok(None)) => {}
            Ok(Ok(Some(why))) => {
                lock(&stopped).get_or_insert(why.clone());
                scheduler.stop(why);
            }
            Ok(Err(err)) => {
                scheduler.stop(format!(
                    "restoring the main worktree failed after '{}'",
                    task.task.name
                ));
                lock(&fatal).get_or_insert(err);
            }
            Err(panic) => scheduler.stop(panic_message(&*panic)),
        }
        let index = ticket.index;
        settle(ticket, &end, work.base);
        lock(&ends)[index] = Some(end);
    });
    drop(pool);
    if let Some(err) = lock(&fatal).take() {
        return Err(err);
    }
    let ends = ends
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect();
    let stopped = stopped.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(Ran { ends, stopped })
}

/// Run (or refuse) the task a `Run` or `Blocked` ticket names, turning a panic into a failed
/// task that carries the panic's message.
fn guarded<'s, 'a>(
    cx: &Context<'_>,
    driver: &dyn Driver,
    work: &Work<'_>,
    next: Next<'s, 'a>,
) -> Option<(Ticket<'s, 'a>, TaskEnd)> {
    let (ticket, blocked, heads) = match next {
        Next::Run(ticket, heads) => (ticket, None, heads),
        Next::Blocked(ticket, dep, why) => (ticket, Some((dep, why)), Vec::new()),
        Next::Stopped(..) | Next::Done => return None,
    };
    let task = &work.tasks[ticket.index];
    let end = catch_unwind(AssertUnwindSafe(|| match blocked {
        None => start(cx, driver, task, work.base, &heads),
        Some(_) if cx.runner.is_interrupted() => execute::run_task(cx, driver, task, work.base),
        Some((dep, why)) => {
            let why = format!("not started: its dependency '{dep}' {why}");
            execute::fail(cx, task, why).into()
        }
    }))
    .unwrap_or_else(|panic| {
        let why = format!(
            "git-agents failed while running it: {}",
            panic_message(&*panic)
        );
        execute::fail(cx, task, why).into()
    });
    Some((ticket, end))
}

/// Work out a task's base from its dependencies, then run it.
fn start(
    cx: &Context<'_>,
    driver: &dyn Driver,
    task: &TaskPlan,
    base: gix::ObjectId,
    heads: &[(String, gix::ObjectId)],
) -> TaskEnd {
    if heads.is_empty() {
        return execute::run_task(cx, driver, task, base);
    }
    let repo = cx.repo.to_thread_local();
    match deps::base_from(&repo, &task.task.name, heads) {
        Ok(Ok(base)) => execute::run_task(cx, driver, task, base),
        Ok(Err(paths)) => {
            let why = format!(
                "its dependencies conflict when merged, in: {}",
                paths.join(", ")
            );
            execute::fail(cx, task, why).into()
        }
        Err(err) => execute::fail(cx, task, format!("merging its dependencies: {err:#}")).into(),
    }
}

/// Tell the scheduler how the task ended, as its dependents see it.
fn settle(ticket: Ticket<'_, '_>, end: &TaskEnd, run_base: gix::ObjectId) {
    let record = &end.record;
    let head = record.head.map(|h| h.to_gix());
    let outcome = match head {
        Some(head) if record.state.is_finished() => Finished::Ok(head),
        // In place, a successful agent's work is committed on the run's branch after all ended.
        _ if end.deferred => Finished::Ok(run_base),
        _ if record.state.is_finished() => Finished::Failed("has no commit to start from".into()),
        _ => Finished::Failed(record.state.label().to_owned()),
    };
    ticket.finish(outcome);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The text of a panic's payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    format!("panicked: {text}")
}
