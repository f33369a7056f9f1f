//! The one integration-test binary: the real git-agents binary against real repositories,
//! with the git CLI as the judge.

mod bad_input;
mod branch_return;
mod clean;
mod commit;
mod common;
mod completion;
#[cfg(target_os = "linux")]
mod confinement;
// What an agent leaves behind, found through /proc and ended by a subreaper: Linux only.
#[cfg(target_os = "linux")]
mod containment;
mod contracts;
mod crash_worktree;
mod docs;
mod engine;
mod environment;
mod errors;
mod fake_api;
mod hostile_names;
mod lifecycle;
mod live_view;
mod logs;
mod merge;
mod modes;
mod more_agents;
mod notify;
mod output;
mod pr;
mod push;
mod real_agents;
mod runs;
mod sdk;
mod settings;
mod setup;
mod setup_hooks;
mod slurm;
mod sparse;
mod spawn;
mod spawn_errors;
mod status;
mod status_exact;
mod status_monitor;
mod streams;
mod trust;
mod worktree_entries;
