//! Which git lock files (`refs/heads/<branch>.lock`, `config.lock`, `HEAD.lock`, ...) this
//! process may be holding, written down before it takes them.
//!
//! gix removes its locks when an operation ends, and the commands that may be stopped by a
//! signal (clean) have gix remove them on SIGINT and SIGTERM too; only SIGKILL leaves one
//! behind. git's lock files say nothing about who made them, so before taking any, a note
//! `<state>/git-locks/<pid>-<n>` lists them, and is deleted once they are released. A later run
//! clears a listed lock only when the note's process is gone and the lock is no older than the
//! note: an older one was there before, and belongs to somebody else. A lock of nobody's note is
//! never deleted, only reported.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};

use crate::lock::process_alive;

const DIR: &str = "git-locks";

/// Locks listed until dropped, then the note goes.
#[must_use]
pub struct Held {
    note: PathBuf,
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.note);
    }
}

/// Note that this process is about to take `locks` (absolute paths).
pub fn hold(state_dir: &Path, locks: &[PathBuf]) -> Result<Held> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = state_dir.join(DIR);
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let pid = std::process::id();
    let note = dir.join(format!("{pid}-{}", NEXT.fetch_add(1, Ordering::Relaxed)));
    let mut text = Vec::new();
    for lock in locks {
        text.extend_from_slice(lock.as_os_str().as_encoded_bytes());
        text.push(b'\n');
    }
    fs::write(&note, text).with_context(|| format!("writing {}", note.display()))?;
    Ok(Held { note })
}

/// Clear the locks that processes now gone noted and left; returns what was removed, in words.
pub fn sweep(state_dir: &Path) -> Vec<String> {
    let mut removed = Vec::new();
    let Ok(notes) = fs::read_dir(state_dir.join(DIR)) else {
        return removed;
    };
    for note in notes.flatten() {
        let name = note.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || process_alive(pid) {
            continue;
        }
        let path = note.path();
        let (Ok(since), Ok(text)) = (
            fs::metadata(&path).and_then(|m| m.modified()),
            fs::read(&path),
        ) else {
            continue;
        };
        for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let lock = PathBuf::from(os_string(line));
            let ours = fs::symlink_metadata(&lock)
                .and_then(|m| m.modified())
                .is_ok_and(|made| made >= since);
            if ours && fs::remove_file(&lock).is_ok() {
                removed.push(format!(
                    "removed {}, left by git-agents (pid {pid}), which was killed",
                    lock.display()
                ));
            }
        }
        let _ = fs::remove_file(&path);
    }
    removed
}

fn os_string(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_owned()
}

/// The lock files of `locks` that exist: somebody else holds them, or died holding them.
pub fn present(locks: &[PathBuf]) -> Vec<PathBuf> {
    locks
        .iter()
        .filter(|lock| lock.symlink_metadata().is_ok())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_holders_new_lock_goes_an_older_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("agents");
        let older = dir.path().join("config.lock");
        fs::write(&older, "somebody's").unwrap();
        let filetime = |path: &Path, secs: u64| {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(time)
                .unwrap();
        };
        filetime(&older, 1_000);
        let newer = dir.path().join("HEAD.lock");
        let held = hold(&state, &[older.clone(), newer.clone()]).unwrap();
        fs::write(&newer, "ours").unwrap();
        // As if a process that no longer exists had written the note.
        let note = held.note.clone();
        std::mem::forget(held);
        fs::rename(&note, state.join(DIR).join(format!("{}-0", u32::MAX - 1))).unwrap();
        let removed = sweep(&state);
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert!(older.exists(), "older than the note: not ours");
        assert!(!newer.exists());
        assert_eq!(fs::read_dir(state.join(DIR)).unwrap().count(), 0);
    }
}
