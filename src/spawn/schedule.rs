//! Hands tasks to workers in order, each once its dependencies have finished, for every mode.
//!
//! Each task handed out is a [`Ticket`]; a ticket dropped without [`Ticket::finish`] (its
//! worker panicked) still settles the task as failed, so dependents never wait for ever.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::plan::TaskPlan;

/// How a finished task ended, as its dependents see it.
#[derive(Debug, Clone)]
pub enum Finished {
    /// Its branch head, to start from.
    Ok(gix::ObjectId),
    /// It did not succeed: why, in a word or two.
    Failed(String),
}

/// What a worker is to do with the task its ticket names.
pub enum Next<'s, 'a> {
    /// Run it; its dependencies' heads, by name, in `depends_on` order.
    Run(Ticket<'s, 'a>, Vec<(String, gix::ObjectId)>),
    /// It cannot run: the dependency named did not succeed, for the reason given.
    Blocked(Ticket<'s, 'a>, String, String),
    /// It cannot run: the run was stopped, for the reason given.
    Stopped(Ticket<'s, 'a>, String),
    /// Nothing left to hand out.
    Done,
}

struct Inner {
    started: Vec<bool>,
    finished: HashMap<String, Finished>,
    stopped: Option<String>,
}

pub struct Scheduler<'a> {
    tasks: &'a [TaskPlan],
    inner: Mutex<Inner>,
    changed: Condvar,
}

/// One task handed to a worker; settle it with [`Ticket::finish`].
pub struct Ticket<'s, 'a> {
    scheduler: &'s Scheduler<'a>,
    pub index: usize,
    settled: bool,
}

impl Ticket<'_, '_> {
    pub fn finish(mut self, outcome: Finished) {
        self.settled = true;
        self.scheduler.settle(self.index, outcome);
    }
}

impl Drop for Ticket<'_, '_> {
    fn drop(&mut self) {
        if !self.settled {
            self.scheduler
                .settle(self.index, Finished::Failed("failed".into()));
        }
    }
}

impl<'a> Scheduler<'a> {
    /// `known` holds dependencies finished before this run (their branch heads).
    pub fn new(tasks: &'a [TaskPlan], known: HashMap<String, Finished>) -> Self {
        Scheduler {
            tasks,
            inner: Mutex::new(Inner {
                started: vec![false; tasks.len()],
                finished: known,
                stopped: None,
            }),
            changed: Condvar::new(),
        }
    }

    /// The next task whose dependencies are all settled; waits while only blocked ones remain.
    pub fn next(&self) -> Next<'_, 'a> {
        let mut inner = self.lock();
        loop {
            if inner.started.iter().all(|s| *s) {
                return Next::Done;
            }
            let ready = (0..self.tasks.len()).find(|&i| {
                !inner.started[i]
                    && self.tasks[i]
                        .task
                        .meta
                        .depends_on
                        .iter()
                        .all(|d| inner.finished.contains_key(d))
            });
            if let Some(index) = ready {
                inner.started[index] = true;
                let ticket = Ticket {
                    scheduler: self,
                    index,
                    settled: false,
                };
                if let Some(why) = &inner.stopped {
                    return Next::Stopped(ticket, why.clone());
                }
                let mut heads = Vec::new();
                for dep in &self.tasks[index].task.meta.depends_on {
                    match &inner.finished[dep] {
                        Finished::Ok(head) => heads.push((dep.clone(), *head)),
                        Finished::Failed(why) => {
                            return Next::Blocked(ticket, dep.clone(), why.clone())
                        }
                    }
                }
                return Next::Run(ticket, heads);
            }
            inner = self
                .changed
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Hand out no more tasks to run: the ones left are `Stopped` with `why` (the first reason wins).
    pub fn stop(&self, why: String) {
        self.lock().stopped.get_or_insert(why);
        self.changed.notify_all();
    }

    fn settle(&self, index: usize, outcome: Finished) {
        let name = self.tasks[index].task.name.clone();
        self.lock().finished.insert(name, outcome);
        self.changed.notify_all();
    }

    /// The bookkeeping stays usable even after a worker panicked while holding the lock.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
