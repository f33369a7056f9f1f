//! The fallback: notice the parent's death by being adopted, checking `getppid()` regularly.

use std::time::Duration;

use nix::unistd::{getppid, Pid};

const INTERVAL: Duration = Duration::from_millis(200);

#[cfg(not(target_os = "macos"))]
pub fn watch(parent: Pid) -> bool {
    if getppid() != parent {
        return false;
    }
    std::thread::spawn(move || wait(parent));
    true
}

/// Block until `parent` is no longer our parent, then signal this process.
pub fn wait(parent: Pid) {
    while getppid() == parent {
        std::thread::sleep(INTERVAL);
    }
    notify();
}

/// Send [`super::SIGNAL`] to this process, as the kernel does on Linux.
pub fn notify() {
    let _ = nix::sys::signal::kill(Pid::this(), super::SIGNAL);
}
