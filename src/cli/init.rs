use clap::Args;

/// Set up a repository for git agents.
///
/// Creates .claude/tasks/ with an example task (when it has no tasks yet) and
/// .claude/contracts/ with a short README, tells which agent CLIs are on PATH, and prints
/// the next steps. Never writes over a file that exists.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents init

Exit status: 0 done, 2 not a git repository.")]
pub struct InitArgs {}
