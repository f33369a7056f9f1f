//! `<git-common-dir>/agents/merge.json`: what a landing merge is doing, so that one killed at any
//! instant is found and repaired by the next `git agents merge`. Written atomically (a temporary
//! file, fsync, rename, fsync of the directory) before each step that changes something outside
//! the object database; removed once the target has moved and its files and index agree.
//!
//! Merges of one repository run one at a time: each holds `<state-dir>/merge.lock` (flock), so a
//! journal found by a merge holding that lock belongs to a process that is gone.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Fix};
use crate::ids::CommitId;

/// The layout this build writes.
pub const VERSION: u32 = 1;

/// How far a landing got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Writing objects; nothing else has changed.
    Objects,
    /// Taking the target worktree's `index.lock` (identity recorded first), writing the new
    /// files aside; files and index unchanged.
    Staging,
    /// Replacing the worktree's files, then the index: they may be anywhere in between.
    Files,
    /// Files and index are the new tree; the ref is moving (or has moved) from `old` to `new`.
    Ref,
}

/// The `index.lock` a merge created, told apart from anyone else's by its inode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockFile {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
}

impl LockFile {
    /// Identify the lock file at `path`, just created by us.
    pub fn of(path: &Path) -> Result<LockFile> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(path)
            .with_context(|| format!("could not inspect {}", path.display()))?;
        Ok(LockFile {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// Whether the file now at `path` is the one recorded.
    pub fn is_present(&self) -> bool {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(&self.path)
            .is_ok_and(|m| m.dev() == self.dev && m.ino() == self.ino)
    }
}

/// One landing in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// The git-agents process that wrote it.
    pub pid: u32,
    /// Short branch name of the target.
    pub target: String,
    /// Where the target is checked out, if anywhere.
    pub worktree: Option<PathBuf>,
    /// The target's tip before the merge.
    pub old: CommitId,
    /// The tip it is moving to.
    pub new: CommitId,
    pub phase: Phase,
    /// The reflog message of the move.
    pub message: String,
    /// Commits reachable from refs that the new tip's history starts from (the old tip and the
    /// merged branches): what a check of the new objects stops at.
    #[serde(default)]
    pub sources: Vec<CommitId>,
    /// No step made a merge commit, so staged changes elsewhere may stay (git's fast-forward).
    #[serde(default)]
    pub fast_forward: bool,
    /// Paths that differ between the two trees but were left as they were (their index entry
    /// already matched the new tree): neither finishing nor aborting touches them.
    #[serde(default)]
    pub kept: Vec<String>,
    /// Our `index.lock` in the target worktree, once taken.
    #[serde(default)]
    pub index_lock: Option<LockFile>,
    /// Where new files are written before they are moved into the worktree.
    #[serde(default)]
    pub stage: Option<PathBuf>,
}

impl Journal {
    pub fn path(state_dir: &Path) -> PathBuf {
        state_dir.join("merge.json")
    }

    /// The journal left in `state_dir`, if any.
    pub fn load(state_dir: &Path) -> Result<Option<Journal>> {
        let path = Journal::path(state_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(err).with_context(|| format!("could not read {}", path.display()))
            }
        };
        let journal: Journal = serde_json::from_str(&text).map_err(|err| {
            Error::failed(format!(
                "{} is not a merge journal this git-agents can read",
                path.display()
            ))
            .with_fix(Fix::Text(
                "if no merge is running, move that file aside and check the target's worktree by hand".into(),
            ))
            .caused_by(err)
        })?;
        if journal.version > VERSION {
            return Err(Error::usage(format!(
                "{} was written by a newer git-agents (journal version {})",
                path.display(),
                journal.version
            ))
            .with_fix(Fix::Text(
                "finish or abort that merge with the git-agents that started it".into(),
            ))
            .into());
        }
        Ok(Some(journal))
    }

    /// Record `phase` durably before acting on it.
    pub fn save(&mut self, state_dir: &Path, phase: Phase) -> Result<()> {
        self.phase = phase;
        let path = Journal::path(state_dir);
        let temp = state_dir.join(format!("merge.json.{}.tmp", std::process::id()));
        let text = serde_json::to_string_pretty(self).expect("a journal serialises");
        let written = File::create(&temp)
            .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
            .and_then(|()| std::fs::rename(&temp, &path));
        if let Err(err) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(err).with_context(|| format!("could not write {}", path.display()));
        }
        crate::gitops::sync_dir(state_dir)
    }

    /// The landing is over (done or undone): forget it.
    pub fn remove(state_dir: &Path) -> Result<()> {
        let path = Journal::path(state_dir);
        match std::fs::remove_file(&path) {
            Ok(()) => crate::gitops::sync_dir(state_dir),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err).with_context(|| format!("could not remove {}", path.display())),
        }
    }
}

/// The lock every landing merge of a repository holds, released by the kernel if we die.
pub struct MergeLock {
    _file: Flock<File>,
}

impl MergeLock {
    /// Refuse, as [`MergeLock::acquire`] would, when a merge is landing; take nothing and write
    /// nothing (for a dry run).
    pub fn probe(state_dir: &Path) -> Result<()> {
        let path = state_dir.join("merge.lock");
        let Ok(file) = File::open(&path) else {
            return Ok(());
        };
        match Flock::lock(file, FlockArg::LockSharedNonblock) {
            Ok(_shared) => Ok(()),
            Err((mut file, Errno::EWOULDBLOCK)) => Err(busy(crate::lock::read_pid(&mut file))),
            Err((_, errno)) => {
                Err(errno).with_context(|| format!("could not lock {}", path.display()))
            }
        }
    }

    /// Take the lock in `state_dir`, or refuse because another merge is running.
    pub fn acquire(state_dir: &Path) -> Result<MergeLock> {
        std::fs::create_dir_all(state_dir)
            .with_context(|| format!("could not create {}", state_dir.display()))?;
        match crate::lock::take(&state_dir.join("merge.lock"))? {
            crate::lock::Taken::Ours { lock, .. } => Ok(MergeLock { _file: lock }),
            crate::lock::Taken::Held(holder) => Err(busy(holder)),
        }
    }
}

fn busy(holder: Option<u32>) -> anyhow::Error {
    Error::usage(format!(
        "another git agents merge is landing in this repository ({})",
        crate::lock::holder_text(holder)
    ))
    .with_fix(Fix::WaitForMerge)
    .into()
}
