//! The monitor's view of its worktrees: an inotify watch on every directory (`.git` aside),
//! and a log of the paths that changed, each with the number of its last change, numbered in
//! the order the kernel queued their events.
//!
//! inotify queues an event inside the system call that makes the change, so once the queue is
//! read to its end, every change made before that moment is in the log. A directory that
//! appears (made, or moved in) is watched from then on and logged as a whole, since files may
//! have been made in it before its watch was added; a directory that leaves is unwatched and
//! logged as a whole too. Whatever makes the log incomplete (a queue overflow, a watch that
//! cannot be added, a log grown too long) moves the worktree's `since` forward, so an answer
//! to an older token is "look at everything".

use std::collections::{BTreeMap, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use gix::bstr::{BStr, BString, ByteSlice};

use super::Answer;
use nix::errno::Errno;
use nix::sys::inotify::{AddWatchFlags as Flag, InitFlags, Inotify, InotifyEvent, WatchDescriptor};

/// Paths logged per worktree before the log is cleared (older tokens then get "everything").
const LOG_CAP: usize = 200_000;

fn mask() -> Flag {
    Flag::IN_MODIFY
        | Flag::IN_ATTRIB
        | Flag::IN_CREATE
        | Flag::IN_DELETE
        | Flag::IN_MOVED_FROM
        | Flag::IN_MOVED_TO
        | Flag::IN_DELETE_SELF
        | Flag::IN_MOVE_SELF
        | Flag::IN_DONT_FOLLOW
        | Flag::IN_ONLYDIR
}

struct Worktree {
    root: PathBuf,
    dirs: BTreeMap<BString, WatchDescriptor>,
    /// Tokens older than this get "everything".
    since: u64,
    /// Changed paths, each with the number of its last change.
    log: HashMap<BString, u64>,
    /// A watch could not be added: every answer is "everything".
    broken: bool,
}

pub struct Watches {
    inotify: Inotify,
    instance: String,
    seq: u64,
    by_wd: HashMap<WatchDescriptor, (usize, BString)>,
    worktrees: Vec<Option<Worktree>>,
    /// The agents directory, whose removal ends the monitor.
    home: Option<WatchDescriptor>,
    home_gone: bool,
}

impl Watches {
    pub fn new(instance: String) -> nix::Result<Self> {
        Ok(Watches {
            inotify: Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?,
            instance,
            seq: 0,
            by_wd: HashMap::new(),
            worktrees: Vec::new(),
            home: None,
            home_gone: false,
        })
    }

    pub fn inotify(&self) -> &Inotify {
        &self.inotify
    }

    /// Watch the agents directory at `path` for the removal of the monitor's files in it, or
    /// its own (which the kernel tells only once the monitor's descriptors of it are closed).
    pub fn watch_home(&mut self, path: &Path) -> nix::Result<()> {
        let flags = Flag::IN_DELETE
            | Flag::IN_MOVED_FROM
            | Flag::IN_DELETE_SELF
            | Flag::IN_MOVE_SELF
            | Flag::IN_ONLYDIR;
        self.home = Some(self.inotify.add_watch(path, flags)?);
        Ok(())
    }

    pub fn home_gone(&self) -> bool {
        self.home_gone
    }

    /// Whether every worktree once watched is gone (and at least one was).
    pub fn all_gone(&self) -> bool {
        !self.worktrees.is_empty() && self.worktrees.iter().all(Option::is_none)
    }

    /// Read every queued event.
    pub fn drain(&mut self) {
        loop {
            match self.inotify.read_events() {
                Ok(events) if !events.is_empty() => events.iter().for_each(|e| self.handle(e)),
                Err(Errno::EINTR) => {}
                _ => return,
            }
        }
    }

    /// The answer for the worktree at `root` to `token`; a worktree not watched yet is watched
    /// from now on, and its answer is "everything".
    pub fn answer(&mut self, root: &Path, token: Option<&str>) -> Answer {
        let slot = match self.slot_of(root) {
            Some(slot) => slot,
            None => self.watch(root),
        };
        if self.worktrees[slot]
            .as_ref()
            .is_some_and(|w| !w.broken && w.dirs.is_empty())
        {
            // Its root could not be watched (gone, no directory): asked again, it is tried anew.
            self.worktrees[slot] = None;
        }
        let current = format!("{}:{}", self.instance, self.seq);
        let Some(worktree) = self.worktrees[slot].as_ref().filter(|w| !w.broken) else {
            return Answer {
                token: None,
                changed: None,
            };
        };
        let asked = token
            .and_then(|t| t.strip_prefix(self.instance.as_str()))
            .and_then(|t| t.strip_prefix(':'))
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n >= worktree.since && *n <= self.seq);
        let changed = asked.map(|n| {
            let mut paths: Vec<BString> = worktree
                .log
                .iter()
                .filter(|(_, seq)| **seq > n)
                .map(|(path, _)| path.clone())
                .collect();
            paths.sort_unstable();
            paths
        });
        Answer {
            token: Some(current),
            changed,
        }
    }

    fn slot_of(&self, root: &Path) -> Option<usize> {
        self.worktrees
            .iter()
            .position(|w| w.as_ref().is_some_and(|w| w.root == root))
    }

    fn watch(&mut self, root: &Path) -> usize {
        self.seq += 1;
        let slot = self.worktrees.len();
        self.worktrees.push(Some(Worktree {
            root: root.to_owned(),
            dirs: BTreeMap::new(),
            since: self.seq,
            log: HashMap::new(),
            broken: false,
        }));
        self.walk(slot, BString::default());
        slot
    }

    /// Watch `dir` and every directory below it, each before its names are read, so nothing
    /// made in it afterwards goes unseen.
    fn walk(&mut self, slot: usize, dir: BString) {
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            let Some(worktree) = self.worktrees[slot].as_ref() else {
                return;
            };
            let path = worktree.root.join(dir.to_path_lossy());
            let wd = match self.inotify.add_watch(&path, mask()) {
                Ok(wd) => wd,
                // Gone or no directory (any more): its parent's event tells.
                Err(Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP) => continue,
                Err(_) => return self.break_worktree(slot),
            };
            if let Some((other, _)) = self.by_wd.insert(wd, (slot, dir.clone())) {
                // The same directory in two watched places (nested worktrees, bind mounts):
                // its events can only be told to one of them.
                if other != slot {
                    self.break_worktree(other);
                    return self.break_worktree(slot);
                }
            }
            let worktree = self.worktrees[slot].as_mut().expect("checked above");
            worktree.dirs.insert(dir.clone(), wd);
            let Ok(names) = std::fs::read_dir(&path) else {
                continue;
            };
            for entry in names.flatten() {
                let name = entry.file_name();
                if name.as_bytes() != b".git" && entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(join(dir.as_ref(), name.as_bytes()));
                }
            }
        }
    }

    /// Give up on the worktree in `slot`: its watches are released (they count against the
    /// user's limit) and every answer about it is "everything" from now on.
    fn break_worktree(&mut self, slot: usize) {
        self.unwatch_below(slot, BStr::new(b""));
        if let Some(worktree) = self.worktrees[slot].as_mut() {
            worktree.broken = true;
            worktree.log = HashMap::new();
        }
    }

    fn handle(&mut self, event: &InotifyEvent) {
        if event.mask.contains(Flag::IN_Q_OVERFLOW) {
            self.seq += 1;
            for worktree in self.worktrees.iter_mut().flatten() {
                worktree.since = self.seq;
                worktree.log = HashMap::new();
            }
            return;
        }
        if Some(event.wd) == self.home {
            let name = event.name.as_ref().map(|n| n.as_bytes());
            self.home_gone |=
                name.is_none_or(|n| n == super::SOCKET.as_bytes() || n == super::LOCK.as_bytes());
            return;
        }
        let Some((slot, dir)) = self.by_wd.get(&event.wd).cloned() else {
            return;
        };
        if event.mask.contains(Flag::IN_IGNORED) {
            self.by_wd.remove(&event.wd);
        }
        if dir.is_empty()
            && event
                .mask
                .intersects(Flag::IN_DELETE_SELF | Flag::IN_MOVE_SELF | Flag::IN_IGNORED)
        {
            return self.forget(slot);
        }
        let Some(name) = event.name.as_ref().map(|n| n.as_bytes()) else {
            return;
        };
        if name == b".git" {
            return;
        }
        let path = join(dir.as_ref(), name);
        let is_dir = event.mask.contains(Flag::IN_ISDIR);
        if is_dir
            && event.mask.intersects(
                Flag::IN_DELETE | Flag::IN_MOVED_FROM | Flag::IN_CREATE | Flag::IN_MOVED_TO,
            )
        {
            self.unwatch_below(slot, path.as_ref());
        }
        if is_dir && event.mask.intersects(Flag::IN_CREATE | Flag::IN_MOVED_TO) {
            self.walk(slot, path.clone());
        }
        self.record(slot, path);
    }

    fn record(&mut self, slot: usize, path: BString) {
        self.seq += 1;
        let seq = self.seq;
        let Some(worktree) = self.worktrees[slot].as_mut() else {
            return;
        };
        if worktree.log.len() >= LOG_CAP && !worktree.log.contains_key(&path) {
            worktree.log = HashMap::new();
            worktree.since = seq;
        }
        worktree.log.insert(path, seq);
    }

    /// Stop watching `dir` and everything below it (moved away or deleted).
    fn unwatch_below(&mut self, slot: usize, dir: &BStr) {
        let Some(worktree) = self.worktrees[slot].as_mut() else {
            return;
        };
        let below: Vec<BString> = worktree
            .dirs
            .range::<BString, _>(BString::from(dir)..)
            .map(|(d, _)| d)
            .take_while(|d| d.starts_with(dir))
            .filter(|d| dir.is_empty() || d.len() == dir.len() || d[dir.len()] == b'/')
            .cloned()
            .collect();
        for d in below {
            if let Some(wd) = worktree.dirs.remove(&d) {
                self.by_wd.remove(&wd);
                let _ = self.inotify.rm_watch(wd);
            }
        }
    }

    /// The worktree's root is gone or moved: drop it (asked about again, it is watched anew).
    fn forget(&mut self, slot: usize) {
        self.unwatch_below(slot, BStr::new(b""));
        self.worktrees[slot] = None;
    }
}

fn join(dir: &BStr, name: &[u8]) -> BString {
    if dir.is_empty() {
        return name.into();
    }
    let mut path = BString::from(dir);
    path.push(b'/');
    path.extend_from_slice(name);
    path
}
