//! Command-line types (clap) and nothing else: commands turn them into library options.

pub mod config;
pub mod init;
pub mod merge;
pub mod spawn;
pub mod verify;

use clap::{Parser, Subcommand};

/// Run many AI coding agents in parallel on one repository and bring their work back safely.
///
/// Each task file in .claude/tasks/ gets its own branch, its own linked worktree and its own
/// agent; finished work is committed on the task's branch, ready to merge.
#[derive(Debug, Parser)]
#[command(
    name = "git-agents",
    bin_name = "git agents",
    version,
    propagate_version = true
)]
pub struct Cli {
    /// Run as if started in this directory.
    #[arg(short = 'C', value_name = "PATH", global = true)]
    pub directory: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Spawn(spawn::SpawnArgs),
    Merge(merge::MergeArgs),
    Verify(verify::VerifyArgs),
    Config(config::ConfigArgs),
}
