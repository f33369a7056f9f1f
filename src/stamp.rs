//! A file as `lstat` sees it: what tells whether it changed since it was last looked at.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nix::sys::stat::FileStat;

/// What changes when a file's content or a directory's names change, or the file is replaced
/// (a rename puts another inode in its place).
#[derive(serde::Serialize, serde::Deserialize, PartialEq, Eq, Clone, Copy, Debug)]
pub(crate) struct Stamp {
    pub dev: u64,
    pub ino: u64,
    pub mode: u32,
    pub size: u64,
    pub mtime: (i64, i64),
    pub ctime: (i64, i64),
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            dev: meta.dev(),
            ino: meta.ino(),
            mode: meta.mode(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    #[allow(clippy::unnecessary_cast)] // the field types differ between Linux and macOS
    pub fn of_stat(stat: &FileStat) -> Stamp {
        Stamp {
            dev: stat.st_dev as u64,
            ino: stat.st_ino as u64,
            mode: stat.st_mode as u32,
            size: stat.st_size as u64,
            mtime: (stat.st_mtime as i64, stat.st_mtime_nsec as i64),
            ctime: (stat.st_ctime as i64, stat.st_ctime_nsec as i64),
        }
    }

    /// The stamp of whatever is at `path` (a link itself, not what it leads to).
    pub fn at(path: &Path) -> Option<Stamp> {
        std::fs::symlink_metadata(path)
            .ok()
            .map(|meta| Stamp::of(&meta))
    }
}
