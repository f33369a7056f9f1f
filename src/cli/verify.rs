use clap::Args;

/// Check that spawned tasks keep their contracts.
///
/// For each task with a workspace: the built-in check (contract files copied into the
/// workspace are byte-identical to the main worktree's, and no contract changed on the
/// branch), then the task's own check command, run in its workspace with its output in
/// .git/agents/logs/<task>.verify.log. Results are recorded in state; `git agents status` shows them,
/// and `git agents merge` skips tasks whose last check failed.
#[derive(Debug, Args)]
#[command(after_help = "\
The check command comes from --command, else the task's front matter `verify`, else git config
agents.verify. It is an argv template (placeholders {task} {workspace} {branch}), never run by a
shell unless you write `sh -c ...` yourself.

Examples:
  git agents verify                           check every spawned task
  git agents verify auth --command 'cargo test -p auth'

Exit status: 0 every check passed, 1 a check failed, 2 usage error (nothing run).")]
pub struct VerifyArgs {
    /// Tasks to check; every spawned task when none are given.
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// The check command for every task.
    #[arg(long, value_name = "TEMPLATE")]
    pub command: Option<String>,

    /// Run at most N checks at once [agents.jobs].
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,

    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,

    /// Run checks from committed task files without their approval (git agents trust), for
    /// this run only; git config agents.trust=true always does.
    #[arg(short = 'y', long)]
    pub yes: bool,
}
