//! What a checked-out worktree holds that is not committed ([`local_changes`], [`in_the_way`],
//! [`hidden_changes`]), and bringing a clean worktree from one tree to another
//! ([`update_worktree`], built on [`super::update`]).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::{Flags, Stage};
use gix::status::index_worktree::Item as WorktreeItem;
use gix::status::plumbing::index_as_worktree::EntryStatus;
use gix::ObjectId;

use super::update;
pub use super::update::UpdateStats;
use crate::error::Error;

/// What `git status` would show for a worktree (paths repo-relative, `/`-separated, sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalChanges {
    /// Index entries that differ from HEAD's tree (staged changes), and unmerged entries.
    pub staged: Vec<BString>,
    /// Files whose content, mode or type differ from their index entry.
    pub modified: Vec<BString>,
    /// Files deleted from the worktree while still in the index.
    pub deleted: Vec<BString>,
    /// Untracked files (whatever `status.showUntrackedFiles` says); ignored files are not listed.
    pub untracked: Vec<BString>,
}

impl LocalChanges {
    /// Every path with a change to tracked content: staged, modified or deleted.
    pub fn tracked(&self) -> BTreeSet<BString> {
        self.staged
            .iter()
            .chain(&self.modified)
            .chain(&self.deleted)
            .cloned()
            .collect()
    }
}

/// The local changes and untracked files of `repo`'s worktree. Stale stat data is no change.
pub fn local_changes(repo: &gix::Repository) -> Result<LocalChanges> {
    use gix::dir::entry::{Kind, Status};
    use gix::status::plumbing::index_as_worktree::Change;
    let iter = repo
        .status(gix::progress::Discard)
        .context("could not prepare the worktree status")?
        .untracked_files(gix::status::UntrackedFiles::Files)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(None)
        .into_iter(Vec::<BString>::new())
        .context("could not start the worktree status")?;
    let mut found: [BTreeSet<BString>; 4] = Default::default();
    let [staged, modified, deleted, untracked] = &mut found;
    for item in iter {
        let item = item.context("could not compute the worktree status")?;
        let path = item.location().to_owned();
        match &item {
            gix::status::Item::TreeIndex(_) => {
                staged.insert(path);
            }
            gix::status::Item::IndexWorktree(WorktreeItem::Rewrite { .. }) => {
                modified.insert(path);
            }
            gix::status::Item::IndexWorktree(WorktreeItem::Modification { status, .. }) => {
                match status {
                    EntryStatus::Conflict { .. } => staged.insert(path),
                    EntryStatus::Change(Change::Removed) => deleted.insert(path),
                    status if is_edit(status) => modified.insert(path),
                    _ => false,
                };
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
    let [staged, modified, deleted, untracked] = found.map(|set| set.into_iter().collect());
    Ok(LocalChanges {
        staged,
        modified,
        deleted,
        untracked,
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
/// is refused before any file is touched). The steps of [`update::Update`] are run in turn, so a
/// failing filter or a full disk leaves the worktree as it was.
pub fn update_worktree(
    repo: &gix::Repository,
    from_tree: ObjectId,
    to_tree: ObjectId,
) -> Result<UpdateStats> {
    let lock = super::index_lock::IndexLock::acquire(repo, &mut |_, _, _| Ok(()))?;
    let workdir = repo
        .workdir()
        .context("the repository has no worktree to update")?;
    let expected = repo
        .index_from_tree(&from_tree)
        .with_context(|| format!("could not read tree {from_tree}"))?;
    refuse_unusual_index(&update::read_index(repo)?, &expected, workdir, from_tree)?;
    let paths = super::diff::files_between_trees(repo, from_tree, to_tree)?;
    let mut update = update::Update::new(repo, lock, to_tree, paths, update::stage_dir(repo)?)?;
    update.stage(&AtomicBool::new(false))?;
    let stats = update.swap(true)?;
    update.write_index()?;
    Ok(stats)
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
    } else if update::has_conflicts(old) {
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

/// The paths among `paths` whose index entry is marked assume-unchanged or skip-worktree (which
/// `git status` does not look at) and whose file exists but differs from that entry: git looks
/// again before overwriting such a file, and refuses.
pub fn hidden_changes(
    repo: &gix::Repository,
    index: &gix::index::File,
    paths: &BTreeSet<BString>,
) -> Result<Vec<BString>> {
    let mut state = gix::index::State::new(repo.object_hash());
    for entry in index.entries() {
        let path = entry.path(index);
        if entry
            .flags
            .intersects(Flags::ASSUME_VALID | Flags::SKIP_WORKTREE)
            && entry.stage() == Stage::Unconflicted
            && paths.contains(path)
        {
            // No stat data: the file is read and compared by content.
            let flags = entry.flags - (Flags::ASSUME_VALID | Flags::SKIP_WORKTREE);
            state.dangerously_push_entry(Default::default(), entry.id, flags, entry.mode, path);
        }
    }
    if state.entries().is_empty() {
        return Ok(Vec::new());
    }
    state.sort_entries();
    let small = gix::index::File::from_state(state, repo.index_path());
    let iter = repo
        .status(gix::progress::Discard)
        .context("could not prepare the worktree status")?
        .index(gix::worktree::IndexPersistedOrInMemory::InMemory(small))
        .untracked_files(gix::status::UntrackedFiles::None)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(None)
        .into_index_worktree_iter(Vec::<BString>::new())
        .context("could not start the worktree status")?;
    let mut changed = BTreeSet::new();
    for item in iter {
        let item = item.context("could not compute the worktree status")?;
        if let WorktreeItem::Modification { status, .. } = &item {
            if is_edit(status) {
                changed.insert(item.rela_path().to_owned());
            }
        }
    }
    Ok(changed.into_iter().collect())
}

/// A change to a file's content, mode or type (a deleted file holds nothing to lose).
fn is_edit<T, U>(status: &EntryStatus<T, U>) -> bool {
    use gix::status::plumbing::index_as_worktree::Change;
    matches!(
        status,
        EntryStatus::Change(Change::Type { .. } | Change::Modification { .. })
            | EntryStatus::Change(Change::SubmoduleModification(_))
    )
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
