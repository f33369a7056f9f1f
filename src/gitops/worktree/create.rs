//! Adding a linked worktree so that git never sees half of one.
//!
//! gix (like `git worktree add`) fills `<common-dir>/worktrees/<id>/` in place, file by file, and
//! git reads whatever is there: killed between two writes, an entry with an empty `commondir`
//! makes every git command die, one without `HEAD` fails `git fsck`. git lists every directory
//! under `worktrees/`, dot-directories too (and `git fsck` rejects one as an invalid ref name), so
//! no temporary name there is safe. Instead the admin directory is written complete in the state
//! directory (`gitdir`, `commondir`, `HEAD`, the marker, and a `locked` file naming this
//! process) and renamed into place in one step, onto an empty directory made first to reserve
//! the id: git skips an empty entry. Only then are the worktree's `.git` link and files made, by
//! gix's initial checkout of a registered worktree; the lock goes last. Killed at any point, the
//! repository stays usable, and the next spawn or clean finds either debris of a dead process in
//! the state directory, or a complete entry still locked as initializing, which it repairs.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};

use super::{delete, INITIALIZING, MARKER};

/// Where admin directories are written before they are renamed into place:
/// `<state>/new-worktrees/<pid>-<id>`.
pub(super) const NEW: &str = "new-worktrees";

/// Add a linked worktree at `dest` (absent or empty) with the existing local branch
/// `full_name` checked out, marked as made for `task`; with `cone`, checked out sparse over
/// those directories (`extensions.worktreeConfig` must be on already, see
/// [`crate::gitops::sparse::enable_worktree_config`]). On failure nothing of it is left.
pub fn add(
    repo: &gix::Repository,
    state_dir: &Path,
    task: &str,
    dest: &Path,
    full_name: &str,
    cone: Option<&[String]>,
    interrupt: &AtomicBool,
) -> Result<()> {
    let head = format!("ref: {full_name}\n");
    add_with_head(repo, state_dir, task, dest, &head, cone, interrupt)
}

/// [`add`] with a detached `HEAD` at `commit` instead of a branch.
pub fn add_detached(
    repo: &gix::Repository,
    state_dir: &Path,
    owner: &str,
    dest: &Path,
    commit: gix::ObjectId,
    interrupt: &AtomicBool,
) -> Result<()> {
    let head = format!("{commit}\n");
    add_with_head(repo, state_dir, owner, dest, &head, None, interrupt)
}

fn add_with_head(
    repo: &gix::Repository,
    state_dir: &Path,
    task: &str,
    dest: &Path,
    head: &str,
    cone: Option<&[String]>,
    interrupt: &AtomicBool,
) -> Result<()> {
    let context = || format!("adding the worktree {}", dest.display());
    let dest = absolute(dest).with_context(context)?;
    let admin = register(repo, state_dir, task, &dest, head, cone).with_context(context)?;
    let existed = dest.exists();
    match check_out(repo, &admin, &dest, interrupt) {
        Ok(()) => fs::remove_file(admin.join("locked"))
            .with_context(|| format!("unlocking {}", admin.display())),
        Err(err) => {
            let _ = delete::unregister(&admin, state_dir).map(|aside| delete::remove_tree(&aside));
            let _ = if existed {
                clear(&dest)
            } else {
                delete::remove_tree(&dest)
            };
            Err(err).with_context(context)
        }
    }
}

/// `dest` with its parent directories made and resolved, as gix and git record it.
fn absolute(dest: &Path) -> Result<PathBuf> {
    let parent = dest.parent().context("the worktree path has no parent")?;
    let name = dest.file_name().context("the worktree path has no name")?;
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    Ok(parent.canonicalize()?.join(name))
}

/// Put a complete, locked admin directory for `dest` in place; returns its path.
fn register(
    repo: &gix::Repository,
    state_dir: &Path,
    task: &str,
    dest: &Path,
    head: &str,
    cone: Option<&[String]>,
) -> Result<PathBuf> {
    let worktrees = repo.common_dir().canonicalize()?.join("worktrees");
    fs::create_dir_all(&worktrees)?;
    let basename = dest.file_name().unwrap_or_default().to_string_lossy();
    let id = reserve(
        &worktrees,
        &gix::validate::reference::name_partial_or_sanitize(basename.as_ref().into()).to_string(),
    )?;
    let admin = worktrees.join(&id);
    let aside = state_dir
        .join(NEW)
        .join(format!("{}-{id}", std::process::id()));
    let written = write_admin(repo, &aside, task, dest, head)
        .and_then(|()| match cone {
            Some(dirs) => crate::gitops::sparse::write_admin(&aside, dirs),
            None => Ok(()),
        })
        .and_then(|()| Ok(fs::rename(&aside, &admin)?));
    if let Err(err) = written {
        let _ = delete::remove_tree(&aside);
        let _ = fs::remove_dir(&admin);
        return Err(err);
    }
    Ok(admin)
}

/// Make an empty `<worktrees>/<name>` (or `<name>1`, `<name>2`, ...) that nobody else has.
fn reserve(worktrees: &Path, name: &str) -> Result<String> {
    for n in 0..10_000 {
        let id = match n {
            0 => name.to_owned(),
            n => format!("{name}{n}"),
        };
        match fs::create_dir(worktrees.join(&id)) {
            Ok(()) => return Ok(id),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err).context("reserving a worktree id"),
        }
    }
    anyhow::bail!("no free worktree id for {name}")
}

fn write_admin(
    repo: &gix::Repository,
    aside: &Path,
    task: &str,
    dest: &Path,
    head: &str,
) -> Result<()> {
    if aside.symlink_metadata().is_ok() {
        delete::remove_tree(aside)?;
    }
    fs::create_dir_all(aside)?;
    let write = |name: &str, text: &[u8]| {
        fs::write(aside.join(name), text).with_context(|| format!("writing {name}"))
    };
    let dot_git = dest.join(".git");
    write("gitdir", &path_line(&dot_git)?)?;
    write("commondir", b"../..\n")?;
    write("HEAD", head.as_bytes())?;
    write(MARKER, format!("{task}\n").as_bytes())?;
    write(
        "locked",
        format!("{INITIALIZING}{})\n", std::process::id()).as_bytes(),
    )?;
    inherit(repo, aside)
}

fn path_line(path: &Path) -> Result<Vec<u8>> {
    let mut line = gix::path::os_str_into_bstr(path.as_os_str())?.to_vec();
    line.push(b'\n');
    Ok(line)
}

/// What the new worktree takes from the main one, as `git worktree add` does: its
/// sparse-checkout patterns and its `config.worktree` (without `core.worktree` and `core.bare`).
fn inherit(repo: &gix::Repository, aside: &Path) -> Result<()> {
    let config = repo.config_snapshot();
    let patterns = repo.git_dir().join("info/sparse-checkout");
    if config.boolean("core.sparseCheckout").unwrap_or(false) && patterns.is_file() {
        fs::create_dir_all(aside.join("info"))?;
        fs::copy(&patterns, aside.join("info/sparse-checkout"))?;
    }
    let own = repo.git_dir().join("config.worktree");
    if config.boolean("extensions.worktreeConfig").unwrap_or(false) && own.is_file() {
        let mut file =
            gix::config::File::from_path_no_includes(own, gix::config::Source::Worktree)?;
        for key in ["core.worktree", "core.bare"] {
            if let Ok(mut values) = file.raw_values_mut(key) {
                values.delete_all();
            }
        }
        let mut out = fs::File::create(aside.join("config.worktree"))?;
        file.write_to(&mut out)?;
        out.flush()?;
    }
    Ok(())
}

/// Write the worktree's `.git` link, then check out `HEAD` into it.
pub(super) fn check_out(
    repo: &gix::Repository,
    admin: &Path,
    dest: &Path,
    interrupt: &AtomicBool,
) -> Result<()> {
    link(admin, dest)?;
    let proxy = repo
        .worktrees()?
        .into_iter()
        .find(|p| p.git_dir() == admin)
        .context("the new worktree entry is not listed")?;
    let worktree_repo = proxy.into_repo()?;
    let worktree = worktree_repo
        .worktree()
        .context("the new worktree has no working tree")?;
    worktree.checkout(gix::progress::Discard, interrupt)?;
    Ok(())
}

/// `<dest>/.git`, pointing at `admin`, in a `dest` that is absent or empty.
fn link(admin: &Path, dest: &Path) -> Result<()> {
    fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    let mut text = b"gitdir: ".to_vec();
    text.extend(path_line(admin)?);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest.join(".git"))
        .with_context(|| format!("writing {}/.git", dest.display()))?;
    file.write_all(&text)?;
    Ok(())
}

/// Empty `dir`, keeping it.
pub(super) fn clear(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        delete::remove_tree(&entry?.path())?;
    }
    Ok(())
}
