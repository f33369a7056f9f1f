use clap::Args;

/// Remove the worktrees of tasks whose work is safe, and their branches once merged.
///
/// A task's worktree is removed and its branch deleted when nothing would be lost: the
/// worktree has no uncommitted or untracked changes (the files git-agents copied in and
/// ignored files aside), no commits that only its detached HEAD or its submodules hold, and
/// every commit of the branch is in the target (the branch checked out in the main worktree,
/// or --into). Otherwise the task is kept whole and the reason is printed; --force removes it
/// anyway. A branch checked out in another worktree is never deleted. A task's worktree whose
/// directory is missing (moved, deleted, on a disk not mounted) is reported and kept, so that
/// git worktree repair can find it again; --prune gives it up. Worktrees git-agents did not
/// make are never touched. Logs are kept; a task whose worktree and branch are both gone is
/// dropped from the state, so status shows it as not started again.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  git agents clean                  every task whose work is merged and clean
  git agents clean auth             just one task
  git agents clean --keep-branches  remove clean worktrees, keep every branch
  git agents clean --force          remove everything, uncommitted and unmerged work too
  git agents clean --prune auth     give up auth's worktree, whose directory is gone

A task whose spawn is still running is kept unless --force.

Exit status: 0 everything asked for was removed, 1 something was kept (the output says
why) or could not be removed, 2 usage error.")]
pub struct CleanArgs {
    /// Tasks to clean (file stems in the tasks directory); all when none are given.
    #[arg(value_name = "TASK")]
    pub tasks: Vec<String>,

    /// Remove dirty worktrees, unmerged branches and tasks whose spawn runs, without looking.
    #[arg(long)]
    pub force: bool,

    /// Keep every branch; only worktrees are removed (unmerged branches then keep nothing back).
    #[arg(long)]
    pub keep_branches: bool,

    /// Give up the worktree entries of tasks whose directory is missing, instead of keeping
    /// them for git worktree repair.
    #[arg(long)]
    pub prune: bool,

    /// Merged means merged into this branch instead of the main worktree's.
    #[arg(long, value_name = "BRANCH")]
    pub into: Option<String>,

    /// Print the report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}
