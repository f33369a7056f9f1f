//! Linux: a subreaper, and the family tree read from /proc/PID/stat.

use std::collections::HashMap;

use nix::unistd::Pid;

pub const ALL_FOUND: bool = true;

pub fn become_subreaper() -> bool {
    nix::sys::prctl::set_child_subreaper(true).is_ok()
}

pub fn list() -> Vec<Pid> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        if let Some(parent) = parent_of(pid) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut found = Vec::new();
    let mut parents = vec![Pid::this().as_raw()];
    while let Some(parent) = parents.pop() {
        for child in children.remove(&parent).unwrap_or_default() {
            found.push(Pid::from_raw(child));
            parents.push(child);
        }
    }
    found
}

/// The fourth field of /proc/PID/stat, after a command name that may hold spaces and ')'.
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(1)?.parse().ok()
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
