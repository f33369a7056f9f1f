//! The git work git-agents does through gix, including the pieces gix has no high-level API for.

pub mod checkout;
pub mod commit;
pub mod diff;
pub mod worktree;
