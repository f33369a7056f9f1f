//! Taking a worktree entry out of git's sight at once, and deleting trees.
//!
//! Deleting an admin directory file by file could be cut short halfway, leaving an entry with a
//! `gitdir` but no `commondir` or `HEAD`, which makes `git fsck` fail or every git command die.
//! So an entry is first renamed into the state directory (one atomic step on the same file
//! system: git no longer lists it), and deleted from there.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;

/// Where unregistered admin directories wait to be deleted: `<state>/removed-worktrees/<pid>/`.
pub(super) const REMOVED: &str = "removed-worktrees";

/// Move the admin directory `git_dir` out of `<common-dir>/worktrees` into this process's
/// corner of the state directory; returns where it went, for the caller to delete.
pub fn unregister(git_dir: &Path, state_dir: &Path) -> Result<PathBuf> {
    let context = || format!("unregistering the worktree entry {}", git_dir.display());
    let mine = state_dir.join(REMOVED).join(std::process::id().to_string());
    fs::create_dir_all(&mine).with_context(context)?;
    let name = git_dir.file_name().unwrap_or_default();
    let mut aside = mine.join(name);
    let mut n = 2;
    while aside.symlink_metadata().is_ok() {
        aside = mine.join(format!("{}-{n}", name.to_string_lossy()));
        n += 1;
    }
    fs::rename(git_dir, &aside).with_context(context)?;
    Ok(aside)
}

/// `rm -rf`: subdirectories in parallel, the files of one directory one after another (unlinks
/// in one directory contend for its lock). Read-only directories are made writable first;
/// symlinks are removed, never followed.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    if !meta.is_dir() {
        return fs::remove_file(path);
    }
    remove_dir_contents(path, meta.permissions().mode())
}

fn remove_dir_contents(path: &Path, mode: u32) -> io::Result<()> {
    if mode & 0o700 != 0o700 {
        fs::set_permissions(path, fs::Permissions::from_mode(0o700))?;
    }
    let mut dirs = Vec::new();
    for entry in fs::read_dir(path)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            dirs.push(entry.path());
        } else {
            match fs::remove_file(entry.path()) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
                _ => {}
            }
        }
    }
    dirs.par_iter().try_for_each(|dir| remove_tree(dir))?;
    fs::remove_dir(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_tree_handles_read_only_dirs_and_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "keep").unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("a/b")).unwrap();
        fs::write(tree.join("a/b/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink(&outside, tree.join("a/link")).unwrap();
        std::os::unix::fs::symlink(dir.path(), tree.join("dirlink")).unwrap();
        fs::set_permissions(tree.join("a/b"), fs::Permissions::from_mode(0o500)).unwrap();
        remove_tree(&tree).unwrap();
        assert!(!tree.exists());
        assert_eq!(
            fs::read_to_string(&outside).unwrap(),
            "keep",
            "links not followed"
        );
        remove_tree(&tree).unwrap();
    }
}
