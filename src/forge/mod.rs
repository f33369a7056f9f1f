//! What leaves the machine: `push` sends finished task branches to a remote with the `git`
//! program (gix cannot push yet), `pr` opens or updates one pull or merge request per task with
//! the forge's own CLI (`gh`, `glab`). Nothing is sent unless one of them is called.
#![doc(hidden)]

mod body;
pub mod pr;
pub mod push;
mod pushed;
mod remote;
mod select;

pub use pr::{open_requests, PrOptions, PrReport, Request, RequestOutcome};
pub use push::{push, PushOptions, PushOutcome, PushReport, Pushed};
pub use select::Skipped;
