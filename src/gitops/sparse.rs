//! Sparse linked worktrees in git's cone mode, written the way `git sparse-checkout set --cone`
//! writes them in a linked worktree: `extensions.worktreeConfig` in the common config,
//! `core.sparseCheckout` and `core.sparseCheckoutCone` in the worktree's `config.worktree`, the
//! cone's patterns in its `info/sparse-checkout`. gix's initial checkout of a worktree reads
//! those, marks the entries outside the cone skip-worktree and writes none of their files;
//! status and commits skip those entries and keep them in every tree, as git does.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::error::{Error, Fix};

const EXTENSION: &str = "extensions.worktreeConfig";

/// The patterns git writes for a cone of `dirs` (repo-relative, `/`-separated; the root's
/// files are always in): the parents of every directory as "this directory's files only",
/// then the directories themselves, each sorted, none inside another cone directory.
pub fn cone_patterns(dirs: &[String]) -> String {
    let recursive: BTreeSet<String> = dirs
        .iter()
        .map(|d| format!("/{}", d.trim_matches('/')))
        .filter(|d| d != "/")
        .collect();
    let inside_another = |dir: &str| ancestors(dir).any(|a| recursive.contains(a));
    let recursive: BTreeSet<&String> = recursive.iter().filter(|d| !inside_another(d)).collect();
    let parents: BTreeSet<&str> = recursive
        .iter()
        .flat_map(|d| ancestors(d))
        .filter(|p| !recursive.iter().any(|r| r.as_str() == *p) && !inside_another(p))
        .collect();
    let mut out = String::from("/*\n!/*/\n");
    for parent in parents {
        let parent = escaped(parent);
        out.push_str(&format!("{parent}/\n!{parent}/*/\n"));
    }
    for dir in recursive {
        out.push_str(&format!("{}/\n", escaped(dir)));
    }
    out
}

/// The proper ancestors of `/a/b/c` that are not the root: `/a/b`, `/a`.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut rest = dir;
    std::iter::from_fn(move || {
        let cut = rest.rfind('/').filter(|&i| i > 0)?;
        rest = &rest[..cut];
        Some(rest)
    })
}

/// Glob characters escaped, as git's `escaped_pattern` does.
fn escaped(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Whether the common config already has `extensions.worktreeConfig` on. Refused when turning
/// it on would change what every worktree reads: git moves a `core.bare = true` or a
/// `core.worktree` into the main worktree's `config.worktree` first, which git-agents leaves
/// to the user.
pub fn check_worktree_config(repo: &gix::Repository) -> Result<bool> {
    let (file, path) = common_config(repo)?;
    if matches!(file.boolean(EXTENSION), Ok(Some(true))) {
        return Ok(true);
    }
    let bare = matches!(file.boolean("core.bare"), Ok(Some(true)));
    if bare || file.string("core.worktree").is_some() {
        let key = if bare { "core.bare" } else { "core.worktree" };
        return Err(Error::usage(format!(
            "sparse worktrees need extensions.worktreeConfig, and {} sets {key}, which would then apply to every worktree",
            path.display()
        ))
        .with_fix(Fix::Text(format!(
            "move {key} into {} and set extensions.worktreeConfig yourself, or spawn with --no-sparse",
            repo.common_dir().join("config.worktree").display()
        )))
        .into());
    }
    Ok(false)
}

/// Turn `extensions.worktreeConfig` on in the common config, as `git sparse-checkout init` does
/// in a linked worktree; returns whether this changed the file. The file is written whole to
/// `config.lock` and renamed over, as git writes it.
pub fn enable_worktree_config(repo: &gix::Repository, state_dir: &Path) -> Result<bool> {
    static ONE_WRITER: Mutex<()> = Mutex::new(());
    let _one = ONE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
    if check_worktree_config(repo)? {
        return Ok(false);
    }
    let (mut file, path) = common_config(repo)?;
    file.set_raw_value("extensions.worktreeConfig", "true")
        .context("setting extensions.worktreeConfig")?;
    let lock = path.with_file_name("config.lock");
    let _noted = super::ledger::hold(state_dir, std::slice::from_ref(&lock))?;
    let written = (|| -> Result<()> {
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .with_context(|| format!("{} is locked by another git process", path.display()))?;
        file.write_to(&mut out)?;
        out.flush()?;
        out.sync_all()?;
        fs::rename(&lock, &path)?;
        Ok(())
    })();
    if written.is_err() && lock.exists() {
        let _ = fs::remove_file(&lock);
    }
    written
        .with_context(|| format!("turning on extensions.worktreeConfig in {}", path.display()))?;
    Ok(true)
}

fn common_config(repo: &gix::Repository) -> Result<(gix::config::File, PathBuf)> {
    let path = repo.common_dir().join("config");
    let file = gix::config::File::from_path_no_includes(path.clone(), gix::config::Source::Local)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok((file, path))
}

/// Make the admin directory `admin` of a worktree being created sparse over `dirs`: cone mode on
/// in its `config.worktree` (kept, if it inherited one) and the cone's patterns.
pub fn write_admin(admin: &Path, dirs: &[String]) -> Result<()> {
    let config = admin.join("config.worktree");
    let mut file = match config.is_file() {
        true => {
            gix::config::File::from_path_no_includes(config.clone(), gix::config::Source::Worktree)?
        }
        false => gix::config::File::new(gix::config::file::Metadata::from(
            gix::config::Source::Worktree,
        )),
    };
    file.set_raw_value("core.sparseCheckout", "true")?;
    file.set_raw_value("core.sparseCheckoutCone", "true")?;
    let mut out = fs::File::create(&config)?;
    file.write_to(&mut out)?;
    out.flush()?;
    fs::create_dir_all(admin.join("info"))?;
    fs::write(admin.join("info/sparse-checkout"), cone_patterns(dirs))
        .context("writing info/sparse-checkout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_the_ones_git_writes() {
        let dirs: Vec<String> = ["pkg/a", ".claude/contracts", ".claude/tasks", "sp ace/x"]
            .map(String::from)
            .into();
        assert_eq!(
            cone_patterns(&dirs),
            "/*\n!/*/\n/.claude/\n!/.claude/*/\n/pkg/\n!/pkg/*/\n/sp ace/\n!/sp ace/*/\n\
             /.claude/contracts/\n/.claude/tasks/\n/pkg/a/\n/sp ace/x/\n"
        );
    }

    #[test]
    fn directories_inside_others_and_globs() {
        let dirs: Vec<String> = ["a", "a/b/c", "x/y*z"].map(String::from).into();
        assert_eq!(
            cone_patterns(&dirs),
            "/*\n!/*/\n/x/\n!/x/*/\n/a/\n/x/y\\*z/\n"
        );
    }
}
