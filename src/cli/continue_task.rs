use clap::Args;

/// Send a follow-up to a task's agent: it continues its last conversation in the task's
/// worktree, and what it changes is committed on the task's branch.
///
/// The session is the one the agent's stream reported in its last run (claude, codex, gemini,
/// qwen, opencode and copilot report one). A task whose agent reported none, or a custom
/// --command, cannot be continued: run it again with git agents spawn --rerun.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents continue auth --prompt 'Also cover the expired-token case'
  git agents continue auth -p 'The tests fail: run cargo test and fix them' --json

Exit status: 0 done, 1 the agent failed, 2 usage error (unknown task, no session to
continue), 130 interrupted.")]
pub struct ContinueArgs {
    /// The task to continue (file stem in the tasks directory).
    #[arg(value_name = "TASK")]
    pub task: String,

    /// What to tell the agent; it may start with `-`.
    #[arg(
        short,
        long,
        value_name = "TEXT",
        required = true,
        allow_hyphen_values = true
    )]
    pub prompt: String,

    /// Stream events as JSON lines on stdout, ending with a "summary" line.
    #[arg(long)]
    pub json: bool,

    /// No progress output on stderr; only the summary on stdout.
    #[arg(short, long)]
    pub quiet: bool,

    /// Run an agent command from a committed task file without its approval, for this run.
    #[arg(short = 'y', long)]
    pub yes: bool,
}
