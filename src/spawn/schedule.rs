//! Hands tasks to workers in order, each once its dependencies have finished.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};

use super::plan::TaskPlan;

/// How a finished task ended, as its dependents see it.
#[derive(Debug, Clone)]
pub enum Finished {
    /// Its branch head, to start from.
    Ok(gix::ObjectId),
    /// It did not succeed: why, in a word or two.
    Failed(String),
}

pub enum Next {
    /// Run task `index`; its dependencies' heads, by name, in `depends_on` order.
    Run(usize, Vec<(String, gix::ObjectId)>),
    /// Task `index` cannot run: the dependency named did not succeed.
    Blocked(usize, String, String),
    /// Nothing left to hand out.
    Done,
}

struct Inner {
    started: Vec<bool>,
    finished: HashMap<String, Finished>,
}

pub struct Scheduler<'a> {
    tasks: &'a [TaskPlan],
    inner: Mutex<Inner>,
    changed: Condvar,
}

impl<'a> Scheduler<'a> {
    /// `known` holds dependencies finished before this run (their branch heads).
    pub fn new(tasks: &'a [TaskPlan], known: HashMap<String, Finished>) -> Self {
        Scheduler {
            tasks,
            inner: Mutex::new(Inner {
                started: vec![false; tasks.len()],
                finished: known,
            }),
            changed: Condvar::new(),
        }
    }

    /// The next task whose dependencies are all settled; waits while only blocked ones remain.
    pub fn next(&self) -> Next {
        let mut inner = self.inner.lock().unwrap();
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
                let mut heads = Vec::new();
                for dep in &self.tasks[index].task.meta.depends_on {
                    match &inner.finished[dep] {
                        Finished::Ok(head) => heads.push((dep.clone(), *head)),
                        Finished::Failed(why) => {
                            return Next::Blocked(index, dep.clone(), why.clone())
                        }
                    }
                }
                return Next::Run(index, heads);
            }
            inner = self.changed.wait(inner).unwrap();
        }
    }

    pub fn finish(&self, name: &str, outcome: Finished) {
        self.inner
            .lock()
            .unwrap()
            .finished
            .insert(name.to_owned(), outcome);
        self.changed.notify_all();
    }
}
