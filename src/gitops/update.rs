//! Bring some paths of a worktree, files and index, to what a tree has there, in steps that can
//! each be told apart after a crash:
//!
//! 1. [`Update::stage`]: the new contents are checked out aside, in a stage directory on the same
//!    file system, through git's filters. A failing filter, a full disk or an interrupt here
//!    changes nothing in the worktree.
//! 2. [`Update::swap`]: removed paths are deleted and staged files renamed into place (no data is
//!    written, so nothing is left to fail for lack of space).
//! 3. [`Update::write_index`]: the index as it was, with the entries of those paths replaced,
//!    written into the held [`IndexLock`], fsync'd and renamed over the index.
//!
//! Entries of other paths are kept exactly (staged content, stat data, assume-unchanged and
//! skip-worktree flags), and so are their files. gix has no read-tree API; the full index of the
//! tree is used for the checkout so that `.gitattributes` apply, with every entry outside the
//! paths hidden by the skip-worktree flag.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use gix::bstr::{BString, ByteSlice};
use gix::index::entry::{Flags, Stage, Stat};
use gix::ObjectId;

use super::index_lock::IndexLock;
use crate::error::Error;

/// Where an update of `repo`'s worktree stages files: its git directory when that is on the same
/// file system as the worktree (so a rename moves a file into place), else the worktree itself.
pub fn stage_dir(repo: &gix::Repository) -> Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let workdir = repo.workdir().context("the repository has no worktree")?;
    let dev = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
    let git_dir = repo.git_dir();
    let name = format!("agents-stage-{}", std::process::id());
    Ok(if dev(git_dir).is_some() && dev(git_dir) == dev(workdir) {
        git_dir.join(name)
    } else {
        workdir.join(format!(".git-{name}"))
    })
}

/// What [`Update::swap`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Files written (added, modified, mode or type changed).
    pub written: usize,
    /// Files deleted.
    pub deleted: usize,
}

/// One update in progress; it holds the index lock until written or dropped.
pub struct Update<'repo> {
    repo: &'repo gix::Repository,
    workdir: PathBuf,
    lock: IndexLock,
    /// The index as it was when the lock was taken.
    current: gix::index::File,
    /// The tree's full index, entries outside `paths` hidden from the checkout.
    target: gix::index::File,
    paths: BTreeSet<BString>,
    /// Those of `paths` the tree has.
    present: BTreeSet<BString>,
    stage: PathBuf,
    /// Stat data of the files moved into place.
    written: BTreeMap<BString, Stat>,
}

impl<'repo> Update<'repo> {
    /// Plan bringing `paths` of `repo`'s worktree to `tree`, under `lock` (its index lock).
    pub fn new(
        repo: &'repo gix::Repository,
        lock: IndexLock,
        tree: ObjectId,
        paths: BTreeSet<BString>,
        stage: PathBuf,
    ) -> Result<Update<'repo>> {
        let workdir = repo
            .workdir()
            .context("the repository has no worktree to update")?
            .to_owned();
        let current = read_index(repo)?;
        let mut target = repo
            .index_from_tree(&tree)
            .with_context(|| format!("could not read tree {tree}"))?;
        let mut present = BTreeSet::new();
        for (entry, path) in target.entries_mut_with_paths() {
            if paths.contains(path) {
                present.insert(path.to_owned());
            }
            // A submodule's files are its own: git moves its commit, not its worktree.
            if !paths.contains(path) || entry.mode.is_submodule() {
                entry.flags.insert(Flags::SKIP_WORKTREE);
            }
        }
        Ok(Update {
            repo,
            workdir,
            lock,
            current,
            target,
            paths,
            present,
            stage,
            written: BTreeMap::new(),
        })
    }

    /// Refuse when the index, now locked, no longer has `from_tree`'s entries at the paths: it
    /// changed since the worktree was judged.
    pub fn expect_index_at(&self, from_tree: ObjectId) -> Result<()> {
        let tree = self.repo.find_tree(from_tree)?;
        for path in &self.paths {
            let expected = tree
                .lookup_entry(path.split_str("/"))?
                .filter(|e| !e.mode().is_tree())
                .map(|e| (e.object_id(), e.mode().value() as u32));
            let found = self
                .current
                .entry_by_path(path.as_bstr())
                .map(|e| (e.id, e.mode.bits()));
            if found != expected {
                return Err(Error::failed(format!(
                    "the index of {} changed at '{path}' while merging",
                    self.workdir.display()
                ))
                .with_fix(crate::error::Fix::MergeAgain)
                .into());
            }
        }
        Ok(())
    }

    /// Write the new contents of the paths into the stage directory. Nothing in the worktree
    /// changes; on failure or interrupt the stage is removed.
    pub fn stage(&mut self, interrupt: &AtomicBool) -> Result<()> {
        let result = self.stage_inner(interrupt);
        if result.is_err() || interrupt.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
        result
    }

    fn stage_inner(&mut self, interrupt: &AtomicBool) -> Result<()> {
        match std::fs::remove_dir_all(&self.stage) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err)
                    .with_context(|| format!("could not clear {}", self.stage.display()))
            }
            _ => {}
        }
        std::fs::create_dir_all(&self.stage)
            .with_context(|| format!("could not create {}", self.stage.display()))?;
        let mut options = self
            .repo
            .checkout_options(gix::worktree::stack::state::attributes::Source::IdMapping)
            .context("could not read the checkout configuration")?;
        options.destination_is_initially_empty = true;
        let objects = self
            .repo
            .objects
            .clone()
            .into_arc()
            .context("could not share the object database")?;
        let outcome = gix::worktree::state::checkout(
            &mut self.target,
            &self.stage,
            objects,
            &gix::progress::Discard,
            &gix::progress::Discard,
            interrupt,
            options,
        )
        .context("could not write the changed files")?;
        if let Some(err) = outcome.errors.first() {
            return Err(Error::failed(format!("could not write '{}'", err.path))
                .caused_by(std::io::Error::other(err.error.to_string()))
                .into());
        }
        if let Some(collision) = outcome.collisions.first() {
            return Err(Error::failed(format!(
                "could not write '{}': it collides with another path on disk",
                collision.path
            ))
            .into());
        }
        Ok(())
    }

    /// Delete the paths the tree does not have and move the staged files into place. With
    /// `clear_dirs`, a directory where a file goes is removed with what it holds (the caller made
    /// sure only ignored files can be there); otherwise only an empty one is.
    pub fn swap(&mut self, clear_dirs: bool) -> Result<UpdateStats> {
        let wanted: BTreeSet<BString> = self
            .target
            .entries()
            .iter()
            .filter(|e| !e.flags.contains(Flags::SKIP_WORKTREE))
            .map(|e| e.path(&self.target).to_owned())
            .collect();
        let mut deleted = 0;
        for path in self.paths.difference(&self.present) {
            remove_file_and_empty_parents(&self.workdir, path)?;
            deleted += 1;
        }
        for path in &wanted {
            let stat = self.move_into_place(path, clear_dirs)?;
            self.written.insert(path.clone(), stat);
        }
        let _ = std::fs::remove_dir_all(&self.stage);
        Ok(UpdateStats {
            written: wanted.len(),
            deleted,
        })
    }

    fn move_into_place(&self, path: &BString, clear_dirs: bool) -> Result<Stat> {
        let rel = gix::path::from_bstr(path.as_bstr())
            .with_context(|| format!("invalid path '{path}'"))?;
        let from = self.stage.join(&rel);
        let to = self.workdir.join(&rel);
        if let Some(parent) = rel.parent() {
            real_dirs(&self.workdir, parent)?;
        }
        if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
            let cleared = if clear_dirs {
                std::fs::remove_dir_all(&to)
            } else {
                std::fs::remove_dir(&to)
            };
            cleared.with_context(|| format!("a directory is in the way of '{path}'"))?;
        }
        move_file(&from, &to).with_context(|| format!("could not move '{path}' into place"))?;
        let meta = gix::index::fs::Metadata::from_path_no_follow(&to)
            .with_context(|| format!("could not inspect '{path}'"))?;
        Stat::from_fs(&meta).with_context(|| format!("could not read the times of '{path}'"))
    }

    /// Write the index: as it was, with the entries of the paths taken from the tree (stat data
    /// of the files just moved; a skip-worktree flag kept, as git keeps it).
    pub fn write_index(self) -> Result<()> {
        let Update {
            repo,
            lock,
            mut current,
            target,
            paths,
            written,
            ..
        } = self;
        let skip: BTreeSet<BString> = current
            .entries()
            .iter()
            .filter(|e| e.flags.contains(Flags::SKIP_WORKTREE))
            .map(|e| e.path(&current).to_owned())
            .collect();
        current.remove_entries(|_, path, _| paths.contains(path));
        for entry in target.entries() {
            let path = entry.path(&target);
            if !paths.contains(path) {
                continue;
            }
            let stat = written.get(path).copied().unwrap_or_default();
            let flags = if skip.contains(path) {
                Flags::SKIP_WORKTREE | Flags::EXTENDED
            } else {
                Flags::empty()
            };
            current.dangerously_push_entry(stat, entry.id, flags, entry.mode, path);
        }
        current.sort_entries();
        current.remove_tree();
        let options = super::index_write_options(repo);
        lock.commit(|file| {
            let mut out = std::io::BufWriter::new(file);
            current.write_to(&mut out, options)?;
            out.flush()?;
            Ok(())
        })
    }
}

/// The index on disk now (an empty one when there is none yet).
pub fn read_index(repo: &gix::Repository) -> Result<gix::index::File> {
    if repo.index_path().exists() {
        repo.open_index().context("could not read the index")
    } else {
        Ok(gix::index::File::from_state(
            gix::index::State::new(repo.object_hash()),
            repo.index_path(),
        ))
    }
}

/// Whether `index` has an unmerged entry.
pub fn has_conflicts(index: &gix::index::File) -> bool {
    index
        .entries()
        .iter()
        .any(|e| e.stage() != Stage::Unconflicted)
}

/// Make `rel` under `workdir` a chain of real directories, never following a symlink.
fn real_dirs(workdir: &Path, rel: &Path) -> Result<()> {
    let mut at = workdir.to_owned();
    for component in rel.components() {
        at.push(component);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::failed(format!(
                    "'{}' is in the way of a directory the merge writes",
                    at.strip_prefix(workdir).unwrap_or(&at).display()
                ))
                .into())
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&at)
                .with_context(|| format!("could not create {}", at.display()))?,
            Err(err) => {
                return Err(err).with_context(|| format!("could not inspect {}", at.display()))
            }
        }
    }
    Ok(())
}

/// Rename `from` to `to`; across file systems (a bind mount), copy it.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::rename(from, to) {
        Err(err) if err.raw_os_error() == Some(nix::libc::EXDEV) => {
            let meta = std::fs::symlink_metadata(from)?;
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(from)?;
                let _ = std::fs::remove_file(to);
                std::os::unix::fs::symlink(target, to)?;
            } else {
                std::fs::copy(from, to)?;
            }
            std::fs::remove_file(from)
        }
        other => other,
    }
}

/// Delete `rela` under `workdir` if present, then every parent directory it leaves empty.
pub fn remove_file_and_empty_parents(workdir: &Path, rela: &BString) -> Result<()> {
    let rel =
        gix::path::from_bstr(rela.as_bstr()).with_context(|| format!("invalid path '{rela}'"))?;
    let path = workdir.join(&rel);
    match std::fs::symlink_metadata(&path) {
        Ok(md) if md.is_dir() => return Ok(()),
        Ok(_) => {
            std::fs::remove_file(&path).with_context(|| format!("could not delete '{rela}'"))?
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).with_context(|| format!("could not inspect '{rela}'")),
    }
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != workdir && d.starts_with(workdir)) {
        if std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}
