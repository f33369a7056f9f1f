//! Where a task's agent runs: here, on the runner's bounded pool (`local`), or as a job of a
//! batch scheduler (`slurm`). Planning, worktrees, commits, state, merge and status are the
//! same for both; only an attempt's start, its following and its cancelling differ.
#![doc(hidden)]

pub mod slurm;

use std::path::PathBuf;

use anyhow::Result;

pub use crate::config::{Backend, Place, SlurmSettings};

use crate::runner::{Job, LineSink, Live, Outcome, Runner};
use crate::state::Store;

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
