//! macOS: the system sandbox (Seatbelt), the way Codex and Claude Code confine their tools.
//! The supervisor starts the agent as `sandbox-exec -p PROFILE -- program args...`; the
//! profile (see `sbpl.rs`) allows everything except writes outside the allowed paths, and
//! `sandbox-exec` applies it before it execs the agent, which inherits it with its children.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::sbpl;

const SANDBOX_EXEC: &str = "/usr/bin/sandbox-exec";

/// Whether `sandbox-exec` can confine writes here; the reason when it cannot.
pub fn probe() -> Result<(), String> {
    if !Path::new(SANDBOX_EXEC).is_file() {
        return Err(format!(
            "{SANDBOX_EXEC} is missing, so writes cannot be confined"
        ));
    }
    // A process that is sandboxed already (git-agents run by a sandboxed agent, say) cannot
    // apply another profile: find that out now rather than as every agent failing.
    let output = Command::new(SANDBOX_EXEC)
        .args(["-p", "(version 1)(allow default)", "--", "/usr/bin/true"])
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {SANDBOX_EXEC}: {err}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!(
        "{SANDBOX_EXEC} cannot confine writes here: {}",
        stderr.trim()
    ))
}

/// Under confinement the agent is started by `sandbox-exec` (which cannot set argv[0], so
/// the agent sees the program's path as its name).
pub fn confined_command(
    program: &OsStr,
    argv: &[OsString],
    writable: Option<&[PathBuf]>,
) -> Result<Command, String> {
    let Some(writable) = writable else {
        let mut command = Command::new(program);
        command.arg0(&argv[0]).args(&argv[1..]);
        return Ok(command);
    };
    let mut command = Command::new(SANDBOX_EXEC);
    command
        .arg("-p")
        .arg(sbpl::profile(writable))
        .arg("--")
        .arg(program)
        .args(&argv[1..]);
    Ok(command)
}

/// Where agent CLIs keep their state on macOS besides the dot dirs they use on Linux.
pub fn home_dirs() -> &'static [&'static str] {
    &[
        "Library/Application Support",
        "Library/Caches",
        "Library/Logs",
        "Library/Preferences",
    ]
}
