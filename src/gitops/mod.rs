//! The git work git-agents does through gix, including the pieces gix has no high-level API for.
#![doc(hidden)]

pub mod checkout;
pub mod commit;
pub mod diff;
pub mod head;
pub mod index_lock;
pub mod ledger;
pub mod reach;
pub mod refs;
pub mod scan;
pub mod sparse;
pub mod update;
pub mod worktree;

/// The directory under the git common dir where git-agents keeps its state.
pub const STATE_DIR: &str = "agents";

/// Open the repository of a worktree for status and commits, with the `git -c` settings git
/// passed on (gix reads `GIT_CONFIG_COUNT` itself, but not `GIT_CONFIG_PARAMETERS`).
///
/// Nanosecond timestamps are compared: a worktree checked out a moment ago has files as new as
/// its index, and with seconds only, every such file would be read again to tell if it changed.
pub fn open_worktree(path: &std::path::Path) -> anyhow::Result<gix::Repository> {
    use anyhow::Context;
    let options = gix::open::Options::default()
        .config_overrides(["gitoxide.core.useNsec=true"])
        .cli_overrides(crate::config::command_line::overrides()?);
    let mut repo =
        gix::open_opts(path, options).with_context(|| format!("opening {}", path.display()))?;
    // The same few commits and trees are looked up again and again (bases, scopes, copied
    // paths): keep them decoded instead of reading and inflating them each time.
    repo.object_cache_size_if_unset(4 * 1024 * 1024);
    Ok(repo)
}

/// How to write an index the way git would in this repository (`index.skipHash` honoured).
pub fn index_write_options(repo: &gix::Repository) -> gix::index::write::Options {
    gix::index::write::Options {
        extensions: Default::default(),
        skip_hash: repo
            .config_snapshot()
            .boolean("index.skipHash")
            .unwrap_or(false),
    }
}

/// Make the entries of `dir` (files renamed into it) durable.
pub fn sync_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("could not sync {}", dir.display()))
}
