//! What a worktree holds that is not committed, like `git status --porcelain -uall`, in-process.
//!
//! Like `git status`, the scan can write back fresher stat data for files whose content turned
//! out unchanged (a fresh checkout leaves many such "racy" entries, and every later scan would
//! hash them again). It only does so when asked, under `index.lock` taken without waiting, and
//! only if the index on disk is still the one that was scanned; otherwise nothing is written.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use gix::bstr::{BStr, BString, ByteSlice};
use gix::index::entry::Stat;
use gix::status::plumbing::index_as_worktree::traits::{FastEq, SubmoduleStatus};
use gix::status::plumbing::index_as_worktree::{Change, EntryStatus};
use gix::status::plumbing::index_as_worktree_with_renames::{Entry, VisitEntry};

mod staged;
mod tracked;
mod untracked;

/// Every path `git status --porcelain --untracked-files=all` would list in the worktree at
/// `workspace` (staged, modified, deleted, intent-to-add and untracked; ignored files never),
/// except the files git-agents copied in. Sorted, each path once.
///
/// `main` is a handle on the main repository: its object cache serves every worktree a thread
/// looks at, so the trees they share are read and inflated once, not once per worktree.
/// With `refresh`, fresher stat data is written back as described in the module docs.
pub fn uncommitted(
    main: &gix::Repository,
    workspace: &Path,
    copied: &[String],
    refresh: bool,
) -> Result<Vec<BString>> {
    Ok(uncommitted_since(main, workspace, copied, refresh, None)?.paths)
}

/// What a file-system monitor vouches for: since the scan that left `earlier`, no tracked file
/// changed unless its path is one of `changed` or lies below one of them.
pub struct Vouched<'a> {
    pub earlier: &'a Earlier,
    pub changed: &'a [BString],
}

/// What a scan leaves for the next one: the index it read (by its stamp) and the entries whose
/// files it could not prove unchanged by their stat data. Every other entry's file matched
/// its stat data then, so while the index stays the same, a later scan needs to look only at
/// these and at the files a monitor saw change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Earlier {
    index: crate::stamp::Stamp,
    entries: usize,
    suspects: Vec<u32>,
}

/// A scan's answer, and what it leaves for the next scan (`None` when it rewrote the index or
/// could not stamp it).
pub struct Scanned {
    pub paths: Vec<BString>,
    pub earlier: Option<Earlier>,
}

/// [`uncommitted`], looking only at the tracked files `vouched` leaves in doubt when it still
/// applies (the index is the one its scan read). The answer is the same either way.
pub fn uncommitted_since(
    main: &gix::Repository,
    workspace: &Path,
    copied: &[String],
    refresh: bool,
    vouched: Option<Vouched<'_>>,
) -> Result<Scanned> {
    let context = || format!("reading the status of {}", workspace.display());
    let repo = crate::gitops::open_worktree(workspace)?;
    // Stamped before it is read: an index replaced in between then only costs a full scan.
    let stamp = crate::stamp::Stamp::at(&repo.index_path());
    let index = read_index(&repo).with_context(context)?;
    let among = vouched
        .filter(|v| Some(v.earlier.index) == stamp && v.earlier.entries == index.entries().len())
        .map(|v| tracked::candidates(&index, &v.earlier.suspects, v.changed));
    let head_tree = repo.head_tree_id_or_empty().with_context(context)?.detach();
    let mut collect = Collect {
        copied,
        paths: BTreeSet::new(),
        stats: Vec::new(),
        map: Vec::new(),
    };

    if !staged::index_is_tree(main, head_tree, &index).with_context(context)? {
        staged_paths(main, &head_tree, &index, &mut collect).with_context(context)?;
    }

    // Unstaged and untracked: the index against the files, the tracked ones on other threads
    // while this one walks the directories.
    let workdir = repo
        .workdir()
        .context("a worktree has a working directory")?;
    let rules = tracked::Rules {
        stat: repo.stat_options()?,
        symlinks: repo.filesystem_options()?.symlink,
        executable_bit: repo.filesystem_options()?.executable_bit,
    };
    let mut suspects = Vec::new();
    let untracked = rayon::in_place_scope(|scope| {
        scope.spawn(|_| suspects = tracked::suspects(workdir, &index, among.as_deref(), rules));
        untracked::paths(&repo, &index, optional_locks_allowed())
    })
    .with_context(context)?;
    for path in &untracked {
        collect.add(path.as_ref());
    }
    let mut earlier = stamp.map(|index_stamp| Earlier {
        index: index_stamp,
        entries: index.entries().len(),
        suspects: suspects.iter().map(|&i| i as u32).collect(),
    });
    if !suspects.is_empty() {
        let suspected = tracked::only(&index, &suspects);
        collect.map = suspects;
        modified(&repo, &suspected, &mut collect).with_context(context)?;
    }

    if refresh && !collect.stats.is_empty() && optional_locks_allowed() {
        // Best effort, like git: a busy lock or a changed index just means no refresh.
        let _ = write_stats(&repo, &index, &collect.stats);
        earlier = None;
    }
    Ok(Scanned {
        paths: collect.paths.into_iter().collect(),
        earlier,
    })
}

/// The worktree's index as `git status` reads it: without hashing the whole file to check its
/// trailer (git checks that only in `git fsck`), and on this thread, since status already
/// scans several worktrees at once.
fn read_index(repo: &gix::Repository) -> Result<gix::index::File> {
    let options = gix::index::decode::Options {
        thread_limit: Some(1),
        ..Default::default()
    };
    Ok(gix::index::File::at_or_default(
        repo.index_path(),
        repo.object_hash(),
        true,
        options,
    )?)
}

/// The paths that differ between HEAD's tree and the index (like `git diff --cached`).
fn staged_paths(
    main: &gix::Repository,
    head_tree: &gix::ObjectId,
    index: &gix::index::State,
    collect: &mut Collect,
) -> Result<()> {
    let mut pathspec = main.pathspec(
        false,
        None::<&str>,
        false,
        &gix::index::State::new(main.object_hash()),
        gix::worktree::stack::state::attributes::Source::IdMapping,
    )?;
    main.tree_index_status(
        head_tree,
        index,
        Some(&mut pathspec),
        gix::status::tree_index::TrackRenames::Disabled,
        |change, _, _| {
            collect.add(change.location());
            Ok(gix::diff::index::Action::Continue(()))
        },
    )?;
    Ok(())
}

/// The tracked files of `index` (a few suspects of the worktree's index) that differ from it,
/// each looked at the way `git status` would.
fn modified(
    repo: &gix::Repository,
    index: &gix::index::State,
    collect: &mut Collect,
) -> Result<()> {
    let options = gix::status::index_worktree::Options {
        sorting: None,
        dirwalk_options: None,
        rewrites: None,
        thread_limit: Some(1),
    };
    repo.index_worktree_status(
        index,
        Vec::<BString>::new(),
        collect,
        FastEq,
        NoSubmodules,
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        options,
    )?;
    Ok(())
}

/// Collects changed paths, and the entries whose stat data can be refreshed.
struct Collect<'a> {
    copied: &'a [String],
    paths: BTreeSet<BString>,
    /// Entries of the worktree's index, by their index in the index gix looks at.
    stats: Vec<(usize, Stat)>,
    map: Vec<usize>,
}

impl Collect<'_> {
    fn add(&mut self, path: &BStr) {
        if !self.copied.iter().any(|c| c.as_bytes() == path.as_bytes()) {
            self.paths.insert(path.to_owned());
        }
    }
}

impl<'index> VisitEntry<'index> for Collect<'_> {
    type ContentChange = ();
    type SubmoduleStatus = ();

    fn visit_entry(&mut self, entry: Entry<'index, (), ()>) {
        match entry {
            Entry::Modification {
                status: EntryStatus::NeedsUpdate(stat),
                entry_index,
                ..
            } => self.stats.push((self.map[entry_index], stat)),
            Entry::Modification {
                status: EntryStatus::Change(Change::SubmoduleModification(())),
                ..
            } => {}
            Entry::Modification { rela_path, .. } => self.add(rela_path),
            Entry::DirectoryContents { .. } => unreachable!("no directory walk"),
            Entry::Rewrite { .. } => unreachable!("rewrite tracking is off"),
        }
    }
}

/// Submodules are left out, as `git status --ignore-submodules=all` would.
#[derive(Clone)]
struct NoSubmodules;

impl SubmoduleStatus for NoSubmodules {
    type Output = ();

    fn status(&mut self, _: &gix::index::Entry, _: &BStr) -> gix::Result<Option<()>> {
        Ok(None)
    }
}

/// `GIT_OPTIONAL_LOCKS=0` asks git (and us) not to take locks that are merely nice to have.
fn optional_locks_allowed() -> bool {
    std::env::var_os("GIT_OPTIONAL_LOCKS").is_none_or(|v| v != "0")
}

/// Write `stats` into the index under its lock, if the index on disk is still `scanned`.
fn write_stats(
    repo: &gix::Repository,
    scanned: &gix::index::File,
    stats: &[(usize, Stat)],
) -> Result<()> {
    let path = scanned.path();
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let state_dir = repo.common_dir().join(crate::gitops::STATE_DIR);
    let _noted = crate::gitops::ledger::hold(&state_dir, &[lock_path.into()])?;
    let mut lock = gix::lock::File::acquire_to_update_resource(
        path,
        gix::lock::acquire::Fail::Immediately,
        None,
        0,
    )?;
    let skip_hash = repo
        .config_snapshot()
        .boolean("index.skipHash")
        .unwrap_or(false);
    let mut index = gix::index::File::at(path, repo.object_hash(), skip_hash, Default::default())?;
    if skip_hash || index.checksum() != scanned.checksum() || index.checksum().is_none() {
        return Ok(());
    }
    for (entry_index, stat) in stats {
        if let Some(entry) = index.entries_mut().get_mut(*entry_index) {
            entry.stat = *stat;
        }
    }
    let options = gix::index::write::Options {
        extensions: Default::default(),
        skip_hash,
    };
    index.write_to(&mut lock, options)?;
    lock.commit().map_err(|err| err.error)?;
    Ok(())
}
