//! `git agents merge`: command-line arguments.
use clap::Args;

/// Merge finished task branches into the target branch, all computed in memory first.
///
/// By default every task's branch (from the task files) that has commits the target lacks is
/// merged, in task order; or name tasks or branches to merge just those, in the order given.
/// Each branch is fast-forwarded where git would, otherwise merged with git's merge commit
/// message, under your identity. The whole sequence is computed in memory before anything
/// moves: at the first branch that conflicts the merge stops, the clean branches before it land
/// (none with --atomic), and the report names the conflicting paths, the earlier branches that
/// changed them, and the git command that lets you resolve that one by hand. No half-merge is
/// ever left behind: no MERGE_HEAD, no conflict markers, the target's files and index match it.
///
/// When the target is checked out (in the main worktree or a linked one), that worktree must have
/// no changes to tracked files and no untracked file where the merge writes one (as with git
/// merge; untracked task files elsewhere are fine); its files and index are updated afterwards.
/// When it is checked out nowhere, only the branch moves.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents merge                      merge every finished task into the current branch
  git agents merge --dry-run            forecast: per branch and which branches touch the same files
  git agents merge auth api             merge tasks auth and api (or branches of these names)
  git agents merge feature/x --into release
                                        move release only; it need not be checked out
  git agents merge --atomic --json      all or nothing, machine-readable report

Exit status: 0 everything merged (or, with --dry-run, would merge) cleanly, 1 a branch
conflicted or could not be merged (the report says which and how to go on), 2 usage error or
refused before starting (unknown branch or task, dirty target, ...; nothing was changed).")]
pub struct MergeArgs {
    /// Tasks or branches to merge, in this order (default: every task's branch, in task order).
    #[arg(value_name = "BRANCH|TASK")]
    pub names: Vec<String>,

    /// Branch to merge into (default: the branch checked out in the main worktree).
    #[arg(long, value_name = "BRANCH")]
    pub into: Option<String>,

    /// Forecast only: per branch fast-forward, clean merge, conflict (paths) or already merged,
    /// and an overlap matrix of branches that change the same files. Writes nothing; exits 1
    /// when a conflict is forecast.
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// All or nothing: if any branch conflicts, the target does not move at all.
    #[arg(long)]
    pub atomic: bool,

    /// Create a merge commit even when a fast-forward is possible.
    #[arg(long)]
    pub no_ff: bool,

    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    /// Merge tasks whose last contract check (git agents verify) failed, too.
    #[arg(long)]
    pub no_verify: bool,
}
