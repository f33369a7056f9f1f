//! `status`: one row per task — its recorded state and what git says now — read without a
//! lock and without a git process, so it can run beside a spawn and stay fast on many worktrees.
#![doc(hidden)]

mod facts;
mod monitored;
pub mod probe;
use crate::gitops::scan;
mod table;

use std::path::{Path, PathBuf};

use anyhow::Result;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::inventory::{self as known, Inventory};
pub use crate::inventory::{KnownTask, Target};
pub use table::write_table;

use crate::config::Overrides;
use crate::gitops::worktree::{self, Registered};
use crate::repo::Project;
use crate::state::Status;

/// Bytes of decoded objects each worker thread keeps.
pub const OBJECT_CACHE: usize = 16 * 1024 * 1024;

/// What to report on.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StatusOptions {
    /// Task names or slugs; all when empty.
    pub tasks: Vec<String>,
    /// Measure branches against this branch (or revision) instead of the main worktree's branch.
    pub into: Option<String>,
    /// Also the history: tasks merged whose task file is gone (retired with `git agents done`,
    /// or deleted).
    pub all: bool,
}

crate::builder::setters!(StatusOptions {
    /// Only these tasks (names or slugs).
    tasks: list String,
    /// Measure branches against this branch or revision.
    into: some String,
    /// Also merged tasks whose task file is gone.
    all: value bool,
});

/// Every selected task, in task order.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct StatusReport {
    /// The branch (or revision) `ahead` and `behind` are measured against.
    pub target: Target,
    /// One row per selected task, in task order.
    pub tasks: Vec<TaskStatus>,
    /// The main worktree's root, to show paths relative to it.
    #[serde(skip)]
    pub root: PathBuf,
}

/// The state of a task's worktree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Worktree {
    /// Never created.
    None,
    /// Recorded or registered, but the directory is gone (moved, deleted, not mounted).
    Missing,
    /// Something is at the path, but it is not a linked worktree of this repository.
    Foreign,
    /// A worktree of the task with nothing uncommitted (besides the copied files).
    Clean,
    /// Uncommitted or untracked changes besides the copied files.
    Dirty,
    /// Its status could not be read (see `worktree_error`).
    Unreadable,
}

impl Worktree {
    /// The state in words, as the status table shows it (`-` for [`Worktree::None`]).
    pub fn label(self) -> &'static str {
        match self {
            Worktree::None => "-",
            Worktree::Missing => "directory missing",
            Worktree::Foreign => "not a worktree",
            Worktree::Clean => "clean",
            Worktree::Dirty => "dirty",
            Worktree::Unreadable => "unreadable",
        }
    }
}

/// One task's row.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct TaskStatus {
    /// The task's name.
    pub task: String,
    /// `None` (`"not-started"` in JSON) when the task never ran.
    #[serde(serialize_with = "state_or_not_started")]
    pub state: Option<Status>,
    /// The state says the task is underway, but the spawn that said so is gone.
    pub stale: bool,
    /// Agent attempts in its last run; 0 when it never ran.
    pub attempts: u32,
    /// The run it last ran in (`git agents logs TASK --run N`); `None` when it never ran or
    /// ran before runs were numbered.
    pub run: Option<u32>,
    /// The agent's exit code in its last run (128 + signal when killed); `None` when it has not
    /// exited, timed out, was interrupted, or the task failed outside its agent.
    pub exit_code: Option<i32>,
    /// Seconds since the Unix epoch.
    pub started: Option<f64>,
    /// Seconds since the Unix epoch; `None` while underway or before it ran.
    pub ended: Option<f64>,
    /// Duration, or time so far while underway.
    pub seconds: Option<f64>,
    /// The task's branch (short name), whether or not it exists yet.
    pub branch: String,
    /// The branch's tip; `null` when the branch does not exist.
    pub head: Option<String>,
    /// Commits on the branch that the target lacks; `None` without the branch or a target
    /// commit.
    pub ahead: Option<u32>,
    /// Commits on the target that the branch lacks; `None` as for `ahead`.
    pub behind: Option<u32>,
    /// Files changed between the task's base and the branch tip.
    pub files_changed: Option<u32>,
    /// Where the task's agent works: its linked worktree, or the main worktree in dir and
    /// branch modes.
    pub workspace: PathBuf,
    /// What is at `workspace`.
    pub worktree: Worktree,
    /// Paths with uncommitted or untracked changes (copied files aside), when readable.
    pub uncommitted: Option<usize>,
    /// Why the worktree's status could not be read ([`Worktree::Unreadable`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree_error: Option<String>,
    /// The agent's log (it may not exist yet).
    pub log: PathBuf,
    /// The log's last non-empty line, made safe to show; `None` without a log.
    pub last_line: Option<String>,
    /// Why the task failed (or what went wrong on the way), in one line, from its record.
    pub message: Option<String>,
    /// The last contract check (`git agents verify`, `spawn --verify`).
    pub verify: Option<crate::verify::VerifyResult>,
    /// Changed paths outside the task's scope.
    pub violations: Vec<String>,
    /// Why it failed, by kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<crate::agent::failure::FailureKind>,
    /// What its agent's stream told: tokens, cost, sessions, last activity.
    pub agent: crate::state::AgentRecord,
    /// Waiting for a rate limit to reset until then, in seconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_until: Option<f64>,
    /// When, into what and at which commit its branch was merged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged: Option<crate::state::Merged>,
    /// The port it was given when its agent last started (`GIT_AGENTS_PORT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Its last Slurm job (`--backend slurm`), with the state Slurm gives it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slurm: Option<crate::state::SchedulerJob>,
}

impl TaskStatus {
    /// The state as shown in the table.
    pub fn state_label(&self) -> String {
        match self.state {
            None => "not started".to_owned(),
            Some(state) if self.slurm.as_ref().is_some_and(|j| j.active()) => {
                let job = self.slurm.as_ref().expect("just matched");
                format!("{} (slurm {} {})", state.label(), job.id, job.state)
            }
            Some(state) if self.stale => format!("{} (stale)", state.label()),
            Some(_) if self.merged.is_some() => "merged".to_owned(),
            Some(_) if self.waiting_until.is_some() => "waiting".to_owned(),
            Some(state) => match self.failure.filter(|k| k.is_telling()) {
                Some(kind) => format!("{} ({})", state.label(), kind.label()),
                None => state.label().to_owned(),
            },
        }
    }
}

fn state_or_not_started<S: serde::Serializer>(
    state: &Option<Status>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match state {
        Some(state) => serde::Serialize::serialize(state, serializer),
        None => serializer.serialize_str("not-started"),
    }
}

/// Read the state, the logs and every task's branch and worktree (in parallel).
///
/// Takes no lock and changes nothing, so it can run beside a spawn.
///
/// # Errors
///
/// Usage errors (exit code 2, [`ErrorKind::Usage`](crate::ErrorKind::Usage)), each with a
/// [`Fix`](crate::Fix): `cwd` is in no repository or a bare one, a bad `agents.*` value, no
/// tasks directory or task files while the state remembers no task either, a task file that
/// cannot be read or has bad front matter, a name in `options.tasks` that is no task
/// ([`Fix::ChooseTask`](crate::Fix::ChooseTask)), an `options.into` that names no branch or
/// commit ([`Fix::ChooseTarget`](crate::Fix::ChooseTarget)).
///
/// Failures (exit code 1): a state file this build cannot read (written by a newer
/// git-agents), and I/O or git errors (with no [`Error`](crate::Error) in their chain) while
/// reading the repository. A worktree whose status cannot be read is no error: its row says
/// [`Worktree::Unreadable`].
pub fn collect(cwd: &Path, options: &StatusOptions) -> Result<StatusReport> {
    let inventory = Inventory::load(Project::open(cwd, &Overrides::default())?)?;
    let mut known = inventory.select(&options.tasks)?;
    if !options.all && options.tasks.is_empty() {
        // History: merged, and no task file any more.
        known.retain(|t| t.file.is_some() || t.record.as_ref().is_none_or(|r| r.merged.is_none()));
    }
    let target = inventory.target(options.into.as_deref())?;
    let (project, registered) = (&inventory.project, &inventory.worktrees);
    let facts = facts::Facts::load(&project.state_dir());
    let workspaces: Vec<&Path> = known.iter().map(|t| t.workspace.as_path()).collect();
    let fsmonitor = project.settings().fsmonitor.value;
    let monitored = monitored::Monitored::ask(&project.state_dir(), fsmonitor, &workspaces);
    let tasks = for_each_parallel(&project.repo, &known, |repo, task| {
        task_status(repo, task, &target, registered, &facts, monitored.as_ref())
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    facts.store(options.tasks.is_empty());
    if let Some(monitored) = monitored {
        monitored.store();
    }
    Ok(StatusReport {
        target,
        tasks,
        root: project.root.clone(),
    })
}

/// `work` on every item, on every thread of rayon's pool, each thread with one handle on `repo`
/// for all its items: the trees the worktrees share are then read once per thread, not once per
/// worktree. Results come back in item order.
pub fn for_each_parallel<T: Sync, R: Send>(
    repo: &gix::Repository,
    items: &[T],
    work: impl Fn(&gix::Repository, &T) -> R + Sync,
) -> Vec<R> {
    let sync = repo.clone().into_sync();
    let next = AtomicUsize::new(0);
    let results = Mutex::new((0..items.len()).map(|_| None).collect::<Vec<_>>());
    rayon::broadcast(|_| {
        let mut repo = sync.to_thread_local();
        repo.object_cache_size_if_unset(OBJECT_CACHE);
        loop {
            let index = next.fetch_add(1, Ordering::SeqCst);
            let Some(item) = items.get(index) else { break };
            let result = work(&repo, item);
            results.lock().expect("no panic while held")[index] = Some(result);
        }
    });
    results
        .into_inner()
        .expect("no panic while held")
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

fn task_status(
    repo: &gix::Repository,
    task: &KnownTask,
    target: &Target,
    registered: &[Registered],
    facts: &facts::Facts,
    monitored: Option<&monitored::Monitored>,
) -> Result<TaskStatus> {
    let record = task.record.as_ref();
    let base = record.and_then(|r| r.base).map(|b| b.to_gix());
    let branch = probe::branch_facts(repo, &task.full_branch(), target.tip(), base, facts)?;
    let copied = record.map(|r| r.copied.as_slice()).unwrap_or_default();
    // Refreshing stat data takes index.lock for a moment: never while an agent may use it.
    let refresh = !record.is_some_and(known::is_live);
    let (worktree, uncommitted, worktree_error) =
        worktree_state(repo, task, registered, copied, refresh, monitored);
    Ok(TaskStatus {
        task: task.name.clone(),
        state: record.map(|r| r.state),
        stale: record.is_some_and(known::is_stale),
        attempts: record.map(|r| r.attempts).unwrap_or(0),
        run: record.map(|r| r.run).filter(|n| *n > 0),
        exit_code: record.and_then(|r| r.exit_code),
        started: record.and_then(|r| r.started),
        ended: record.and_then(|r| r.ended),
        seconds: record
            .and_then(crate::spawn::duration)
            .map(|d| d.as_secs_f64()),
        branch: task.branch.clone(),
        head: branch.map(|b| b.tip.to_string()),
        ahead: branch.and_then(|b| b.ahead),
        behind: branch.and_then(|b| b.behind),
        files_changed: branch.map(|b| b.files),
        workspace: task.workspace.clone(),
        worktree,
        uncommitted,
        worktree_error,
        log: task.log.clone(),
        // A task queued again has no line of this run yet: its log's end is an older run's.
        last_line: record
            .filter(|r| {
                !matches!(r.state, Status::Queued | Status::Preparing) || known::is_stale(r)
            })
            .and_then(|_| crate::logs::last_line(&task.log)),
        message: record.and_then(|r| r.message.clone()),
        verify: record.and_then(|r| r.verify.clone()),
        violations: record.map(|r| r.violations.clone()).unwrap_or_default(),
        failure: record.and_then(|r| r.failure),
        agent: record.map(|r| r.agent.clone()).unwrap_or_default(),
        waiting_until: record
            .filter(|r| !r.state.is_terminal() && !known::is_stale(r))
            .and_then(|r| r.waiting_until),
        merged: record.and_then(|r| r.merged.clone()),
        port: record.and_then(|r| r.port),
        slurm: record
            .and_then(|r| r.slurm.as_ref())
            .map(crate::backend::slurm::now),
    })
}

/// Whether the workspace exists, is ours, and holds work that is not committed.
fn worktree_state(
    repo: &gix::Repository,
    task: &KnownTask,
    registered: &[Registered],
    copied: &[String],
    refresh: bool,
    monitored: Option<&monitored::Monitored>,
) -> (Worktree, Option<usize>, Option<String>) {
    let workspace = &task.workspace;
    let entry = worktree::find_at(registered, workspace);
    if workspace.symlink_metadata().is_err() {
        let state = if task.record.is_some() || entry.is_some() {
            Worktree::Missing
        } else {
            Worktree::None
        };
        let registered = entry.map(|_| {
            "worktree directory missing, its entry still registered (moved? git worktree repair finds it)".to_owned()
        });
        return (state, None, registered);
    }
    if entry.is_none_or(|e| e.prunable) {
        return (Worktree::Foreign, None, None);
    }
    let vouched = monitored.and_then(|m| m.vouched(workspace));
    let scanned = scan::uncommitted_since(repo, workspace, copied, refresh, vouched);
    if let Some(monitored) = monitored {
        monitored.keep(
            workspace,
            scanned.as_ref().ok().and_then(|s| s.earlier.clone()),
        );
    }
    match scanned.map(|s| s.paths) {
        Ok(paths) if paths.is_empty() => (Worktree::Clean, Some(0), None),
        Ok(paths) => (Worktree::Dirty, Some(paths.len()), None),
        Err(err) => (Worktree::Unreadable, None, Some(format!("{err:#}"))),
    }
}
