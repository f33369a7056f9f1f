//! The one integration-test binary: the real git-agents binary against real repositories,
//! with the git CLI as the judge.

mod common;
mod contracts;
mod hostile_names;
mod lifecycle;
mod merge;
mod spawn;
mod spawn_errors;
