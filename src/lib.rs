//! git-agents: run many AI coding agents in parallel on one repository and bring their work back.
//!
//! This is the library behind `git agents`, for your own orchestrator. It never sees a command
//! line and never prints: you build option structs (with their builders), pass a [`Reporter`]
//! to receive [`Event`]s from the worker threads, and get reports back.
//!
//! - [`spawn`] plans every task (or [`Plan::new`] then [`run`]) and runs their agents on a
//!   bounded pool under a [`Runner`], which keeps them in their own process groups and ends them
//!   on a timeout or an [`InterruptHandle`];
//! - [`status`], [`verify`], [`merge`] and [`clean`] see, check, bring home and remove what the
//!   tasks did; a merge that was killed is finished or undone with [`resume_merge()`];
//! - errors are [`Error`]s that name their [`ErrorKind`] and the remedy ([`Fix`]), in the
//!   library's terms: the wording of hints is the caller's.
//!
//! ```
//! use std::time::Duration;
//! use git_agents::{spawn, status, Callback, Event, Overrides, Runner, SpawnOptions, StatusOptions, Template};
//!
//! # fn main() -> anyhow::Result<()> {
//! # let dir = tempfile::tempdir()?;
//! # let repo = &dir.path().join("repo");
//! # std::fs::create_dir(repo)?;
//! # // A repository with one empty commit on main and an identity of its own, made with gix.
//! # let config = gix::init(repo)?.git_dir().join("config");
//! # let mut text = std::fs::read_to_string(&config)?;
//! # text.push_str("[user]\n\tname = Doc\n\temail = doc@example.com\n");
//! # std::fs::write(&config, text)?;
//! # let git = gix::open(repo)?;
//! # let tree = git.write_object(gix::objs::Tree::empty())?.detach();
//! # git.commit("refs/heads/main", "init", tree, gix::commit::NO_PARENT_IDS)?;
//! # std::fs::create_dir_all(repo.join(".claude/tasks"))?;
//! # std::fs::write(repo.join(".claude/tasks/hello.md"), "# Write hello.txt\n")?;
//! // In a repository with the task file .claude/tasks/hello.md:
//! let agent = Template::from_argv(vec!["touch".into(), "hello.txt".into()])?;
//! let options = SpawnOptions::new().overrides(Overrides::new().command(agent).jobs(2usize));
//! let events = Callback(|event: &Event| {
//!     if let Event::Finished { task, state, .. } = event {
//!         println!("{task}: {}", state.label());
//!     }
//! });
//! let runner = Runner::new(Duration::from_secs(5), Runner::find_supervisor());
//! let report = spawn(repo, &options, &events, &runner)?;
//! assert_eq!(report.exit_code(), 0);
//! let rows = status(repo, &StatusOptions::new())?;
//! assert_eq!(rows.tasks[0].task, "hello");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod builder;
mod ids;
mod inventory;
mod lock;
mod sandbox;
mod scope;
mod stamp;
mod state;
mod text;

// What the `git-agents` binary (and the commit oracle tests) reach into besides the API below,
// each `#![doc(hidden)]`: not for other callers.
pub mod agent;
pub mod backend;
pub mod clean;
pub mod config;
pub mod done;
pub mod error;
pub mod forge;
pub mod gitops;
pub mod init;
pub mod logs;
pub mod merge;
#[doc(hidden)]
pub mod monitor;
pub mod notify;
pub mod progress;
pub mod repo;
pub mod report;
pub mod runner;
pub mod spawn;
pub mod status;
pub mod tasks;
pub mod trust;
pub mod verify;

pub use agent::Template;
pub use clean::{clean, CleanOptions, CleanReport, Reason, TaskClean};
pub use config::{Mode, Overrides};
pub use error::{exit, Error, ErrorKind, Fix, Operation};
pub use ids::{CommitId, NotACommitId};
pub use merge::{
    interrupt_on_signals as merge_interrupt_on_signals, merge, resume as resume_merge,
    Action as ResumeAction, BranchReport, Options as MergeOptions, Outcome, Overlap,
    Report as MergeReport, Resolution, ResumeReport,
};
pub use progress::{Callback, Event, Reporter, Silent};
pub use repo::Project;
pub use runner::{Capabilities, InterruptHandle, Runner};
pub use spawn::{run, spawn, Enforcement, Plan, SpawnOptions, SpawnReport};
pub use state::{SchedulerJob, Status, TaskState, VerifyResult};
pub use status::{collect as status, StatusOptions, StatusReport, Target, TaskStatus, Worktree};
pub use verify::{verify_tasks as verify, Verdict, VerifyOptions};
