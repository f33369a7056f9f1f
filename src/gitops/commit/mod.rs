//! Stage everything in a worktree and commit it: `git add -A && git commit -m MSG` in pure gix.
//!
//! gix has no `add`, so this walks the index-worktree status, hashes what changed through the
//! filter pipeline (clean filters, eol conversion), edits the index, writes a tree from its
//! stage-0 entries and commits that tree on `HEAD`. No hooks run and nothing is signed.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::{Flags, Mode, Stat};
use gix::objs::tree::{EntryKind, EntryMode};
use gix::status::index_worktree::Item;
use gix::status::plumbing::index_as_worktree::{Change, EntryStatus};
use gix::ObjectId;

use crate::error::{Error, Fix};

/// What [`commit_all`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOutcome {
    /// The new commit, or None when nothing changed (no commit made, index untouched or merely refreshed).
    pub commit: Option<ObjectId>,
    /// Paths (repo-relative, '/'-separated) that were added, modified, deleted or changed mode, sorted.
    pub changed: Vec<BString>,
}

/// Stage every change in the worktree of `repo` (new, modified, deleted files, executable-bit changes,
/// symlinks; NOT ignored files; NOT paths for which `exclude(path)` returns true) into the index,
/// write the index, and commit it on HEAD with `message` using the author/committer from git config.
///
/// `exclude` receives repo-relative paths ('/'-separated). Excluded paths keep their `HEAD` version in
/// the commit and the index, even if they were `git add`ed. Untracked nested repositories are skipped,
/// tracked submodules keep the commit recorded in the index. Fails if the index has unresolved conflicts.
pub fn commit_all(
    repo: &gix::Repository,
    message: &str,
    exclude: &dyn Fn(&BStr) -> bool,
) -> Result<CommitOutcome> {
    let message = format!("{}\n", message.trim_end());
    if message.trim().is_empty() {
        return Err(Error::internal("refusing to commit with an empty commit message").into());
    }
    // Checked first so a missing identity doesn't leave a staged but uncommitted index behind.
    for (who, signature) in [("author", repo.author()), ("committer", repo.committer())] {
        signature
            .ok_or_else(|| {
                Error::usage(format!(
                    "no {who} identity configured (user.name, user.email)"
                ))
                .with_fix(Fix::SetIdentity)
            })?
            .map_err(|err| {
                Error::usage(format!("invalid {who} identity in the git configuration"))
                    .caused_by(err)
            })?;
    }
    // The branch moves without a lock file (see `refs`); the index.lock is noted first, so that
    // the next run can clear it if this process is killed while holding it.
    let mut index_lock = repo.index_path().into_os_string();
    index_lock.push(".lock");
    let state_dir = repo.common_dir().join(super::STATE_DIR);
    let _noted = super::ledger::hold(&state_dir, &[index_lock.into()])?;
    let staged = stage_all(repo, exclude, true)?;
    if staged.tree == staged.head_tree {
        return Ok(CommitOutcome {
            commit: None,
            changed: Vec::new(),
        });
    }
    let commit = super::refs::commit_on_head(repo, &message, staged.tree, staged.parent)
        .context("could not create the commit or move HEAD to it")?;
    Ok(CommitOutcome {
        commit: Some(commit),
        changed: staged.changed,
    })
}

/// Stage every change in the worktree of `repo` as [`commit_all`] does and return the tree of
/// the index, without committing (a merge resolution commits it with two parents itself).
pub fn stage_tree(repo: &gix::Repository) -> Result<ObjectId> {
    Ok(stage_all(repo, &|_| false, true)?.tree)
}

/// The same change detection without writing anything: which paths would `commit_all` stage?
///
/// Objects are hashed into memory only; neither the index nor the object database is touched.
/// Unlike [`commit_all`], unresolved conflicts are no error: conflicted paths are reported as pending.
pub fn pending_changes(
    repo: &gix::Repository,
    exclude: &dyn Fn(&BStr) -> bool,
) -> Result<Vec<BString>> {
    let repo = repo.clone().with_object_memory();
    Ok(stage_all(&repo, exclude, false)?.changed)
}

struct Staged {
    tree: ObjectId,
    head_tree: ObjectId,
    parent: Option<ObjectId>,
    changed: Vec<BString>,
}

fn stage_all(
    repo: &gix::Repository,
    exclude: &dyn Fn(&BStr) -> bool,
    write: bool,
) -> Result<Staged> {
    let parent = repo
        .head()
        .context("could not read HEAD")?
        .try_peel_to_id()
        .context("could not resolve HEAD to a commit")?
        .map(gix::Id::detach);
    let head_tree = match parent {
        Some(id) => repo
            .find_commit(id)
            .and_then(|c| c.tree_id())
            .with_context(|| format!("could not read the tree of HEAD commit {id}"))?
            .detach(),
        None => ObjectId::empty_tree(repo.object_hash()),
    };

    let mut index =
        gix::index::File::clone(&**repo.index_or_empty().context("could not read the index")?);
    let conflicts: BTreeSet<BString> = index
        .entries()
        .iter()
        .filter(|e| e.stage_raw() != 0)
        .map(|e| e.path(&index).to_owned())
        .collect();
    if write && !conflicts.is_empty() {
        let list: Vec<_> = conflicts.iter().map(|p| p.to_str_lossy()).collect();
        return Err(Error::failed(format!(
            "the worktree has unresolved conflicts in: {}",
            list.join(", ")
        ))
        .into());
    }

    let (to_hash, mut removed) = worktree_changes(repo, &mut index, exclude, write)?;
    let pinned = pin_excluded_to_head(repo, &mut index, head_tree, exclude, &mut removed)?;
    let edited = pinned || !to_hash.is_empty() || !removed.is_empty();
    stage_paths(repo, &mut index, to_hash, &mut removed)?;
    if !removed.is_empty() {
        index.remove_entries(|_, path, e| e.stage_raw() == 0 && removed.contains(path));
    }
    index.sort_entries();
    let tree = write_tree(repo, &index)?;

    if write && edited {
        index.remove_tree();
        index
            .write(super::index_write_options(repo))
            .context("could not write the index")?;
    }

    let mut changed = conflicts;
    if tree != head_tree {
        let old = repo
            .find_tree(head_tree)
            .context("could not read HEAD's tree")?;
        let new = repo
            .find_tree(tree)
            .context("could not read the new tree")?;
        let changes = repo
            .diff_tree_to_tree(&old, &new, gix::diff::Options::default())
            .context("could not diff HEAD's tree against the new tree")?;
        changed.extend(
            changes
                .into_iter()
                .filter(|c| !(c.entry_mode().is_tree() && c.source_entry_mode_and_id().0.is_tree()))
                .map(|c| c.location().to_owned()),
        );
    }
    let changed = changed.into_iter().collect();
    Ok(Staged {
        tree,
        head_tree,
        parent,
        changed,
    })
}

/// Walk the index-worktree status and return the paths to (re)hash from disk and the paths whose
/// stage-0 entries are to be dropped from the index. Excluded paths are left out.
fn worktree_changes(
    repo: &gix::Repository,
    index: &mut gix::index::File,
    exclude: &dyn Fn(&BStr) -> bool,
    write: bool,
) -> Result<(Vec<BString>, BTreeSet<BString>)> {
    let mut to_hash = Vec::new();
    let mut removed = BTreeSet::new();
    let mut iter = repo
        .status(gix::progress::Discard)
        .context("could not prepare the worktree status")?
        .untracked_files(gix::status::UntrackedFiles::Files)
        .index_worktree_rewrites(None)
        .index_worktree_submodules(None)
        .index(gix::worktree::IndexPersistedOrInMemory::InMemory(
            index.clone(),
        ))
        .into_index_worktree_iter(Vec::<BString>::new())
        .context("could not start the worktree status")?;
    for item in iter.by_ref() {
        let item = item.context("could not compute the worktree status")?;
        let path = item.rela_path().to_owned();
        if exclude(path.as_ref()) {
            continue;
        }
        match item {
            Item::Modification {
                status: EntryStatus::Change(Change::Removed),
                ..
            } => {
                removed.insert(path);
            }
            Item::Modification {
                status:
                    EntryStatus::Change(Change::SubmoduleModification(_)) | EntryStatus::Conflict { .. },
                ..
            } => {}
            // Content, type and executable-bit changes, and intent-to-add entries.
            Item::Modification { .. } => to_hash.push(path),
            Item::DirectoryContents { entry, .. } => {
                use gix::dir::entry::{Kind, Status};
                // Nested repositories (`Kind::Repository`) and empty directories are never staged.
                if entry.status == Status::Untracked
                    && matches!(entry.disk_kind, Some(Kind::File | Kind::Symlink))
                {
                    to_hash.push(path);
                }
            }
            Item::Rewrite { .. } => unreachable!("rewrite tracking is disabled"),
        }
    }
    // Unchanged files whose stat data went stale are not reported as items, only kept in the
    // outcome: persist them like `git status` would, then continue from the refreshed index.
    if let Some(mut outcome) = iter.into_outcome().filter(|o| write && o.has_changes()) {
        if let Some(res) = outcome.write_changes() {
            res.context("could not write refreshed stat data to the index")?;
            *index = repo.open_index().context("could not re-read the index")?;
        }
    }
    Ok((to_hash, removed))
}

/// Hash the worktree files at `paths` through the filter pipeline and update or push their index
/// entries. Paths that vanished (or became nested repositories) are added to `removed`.
fn stage_paths(
    repo: &gix::Repository,
    index: &mut gix::index::File,
    paths: Vec<BString>,
    removed: &mut BTreeSet<BString>,
) -> Result<()> {
    let workdir = repo
        .workdir()
        .context("cannot stage changes in a bare repository")?;
    let caps = repo
        .filesystem_options()
        .context("could not read filesystem capabilities")?;
    let (mut pipeline, _) = repo
        .filter_pipeline(None)
        .context("could not set up the filter pipeline")?;
    let mut added = Vec::new();
    for path in paths {
        let existing = index
            .entry_index_by_path_and_stage(path.as_ref(), gix::index::entry::Stage::Unconflicted);
        // lstat before hashing: if the file changes meanwhile, the stale stat makes git look again.
        // (`std::fs::Metadata` has no ctime, so the metadata gix returns from hashing can't be used.)
        let fs_path = gix::path::from_bstr(path.as_bstr())
            .with_context(|| format!("invalid path '{path}'"))?;
        let metadata = match gix::index::fs::Metadata::from_path_no_follow(&workdir.join(fs_path)) {
            Ok(md) => Some(md),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => return Err(err).with_context(|| format!("could not lstat '{path}'")),
        };
        let hashed = pipeline
            .worktree_file_to_object(path.as_ref(), index)
            .with_context(|| format!("could not hash worktree file '{path}'"))?;
        let Some(((id, kind, _), metadata)) = hashed
            .filter(|(_, kind, _)| *kind != EntryKind::Commit)
            .zip(metadata)
        else {
            if existing.is_some() {
                removed.insert(path);
            }
            continue;
        };
        let stat =
            Stat::from_fs(&metadata).with_context(|| format!("invalid timestamps on '{path}'"))?;
        let mode = index_mode(existing.map(|i| index.entries()[i].mode), kind, &caps);
        match existing {
            Some(i) => {
                let entry = &mut index.entries_mut()[i];
                entry.id = id;
                entry.mode = mode;
                entry.stat = stat;
                entry.flags.remove(Flags::INTENT_TO_ADD);
                if !entry.flags.contains(Flags::SKIP_WORKTREE) {
                    entry.flags.remove(Flags::EXTENDED);
                }
            }
            None => added.push((path, id, mode, stat)),
        }
    }
    // Pushed only now: pushing breaks the sort order that path lookups above rely on.
    for (path, id, mode, stat) in added {
        index.dangerously_push_entry(stat, id, Flags::empty(), mode, path.as_ref());
    }
    Ok(())
}

/// Write the tree of all stage-0 entries of `index` (like `git write-tree`).
fn write_tree(repo: &gix::Repository, index: &gix::index::File) -> Result<ObjectId> {
    let mut editor = repo
        .edit_tree(ObjectId::empty_tree(repo.object_hash()))
        .context("could not start building the tree")?;
    for entry in index.entries() {
        if entry.stage_raw() != 0 || entry.flags.contains(Flags::INTENT_TO_ADD) {
            continue;
        }
        let path = entry.path(index);
        let mode = entry.mode.to_tree_entry_mode().ok_or_else(|| {
            Error::failed(format!(
                "index entry '{path}' has invalid mode {:o}",
                entry.mode.bits()
            ))
        })?;
        editor
            .upsert(path, mode.kind(), entry.id)
            .with_context(|| format!("could not add '{path}' to the tree"))?;
    }
    Ok(editor.write().context("could not write the tree")?.detach())
}

/// Reset stage-0 index entries of excluded paths to their `HEAD` version (or drop them if `HEAD` has
/// none), so files git-agents copied in never get committed even if the agent ran `git add`.
fn pin_excluded_to_head(
    repo: &gix::Repository,
    index: &mut gix::index::File,
    head_tree: ObjectId,
    exclude: &dyn Fn(&BStr) -> bool,
    removed: &mut BTreeSet<BString>,
) -> Result<bool> {
    let head_tree = repo
        .find_tree(head_tree)
        .context("could not read HEAD's tree")?;
    let mut resets = Vec::new();
    for (i, entry) in index.entries().iter().enumerate() {
        let path = entry.path(index);
        if entry.stage_raw() != 0 || !exclude(path) {
            continue;
        }
        let in_head = head_tree
            .lookup_entry(path.split_str("/"))
            .with_context(|| format!("could not look up '{path}' in HEAD's tree"))?
            .filter(|e| !e.mode().is_tree());
        match in_head {
            None => {
                removed.insert(path.to_owned());
            }
            Some(e) if e.object_id() != entry.id || Mode::from(e.mode()) != entry.mode => {
                resets.push((i, e.object_id(), Mode::from(e.mode())));
            }
            Some(_) => {}
        }
    }
    let edited = !resets.is_empty();
    for (i, id, mode) in resets {
        let entry = &mut index.entries_mut()[i];
        entry.id = id;
        entry.mode = mode;
        // Unknown stat data makes git compare the content again instead of trusting the entry.
        entry.stat = Stat::default();
    }
    Ok(edited)
}

/// The index mode for a freshly hashed file, honouring `core.fileMode=false` and `core.symlinks=false`
/// like git: on such filesystems the previous index mode is kept.
fn index_mode(existing: Option<Mode>, kind: EntryKind, caps: &gix::fs::Capabilities) -> Mode {
    match (existing, kind) {
        (
            Some(old @ (Mode::FILE | Mode::FILE_EXECUTABLE)),
            EntryKind::Blob | EntryKind::BlobExecutable,
        ) if !caps.executable_bit => old,
        (Some(Mode::SYMLINK), EntryKind::Blob | EntryKind::BlobExecutable) if !caps.symlink => {
            Mode::SYMLINK
        }
        (_, EntryKind::BlobExecutable) if !caps.executable_bit => Mode::FILE,
        _ => Mode::from(EntryMode::from(kind)),
    }
}
