use clap::Args;

/// Retire finished tasks: move their task files into <tasksDir>/done/.
///
/// spawn no longer finds a retired task, so it never runs again; its record stays, and
/// git agents status --all still shows it. The move is left for you to commit, like any
/// other change to the task files. A task that is not finished (done, no changes or merged)
/// is refused unless --force: retiring it would hide its work from spawn.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents merge && git agents clean && git agents done auth api
  git agents done --force spike     retire a task that failed, on purpose

Exit status: 0 retired, 2 usage error (unknown task, not finished, retired already);
nothing moves unless every task named can be retired.")]
pub struct DoneArgs {
    /// The tasks to retire (file stems in the tasks directory).
    #[arg(value_name = "TASK", required = true)]
    pub tasks: Vec<String>,

    /// Retire them even if they are not finished.
    #[arg(long)]
    pub force: bool,
}
