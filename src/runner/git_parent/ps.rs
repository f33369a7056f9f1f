//! Without /proc (macOS): ask `ps`, which prints the program's path there.

use std::process::{Command, Stdio};

use nix::unistd::Pid;

pub fn name_of(pid: Pid) -> Option<String> {
    let out = Command::new("ps")
        .args(["-o", "comm=", "-p", &pid.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(())?;
    super::basename(&String::from_utf8_lossy(&out.stdout))
}
