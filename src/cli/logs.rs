use clap::Args;

/// Print a task's log: the agent's output, with a header line for every attempt.
///
/// The bytes are printed as the agent wrote them. With -f, keep printing what is appended
/// until the task ends (its state is done, no changes, failed, timed out or interrupted, or
/// the spawn running it is gone) and the log stops growing.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents logs auth              the whole log
  git agents logs auth -f           follow it until the task ends
  git agents logs auth | tail -20   the end of it

Exit status: 0 printed, 1 the task has no log yet, 2 usage error (unknown task).")]
pub struct LogsArgs {
    /// The task (file stem in the tasks directory).
    #[arg(value_name = "TASK")]
    pub task: String,

    /// Follow the log until the task ends.
    #[arg(short, long)]
    pub follow: bool,
}
