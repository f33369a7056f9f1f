//! Taking worktrees and branches away, fast and so that a kill at any point leaves git whole:
//! a worktree's admin directory is first renamed out of git's sight (see
//! [`worktree::unregister`]), its directory renamed aside at once (into a trash directory beside
//! it, so on the same file system), and the renamed trees are deleted afterwards, all at once
//! and in parallel. A clean killed between the two renames leaves a worktree whose `.git` points
//! nowhere; the next spawn or clean finishes removing it ([`worktree::sweep`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gix::refs::{FullName, Target};
use rayon::prelude::*;

use crate::gitops::worktree::{self, remove_tree, Registered};
use crate::inventory::process_alive;

/// Trash directories are named after the process that made them.
const TRASH_PREFIX: &str = ".git-agents-trash-";

/// Trees moved aside, waiting to be deleted.
#[derive(Debug)]
pub struct Trash {
    state_dir: PathBuf,
    trees: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Trash {
    /// Admin directories go into `state_dir`.
    pub fn new(state_dir: PathBuf) -> Trash {
        Trash {
            state_dir,
            trees: Vec::new(),
            dirs: Vec::new(),
        }
    }

    /// Unregister the worktree `entry` and move its directory out of the way; the files are
    /// deleted by [`Trash::empty`]. A directory that cannot be renamed (another file system,
    /// a mount point) is deleted where it is.
    pub fn take_worktree(&mut self, entry: &Registered) -> Result<()> {
        self.take_entry(entry)?;
        let tree = &entry.path;
        let aside = tree
            .parent()
            .and_then(|parent| self.trash_dir(parent).ok())
            .map(|trash| unused(&trash.join(&entry.id)))
            .filter(|dest| fs::rename(tree, dest).is_ok());
        self.trees.push(aside.unwrap_or_else(|| tree.clone()));
        Ok(())
    }

    /// Unregister `entry` (whose directory may be gone) and delete its admin directory later.
    pub fn take_entry(&mut self, entry: &Registered) -> Result<()> {
        let admin = worktree::unregister(&entry.git_dir, &self.state_dir).with_context(|| {
            format!(
                "removing the worktree's admin directory {}",
                entry.git_dir.display()
            )
        })?;
        if let Some(parent) = admin.parent().filter(|p| !self.dirs.iter().any(|d| d == p)) {
            self.dirs.push(parent.to_owned());
        }
        self.trees.push(admin);
        Ok(())
    }

    /// Also delete trash left in `dir` by git-agents processes that died before emptying it.
    pub fn sweep_leftovers(&mut self, dir: &Path) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix(TRASH_PREFIX))
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if pid != std::process::id() && !process_alive(pid) {
                self.trees.push(entry.path());
            }
        }
    }

    /// Delete every tree taken, in parallel; returns the ones that could not be deleted.
    pub fn empty(self) -> Vec<(PathBuf, io::Error)> {
        let mut failed: Vec<(PathBuf, io::Error)> = self
            .trees
            .par_iter()
            .filter_map(|tree| remove_tree(tree).err().map(|err| (tree.clone(), err)))
            .collect();
        // A trash directory still holding a tree that failed is already reported through it.
        let reported = !failed.is_empty();
        for dir in self.dirs {
            match fs::remove_dir(&dir) {
                Err(err) if err.kind() != io::ErrorKind::NotFound && !reported => {
                    failed.push((dir, err))
                }
                _ => {}
            }
        }
        failed
    }

    fn trash_dir(&mut self, parent: &Path) -> io::Result<PathBuf> {
        let dir = parent.join(format!("{TRASH_PREFIX}{}", std::process::id()));
        if !self.dirs.contains(&dir) {
            fs::create_dir_all(&dir)?;
            self.dirs.push(dir.clone());
        }
        Ok(dir)
    }
}

/// `path`, or `path-2`, `path-3`, ... whichever does not exist yet.
fn unused(path: &Path) -> PathBuf {
    let mut candidate = path.to_owned();
    let mut n = 2;
    while candidate.symlink_metadata().is_ok() {
        candidate = PathBuf::from(format!("{}-{n}", path.display()));
        n += 1;
    }
    candidate
}

/// Delete local branches, each only if it still points where it was seen (`git branch -D`
/// without the race). gix refuses a branch checked out in any worktree. One transaction for
/// all; when it fails, one at a time so each failure is told apart. Returns one result per branch.
pub fn delete_branches(
    repo: &mut gix::Repository,
    branches: &[(String, gix::ObjectId)],
) -> Vec<Result<()>> {
    let edits = |list: &[(String, gix::ObjectId)]| -> Result<Vec<(FullName, Target)>> {
        list.iter()
            .map(|(name, tip)| {
                let full = FullName::try_from(name.as_str())
                    .with_context(|| format!("{name} is not a valid branch name"))?;
                Ok((full, Target::Object(*tip)))
            })
            .collect()
    };
    if branches.is_empty() {
        return Vec::new();
    }
    let all = edits(branches).and_then(|e| Ok(repo.delete_local_branches_if_unchanged(e)?));
    if all.is_ok() {
        return branches.iter().map(|_| Ok(())).collect();
    }
    branches
        .iter()
        .map(|one| {
            let edit = edits(std::slice::from_ref(one))?;
            repo.delete_local_branches_if_unchanged(edit)
                .with_context(|| format!("deleting the branch {}", one.0))
        })
        .collect()
}
