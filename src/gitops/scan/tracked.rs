//! The tracked files' side of a scan, the cheap way first.
//!
//! Nearly every entry of a settled index is unchanged, and proving that takes one `lstat` whose
//! result matches the entry's stat data (git's own rule, racy entries aside). gix's status does
//! that `lstat` with the file's full path, so the kernel resolves every leading directory again
//! for every file; here each directory is opened once and its files are looked up relative to
//! it, in parallel chunks. Whatever that check cannot vouch for (stat data that differ, racily
//! clean entries, conflicts, intent-to-add, submodules, odd paths, any error) is a suspect, and
//! the suspects alone go through gix's full check, which hashes content where needed. So the
//! answer is gix's answer, only reached with less work.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use gix::bstr::{BStr, ByteSlice};
use gix::index::entry::{stat, Flags, Mode, Stat};
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{FileStat, SFlag};
use rayon::prelude::*;

/// Entries checked by one task; each task opens the directories it needs once.
const CHUNK: usize = 2048;

/// How to compare stat data, as the repository's configuration says.
#[derive(Clone, Copy)]
pub(super) struct Rules {
    pub stat: stat::Options,
    pub symlinks: bool,
    pub executable_bit: bool,
}

/// Indices (ascending) of the entries of `index` (only those `among` lists, when given) whose
/// files the stat data cannot prove unchanged. Every entry looked at and not listed is one
/// gix's status would find unchanged too.
pub(super) fn suspects(
    root: &Path,
    index: &gix::index::State,
    among: Option<&[usize]>,
    rules: Rules,
) -> Vec<usize> {
    let entries = index.entries();
    let timestamp = index.timestamp();
    let is_racy = |now: &Stat| now.is_racy(timestamp, rules.stat);
    let backing = index.path_backing();
    let check = |picked: &mut dyn Iterator<Item = usize>| {
        let mut dirs = DirStack::open(root);
        picked
            .filter(|&i| {
                let entry = &entries[i];
                !is_unchanged(entry, entry.path_in(backing), &mut dirs, &is_racy, rules)
            })
            .collect::<Vec<_>>()
    };
    match among {
        None => (0..entries.len())
            .into_par_iter()
            .step_by(CHUNK)
            .flat_map_iter(|first| check(&mut (first..entries.len().min(first + CHUNK))))
            .collect(),
        Some(among) => among
            .par_chunks(CHUNK)
            .flat_map_iter(|chunk| check(&mut chunk.iter().copied()))
            .collect(),
    }
}

/// The entries a scan must look at when a monitor vouches for the rest: the last scan's
/// `suspects` and every entry at or below a `changed` path (ascending, each once).
pub(super) fn candidates(
    index: &gix::index::State,
    suspects: &[u32],
    changed: &[gix::bstr::BString],
) -> Vec<usize> {
    let mut picked: Vec<usize> = suspects.iter().map(|&i| i as usize).collect();
    for path in changed {
        // A prefix also takes in `a/bc` for `a/b`: a few files more to look at, never fewer.
        if let Some(range) = index.prefixed_entries_range(path.as_ref()) {
            picked.extend(range);
        }
    }
    picked.sort_unstable();
    picked.dedup();
    picked.retain(|&i| i < index.entries().len());
    picked
}

/// Only a `true` is certain; `false` means "let gix look".
fn is_unchanged(
    entry: &gix::index::Entry,
    path: &BStr,
    dirs: &mut DirStack,
    is_racy: &impl Fn(&Stat) -> bool,
    rules: Rules,
) -> bool {
    if entry.flags.intersects(
        Flags::UPTODATE | Flags::SKIP_WORKTREE | Flags::ASSUME_VALID | Flags::FSMONITOR_VALID,
    ) {
        // gix's status skips these entries without a look.
        return true;
    }
    if entry.stage_raw() != 0
        || entry.flags.contains(Flags::INTENT_TO_ADD)
        || !matches!(
            entry.mode,
            Mode::FILE | Mode::FILE_EXECUTABLE | Mode::SYMLINK
        )
    {
        return false;
    }
    let (dir, name) = match path.rfind_byte(b'/') {
        Some(slash) => (&path[..slash], &path[slash + 1..]),
        None => (&path[..0], path),
    };
    if !is_plain_component(name) {
        return false;
    }
    let Some(fd) = dirs.fd(dir) else { return false };
    let Ok(file) = nix::sys::stat::fstatat(fd, name.as_bytes(), AtFlags::AT_SYMLINK_NOFOLLOW)
    else {
        return false;
    };
    let kind = SFlag::from_bits_truncate(file.st_mode) & SFlag::S_IFMT;
    let is_file = kind == SFlag::S_IFREG;
    let is_executable = is_file
        && nix::sys::stat::Mode::from_bits_truncate(file.st_mode)
            .contains(nix::sys::stat::Mode::S_IXUSR);
    if kind == SFlag::S_IFDIR
        || entry
            .mode
            .change_to_match_fs_with_values(
                is_file,
                false,
                kind == SFlag::S_IFLNK,
                is_executable,
                rules.symlinks,
                rules.executable_bit,
            )
            .is_some()
    {
        return false;
    }
    let now = stat_of(&file);
    now.matches(&entry.stat, rules.stat)
        && (!entry.id.is_empty_blob() || entry.stat.size == 0)
        && !is_racy(&now)
}

/// The index's view of `lstat` data, as `gix_index::entry::Stat::from_fs` makes it.
#[allow(clippy::unnecessary_cast)] // the field types differ between Linux and macOS
fn stat_of(file: &FileStat) -> Stat {
    let time = |secs: i64, nsecs: i64| match (u32::try_from(nsecs), secs >= 0) {
        (Ok(nsecs), true) if nsecs < 1_000_000_000 => stat::Time {
            secs: secs as u32,
            nsecs,
        },
        _ => stat::Time::default(),
    };
    Stat {
        mtime: time(file.st_mtime as i64, file.st_mtime_nsec as i64),
        ctime: time(file.st_ctime as i64, file.st_ctime_nsec as i64),
        dev: file.st_dev as u32,
        ino: file.st_ino as u32,
        uid: file.st_uid as u32,
        gid: file.st_gid as u32,
        size: file.st_size as u32,
    }
}

/// A name gix's path checks would accept without a second thought; anything else is left to
/// them.
fn is_plain_component(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.eq_ignore_ascii_case(b".git")
}

/// Open directories from the worktree's root down to the one last asked for, each opened
/// relative to its parent without following symbolic links (an index entry below a symlink is
/// no tracked file: gix reports it removed). `None` marks a directory that could not be opened.
struct DirStack {
    root: Option<OwnedFd>,
    /// The path of the directory on top, its components and their descriptors.
    current: Vec<u8>,
    names: Vec<Vec<u8>>,
    fds: Vec<Option<OwnedFd>>,
}

impl DirStack {
    fn open(root: &Path) -> Self {
        DirStack {
            root: nix::fcntl::open(root, dir_flags(), nix::sys::stat::Mode::empty()).ok(),
            current: Vec::new(),
            names: Vec::new(),
            fds: Vec::new(),
        }
    }

    /// The directory `dir` (relative to the root, `/`-separated, empty for the root itself).
    fn fd(&mut self, dir: &[u8]) -> Option<BorrowedFd<'_>> {
        if dir != self.current.as_slice() {
            self.change_to(dir);
        }
        match self.fds.last() {
            Some(fd) => fd.as_ref().map(AsFd::as_fd),
            None => self.root.as_ref().map(AsFd::as_fd),
        }
    }

    fn change_to(&mut self, dir: &[u8]) {
        let wanted: Vec<&[u8]> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split(|b| *b == b'/').collect()
        };
        let common = self
            .names
            .iter()
            .zip(&wanted)
            .take_while(|(have, want)| have.as_slice() == **want)
            .count();
        self.names.truncate(common);
        self.fds.truncate(common);
        for name in &wanted[common..] {
            let parent = match self.fds.last() {
                Some(parent) => parent.as_ref(),
                None => self.root.as_ref(),
            };
            let fd = parent
                .filter(|_| is_plain_component(name))
                .and_then(|parent| {
                    nix::fcntl::openat(
                        parent.as_fd(),
                        *name,
                        dir_flags() | OFlag::O_NOFOLLOW,
                        nix::sys::stat::Mode::empty(),
                    )
                    .ok()
                });
            self.names.push(name.to_vec());
            self.fds.push(fd);
        }
        self.current = dir.to_vec();
    }
}

/// A directory opened only to look names up in it.
fn dir_flags() -> OFlag {
    #[cfg(target_os = "linux")]
    let only_lookups = OFlag::O_PATH;
    #[cfg(not(target_os = "linux"))]
    let only_lookups = OFlag::O_RDONLY;
    OFlag::O_DIRECTORY | OFlag::O_CLOEXEC | only_lookups
}

/// An index of just the entries at `picked` (ascending indices into `index`), with the
/// timestamp that tells racily clean entries.
pub(super) fn only(index: &gix::index::State, picked: &[usize]) -> gix::index::State {
    let mut part = gix::index::State::new(index.object_hash());
    part.set_timestamp(index.timestamp());
    for &i in picked {
        let entry = &index.entries()[i];
        part.dangerously_push_entry(
            entry.stat,
            entry.id,
            entry.flags,
            entry.mode,
            entry.path(index),
        );
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(paths: &[&str]) -> gix::index::State {
        let mut index = gix::index::State::new(gix::hash::Kind::Sha1);
        for path in paths {
            index.dangerously_push_entry(
                Stat::default(),
                gix::hash::Kind::Sha1.null(),
                Flags::empty(),
                Mode::FILE,
                (*path).into(),
            );
        }
        index.sort_entries();
        index
    }

    #[test]
    fn candidates_are_the_suspects_and_everything_at_or_below_a_changed_path() {
        let index = index_of(&["a/b/c.txt", "a/b/d.txt", "a/bc.txt", "a/e.txt", "z.txt"]);
        let changed = |paths: &[&str]| paths.iter().map(|p| (*p).into()).collect::<Vec<_>>();
        assert_eq!(candidates(&index, &[], &changed(&[])), Vec::<usize>::new());
        assert_eq!(candidates(&index, &[4], &changed(&[])), vec![4]);
        // `a/b` takes in what lies below it, and `a/bc.txt` too (more, never fewer).
        assert_eq!(candidates(&index, &[], &changed(&["a/b"])), vec![0, 1, 2]);
        assert_eq!(
            candidates(&index, &[0], &changed(&["a/e.txt", "a/b/c.txt"])),
            vec![0, 3]
        );
        assert_eq!(
            candidates(&index, &[], &changed(&["nothing/here"])),
            Vec::<usize>::new()
        );
        assert_eq!(
            candidates(&index, &[9], &changed(&[""])),
            vec![0, 1, 2, 3, 4]
        );
    }
}
