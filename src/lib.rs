//! git-agents: run many AI coding agents in parallel on one repository and bring their work back.
//!
//! The library never sees the command line: the binary turns flags into the plain option
//! structs found here, and a user's own orchestrator can build the same structs directly.

pub mod agent;
mod builder;
pub mod clean;
pub mod config;
pub mod error;
pub mod gitops;
pub mod ids;
pub mod init;
pub mod inventory;
pub mod lock;
pub mod logs;
pub mod merge;
pub mod progress;
pub mod repo;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod scope;
pub mod spawn;
pub mod state;
pub mod status;
pub mod tasks;
pub mod trust;
pub mod verify;
