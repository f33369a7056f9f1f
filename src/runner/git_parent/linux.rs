//! Linux: the name the kernel keeps for a process.

use nix::unistd::Pid;

pub fn name_of(pid: Pid) -> Option<String> {
    super::basename(&std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?)
}
