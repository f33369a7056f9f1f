//! `index.lock`, taken so that a process that died holding it can be told apart from anyone else
//! holding it: the file is created under a private name, its identity (device and inode) handed
//! to the caller to record durably, and only then linked to `index.lock`, which fails if someone
//! holds the lock. A lock whose identity was recorded is ours; any other one is not, and is never
//! removed.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::Error;

/// A held `index.lock`; dropping it without [`IndexLock::commit`] releases it.
pub struct IndexLock {
    path: PathBuf,
    index: PathBuf,
    file: File,
    committed: bool,
}

/// Where `repo`'s `index.lock` is.
pub fn lock_path(repo: &gix::Repository) -> PathBuf {
    let mut path = repo.index_path().into_os_string();
    path.push(".lock");
    path.into()
}

/// The private name under which process `pid` creates the lock before linking it.
pub fn private_path(lock: &Path, pid: u32) -> PathBuf {
    let mut path = lock.as_os_str().to_owned();
    path.push(format!(".agents-{pid}"));
    path.into()
}

impl IndexLock {
    /// Take the lock of `repo`'s index, failing at once if anyone holds it. `record(lock, dev,
    /// ino)` is called before the lock exists under its own name.
    pub fn acquire(
        repo: &gix::Repository,
        record: &mut dyn FnMut(&Path, u64, u64) -> Result<()>,
    ) -> Result<IndexLock> {
        use std::os::unix::fs::MetadataExt;
        let index = repo.index_path();
        let path = lock_path(repo);
        let private = private_path(&path, std::process::id());
        let _ = std::fs::remove_file(&private);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&private)
            .with_context(|| format!("could not create {}", private.display()))?;
        let meta = file.metadata()?;
        let recorded = record(&path, meta.dev(), meta.ino());
        let linked = recorded.and_then(|()| {
            std::fs::hard_link(&private, &path).map_err(|err| match err.kind() {
                std::io::ErrorKind::AlreadyExists => held(repo, &path, err),
                _ => {
                    anyhow::Error::new(err).context(format!("could not create {}", path.display()))
                }
            })
        });
        let _ = std::fs::remove_file(&private);
        linked?;
        Ok(IndexLock {
            path,
            index,
            file,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write the new index with `write`, make it durable and put it in place of the index.
    pub fn commit(mut self, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
        self.file.set_len(0)?;
        write(&mut self.file).context("could not write the index")?;
        self.file.flush()?;
        self.file.sync_all().context("could not write the index")?;
        std::fs::rename(&self.path, &self.index).context("could not replace the index")?;
        self.committed = true;
        if let Some(dir) = self.index.parent() {
            super::sync_dir(dir)?;
        }
        Ok(())
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn held(repo: &gix::Repository, path: &Path, err: std::io::Error) -> anyhow::Error {
    Error::failed(format!(
        "could not lock {} (is another git process running in {}?)",
        repo.index_path().display(),
        repo.workdir().unwrap_or(repo.git_dir()).display()
    ))
    .caused_by(std::io::Error::new(
        err.kind(),
        format!("{}: {err}", path.display()),
    ))
    .into()
}
