//! The one integration-test binary: the real git-agents binary against real repositories,
//! with the git CLI as the judge.

mod clean;
mod commit;
mod common;
mod completion;
mod contracts;
mod docs;
mod engine;
mod errors;
mod fake_api;
mod hostile_names;
mod lifecycle;
mod logs;
mod merge;
mod modes;
mod output;
mod real_agents;
mod settings;
mod setup;
mod spawn;
mod spawn_errors;
mod status;
