//! Ctrl-C and SIGTERM for the commands that take git's locks in this process (clean, status):
//! the first only sets a flag, which the command checks between steps, so no lock is ever left
//! behind by a signal; deleting locks from a signal handler instead would race with gix taking
//! and releasing them. A second signal ends the process at once, with exit status 130; the
//! locks it may leave were noted, and the next run clears them.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use git_agents::error::exit;

/// Defer SIGINT and SIGTERM; returns the flag they set.
pub fn defer() -> std::io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registered first, so that a second signal finds the flag set and ends the process.
        signal_hook::flag::register_conditional_shutdown(signal, exit::INTERRUPTED, flag.clone())?;
        signal_hook::flag::register(signal, flag.clone())?;
    }
    Ok(flag)
}
