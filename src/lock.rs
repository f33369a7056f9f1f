//! Per-task locks: a spawn holds one for every task it runs, so a second spawn touching the
//! same task refuses at once. The kernel drops a lock when its holder dies (flock), and the
//! pid written inside tells who held it, so a dead holder's lock is taken over and said so.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, Fix};

/// Locks held until dropped.
pub struct TaskLocks {
    held: Vec<Flock<File>>,
}

impl Drop for TaskLocks {
    fn drop(&mut self) {
        for lock in &mut self.held {
            // Empty means "released cleanly"; the flock itself goes with the file handle.
            let _ = lock.set_len(0);
        }
    }
}

/// Lock every task slug under `<state_dir>/locks`. Returns warnings about locks taken over.
pub fn acquire(state_dir: &Path, slugs: &[&str]) -> Result<(TaskLocks, Vec<String>)> {
    let dir = state_dir.join("locks");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut locks = TaskLocks { held: Vec::new() };
    let mut warnings = Vec::new();
    for slug in slugs {
        let path = dir.join(format!("{slug}.lock"));
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((mut file, Errno::EWOULDBLOCK)) => {
                let holder = read_pid(&mut file)
                    .map_or_else(|| "another process".to_owned(), |pid| format!("pid {pid}"));
                return Err(Error::usage(format!(
                    "task '{slug}' is being run by another git-agents ({holder})"
                ))
                .with_fix(Fix::WaitForRun)
                .into());
            }
            Err((_, errno)) => {
                return Err(errno).with_context(|| format!("locking {}", path.display()))
            }
        };
        if let Some(pid) = read_pid(&mut lock) {
            if pid != std::process::id() {
                warnings.push(format!(
                    "{slug}: took over the lock of git-agents pid {pid}, which is no longer running"
                ));
            }
        }
        write_pid(&mut lock, &path)?;
        locks.held.push(lock);
    }
    Ok((locks, warnings))
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File, path: &Path) -> Result<()> {
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|_| file.flush())
        .with_context(|| format!("writing {}", path.display()))
}

/// Signal 0 probes a process without touching it; EPERM still means it exists.
pub fn process_alive(pid: u32) -> bool {
    // 0 and negative values would address process groups, not a process.
    let Some(raw) = i32::try_from(pid).ok().filter(|p| *p > 0) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) => true,
        Err(errno) => errno == nix::errno::Errno::EPERM,
    }
}
