//! Typed errors: what went wrong, how bad it is ([`ErrorKind`]) and, when there is one, the
//! remedy in domain terms ([`Fix`]). The library never writes a command line: the binary turns a
//! `Fix` into a hint and a kind into an exit code. An [`Error`] travels inside `anyhow::Error`,
//! under any context added on the way up.
#![doc(hidden)]

use std::fmt;
use std::path::PathBuf;

/// Documented exit codes (README "Exit codes").
pub mod exit {
    /// Everything succeeded.
    pub const OK: i32 = 0;
    /// A task, check or merge failed, or the environment refused (a file, the repository).
    pub const FAILED: i32 = 1;
    /// Usage or configuration error; nothing was changed.
    pub const USAGE: i32 = 2;
    /// A bug in git-agents.
    pub const INTERNAL: i32 = 3;
    /// Interrupted by Ctrl-C or SIGTERM.
    pub const INTERRUPTED: i32 = 130;
    /// Standard output was closed by its reader (128 + SIGPIPE, what a shell reports for git).
    pub const BROKEN_PIPE: i32 = 141;
}

/// How bad an [`Error`] is, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input or configuration, found before anything was changed.
    Usage,
    /// Something failed while working, or the state found does not allow the work.
    Failed,
    /// git-agents broke one of its own invariants: a bug.
    Internal,
    /// Stopped by Ctrl-C or SIGTERM, after putting back what it had begun.
    Interrupted,
}

/// An error raised by git-agents itself.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    fix: Option<Fix>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// Bad input or configuration; nothing was changed.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// A failure found while working.
    pub fn failed(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Failed, message)
    }

    /// An invariant that does not hold: a bug in git-agents.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }

    /// Stopped by a signal, with what was undone or finished said in `message`.
    pub fn interrupted(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Interrupted, message)
    }

    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            fix: None,
            source: None,
        }
    }

    /// The remedy to offer.
    pub fn with_fix(mut self, fix: Fix) -> Error {
        self.fix = Some(fix);
        self
    }

    /// The error underneath (it and its own causes print as `caused by:` lines).
    pub fn caused_by(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Error {
        self.source = Some(source.into());
        self
    }

    /// How bad it is, which decides the exit code.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong, in one line without the causes (as `Display` shows it).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The remedy to offer, if there is one.
    pub fn fix(&self) -> Option<&Fix> {
        self.fix.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|s| s as _)
    }
}

impl Error {
    /// The typed error in `err`'s chain, under whatever context was added to it: what the
    /// library's functions return is an `anyhow::Error` that holds one whenever the failure
    /// was foreseen.
    pub fn find(err: &anyhow::Error) -> Option<&Error> {
        find(err)
    }
}

/// The first [`Error`] in `err`'s chain, under whatever context was added to it.
pub fn find(err: &anyhow::Error) -> Option<&Error> {
    err.chain().find_map(|cause| cause.downcast_ref::<Error>())
}

/// A remedy, named in the library's terms; the binary words it for its own command line.
/// [`Fix::Text`] is only for advice that needs no command line at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fix {
    /// Advice in words: it names no flag and no command.
    Text(String),
    /// Work inside a git repository.
    InitRepository,
    /// Work in a clone that has a working tree, not a bare repository.
    UseWorkingTree,
    /// Configure user.name and user.email.
    SetIdentity,
    /// Start from another commit; `head_unborn` when HEAD has no commit to start from.
    ChooseBase {
        /// HEAD has no commit yet; otherwise the base given names no commit.
        head_unborn: bool,
    },
    /// Compare with a branch that exists.
    ChooseTarget,
    /// Another run holds the task: wait for it, or stop it.
    WaitForRun,
    /// Give the git config `key` a valid value, such as `example`.
    SetConfig {
        /// The key, such as `agents.jobs`.
        key: String,
        /// A value that would do.
        example: String,
    },
    /// Give the git config `key` a valid value such as `example` where the bad one was set: in
    /// `file`, or among the values given to git on its command line when `None`.
    SetConfigAt {
        /// The key, such as `agents.jobs`.
        key: String,
        /// A value that would do.
        example: String,
        /// The config file that holds the bad value; `None` when it came from the command line
        /// (`git -c`) or the environment.
        file: Option<PathBuf>,
    },
    /// Give the git settings passed through the environment in git's own format.
    FixConfigParameters,
    /// Give a time limit above zero.
    PositiveTimeout,
    /// Review the commands listed, then approve them (or approve for this run only).
    TrustCommands,
    /// Give the git config `key` a valid duration.
    SetDuration {
        /// The key, such as `agents.timeout`.
        key: String,
    },
    /// Correct the git config `key`.
    FixConfig {
        /// The key, such as `agents.branchPrefix`.
        key: String,
    },
    /// Run at least one agent at a time.
    AtLeastOneJob,
    /// Make a directory writable, or point the git config `key` elsewhere.
    WritableDir {
        /// The key that places the directory, such as `agents.logDir`.
        key: String,
    },
    /// Create the tasks directory with task files.
    CreateTasksDir,
    /// Add task files to the tasks directory.
    AddTasks,
    /// Name one of the `known` tasks (none yet when empty).
    ChooseTask {
        /// The names of the tasks there are.
        known: Vec<String>,
    },
    /// Give `task` a scope, in its front matter or in git config.
    AddScope {
        /// The task's name.
        task: String,
    },
    /// Choose one of the agent `presets`, or give a command.
    ChooseAgent {
        /// The names of the agent presets.
        presets: Vec<String>,
    },
    /// Install `program`, or choose another agent; `custom_command` when it came from a command
    /// given rather than a preset.
    InstallAgent {
        /// The program as written in the command, not found on PATH.
        program: String,
        /// The command was given (a flag, git config or front matter), not a preset's.
        custom_command: bool,
    },
    /// Install the check command, or correct where it was given.
    InstallCheck,
    /// Clear the task's workspace path: remove the `worktree` there, or move the directory aside,
    /// or place workspaces elsewhere.
    ClearWorkspace {
        /// What is in the way is a worktree (of another branch); otherwise a plain directory or
        /// file.
        worktree: bool,
    },
    /// Free the task's branch from the worktree it is checked out in; `branch_mode` when the run
    /// asked for branch mode.
    FreeBranch {
        /// The run was in branch mode.
        branch_mode: bool,
    },
    /// Switch the main worktree to another branch.
    SwitchBranch,
    /// A registered worktree's directory is missing: repair the entry where the directory went,
    /// or give it up (with git-agents for `task`'s own worktree, with git otherwise).
    FindWorktree { task: Option<String> },
    /// A lock file is in the way: if no git process is using it, delete it.
    RemoveLock { path: PathBuf },
    /// Spawn `task` (every task when `None`) first.
    SpawnFirst {
        /// The task never spawned; `None` when no task was.
        task: Option<String>,
    },
    /// Spawn `task` first, or name an existing branch.
    SpawnOrNameBranch {
        /// The task without a branch.
        task: String,
    },
    /// The log appears once `task` starts.
    StartTask {
        /// The task without a log yet.
        task: String,
    },
    /// Name a local branch, or one of the `known_tasks`.
    NameBranch {
        /// The names of the tasks there are.
        known_tasks: Vec<String>,
    },
    /// Leave the branch being merged into out, or merge into another one.
    LeaveOutTarget,
    /// Check out a branch in the main worktree, or name a branch to merge into.
    CheckOutTargetBranch,
    /// Create `branch` to merge into, or name an existing one.
    CreateTargetBranch {
        /// The branch named to merge into, which does not exist.
        branch: String,
    },
    /// Make a first commit, or name a branch to merge into.
    CommitOnTarget,
    /// Finish or abort the `operation` in progress, then merge again.
    FinishOperation {
        /// The operation in progress.
        operation: Operation,
    },
    /// Clear the target's local changes (`untracked` files in the way, or tracked changes), then
    /// merge again.
    CleanTarget {
        /// Untracked files the merge would overwrite are in the way; otherwise tracked changes.
        untracked: bool,
    },
    /// Fix what was reported, then merge again; nothing was changed.
    FixThenMergeAgain,
    /// Merge again: the target moved meanwhile; nothing was changed.
    MergeAgain,
    /// The branch moved but its files did not: reset the `worktree` to it.
    ResetWorktree {
        /// The worktree whose files lag behind its branch.
        worktree: PathBuf,
    },
    /// Another merge is landing: wait for it, then merge again.
    WaitForMerge,
    /// A task is not finished: finish it, or retire its file anyway.
    RetireAnyway {
        /// The task.
        task: String,
    },
    /// An interrupted merge is in the way: finish it or go back to where it started.
    ContinueOrAbortMerge,
    /// The target moved since the interrupted merge: only going back (forgetting it) is possible.
    AbortMerge,
    /// There is no interrupted merge: just merge.
    NothingToResume,
    /// A lock file not ours is in the way: remove `lock` if no git process is running.
    RemoveStaleLock { lock: PathBuf },
}

/// A multi-step git operation that can be in progress in a worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// `git merge`.
    Merge,
    /// `git cherry-pick`, of one commit or a sequence.
    CherryPick,
    /// `git revert`, of one commit or a sequence.
    Revert,
    /// `git rebase`, interactive or not.
    Rebase,
    /// `git am`.
    ApplyMailbox,
    /// `git bisect`.
    Bisect,
}

impl From<gix::state::InProgress> for Operation {
    fn from(state: gix::state::InProgress) -> Operation {
        use gix::state::InProgress;
        match state {
            InProgress::Merge => Operation::Merge,
            InProgress::CherryPick | InProgress::CherryPickSequence => Operation::CherryPick,
            InProgress::Revert | InProgress::RevertSequence => Operation::Revert,
            InProgress::Rebase | InProgress::RebaseInteractive | InProgress::ApplyMailboxRebase => {
                Operation::Rebase
            }
            InProgress::ApplyMailbox => Operation::ApplyMailbox,
            InProgress::Bisect => Operation::Bisect,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_under_context_with_its_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = anyhow::Error::from(
            Error::failed("cannot write")
                .with_fix(Fix::AtLeastOneJob)
                .caused_by(io),
        )
        .context("saving");
        let typed = find(&err).unwrap();
        assert_eq!(typed.kind(), ErrorKind::Failed);
        assert_eq!(typed.fix(), Some(&Fix::AtLeastOneJob));
        let chain: Vec<String> = err.chain().map(|c| c.to_string()).collect();
        assert_eq!(chain, ["saving", "cannot write", "denied"]);
    }
}
