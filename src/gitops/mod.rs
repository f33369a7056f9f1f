//! The git work git-agents does through gix, including the pieces gix has no high-level API for.

pub mod checkout;
pub mod commit;
pub mod diff;
pub mod worktree;

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
