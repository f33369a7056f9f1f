//! Command-line types (clap) and nothing else: commands turn them into library options.

pub mod clean;
pub mod config;
pub mod continue_task;
pub mod done;
pub mod init;
pub mod install_extras;
pub mod logs;
pub mod merge;
pub mod pr;
pub mod push;
pub mod spawn;
pub mod status;
pub mod trust;
pub mod verify;

use clap::{Parser, Subcommand, ValueEnum};

/// The top page's examples and exit codes (`git agents --help`, and the man page git-agents(1)).
const AFTER_LONG_HELP: &str = "\
Examples:
  git agents spawn                          run every task's agent, 4 at a time
  git agents spawn auth api --agent codex   two tasks, with Codex CLI
  git agents verify                         check that spawned tasks kept their contracts
  git agents merge --dry-run                forecast merging every finished task branch
  git agents merge                          merge them, computed in memory first
  git agents install-extras                 install the man pages and shell completions

Exit status: 0 success, 1 a task or check failed (the report says which) or the system refused
(a file, the repository), 2 usage or configuration error (nothing was changed), 3 a bug in
git-agents (the message says so), 130 interrupted (the next run resumes), 141 the reader closed
standard output (quietly, as git's commands).";

/// Run many AI coding agents in parallel on one repository and bring their work back safely.
///
/// Each task file in .claude/tasks/ gets its own branch, its own linked worktree and its own
/// agent; finished work is committed on the task's branch, ready to merge.
///
/// Settings live in git config under agents.* (agents.jobs, agents.agent, agents.tasksDir, ...);
/// a flag beats git config, which beats the default. `git agents <command> --help` describes
/// each command.
#[derive(Debug, Parser)]
#[command(
    name = "git-agents",
    bin_name = "git agents",
    version,
    propagate_version = true,
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    /// Run as if started in this directory.
    #[arg(
        short = 'C',
        value_name = "PATH",
        global = true,
        value_hint = clap::ValueHint::DirPath
    )]
    pub directory: Option<std::path::PathBuf>,

    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(
        long,
        value_name = "WHEN",
        global = true,
        display_order = 0,
        value_enum,
        default_value_t = ColorWhen::Auto,
        hide_default_value = true,
        hide_possible_values = true
    )]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Spawn(spawn::SpawnArgs),
    Status(status::StatusArgs),
    Logs(logs::LogsArgs),
    Continue(continue_task::ContinueArgs),
    Done(done::DoneArgs),
    Verify(verify::VerifyArgs),
    Merge(merge::MergeArgs),
    Clean(clean::CleanArgs),
    Config(config::ConfigArgs),
    Trust(trust::TrustArgs),
    InstallExtras(install_extras::InstallExtrasArgs),
    Push(push::PushArgs),
    Pr(pr::PrArgs),
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}
