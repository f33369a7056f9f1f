//! Placeholder.
use clap::Args;

/// Merge.
#[derive(Debug, Args)]
pub struct MergeArgs {}
