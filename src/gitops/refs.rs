//! Moving a branch without git's lock files.
//!
//! git and gix update a ref by writing `<ref>.lock` and renaming it over the ref. Killed in
//! between, the lock stays, and with it every `git gc` fails (expiring the ref's reflog needs
//! that lock) until somebody deletes it by hand. For the branches git-agents creates and
//! commits on, the new ref and its reflogs are written complete in the state directory and
//! renamed into place: each rename is atomic, so a kill leaves at worst a temporary file there
//! (swept by the next run) or a reflog line for an update that did not happen. While
//! `<ref>.lock` exists somebody is updating the ref, and nothing is written.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use gix::bstr::BStr;
use gix::ObjectId;

use crate::error::{Error, Fix};

/// Temporary files, named `<pid>-<n>`, under the state directory.
pub const TMP: &str = "tmp";

/// Point the branch `name` (a full ref name) at `new`, provided it is at `previous` (`None`: it
/// must not exist yet), and log `message` in its reflog and in the reflog at `head_log`, if any.
pub fn update(
    repo: &gix::Repository,
    name: &str,
    previous: Option<ObjectId>,
    new: ObjectId,
    message: &BStr,
    head_log: Option<&Path>,
) -> Result<()> {
    let path = repo.common_dir().join(name);
    let lock = repo.common_dir().join(format!("{name}.lock"));
    if lock.symlink_metadata().is_ok() {
        return Err(Error::failed(format!(
            "{} exists: another git command is updating {name}, or one that died left it behind",
            lock.display()
        ))
        .with_fix(Fix::RemoveLock { path: lock })
        .into());
    }
    let current = repo
        .try_find_reference(name)?
        .and_then(|r| r.target().try_id().map(ToOwned::to_owned));
    if current != previous {
        return Err(Error::failed(format!("{name} moved while git-agents worked on it")).into());
    }
    let tmp = Tmp::new(repo)?;
    if logs_refs(repo) {
        let line = log_line(repo, previous, new, message)?;
        append_log(&tmp, &repo.common_dir().join("logs").join(name), &line)?;
        if let Some(head_log) = head_log {
            append_log(&tmp, head_log, &line)?;
        }
    }
    let staged = tmp.write(format!("{new}\n").as_bytes())?;
    let parent = path.parent().context("a ref has a parent directory")?;
    fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let placed = match previous {
        // Linking fails if the ref appeared meanwhile; renaming would replace it.
        None => fs::hard_link(&staged, &path).and_then(|()| fs::remove_file(&staged)),
        Some(_) => fs::rename(&staged, &path),
    };
    placed.with_context(|| format!("writing {name}"))
}

/// Whether git would log this update: `core.logAllRefUpdates`, on by default in a worktree.
fn logs_refs(repo: &gix::Repository) -> bool {
    let config = repo.config_snapshot();
    match config.string("core.logAllRefUpdates") {
        Some(value) => !matches!(
            value.to_string().to_lowercase().as_str(),
            "false" | "no" | "off" | "0"
        ),
        None => !repo.is_bare(),
    }
}

fn log_line(
    repo: &gix::Repository,
    previous: Option<ObjectId>,
    new: ObjectId,
    message: &BStr,
) -> Result<Vec<u8>> {
    let null = ObjectId::null(repo.object_hash());
    let mut line = format!("{} {new} ", previous.unwrap_or(null)).into_bytes();
    let committer = repo
        .committer()
        .context("no committer identity configured (user.name, user.email)")??;
    committer.write_to(&mut line)?;
    line.push(b'\t');
    let first = message.split(|b| *b == b'\n').next().unwrap_or_default();
    line.extend_from_slice(first);
    line.push(b'\n');
    Ok(line)
}

/// The log at `path` with `line` added, renamed into place whole.
fn append_log(tmp: &Tmp, path: &Path, line: &[u8]) -> Result<()> {
    let mut text = match fs::read(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    text.extend_from_slice(line);
    let staged = tmp.write(&text)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::rename(&staged, path).with_context(|| format!("writing {}", path.display()))
}

/// Where this process stages files: `<state>/tmp/<pid>-<n>`, on the file system of the refs.
struct Tmp {
    dir: PathBuf,
}

impl Tmp {
    fn new(repo: &gix::Repository) -> Result<Tmp> {
        let dir = repo.common_dir().join(super::STATE_DIR).join(TMP);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Tmp { dir })
    }

    fn write(&self, bytes: &[u8]) -> Result<PathBuf> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{}-{n}", std::process::id()));
        let mut file =
            fs::File::create(&path).with_context(|| format!("writing {}", path.display()))?;
        file.write_all(bytes)?;
        Ok(path)
    }
}

/// Commit `tree` on HEAD: a new commit with `parent`, the branch HEAD points to moved to it
/// (without lock files, see above), or a detached HEAD moved by gix. Returns the commit.
pub fn commit_on_head(
    repo: &gix::Repository,
    message: &str,
    tree: ObjectId,
    parent: Option<ObjectId>,
) -> Result<ObjectId> {
    let Some(branch) = repo.head_name()? else {
        return Ok(repo.commit("HEAD", message, tree, parent)?.detach());
    };
    let commit = repo.new_commit(message, tree, parent)?.id;
    let parents = usize::from(parent.is_some());
    let log = gix::reference::log::message("commit", message.into(), parents);
    let head_log = repo.git_dir().join("logs/HEAD");
    let name = branch.as_bstr().to_string();
    update(repo, &name, parent, commit, log.as_ref(), Some(&head_log))?;
    Ok(commit)
}
