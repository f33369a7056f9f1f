//! `<git-common-dir>/agents/state.json`: what happened to every task, written atomically.
//!
//! Several processes may update it (a spawn of some tasks, a verify of others), so every
//! write takes a short file lock, re-reads the file, replaces the tasks it changed and renames
//! a new file into place. Readers (status) take no lock: they always see a whole file.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, Result};

/// One task's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct TaskState {
    /// The task's name.
    pub task: String,
    /// Where it stands.
    pub state: Status,
    /// Agent attempts so far in its last run.
    pub attempts: u32,
    /// The run (spawn or continue) it last ran in, numbered from 1; 0 before runs were numbered.
    #[serde(default)]
    pub run: u32,
    /// The agent's exit code (128 + signal when killed), when it exited.
    pub exit_code: Option<i32>,
    /// When its last run started, in seconds since the Unix epoch.
    pub started: Option<f64>,
    /// When its last run ended, in seconds since the Unix epoch.
    pub ended: Option<f64>,
    /// The commit the task's branch started from.
    pub base: Option<crate::ids::CommitId>,
    /// The task's branch head when it ended.
    pub head: Option<crate::ids::CommitId>,
    /// Where its agent works: its linked worktree, or the main worktree in place.
    pub workspace: PathBuf,
    /// The branch its work is committed on (short name).
    pub branch: String,
    /// Its agent's log.
    pub log: PathBuf,
    /// Files git-agents copied into the workspace (repo-relative, a directory copied whole
    /// with a trailing `/`); never committed.
    #[serde(default)]
    pub copied: Vec<String>,
    /// The port it was given when its agent last started (`GIT_AGENTS_PORT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Commits its last run added to its branch (`git agents status` counts the whole branch).
    #[serde(default)]
    pub commits: u32,
    /// Files its last run changed.
    #[serde(default)]
    pub files_changed: u32,
    /// Why it failed, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The git-agents process working on it, while it is not finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Changed paths outside the task's scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
    /// The last contract check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyResult>,
    /// Why it failed, by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::agent::failure::FailureKind>,
    /// What its agent's stream told over the attempts of its last run.
    #[serde(default, skip_serializing_if = "AgentRecord::is_empty")]
    pub agent: AgentRecord,
    /// Waiting for a rate limit to reset until then, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_until: Option<f64>,
    /// Its branch was merged (`git agents merge`): when, into what, at which commit. A merged
    /// task is never run again unless asked, and its record outlives `clean`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<Merged>,
    /// Its setup commands in the workspace it has: whether they succeeded, so a later spawn
    /// runs them again only where they did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup: Option<SetupRecord>,
    /// The Slurm job of its last attempt (`--backend slurm`), followed again by a later spawn
    /// while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<SchedulerJob>,
}

/// The last run of a task's setup commands in its workspace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SetupRecord {
    /// Every command exited 0.
    pub ok: bool,
    /// When they ended, in seconds since the Unix epoch.
    pub at: f64,
    /// The commands, shell-quoted for reading: changed ones run again.
    pub commands: Vec<String>,
}

/// Where and when a task's branch was merged.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Merged {
    /// When, in seconds since the Unix epoch.
    pub at: f64,
    /// The branch merged into (short name).
    pub into: String,
    /// The target's tip once the task's branch was in it (the merge commit, or the branch's
    /// own tip for a fast-forward).
    pub commit: crate::ids::CommitId,
}

mod agent;
mod file;
mod job;
mod runs;
mod schema;
mod status;

use crate::stamp::Stamp;
use file::{lock, read, Written};
pub use file::{write_atomically, write_cache};
pub use status::Status;

pub use agent::AgentRecord;
pub use job::SchedulerJob;

/// The layout of `state.json` this build writes. 1: ids as free strings; 2: typed commit ids.
pub const SCHEMA_VERSION: u32 = 2;

/// The outcome of the last check of a task, as recorded in state.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct VerifyResult {
    /// Contracts unchanged and the check command (if any) succeeded.
    pub passed: bool,
    /// When it ran, in seconds since the Unix epoch.
    pub at: f64,
    /// Why it failed, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The check's output.
    pub log: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// [`SCHEMA_VERSION`] when written by this build; older files are migrated when read.
    pub version: u32,
    pub tasks: BTreeMap<String, TaskState>,
}

/// The state file of one repository.
///
/// Updates change an in-memory copy at once and reach the file in batches: a writer thread
/// flushes shortly after a change (readers see the file at most that much behind), and
/// [`Store::flush`] writes everything that is pending. A flush re-reads the file under the lock
/// and replaces only the tasks this store changed, so other processes' tasks are kept.
#[derive(Clone)]
pub struct Store {
    dir: PathBuf,
    shared: Arc<Shared>,
}

struct Shared {
    dir: PathBuf,
    pending: Mutex<Pending>,
    changed: Condvar,
    /// Held while the file is written, so that writes land in the order their snapshots were
    /// taken; `pending` is free meanwhile, and tasks go on changing their records. It holds
    /// what this store wrote last, which spares the next write re-reading an unchanged file.
    writing: Mutex<Option<Written>>,
}

#[derive(Default)]
struct Pending {
    /// The file as first read, then every record this store changed.
    records: Option<BTreeMap<String, TaskState>>,
    dirty: BTreeSet<String>,
    error: Option<String>,
}

/// How long a change may wait for company before it is written.
const FLUSH_DELAY: Duration = Duration::from_millis(50);

impl Store {
    /// `dir` is `<git-common-dir>/agents`.
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        let dir = dir.into();
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            pending: Mutex::new(Pending::default()),
            changed: Condvar::new(),
            writing: Mutex::new(None),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("git-agents-state".into())
            .spawn(move || flush_in_background(weak))
            .expect("starting the state writer");
        Store { dir, shared }
    }

    /// `<git-common-dir>/agents`, where git-agents keeps what it knows.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// Read the whole state from the file; a missing file is an empty state.
    pub fn load(&self) -> Result<State> {
        read(&self.path())
    }

    /// The pending changes, with the records read from the file on first use.
    fn loaded(&self) -> Result<std::sync::MutexGuard<'_, Pending>> {
        let mut pending = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pending.records.is_none() {
            pending.records = Some(self.load()?.tasks);
        }
        Ok(pending)
    }

    /// Change one task's record; the file follows within moments (or at [`Store::flush`]).
    pub fn update(
        &self,
        task: &str,
        change: impl FnOnce(Option<TaskState>) -> TaskState,
    ) -> Result<TaskState> {
        let mut pending = self.loaded()?;
        let records = pending.records.get_or_insert_with(BTreeMap::new);
        let new = change(records.remove(task));
        records.insert(task.to_owned(), new.clone());
        pending.dirty.insert(task.to_owned());
        self.shared.changed.notify_one();
        Ok(new)
    }

    /// Change one task's record if it still exists; returns whether it did.
    pub fn update_existing(&self, task: &str, change: impl FnOnce(&mut TaskState)) -> Result<bool> {
        let mut pending = self.loaded()?;
        let Some(record) = pending.records.as_mut().and_then(|r| r.get_mut(task)) else {
            return Ok(false);
        };
        change(record);
        pending.dirty.insert(task.to_owned());
        self.shared.changed.notify_one();
        Ok(true)
    }

    /// Forget a task's record, in memory and in the file; returns it if there was one.
    pub fn remove(&self, task: &str) -> Result<Option<TaskState>> {
        // No write of a snapshot taken before may land after this and bring the record back.
        let mut writing = self
            .shared
            .writing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *writing = None;
        let mut pending = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(records) = pending.records.as_mut() {
            records.remove(task);
        }
        pending.dirty.remove(task);
        if !self.path().exists() {
            return Ok(None);
        }
        let _lock = lock(&self.dir)?;
        let mut state = self.load()?;
        let old = state.tasks.remove(task);
        if old.is_some() {
            write_atomically(&self.path(), &serde_json::to_vec_pretty(&state)?)?;
        }
        Ok(old)
    }

    /// Write every pending change now.
    pub fn flush(&self) -> Result<()> {
        self.shared.flush()
    }
}

impl Shared {
    fn flush(&self) -> Result<()> {
        let mut writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let changed: Vec<(String, TaskState)> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if pending.dirty.is_empty() {
                return match pending.error.take() {
                    Some(err) => Err(crate::error::Error::failed(err).into()),
                    None => Ok(()),
                };
            }
            let dirty = std::mem::take(&mut pending.dirty);
            let records = pending.records.as_ref().expect("dirty records were loaded");
            dirty
                .into_iter()
                .filter_map(|task| Some((task.clone(), records.get(&task)?.clone())))
                .collect()
        };
        let result = self.write(&changed, &mut writing);
        if let Err(err) = &result {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending
                .dirty
                .extend(changed.into_iter().map(|(task, _)| task));
            pending.error = Some(format!("{err:#}"));
        }
        result
    }

    fn write(&self, changed: &[(String, TaskState)], last: &mut Option<Written>) -> Result<()> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let _lock = lock(&self.dir)?;
        let path = self.dir.join("state.json");
        let mut state = match last.take() {
            Some(last) if Stamp::at(&path) == Some(last.stamp) => last.state,
            _ => read(&path)?,
        };
        for (task, record) in changed {
            state.tasks.insert(task.clone(), record.clone());
        }
        state.version = SCHEMA_VERSION;
        write_atomically(&path, &serde_json::to_vec_pretty(&state)?)?;
        *last = Stamp::at(&path).map(|stamp| Written { stamp, state });
        Ok(())
    }
}

impl Drop for Store {
    /// Nothing pending is lost when a store goes away (its writer thread may outlive it).
    fn drop(&mut self) {
        let _ = self.shared.flush();
    }
}

fn flush_in_background(shared: std::sync::Weak<Shared>) {
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        {
            let pending = strong
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (pending, _) = strong
                .changed
                .wait_timeout_while(pending, Duration::from_millis(500), |p| p.dirty.is_empty())
                .unwrap();
            if pending.dirty.is_empty() {
                continue;
            }
        }
        std::thread::sleep(FLUSH_DELAY);
        let _ = strong.flush();
    }
}

/// Seconds since the Unix epoch, for state timestamps.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests;
