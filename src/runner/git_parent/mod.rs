//! Ending the run when the git that started us dies. A shell's `git agents spawn` runs git,
//! which runs git-agents as its child and passes on the signals it can catch; SIGKILL of git
//! would leave git-agents and every agent running, orphaned, with nobody to report to.
//!
//! The parent is recognised as git by its name: /proc/PID/comm on Linux (`linux.rs`), `ps`
//! elsewhere (`ps.rs`). Its death is noticed portably, by a thread that checks `getppid()`
//! every 200 ms: an orphan is adopted by another process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nix::unistd::getppid;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

#[cfg(not(target_os = "linux"))]
mod ps;
#[cfg(not(target_os = "linux"))]
use ps as platform;

const INTERVAL: Duration = Duration::from_millis(200);

/// If our parent is git, set `flag` once it dies.
pub fn watch(flag: Arc<AtomicBool>) {
    let parent = getppid();
    if platform::name_of(parent).as_deref() != Some("git") {
        return;
    }
    let watcher = move || {
        while getppid() == parent {
            std::thread::sleep(INTERVAL);
        }
        flag.store(true, Ordering::SeqCst);
    };
    // Without the thread the run goes on as before: not worth failing it for.
    let _ = std::thread::Builder::new()
        .name("git-agents-parent".into())
        .spawn(watcher);
}

/// A program's name as `ps` or /proc tell it, without its directory.
fn basename(name: &str) -> Option<String> {
    let name = name.trim().rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::unistd::Pid;

    #[test]
    fn the_name_of_a_process_is_its_program_without_the_directory() {
        assert_eq!(basename("git\n").as_deref(), Some("git"));
        assert_eq!(basename("/usr/bin/git").as_deref(), Some("git"));
        assert_eq!(basename("\n"), None);
        let ours = platform::name_of(Pid::this()).unwrap();
        assert!(ours.starts_with("git_agents"), "{ours}");
    }
}
