//! Linux: a subreaper, and the family tree read from /proc/PID/stat.

use nix::unistd::Pid;

pub const ALL_FOUND: bool = true;

pub fn become_subreaper() -> bool {
    nix::sys::prctl::set_child_subreaper(true).is_ok()
}

pub fn list() -> Vec<Pid> {
    super::below(&tree(), Pid::this())
}

pub fn tree() -> super::Tree {
    let mut children = super::Tree::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some(parent) = parent_of(pid) {
            children.entry(parent).or_default().push(pid);
        }
    }
    children
}

/// From `/proc/self/task/<pid>/children`: the main thread's children. An orphan is adopted by
/// the first live thread of its subreaper, the main thread, and so is a child whose thread
/// ended; a child shows under another thread only while the thread that started it lives.
pub fn children() -> Vec<Pid> {
    let path = format!("/proc/self/task/{}/children", std::process::id());
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .map(Pid::from_raw)
        .collect()
}

pub fn group_of(pid: Pid) -> Option<Pid> {
    stat_field(pid.as_raw(), 2).map(Pid::from_raw)
}

pub fn environment_has(pid: Pid, entry: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.split(|b| *b == 0).any(|e| e == entry.as_bytes()))
}

/// The fourth field of /proc/PID/stat, after a command name that may hold spaces and ')'.
fn parent_of(pid: i32) -> Option<i32> {
    stat_field(pid, 1)
}

/// Field `n` (0: the state) of /proc/PID/stat after the command name.
fn stat_field(pid: i32, n: usize) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(n)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grandchild_is_found_and_strangers_are_not() {
        // The test tree's fake agent starts a grandchild that outlives its op, then waits.
        let agent = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/agents/fake-agent");
        let pidfile = std::env::temp_dir().join(format!("descendants-{}", std::process::id()));
        let mut child = std::process::Command::new(agent)
            .arg("grandchild")
            .arg("30")
            .arg(&pidfile)
            .arg("hang")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let child_pid = Pid::from_raw(child.id() as i32);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let grandchild = loop {
            let found = list();
            if let Some(g) = found
                .iter()
                .find(|p| parent_of(p.as_raw()) == Some(child.id() as i32))
            {
                assert!(found.contains(&child_pid));
                break *g;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no grandchild in {found:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(!list().contains(&Pid::from_raw(1)));
        assert!(!list().contains(&Pid::this()));
        let _ = nix::sys::signal::kill(grandchild, nix::sys::signal::Signal::SIGKILL);
        let _ = child.kill();
        child.wait().unwrap();
        for pid in std::fs::read_to_string(&pidfile)
            .unwrap_or_default()
            .split_whitespace()
        {
            if let Ok(pid) = pid.parse() {
                let _ =
                    nix::sys::signal::kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
        }
        let _ = std::fs::remove_file(&pidfile);
    }
}
