//! What to spawn: [`SpawnOptions`], filled in by the command line and library callers.

use crate::config::Overrides;

/// What to spawn; the command line and library callers fill this in.
///
/// Start from [`SpawnOptions::new`] (every task, from the main worktree's HEAD, with the
/// repository's settings) and change what differs:
///
/// ```
/// use std::time::Duration;
/// use git_agents::{Mode, Overrides, SpawnOptions};
///
/// let options = SpawnOptions::new()
///     .tasks(["auth", "api"]) // and the unfinished tasks they depend on
///     .base("main")
///     .verify(true)
///     .fix_attempts(2u32) // a failed check goes back to the agent twice
///     .overrides(
///         Overrides::new()
///             .agent("codex")
///             .jobs(2usize)
///             .timeout(Duration::from_secs(30 * 60))
///             .mode(Mode::Worktree),
///     );
/// assert_eq!(options.tasks, ["auth", "api"]);
/// assert_eq!(options.overrides.jobs, Some(2));
/// // then: git_agents::spawn(repo, &options, &reporter, &runner)
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SpawnOptions {
    /// Task names (or slugs) to run; empty means all.
    pub tasks: Vec<String>,
    /// Revision to branch from; default HEAD of the main worktree.
    pub base: Option<String>,
    /// Run finished tasks again.
    pub rerun: bool,
    /// Values that beat git config and the tasks' front matter for this run, as flags do.
    pub overrides: Overrides,
    /// Run each task's contract check after it.
    pub verify: bool,
    /// With `verify`: the check command for every task.
    pub verify_command: Option<String>,
    /// With `verify`: give a task whose check failed back to its agent this many times.
    pub fix_attempts: u32,
    /// Run commands from committed task files even if not approved (`git agents trust`).
    pub trust: bool,
    /// Continue each task's last conversation (`git agents continue`): its agent picks up the
    /// session its stream reported, in its worktree, with the prompt given.
    pub continue_session: bool,
}

impl SpawnOptions {
    /// Overrides of git config and front matter for this run, as command-line flags would give.
    #[must_use]
    pub fn overrides(mut self, overrides: Overrides) -> SpawnOptions {
        self.overrides = overrides;
        self
    }
}

crate::builder::setters!(SpawnOptions {
    /// Run these tasks (names or slugs), and the unfinished ones they depend on.
    tasks: list String,
    /// Branch new tasks from this revision instead of the main worktree's HEAD.
    base: some String,
    /// Run finished tasks again.
    rerun: value bool,
    /// Continue each task's last conversation instead of starting a new one.
    continue_session: value bool,
    /// Run each task's contract check after it.
    verify: value bool,
    /// With `verify`: this check command for every task.
    verify_command: some String,
    /// With `verify`: hand a failed check back to the agent this many times.
    fix_attempts: value u32,
    /// Run commands from committed task files without their approval.
    trust: value bool,
});
