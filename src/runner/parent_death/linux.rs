//! Linux: the kernel signals the supervisor when its parent dies.

use nix::unistd::{getppid, Pid};

pub fn watch(parent: Pid) -> bool {
    // Checked after the request: a parent that died before it would never be reported.
    nix::sys::prctl::set_pdeathsig(super::SIGNAL).is_ok() && getppid() == parent
}
