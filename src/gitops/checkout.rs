//! Bring a checked-out worktree to a new tree after its branch moved (what `git merge` does to the
//! files and the index after a fast-forward or a clean merge), and tell whether a worktree is clean.
//!
//! gix has no reset / read-tree API, so this builds the new index from the tree, keeps the stat data
//! of unchanged entries and hides them from checkout with the skip-worktree flag, checks out the
//! changed ones with overwrite, deletes removed paths and the directories they leave empty, and
//! writes the index. It is only correct for a worktree without tracked changes
//! ([`local_changes`]`.tracked` is empty) whose index matches `from_tree` ([`prepare`] verifies
//! that part) and whose untracked files are not in the way ([`in_the_way`] is empty for the
//! paths that change); ignored files in the way are overwritten, as git does.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::{Flags, Stage};
use gix::status::index_worktree::Item as WorktreeItem;
use gix::status::plumbing::index_as_worktree::EntryStatus;
use gix::ObjectId;

use crate::error::Error;

/// What `git status` would show for a worktree (paths repo-relative, `/`-separated, sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalChanges {
    /// Staged changes, unstaged modifications and deletions, unmerged entries.
    pub tracked: Vec<BString>,
    /// Untracked files (whatever `status.showUntrackedFiles` says); ignored files are not listed.
    pub untracked: Vec<BString>,
}

/// The tracked changes and untracked files of `repo`'s worktree. Stale stat data is no change.
pub fn local_changes(repo: &gix::Repository) -> Result<LocalChanges> {
    use gix::dir::entry::{Kind, Status};
    let iter = repo
        .status(gix::progress::Discard)
        .context("could not prepare the worktree status")?
        .untracked_files(gix::status::UntrackedFiles::Files)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(None)
        .into_iter(Vec::<BString>::new())
        .context("could not start the worktree status")?;
    let mut tracked = BTreeSet::new();
    let mut untracked = BTreeSet::new();
    for item in iter {
        let item = item.context("could not compute the worktree status")?;
        let path = item.location().to_owned();
        match &item {
            gix::status::Item::TreeIndex(_)
            | gix::status::Item::IndexWorktree(WorktreeItem::Rewrite { .. }) => {
                tracked.insert(path);
            }
            gix::status::Item::IndexWorktree(WorktreeItem::Modification { status, .. }) => {
                if !matches!(status, EntryStatus::NeedsUpdate(_)) {
                    tracked.insert(path);
                }
            }
            gix::status::Item::IndexWorktree(WorktreeItem::DirectoryContents { entry, .. }) => {
                if entry.status == Status::Untracked
                    && !matches!(entry.disk_kind, Some(Kind::Directory) | None)
                {
                    untracked.insert(path);
                }
            }
        }
    }
    Ok(LocalChanges {
        tracked: tracked.into_iter().collect(),
        untracked: untracked.into_iter().collect(),
    })
}

/// The `untracked` files under `workdir` that an update to `to_tree` writing or deleting the
/// `changed` paths would overwrite or delete: the same path, a file where a directory must go,
/// or one inside a directory that becomes a file (git's "untracked working tree files would be
/// overwritten"). A file whose bytes already equal what `to_tree` has there is not in the way.
/// `repo` is only used to read `to_tree`.
pub fn in_the_way(
    repo: &gix::Repository,
    workdir: &Path,
    untracked: &[BString],
    changed: &BTreeSet<BString>,
    to_tree: ObjectId,
) -> Result<Vec<BString>> {
    let tree = repo
        .find_tree(to_tree)
        .context("could not read the new tree")?;
    let mut blocking = Vec::new();
    for path in untracked.iter().filter(|p| related(changed, p.as_bstr())) {
        let same = match tree.lookup_entry(path.split_str("/"))? {
            Some(entry) if entry.mode().is_blob() => {
                let rel = gix::path::from_bstr(path.as_bstr())
                    .with_context(|| format!("invalid path '{path}'"))?;
                match std::fs::read(workdir.join(rel)) {
                    Ok(bytes) => {
                        gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &bytes)?
                            == entry.object_id()
                    }
                    Err(_) => false,
                }
            }
            _ => false,
        };
        if !same {
            blocking.push(path.clone());
        }
    }
    Ok(blocking)
}

/// Whether `path` is in `paths`, lies under one of them, or is a directory holding one of them.
pub fn related(paths: &BTreeSet<BString>, path: &BStr) -> bool {
    if paths.contains(path) {
        return true;
    }
    let mut prefix = path.to_owned();
    prefix.push(b'/');
    if paths
        .range(prefix.clone()..)
        .next()
        .is_some_and(|p| p.starts_with(&prefix))
    {
        return true;
    }
    let mut parent = path;
    while let Some(pos) = parent.rfind_byte(b'/') {
        parent = parent[..pos].as_bstr();
        if paths.contains(parent) {
            return true;
        }
    }
    false
}

/// Move the files and the index of `repo`'s worktree from `from_tree` to `to_tree`.
///
/// The worktree must be clean and its index must match `from_tree` (checked: an index that doesn't
/// is refused before any file is touched). Equivalent to [`prepare`] followed by
/// [`WorktreeUpdate::apply`].
pub fn update_worktree(
    repo: &gix::Repository,
    from_tree: ObjectId,
    to_tree: ObjectId,
) -> Result<UpdateStats> {
    prepare(repo, from_tree, to_tree)?.apply()
}

/// What [`WorktreeUpdate::apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpdateStats {
    /// Files written (added, modified, mode or type changed).
    pub written: usize,
    /// Files deleted.
    pub deleted: usize,
}

/// A worktree update that has passed every check and holds the index lock: applying it only
/// writes files and the index. Dropping it releases the lock and changes nothing.
pub struct WorktreeUpdate<'repo> {
    repo: &'repo gix::Repository,
    workdir: PathBuf,
    lock: gix::lock::File,
    index: gix::index::File,
    removed: Vec<BString>,
    changed: usize,
}

/// Lock the index of `repo`'s worktree and compute the update from `from_tree` to `to_tree`.
///
/// Fails (changing nothing) when the repository has no worktree, the index is locked by another
/// process, the index has unmerged or skip-worktree (sparse) entries, or its entries don't match
/// `from_tree`.
pub fn prepare(
    repo: &gix::Repository,
    from_tree: ObjectId,
    to_tree: ObjectId,
) -> Result<WorktreeUpdate<'_>> {
    let workdir = repo
        .workdir()
        .context("the repository has no worktree to update")?
        .to_owned();
    let index_path = repo.index_path();
    let lock = gix::lock::File::acquire_to_update_resource(
        &index_path,
        gix::lock::acquire::Fail::Immediately,
        None,
        0,
    )
    .with_context(|| {
        format!(
            "could not lock {} (is another git process running in {}?)",
            index_path.display(),
            workdir.display()
        )
    })?;
    let old = repo.index_or_empty().context("could not read the index")?;
    let expected = repo
        .index_from_tree(&from_tree)
        .with_context(|| format!("could not read tree {from_tree}"))?;
    refuse_unusual_index(&old, &expected, &workdir, from_tree)?;

    let mut index = repo
        .index_from_tree(&to_tree)
        .with_context(|| format!("could not read tree {to_tree}"))?;
    let mut changed = 0;
    for (entry, path) in index.entries_mut_with_paths() {
        match old
            .entry_index_by_path_and_stage(path, Stage::Unconflicted)
            .map(|i| &old.entries()[i])
        {
            Some(prev) if prev.id == entry.id && prev.mode == entry.mode => {
                entry.stat = prev.stat;
                entry.flags.insert(Flags::SKIP_WORKTREE);
            }
            _ => changed += 1,
        }
    }
    let removed = old
        .entries()
        .iter()
        .map(|e| e.path(&old))
        .filter(|p| {
            index
                .entry_index_by_path_and_stage(p, Stage::Unconflicted)
                .is_none()
        })
        .map(ToOwned::to_owned)
        .collect();
    Ok(WorktreeUpdate {
        repo,
        workdir,
        lock,
        index,
        removed,
        changed,
    })
}

/// Refuse an index that is sparse, has conflicts or does not match `expected` (from `from_tree`):
/// updating the files from it could lose work.
fn refuse_unusual_index(
    old: &gix::index::File,
    expected: &gix::index::File,
    workdir: &Path,
    from_tree: ObjectId,
) -> Result<()> {
    let entries = old.entries();
    let same = entries.len() == expected.entries().len()
        && entries
            .iter()
            .zip(expected.entries())
            .all(|(x, y)| x.id == y.id && x.mode == y.mode && x.path(old) == y.path(expected));
    let dir = workdir.display();
    let why = if entries
        .iter()
        .any(|e| e.flags.contains(Flags::SKIP_WORKTREE))
    {
        format!("{dir} is a sparse checkout, which git agents cannot update")
    } else if entries.iter().any(|e| e.stage_raw() != 0) {
        format!("the index of {dir} has unmerged entries")
    } else if !same {
        format!(
            "the index of {dir} does not match tree {from_tree}: refusing to update the worktree"
        )
    } else {
        return Ok(());
    };
    Err(Error::failed(why).into())
}

impl WorktreeUpdate<'_> {
    /// Delete removed paths (and the directories they leave empty), write changed files, write the index.
    pub fn apply(self) -> Result<UpdateStats> {
        let WorktreeUpdate {
            repo,
            workdir,
            lock,
            mut index,
            removed,
            changed,
        } = self;
        for path in &removed {
            remove_file_and_empty_parents(&workdir, path)?;
        }
        let mut options = repo
            .checkout_options(gix::worktree::stack::state::attributes::Source::IdMapping)
            .context("could not read the checkout configuration")?;
        options.overwrite_existing = true;
        options.destination_is_initially_empty = false;
        let objects = repo
            .objects
            .clone()
            .into_arc()
            .context("could not share the object database")?;
        let outcome = gix::worktree::state::checkout(
            &mut index,
            &workdir,
            objects,
            &gix::progress::Discard,
            &gix::progress::Discard,
            &AtomicBool::new(false),
            options,
        )
        .context("could not write the changed files")?;
        if let Some(err) = outcome.errors.first() {
            return Err(
                Error::failed(format!("could not write '{}': {}", err.path, err.error)).into(),
            );
        }
        if let Some(collision) = outcome.collisions.first() {
            return Err(Error::failed(format!(
                "could not write '{}': it collides with another path on disk",
                collision.path
            ))
            .into());
        }
        for entry in index.entries_mut() {
            entry.flags.remove(Flags::SKIP_WORKTREE);
        }
        let options = super::index_write_options(repo);
        let mut out = std::io::BufWriter::new(lock);
        index
            .write_to(&mut out, options)
            .context("could not write the index")?;
        out.flush().context("could not write the index")?;
        let lock = out
            .into_inner()
            .map_err(|e| e.into_error())
            .context("could not write the index")?;
        lock.commit()
            .map_err(|e| e.error)
            .context("could not replace the index")?;
        Ok(UpdateStats {
            written: changed,
            deleted: removed.len(),
        })
    }
}

/// Delete `rela` under `workdir` if present, then every parent directory it leaves empty.
fn remove_file_and_empty_parents(workdir: &Path, rela: &BString) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn related_matches_paths_and_directories_both_ways() {
        let paths: BTreeSet<BString> = ["src/a.rs", "dir/inner.txt", "file"]
            .iter()
            .map(|p| BString::from(*p))
            .collect();
        assert!(related(&paths, "src/a.rs".into()));
        assert!(
            related(&paths, "dir".into()),
            "a directory holding a changed file"
        );
        assert!(
            related(&paths, "file/now-inside".into()),
            "under a file that becomes a directory"
        );
        assert!(!related(&paths, "src/b.rs".into()));
        assert!(!related(&paths, "di".into()));
    }
}
