//! Finishing a worktree entry of ours that an interrupted creation left half-made.
//!
//! Such an entry is either one of today's (complete, but still locked as initializing by a dead
//! git-agents, perhaps with its checkout unfinished) or one made by an older git-agents through
//! gix in place (an empty `commondir`, no `HEAD`, a stray `HEAD.lock`). No agent ever ran in
//! it: agents start only once their worktree is unlocked. So whatever a checkout that did not
//! finish (no index, or no `.git` link) wrote is thrown away and checked out again.

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use super::{create, delete, Registered, MARKER};

/// Complete `entry` (made for `task`, with `full_name` checked out), and say what was done.
/// The caller makes sure no live process is still creating it.
pub fn repair(
    repo: &gix::Repository,
    entry: &Registered,
    task: &str,
    full_name: &str,
) -> Result<String> {
    let admin = &entry.git_dir;
    let context = || format!("repairing the worktree entry {}", admin.display());
    let why = entry.half_made.clone().unwrap_or_default();
    if entry.path.as_os_str().is_empty() {
        anyhow::bail!("{}: it names no worktree directory", context());
    }
    for stray in ["HEAD.lock", "index.lock"] {
        match fs::remove_file(admin.join(stray)) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(context)
            }
            _ => {}
        }
    }
    fill(admin, "commondir", b"../..\n").with_context(context)?;
    fill(admin, "HEAD", format!("ref: {full_name}\n").as_bytes()).with_context(context)?;
    fs::write(admin.join(MARKER), format!("{task}\n")).with_context(context)?;
    let index = admin.join("index");
    if !index.exists() || !entry.path.join(".git").exists() {
        let _ = fs::remove_file(&index);
        check_out_again(repo, admin, &entry.path).with_context(context)?;
    }
    match fs::remove_file(admin.join("locked")) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(err).with_context(context)
        }
        _ => {}
    }
    Ok(format!(
        "{task}: finished the worktree {} that an interrupted spawn left half-made ({why})",
        entry.path.display()
    ))
}

/// Write `name` in `admin` unless it already has content.
fn fill(admin: &Path, name: &str, text: &[u8]) -> std::io::Result<()> {
    let path = admin.join(name);
    if fs::read(&path).is_ok_and(|bytes| !bytes.trim_ascii().is_empty()) {
        return Ok(());
    }
    fs::write(path, text)
}

/// The checkout never finished: empty the worktree directory and check it out anew.
fn check_out_again(repo: &gix::Repository, admin: &Path, dest: &Path) -> Result<()> {
    match dest.symlink_metadata() {
        Ok(meta) if meta.is_dir() => create::clear(dest)?,
        Ok(_) => delete::remove_tree(dest)?,
        Err(_) => {}
    }
    create::check_out(repo, admin, dest, &AtomicBool::new(false))
}
