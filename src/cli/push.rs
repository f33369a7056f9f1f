//! `git agents push`: command-line arguments.
use clap::Args;

/// Push finished task branches to their remote, each under a lease.
///
/// Every finished task (done, with commits on its branch, its last contract check not failed)
/// is pushed, or just the tasks named. The remote is --remote, else git config agents.remote,
/// else the branch's upstream, else origin. Each branch is pushed with git's
/// --force-with-lease, expecting the remote's branch where git-agents last pushed it (or where
/// the remote-tracking branch says, or absent): a rerun's new commits replace the ones pushed
/// before, but a branch someone else pushed to is refused, never overwritten. A plain force is
/// never used. gix cannot push yet, so the git program on PATH does the push (the output says
/// so), with your own git config and credentials.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents push                       every finished task's branch to its remote
  git agents push auth --remote fork    one task, to the remote named fork
  git fetch origin && git log feature/auth..origin/feature/auth && git agents push auth --lease-from-fetch
                                        replace what someone else pushed, once you looked

Exit status: 0 every branch is on the remote, 1 a push was rejected (the report says why),
2 usage error (unknown task, not finished, no such remote; nothing was pushed).")]
pub struct PushArgs {
    /// The tasks to push (default: every finished task).
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// The remote to push to (default: agents.remote, else the branch's upstream, else origin).
    #[arg(long, value_name = "NAME")]
    pub remote: Option<String>,

    /// Push tasks whose last contract check failed, too.
    #[arg(long)]
    pub no_verify: bool,

    /// Expect each remote branch where its remote-tracking branch says, not where git-agents
    /// last pushed it: after a refused push, once you fetched and looked.
    #[arg(long)]
    pub lease_from_fetch: bool,

    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
