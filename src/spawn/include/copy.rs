//! Copying selected files into a new worktree: copy-on-write where the filesystem can clone
//! (FICLONE on Linux; on macOS `std::fs::copy` clones on APFS by itself), a plain copy
//! otherwise. Symlinks stay symlinks with their target as written; permissions are kept.

use std::fs;
use std::io;
use std::path::Path;

use anyhow::{Context, Result};

use super::Include;

/// What copying did, for the one note a run gives about it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Some file could not be cloned and was copied byte by byte.
    pub plain: bool,
}

/// Copy each of `includes` from `root` into `workspace`. Nothing already in the workspace is
/// replaced (its checkout, or what an agent made of it). Returns the paths as recorded.
pub fn copy_into(
    root: &Path,
    workspace: &Path,
    includes: &[Include],
) -> Result<(Vec<String>, Copied)> {
    let mut copied = Copied::default();
    let mut recorded = Vec::new();
    for include in includes {
        let dest = workspace.join(&include.rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        copy_entry(&root.join(&include.rel), &dest, &mut copied).with_context(|| {
            format!(
                "copying the ignored {} into the workspace",
                include.rel.display()
            )
        })?;
        recorded.push(include.recorded());
    }
    Ok((recorded, copied))
}

fn copy_entry(src: &Path, dest: &Path, copied: &mut Copied) -> io::Result<()> {
    let meta = fs::symlink_metadata(src)?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        if dest.symlink_metadata().is_err() {
            std::os::unix::fs::symlink(fs::read_link(src)?, dest)?;
        }
    } else if kind.is_dir() {
        match fs::create_dir(dest) {
            Err(err) if err.kind() != io::ErrorKind::AlreadyExists => return Err(err),
            _ => {}
        }
        let mut entries: Vec<_> = fs::read_dir(src)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            copy_entry(&entry.path(), &dest.join(entry.file_name()), copied)?;
        }
        fs::set_permissions(dest, meta.permissions())?;
    } else if kind.is_file() && dest.symlink_metadata().is_err() && !clone_file(src, dest, &meta)? {
        copied.plain = true;
    }
    // FIFOs, sockets and devices are left out: reading one could block for ever.
    Ok(())
}

/// Clone `src` to the new file `dest`; `false` when it had to be copied instead.
#[cfg(target_os = "linux")]
fn clone_file(src: &Path, dest: &Path, meta: &fs::Metadata) -> io::Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let from = fs::File::open(src)?;
    let to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)?;
    if rustix::fs::ioctl_ficlone(&to, &from).is_ok() {
        drop(to);
        fs::set_permissions(dest, meta.permissions())?;
        return Ok(true);
    }
    drop(to);
    fs::remove_file(dest)?;
    fs::copy(src, dest)?;
    Ok(false)
}

/// `std::fs::copy` clones where APFS can (`fclonefileat`) and copies otherwise, silently.
#[cfg(not(target_os = "linux"))]
fn clone_file(src: &Path, dest: &Path, _meta: &fs::Metadata) -> io::Result<bool> {
    fs::copy(src, dest)?;
    Ok(true)
}
