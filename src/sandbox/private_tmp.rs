//! Each confined agent's private TMPDIR: `$TMPDIR/git-agents-<uid>/<repository>/<task>`.
//!
//! The directories are kept from run to run and emptied after each, so that a rerun makes no
//! new ones: on ext4, 200 directories made at once under one parent wait on its lock and on
//! the inode allocator, and cost more than 200 short agents do. The per-user directory is made
//! private (0700) and used only if it is a real directory of ours that nobody else may enter;
//! otherwise (another user made it first, it is a symlink) the run falls back to a directory
//! named after its own process, removed at the end, as before.

use std::collections::HashMap;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The private TMPDIR of `slug`'s agent in the repository whose common dir is `common_dir`.
pub fn for_task(common_dir: &Path, slug: &str) -> PathBuf {
    root(common_dir).join(slug)
}

/// Empty each of `dirs`, keeping the directories themselves; then drop the process's own
/// fallback directory, if the run used it. Best effort: what cannot be removed stays.
pub fn tidy(dirs: &[PathBuf]) {
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = match entry.file_type() {
                Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
                _ => std::fs::remove_file(&path),
            };
        }
    }
    if user_dir().is_none() {
        let _ = std::fs::remove_dir_all(fallback());
    }
}

fn root(common_dir: &Path) -> PathBuf {
    match user_dir() {
        Some(dir) => dir.join(repository_key(common_dir)),
        None => fallback(),
    }
}

/// `$TMPDIR/git-agents-<uid>`, once it is known to be private and ours.
fn user_dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let uid = nix::unistd::geteuid().as_raw();
        let dir = std::env::temp_dir().join(format!("git-agents-{uid}"));
        let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
        let meta = std::fs::symlink_metadata(&dir).ok()?;
        let private = meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0;
        private.then_some(dir)
    })
    .as_ref()
}

fn fallback() -> PathBuf {
    std::env::temp_dir().join(format!("git-agents-{}", std::process::id()))
}

/// A short name for a repository, the same in every run (FNV-1a of its common dir's path);
/// worked out once per process, as a run asks for it for every task.
fn repository_key(common_dir: &Path) -> String {
    static KEYS: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    if let Some(key) = keys.lock().unwrap().get(common_dir) {
        return key.clone();
    }
    let key = key_of(common_dir);
    keys.lock()
        .unwrap()
        .insert(common_dir.to_owned(), key.clone());
    key
}

fn key_of(common_dir: &Path) -> String {
    let path = common_dir
        .canonicalize()
        .unwrap_or_else(|_| common_dir.to_owned());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.as_os_str().as_encoded_bytes() {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_keeps_its_directory_and_loses_what_it_left() {
        let repo = tempfile::tempdir().unwrap();
        let dir = for_task(repo.path(), "some-task");
        assert_eq!(
            dir,
            for_task(repo.path(), "some-task"),
            "the same in every run"
        );
        assert_ne!(dir, for_task(repo.path(), "other-task"));
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        std::fs::write(dir.join("nested/file"), "x").unwrap();
        std::fs::write(dir.join("file"), "x").unwrap();
        tidy(std::slice::from_ref(&dir));
        assert!(dir.is_dir(), "kept for the next run");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "emptied");
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn the_user_directory_is_used_only_when_private_and_ours() {
        let found = user_dir().is_some();
        let uid = nix::unistd::geteuid().as_raw();
        let dir = std::env::temp_dir().join(format!("git-agents-{uid}"));
        let meta = std::fs::symlink_metadata(dir).unwrap();
        let private = meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0;
        assert_eq!(found, private);
    }
}
