use clap::Args;

/// Print a task's log: the agent's output, with a header line for every attempt.
///
/// Each spawn (and continue) is a numbered run; a task's log is kept per run, the latest in
/// .git/agents/logs/<task>.log and the last 20 earlier ones in <task>.runs/run-<N>.log. Each
/// attempt's header tells its run and attempt (run 4 · attempt 2/3, or fix 1/2 after a failed
/// check). An agent run by a preset streams events: its log reads as what it did (→ Edit
/// src/a.rs, → Bash cargo test), what it said, and a line of tokens and cost per attempt;
/// --raw prints the stream's lines as they came. Otherwise the bytes are printed as the agent
/// wrote them. With -f, keep printing what is appended until the task ends (its state is done,
/// no changes, failed, timed out or interrupted, or the spawn running it is gone) and the log
/// stops growing.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents logs auth              the latest run's log
  git agents logs auth --run 3      run 3's log
  git agents logs auth --all        every run kept, oldest first
  git agents logs auth -f           follow it until the task ends
  git agents logs auth | tail -20   the end of it
  git agents logs auth --raw        the agent's event stream (JSON lines)

Exit status: 0 printed, 1 the task has no log yet (or none of that run), 2 usage error
(unknown task).")]
pub struct LogsArgs {
    /// The task (file stem in the tasks directory).
    #[arg(value_name = "TASK")]
    pub task: String,

    /// Follow the latest run's log until the task ends.
    #[arg(short, long, conflicts_with_all = ["run", "all"])]
    pub follow: bool,

    /// The log of run N instead of the latest (`status --json` shows a task's last run).
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub run: Option<u32>,

    /// Every run kept, oldest first, each introduced by a line naming it (the raw streams
    /// are printed one after the other, JSON lines only).
    #[arg(long)]
    pub all: bool,

    /// The agent's machine-readable stream, line for line, instead of the readable log.
    #[arg(long)]
    pub raw: bool,
}
