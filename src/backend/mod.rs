//! Where a task's agent runs: here, on the runner's bounded pool (`local`), or as a job of a
//! batch scheduler (`slurm`). Planning, worktrees, commits, state, merge and status are the
//! same for both; only an attempt's start, its following and its cancelling differ.
#![doc(hidden)]

pub mod slurm;

use std::path::{Path, PathBuf};

use anyhow::Result;

pub use crate::config::{Backend, Place, SlurmSettings};

use crate::runner::{Job, LineSink, Live, Outcome, Runner};
use crate::state::{SchedulerJob, Store, TaskState};

/// One attempt of a task, as a backend that runs it elsewhere needs to know it.
pub(crate) struct Attempt<'a> {
    pub task: &'a str,
    pub slug: &'a str,
    pub run: u32,
    pub attempt: u32,
    /// Job ids of this run's jobs it must start after (its dependencies').
    pub after: Vec<String>,
    /// Where job scripts and results go (`<git-common-dir>/agents/slurm/`).
    pub dir: PathBuf,
    pub store: &'a Store,
}

/// Set the logs of a task's last run aside (see `logs::runs`) as a new run starts, unless
/// its record holds a job an earlier spawn left queued or running, which still writes them
/// and is to be followed again: that job is returned.
pub(crate) fn logs_aside(
    place: &Place,
    record: Option<&TaskState>,
    log: &Path,
) -> Result<Option<SchedulerJob>> {
    let job = record.and_then(|r| r.slurm.as_ref());
    let job = job.filter(|j| place.backend == Backend::Slurm && j.active());
    if job.is_none() {
        crate::logs::runs::set_aside(log, record.map_or(0, |r| r.run))?;
    }
    Ok(job.cloned())
}

/// Refuse, before anything is created, a backend that cannot run here.
pub(crate) fn check(place: &Place) -> Result<()> {
    match place.backend {
        Backend::Local => Ok(()),
        Backend::Slurm => slurm::check(),
    }
}

/// Run one attempt's `job` to its end on `place`'s backend.
pub(crate) fn run(
    place: &Place,
    runner: &Runner,
    job: &Job,
    live: &Live,
    sink: &dyn LineSink,
    attempt: &Attempt<'_>,
) -> Result<Outcome> {
    match place.backend {
        Backend::Local => runner.run(job, live, sink),
        Backend::Slurm => slurm::run(&place.slurm, runner, job, live, sink, attempt),
    }
}
