//! Placeholder.
use std::path::Path;

use crate::cli::merge::MergeArgs;

pub fn run(_cwd: &Path, _args: MergeArgs) -> anyhow::Result<i32> {
    anyhow::bail!("merge is not built yet")
}
