use clap::Args;

/// One row per task: state, time, branch, ahead/behind, files, worktree, last log line.
///
/// For every task: its state and attempts, how long it ran (or has been running), its branch,
/// commits ahead of and behind the target, files changed since its base, whether its worktree
/// holds uncommitted work, and the last line of its log. Tasks that never ran show as "not
/// started". Ahead and behind count commits against the branch checked out in the main worktree
/// (or --into). A worktree is dirty when it has staged, modified, deleted or untracked files
/// besides the files git-agents copied in; ignored files do not count.
///
/// Reads the state and the logs without taking git-agents' lock, so it works while a spawn runs
/// in another terminal. Like git status, it writes fresher stat data back into a worktree's
/// index when that saves work next time (under index.lock, never while the task's spawn runs;
/// GIT_OPTIONAL_LOCKS=0 turns it off).
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents status                 every task
  git agents status auth api        two tasks
  git agents status --watch         redraw every 2 seconds until Ctrl-C
  git agents status --watch=10      every 10 seconds
  git agents status --watch auth    one task, every 2 seconds
  git agents status --all           also merged tasks whose task files were retired
  git agents status --json | jq '.tasks[] | select(.worktree == \"dirty\") | .task'

Columns: TRIES attempts in its last run (--json: run, that run's number); TIME duration, or
time so far while running; AHEAD and BEHIND commits against the target; FILES files changed
on the whole branch since the task's base (the spawn summary counts one run's); WORKTREE
clean, dirty (N paths), directory missing (moved, deleted, not mounted), or - when never
created. A state marked (stale) was left by a spawn that is no longer running.

Exit status: 0 the table was printed, 2 usage error (unknown task, not a repository).")]
pub struct StatusArgs {
    /// Tasks to show (file stems in the tasks directory); all when none are given.
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// Print the report as JSON on stdout (one line per refresh with --watch).
    #[arg(long)]
    pub json: bool,

    /// Refresh every 2 seconds (--watch=SECS: every SECS) until Ctrl-C; redraws in place on a
    /// terminal. Task names may follow it: git agents status --watch auth.
    #[arg(
        long,
        value_name = "SECS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "2"
    )]
    pub watch: Option<f64>,

    /// Count ahead and behind against this branch instead of the main worktree's.
    #[arg(long, value_name = "BRANCH")]
    pub into: Option<String>,

    /// Also the history: merged tasks whose task file is gone (git agents done retires them).
    #[arg(short, long)]
    pub all: bool,
}
