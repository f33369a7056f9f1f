use clap::Args;

/// Print a task's log: the agent's output, with a header line for every attempt.
///
/// An agent run by a preset streams events: its log reads as what it did (→ Edit src/a.rs,
/// → Bash cargo test), what it said, and a line of tokens and cost per attempt; --raw prints
/// the stream's lines as they came. Otherwise the bytes are printed as the agent wrote them. With -f, keep printing what is appended
/// until the task ends (its state is done, no changes, failed, timed out or interrupted, or
/// the spawn running it is gone) and the log stops growing.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents logs auth              the whole log
  git agents logs auth -f           follow it until the task ends
  git agents logs auth | tail -20   the end of it
  git agents logs auth --raw        the agent's event stream (JSON lines)

Exit status: 0 printed, 1 the task has no log yet, 2 usage error (unknown task).")]
pub struct LogsArgs {
    /// The task (file stem in the tasks directory).
    #[arg(value_name = "TASK")]
    pub task: String,

    /// Follow the log until the task ends.
    #[arg(short, long)]
    pub follow: bool,

    /// The agent's machine-readable stream, line for line, instead of the readable log.
    #[arg(long)]
    pub raw: bool,
}
