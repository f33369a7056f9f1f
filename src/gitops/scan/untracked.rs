//! Untracked files, and a cache that spares the directory walk when nothing it read changed.
//!
//! A walk's answer depends only on the names in the directories it looked at, the index's
//! paths, the ignore rules and the options. A directory's mtime (and ctime, inode, device)
//! changes whenever a name in it is added, removed or renamed, but not when a file's content
//! changes, which is no business of the walk (tracked content is the stat check's). So the
//! cache, one file per worktree in `<git-common-dir>/agents/cache/untracked/`, keeps the stamps
//! of every directory the walk saw, of each one's `.gitignore` and of the global exclude
//! files, a digest of the rest, and the answer. It answers only while every stamp and the
//! digest are still equal. A stamp younger than a second before the walk began is never
//! trusted (a change in the same clock tick would leave it equal), so such a walk writes no
//! cache.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use gix::bstr::{BStr, BString, ByteSlice};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::SFlag;

use crate::stamp::Stamp;

/// Bumped when the cache's meaning changes; part of the digest.
const VERSION: u32 = 1;

/// How much older than the walk a stamp must be to be trusted.
const SETTLED: Duration = Duration::from_secs(1);

/// Every untracked path (ignored ones never), as gix's status finds them, from the cache when
/// it still holds, else by a walk that then refreshes the cache (when `write` allows).
pub(super) fn paths(
    repo: &gix::Repository,
    index: &gix::index::State,
    write: bool,
) -> Result<Vec<BString>> {
    let workdir = repo.workdir().expect("a worktree");
    let options = repo
        .dirwalk_options()?
        .emit_untracked(gix::dir::walk::EmissionMode::Matching);
    let place = cache_path(repo);
    let digest = digest(repo, index, &options);
    let globals = global_files(repo);
    if let Some(paths) = place
        .as_deref()
        .and_then(|p| cached(p, workdir, digest, &globals))
    {
        return Ok(paths);
    }
    let began = SystemTime::now();
    let mut walk = Walk::default();
    repo.dirwalk(
        index,
        Vec::<BString>::new(),
        &AtomicBool::new(false),
        options,
        &mut walk,
    )?;
    if let Some(place) = place.filter(|_| write) {
        if let Some(cache) = record(workdir, digest, &globals, &walk, began) {
            // Best effort: without a cache the next status walks again.
            let _ = store(&place, &cache);
        }
    }
    Ok(walk.untracked)
}

/// Collects the untracked paths and every directory the walk considered.
#[derive(Default)]
struct Walk {
    untracked: Vec<BString>,
    dirs: Vec<BString>,
}

impl gix::dir::walk::Delegate for Walk {
    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        // Like gix's status: sockets and such are never shown.
        if entry.status == gix::dir::entry::Status::Untracked
            && entry.disk_kind != Some(gix::dir::entry::Kind::Untrackable)
        {
            self.untracked.push(entry.rela_path.into_owned());
        }
        std::ops::ControlFlow::Continue(())
    }

    fn can_recurse(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        for_deletion: Option<gix::dir::walk::ForDeletionMode>,
        worktree_root_is_repository: bool,
    ) -> bool {
        // Every directory, entered or not: what it holds decides how it is classified.
        self.dirs.push(entry.rela_path.as_ref().to_owned());
        entry.status.can_recurse(
            entry.disk_kind,
            entry.pathspec_match,
            for_deletion,
            worktree_root_is_repository,
        )
    }
}

/// What the cache file holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Cache {
    digest: u64,
    /// The global exclude files, as paths and stamps (`None`: absent).
    globals: Vec<(PathBuf, Option<Stamp>)>,
    /// Each directory (relative, `""` for the root) with its own stamp and its `.gitignore`'s.
    dirs: Vec<(String, Stamp, Option<Stamp>)>,
    untracked: Vec<String>,
}

/// Changed before `limit`, so that a later change cannot leave it equal.
fn is_settled(stamp: &Stamp, limit: (i64, i64)) -> bool {
    stamp.mtime < limit && stamp.ctime < limit
}

/// The worktree's directories and `.gitignore` files, stamped by their paths relative to its
/// root, opened once: the kernel does not walk the leading directories for every one.
struct Root(OwnedFd);

impl Root {
    fn open(workdir: &Path) -> Option<Root> {
        let flags = OFlag::O_DIRECTORY | OFlag::O_CLOEXEC | OFlag::O_RDONLY;
        nix::fcntl::open(workdir, flags, nix::sys::stat::Mode::empty())
            .ok()
            .map(Root)
    }

    fn stat(&self, rel: &str) -> nix::Result<(SFlag, Stamp)> {
        let rel = if rel.is_empty() { "." } else { rel };
        let stat = nix::sys::stat::fstatat(&self.0, rel, AtFlags::AT_SYMLINK_NOFOLLOW)?;
        let kind = SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT;
        Ok((kind, Stamp::of_stat(&stat)))
    }

    /// The stamp of the directory `rel`, `None` when it is not one (any more).
    fn dir(&self, rel: &str) -> Option<Stamp> {
        match self.stat(rel) {
            Ok((SFlag::S_IFDIR, stamp)) => Some(stamp),
            _ => None,
        }
    }

    /// The stamp of the `.gitignore` in `dir`: `Ok(None)` when absent, `Err` when it cannot be
    /// stamped (then nothing is cached).
    fn ignore_file(&self, dir: &str) -> Result<Option<Stamp>, ()> {
        let rel = if dir.is_empty() {
            ".gitignore".to_owned()
        } else {
            format!("{dir}/.gitignore")
        };
        match self.stat(&rel) {
            Ok((SFlag::S_IFREG, stamp)) => Ok(Some(stamp)),
            Err(Errno::ENOENT) => Ok(None),
            _ => Err(()),
        }
    }
}

/// A global exclude file's stamp (links followed): `Ok(None)` when absent, `Err` when it
/// cannot be stamped (then nothing is cached).
fn file_stamp(path: &Path) -> Result<Option<Stamp>, ()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(Stamp::of(&meta))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ => Err(()),
    }
}

/// The untracked paths the cache at `place` remembers, if it still holds.
fn cached(place: &Path, workdir: &Path, digest: u64, globals: &[PathBuf]) -> Option<Vec<BString>> {
    let cache: Cache = serde_json::from_slice(&std::fs::read(place).ok()?).ok()?;
    let same_globals = cache.globals.len() == globals.len()
        && cache
            .globals
            .iter()
            .zip(globals)
            .all(|((path, stamp), now)| path == now && file_stamp(now).ok() == Some(*stamp));
    if cache.digest != digest || !same_globals {
        return None;
    }
    let root = Root::open(workdir)?;
    for (dir, stamp, ignore) in &cache.dirs {
        if root.dir(dir) != Some(*stamp) || root.ignore_file(dir).ok() != Some(*ignore) {
            return None;
        }
    }
    Some(cache.untracked.into_iter().map(BString::from).collect())
}

/// The cache for what `walk` found, or `None` when some stamp is too young to be trusted or a
/// path is not UTF-8.
fn record(
    workdir: &Path,
    digest: u64,
    globals: &[PathBuf],
    walk: &Walk,
    began: SystemTime,
) -> Option<Cache> {
    let since = began
        .checked_sub(SETTLED)?
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?;
    let limit = (
        i64::try_from(since.as_secs()).ok()?,
        i64::from(since.subsec_nanos()),
    );
    let settled = |stamp: &Option<Stamp>| stamp.is_none_or(|s| is_settled(&s, limit));
    let mut stamped_globals = Vec::new();
    for path in globals {
        let stamp = file_stamp(path).ok()?;
        settled(&stamp).then_some(())?;
        stamped_globals.push((path.clone(), stamp));
    }
    let mut seen: Vec<&BStr> = std::iter::once(BStr::new(""))
        .chain(walk.dirs.iter().map(|d| d.as_bstr()))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let root = Root::open(workdir)?;
    let mut dirs = Vec::new();
    for dir in seen {
        let dir = dir.to_str().ok()?;
        let stamp = root.dir(dir)?;
        let ignore = root.ignore_file(dir).ok()?;
        (is_settled(&stamp, limit) && settled(&ignore)).then_some(())?;
        dirs.push((dir.to_owned(), stamp, ignore));
    }
    let untracked = walk
        .untracked
        .iter()
        .map(|p| p.to_str().ok().map(str::to_owned))
        .collect::<Option<Vec<_>>>()?;
    Some(Cache {
        digest,
        globals: stamped_globals,
        dirs,
        untracked,
    })
}

/// Written beside its final name and renamed into place; no sync, as a lost cache costs one walk.
fn store(place: &Path, cache: &Cache) -> std::io::Result<()> {
    crate::state::write_cache(place, &serde_json::to_vec(cache)?)
}

/// One cache file per worktree, named after its administrative directory.
fn cache_path(repo: &gix::Repository) -> Option<PathBuf> {
    let name = if repo.git_dir() == repo.common_dir() {
        "main".to_owned()
    } else {
        format!("wt-{}", repo.git_dir().file_name()?.to_str()?)
    };
    Some(
        repo.common_dir()
            .join(crate::gitops::STATE_DIR)
            .join("cache/untracked")
            .join(name),
    )
}

/// The exclude files outside the worktree that gix reads, as `repo.excludes()` finds them.
fn global_files(repo: &gix::Repository) -> Vec<PathBuf> {
    let configured = repo
        .config_snapshot()
        .trusted_path("core.excludesFile")
        .ok()
        .flatten();
    let user = configured.or_else(|| {
        std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| gix::path::env::home_dir().map(|home| home.join(".config")))
            .map(|base| base.join("git").join("ignore"))
    });
    let mut files = vec![repo.common_dir().join("info").join("exclude")];
    files.extend(user);
    files
}

/// Everything besides stamps the walk's answer depends on: the worktree, the options, the
/// index's paths and modes (and the blobs of its `.gitignore` files, which gix reads when the
/// file is missing).
fn digest(
    repo: &gix::Repository,
    index: &gix::index::State,
    options: &gix::dirwalk::Options,
) -> u64 {
    let mut hasher = DefaultHasher::new();
    (VERSION, repo.workdir(), options).hash(&mut hasher);
    repo.config_snapshot()
        .string("core.excludesFile")
        .hash(&mut hasher);
    for entry in index.entries() {
        let path = entry.path(index);
        (path.as_bytes(), entry.mode.bits(), entry.flags.bits()).hash(&mut hasher);
        if path.ends_with(b".gitignore") {
            entry.id.as_bytes().hash(&mut hasher);
        }
    }
    hasher.finish()
}
