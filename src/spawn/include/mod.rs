//! Ignored files of the main worktree that every new worktree gets a copy of: `.env`,
//! `config/local.json`, `node_modules/.cache`... as `.worktreeinclude` (gitignore syntax, the
//! file Claude Code reads) and `agents.copy` select them. Tracked files are never selected.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use gix::bstr::{BStr, ByteSlice};
use gix::ignore::search::Ignore;

mod copy;

pub use copy::copy_into;

/// The file at the root of the main worktree whose patterns select ignored files to copy.
pub const INCLUDE_FILE: &str = ".worktreeinclude";

/// A path to bring into new worktrees: a file, a symlink, or a directory copied whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// Relative to the worktree's root.
    pub rel: PathBuf,
    pub dir: bool,
}

impl Include {
    /// As the task's record lists it: `/`-separated, a directory with a trailing `/`.
    pub fn recorded(&self) -> String {
        let mut path = self.rel.to_string_lossy().replace('\\', "/");
        if self.dir {
            path.push('/');
        }
        path
    }
}

/// Whether `path` is one of `copied` or lies under a directory among them (`dir/`).
pub fn covers(copied: &[String], path: &BStr) -> bool {
    copied.iter().any(|c| match c.strip_suffix('/') {
        Some(dir) => path
            .strip_prefix(dir.as_bytes())
            .is_some_and(|rest| rest.starts_with(b"/")),
        None => c.as_bytes() == path.as_bytes(),
    })
}

/// The ignored paths of the main worktree at `root` that `.worktreeinclude` and the `agents.copy`
/// patterns select, sorted. A selected directory stands for everything in it, unless it holds
/// tracked files: then its untracked contents are selected one by one.
pub fn select(repo: &gix::Repository, root: &Path, extra: &[String]) -> Result<Vec<Include>> {
    let mut wanted = gix::ignore::Search::from_overrides(extra, Ignore::default());
    let file = root.join(INCLUDE_FILE);
    match std::fs::read(&file) {
        Ok(bytes) => wanted
            .add_patterns_buffer(&bytes, &file, None, Ignore::default())
            .with_context(|| format!("reading {}", file.display()))?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).with_context(|| format!("reading {}", file.display())),
    }
    if wanted.patterns.iter().all(|list| list.patterns.is_empty()) {
        return Ok(Vec::new());
    }
    let index = repo.index_or_empty().context("reading the index")?;
    let source = gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped;
    let ignored = repo
        .excludes(&index, None, source)
        .context("reading the ignore rules")?;
    let mut walk = Walk {
        root,
        wanted,
        ignored,
        index: &index,
        found: Vec::new(),
    };
    walk.dir(Path::new(""), false, false)?;
    walk.found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(walk.found)
}

struct Walk<'a> {
    root: &'a Path,
    wanted: gix::ignore::Search,
    ignored: gix::AttributeStack<'a>,
    index: &'a gix::index::State,
    found: Vec<Include>,
}

impl Walk<'_> {
    /// Look through `rel`; `ignored` when it is, `all` when everything untracked in it is wanted.
    fn dir(&mut self, rel: &Path, ignored: bool, all: bool) -> Result<()> {
        let full = self.root.join(rel);
        let entries = match std::fs::read_dir(&full) {
            // Nothing in a directory we may not read can be copied either; git skips it too.
            Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => return Ok(()),
            read => read.with_context(|| format!("reading {}", full.display()))?,
        };
        let mut entries: Vec<_> = entries.collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            if entry.file_name() == ".git" {
                continue;
            }
            let child = rel.join(entry.file_name());
            let is_dir = entry.file_type()?.is_dir();
            let child_ignored = ignored || self.is_ignored(&child, is_dir)?;
            let matched = child_ignored && (all || self.is_wanted(&child, is_dir));
            if matched && !self.tracked(&child, is_dir) {
                self.found.push(Include {
                    rel: child,
                    dir: is_dir,
                });
            } else if is_dir
                && (!child_ignored || matched || self.reaches_into(&child))
                // Another repository or worktree (a workspace root inside this one): not ours.
                && self.root.join(&child).join(".git").symlink_metadata().is_err()
            {
                self.dir(&child, child_ignored, matched)?;
            }
        }
        Ok(())
    }

    fn is_ignored(&mut self, rel: &Path, is_dir: bool) -> Result<bool> {
        let mode = if is_dir {
            gix::index::entry::Mode::DIR
        } else {
            gix::index::entry::Mode::FILE
        };
        Ok(self.ignored.at_path(rel, Some(mode))?.is_excluded())
    }

    fn is_wanted(&self, rel: &Path, is_dir: bool) -> bool {
        let path = slashed(rel);
        self.wanted
            .pattern_matching_relative_path(
                path.as_bytes().as_bstr(),
                Some(is_dir),
                gix::glob::pattern::Case::Sensitive,
            )
            .is_some_and(|m| !m.pattern.is_negative())
    }

    /// A file in the index, or a directory with something in the index under it.
    fn tracked(&self, rel: &Path, is_dir: bool) -> bool {
        let path = slashed(rel);
        if is_dir {
            self.index
                .prefixed_entries(format!("{path}/").as_bytes().as_bstr())
                .is_some_and(|e| !e.is_empty())
        } else {
            self.index
                .entry_by_path(path.as_bytes().as_bstr())
                .is_some()
        }
    }

    /// Whether a pattern names something inside the ignored directory `rel` (`node_modules/.cache`,
    /// `**/.env`); a bare name like `.env` is not looked for inside ignored directories.
    fn reaches_into(&self, rel: &Path) -> bool {
        let dir = format!("{}/", slashed(rel));
        self.wanted
            .patterns
            .iter()
            .flat_map(|l| &l.patterns)
            .any(|m| {
                let p = &m.pattern;
                if p.is_negative() || p.mode.contains(gix::glob::pattern::Mode::NO_SUB_DIR) {
                    return false;
                }
                let literal = &p.text[..p.first_wildcard_pos.unwrap_or(p.text.len())];
                literal.starts_with(dir.as_bytes()) || dir.as_bytes().starts_with(literal)
            })
    }
}

fn slashed(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_covers_what_is_under_it_and_a_file_only_itself() {
        let copied = vec![".env".to_owned(), "config/local/".to_owned()];
        let covers = |p: &str| covers(&copied, p.as_bytes().as_bstr());
        assert!(covers(".env"));
        assert!(covers("config/local/a/b.json"));
        assert!(!covers("config/local"));
        assert!(!covers("config/localx/a"));
        assert!(!covers(".env.example"));
        assert!(!covers("config/other.json"));
    }
}
