//! `<git-common-dir>/agents/state.json`: what happened to every task, written atomically.
//!
//! Several processes may update it (a spawn of some tasks, a verify of others), so every
//! update takes a short file lock, re-reads the file, changes one task and renames a new
//! file into place. Readers (status) take no lock: they always see a whole file.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Queued,
    Preparing,
    Running,
    Committing,
    Done,
    NoChanges,
    Failed,
    TimedOut,
    Interrupted,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Preparing => "preparing",
            Status::Running => "running",
            Status::Committing => "committing",
            Status::Done => "done",
            Status::NoChanges => "no changes",
            Status::Failed => "failed",
            Status::TimedOut => "timed out",
            Status::Interrupted => "interrupted",
        }
    }

    /// Finished successfully: a second spawn skips it unless asked to run it again.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Done | Status::NoChanges)
    }

    /// Ended one way or another (nothing running).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Done
                | Status::NoChanges
                | Status::Failed
                | Status::TimedOut
                | Status::Interrupted
        )
    }
}

/// One task's record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TaskState {
    pub task: String,
    pub state: Status,
    pub attempts: u32,
    pub exit_code: Option<i32>,
    /// Seconds since the Unix epoch.
    pub started: Option<f64>,
    pub ended: Option<f64>,
    pub base: Option<String>,
    pub head: Option<String>,
    pub workspace: PathBuf,
    pub branch: String,
    pub log: PathBuf,
    /// Files git-agents copied into the workspace (repo-relative); never committed.
    #[serde(default)]
    pub copied: Vec<String>,
    #[serde(default)]
    pub commits: u32,
    #[serde(default)]
    pub files_changed: u32,
    /// Why it failed, in one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Changed paths outside the task's scope.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
    /// The last contract check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<crate::verify::VerifyResult>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    pub version: u32,
    pub tasks: BTreeMap<String, TaskState>,
}

/// The state file of one repository.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// `dir` is `<git-common-dir>/agents`.
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// Read the whole state; a missing file is an empty state.
    pub fn load(&self) -> Result<State> {
        read(&self.path())
    }

    /// Change one task's record under the lock and write the file atomically.
    pub fn update(
        &self,
        task: &str,
        change: impl FnOnce(Option<TaskState>) -> TaskState,
    ) -> Result<TaskState> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let _lock = self.lock()?;
        let mut state = self.load()?;
        let new = change(state.tasks.remove(task));
        state.tasks.insert(task.to_owned(), new.clone());
        state.version = 1;
        write_atomically(&self.path(), &serde_json::to_vec_pretty(&state)?)?;
        Ok(new)
    }

    fn lock(&self) -> Result<Flock<File>> {
        let path = self.dir.join("state.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, errno)| anyhow::anyhow!("locking {}: {errno}", path.display()))
    }
}

fn read(path: &Path) -> Result<State> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not valid; move it aside to start afresh",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

/// Write `bytes` to a temporary file beside `path`, sync it, and rename it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Seconds since the Unix epoch, for state timestamps.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
