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
/// When the target is checked out (in the main worktree or a linked one), git's rules for local
/// changes apply: a file the merge changes must have no local changes (assume-unchanged and
/// skip-worktree files are looked at too), no untracked file may be where the merge writes one,
/// and a merge commit needs an index without staged changes; local changes elsewhere are left as
/// they are. Its files and index are written before the branch moves. When it is checked out
/// nowhere, only the branch moves. --dry-run refuses exactly where the merge would.
///
/// A merge killed at any instant leaves the old state, the new state or an interrupted merge,
/// recorded in .git/agents/merge.json: --continue finishes it, --abort goes back to where it
/// started. A plain merge settles it by itself when only one outcome is possible (nothing but
/// objects had been written, or everything had been done) and refuses otherwise. Ctrl-C or
/// SIGTERM stops at the next safe point: before files move, nothing is changed (exit 130); once
/// they move, the merge is finished.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents merge                      merge every finished task into the current branch
  git agents merge --dry-run            forecast: per branch and which branches touch the same files
  git agents merge auth api             merge tasks auth and api (or branches of these names)
  git agents merge feature/x --into release
                                        move release only; it need not be checked out
  git agents merge --atomic --json      all or nothing, machine-readable report
  git agents merge --resolve --agent codex
                                        let an agent resolve each conflict, then go on
  git agents merge --continue           finish a merge that was killed (--abort goes back)

Exit status: 0 everything merged (or, with --dry-run, would merge) cleanly, 1 a branch
conflicted or could not be merged (the report says which and how to go on), 2 usage error or
refused before starting (unknown branch or task, local changes in the way, an interrupted
merge, ...; nothing was changed), 130 interrupted (nothing was changed).")]
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

    /// Hand each branch that conflicts to an agent: a resolve worktree
    /// (<workspace-root>/<target>-resolve-<task>) holds the merge in progress as git merge leaves
    /// it, the agent resolves it there, and once no conflict marker is left and the task's check
    /// passes the merge is committed there and the next branch merged. The target moves only at the
    /// end, as without --resolve, and the worktrees of the resolutions that landed are removed; a
    /// failed resolution stops there and keeps its worktree (git commit there, then merge
    /// --resolve again takes that commit).
    #[arg(long)]
    pub resolve: bool,

    /// With --resolve: the agent preset to resolve with (default: as spawn picks it per task).
    #[arg(
        long,
        value_name = "NAME",
        requires = "resolve",
        conflicts_with = "command"
    )]
    pub agent: Option<String>,

    /// With --resolve: the command to resolve with, as spawn's --command ({prompt}, {task}, ...).
    #[arg(long, value_name = "TEMPLATE", requires = "resolve")]
    pub command: Option<String>,

    /// With --resolve: run agent and check commands from committed task files without their
    /// approval (git agents trust), for this run only.
    #[arg(short = 'y', long, requires = "resolve")]
    pub yes: bool,

    /// Finish an interrupted merge: files and index to the new tree, then the branch.
    #[arg(long = "continue", conflicts_with_all = ["names", "into", "dry_run", "atomic", "no_ff", "no_verify", "resolve", "abort"])]
    pub resume: bool,

    /// Undo an interrupted merge: the branch, its files and its index back to where it started.
    #[arg(long, conflicts_with_all = ["names", "into", "dry_run", "atomic", "no_ff", "no_verify", "resolve"])]
    pub abort: bool,
}
