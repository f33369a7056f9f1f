//! The state file on disk: its lock, reading it, and replacing it atomically.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use nix::fcntl::{Flock, FlockArg};

use super::{schema, State};
use crate::stamp::Stamp;

pub(super) fn lock(dir: &Path) -> Result<Flock<File>> {
    let path = dir.join("state.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    Flock::lock(file, FlockArg::LockExclusive)
        .map_err(|(_, errno)| errno)
        .with_context(|| format!("locking {}", path.display()))
}

/// What a store last wrote, and the file it wrote it as.
pub(super) struct Written {
    /// Each write renames a new file into place, so another writer's file differs in inode or
    /// times.
    pub stamp: Stamp,
    pub state: State,
}

pub(super) fn read(path: &Path) -> Result<State> {
    match fs::read(path) {
        Ok(bytes) => schema::parse(&bytes).with_context(|| {
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

/// Replace the cache file `path` with `bytes`: written beside it and renamed into place, with
/// no sync, as a lost cache costs only the work it saves. Each writer writes its own temporary
/// file, so writers side by side never mix their bytes.
pub fn write_cache(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    static WRITERS: AtomicUsize = AtomicUsize::new(0);
    let writer = WRITERS.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp.{}.{writer}", std::process::id()));
    let result = fs::write(&tmp, bytes).and_then(|()| fs::rename(&tmp, path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
