//! `git agents pr`: command-line arguments.
use clap::Args;

/// Open or update one pull request (or GitLab merge request) per finished task.
///
/// Each task's branch is pushed first, as git agents push does, then gh (GitHub) or glab
/// (GitLab) opens its request, or updates the title and body of the one open for the branch.
/// The forge is git config agents.forge, else guessed from the remote's URL. The title is the
/// task file's first heading; the body holds the task file, the last contract check, the files
/// changed against the merge base, and the tokens and cost the agent reported. The CLI runs
/// with your own login; when it fails, its own message is shown and its exit code is the
/// command's. Nothing is sent to a forge unless you run this command.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents pr                         a request for every finished task, printing the URLs
  git agents pr auth --draft            one task, as a draft
  git agents pr --base release          requests into release instead of the current branch

Exit status: 0 every request is open, the CLI's own exit code when it failed (1 when a branch
could not be pushed), 2 usage error (unknown task, not finished, gh or glab missing).")]
pub struct PrArgs {
    /// The tasks to open requests for (default: every finished task).
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// The branch the requests go into (default: the branch checked out in the main worktree).
    #[arg(long, value_name = "BRANCH")]
    pub base: Option<String>,

    /// Open new requests as drafts.
    #[arg(long)]
    pub draft: bool,

    /// The remote to push to (default: agents.remote, else the branch's upstream, else origin).
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,

    /// Open requests for tasks whose last contract check failed, too.
    #[arg(long)]
    pub no_verify: bool,

    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
