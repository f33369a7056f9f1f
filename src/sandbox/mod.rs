//! Write confinement for dir mode: an agent may write only beneath some paths; reading stays
//! unrestricted. Applied by the supervising process as it starts the agent, so the agent and
//! everything it starts are held to it.
//!
//! - Linux: Landlock, applied by the supervisor to itself (`linux.rs`).
//! - macOS: the system sandbox, the agent started through `sandbox-exec` with a generated
//!   profile (`macos.rs`).
//! - Anywhere else, or when the mechanism is missing, [`probe`] says why, and dir mode falls
//!   back to checking the scopes after the run (detection only).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

mod private_tmp;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(any(target_os = "macos", test))]
mod sbpl;
#[cfg(target_os = "macos")]
use macos as platform;

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod platform {
    use std::ffi::{OsStr, OsString};
    use std::os::unix::process::CommandExt;
    use std::path::PathBuf;
    use std::process::Command;

    pub fn probe() -> Result<(), String> {
        Err("this system has no write confinement that git-agents knows".into())
    }

    pub fn confined_command(
        program: &OsStr,
        argv: &[OsString],
        writable: Option<&[PathBuf]>,
    ) -> Result<Command, String> {
        if writable.is_some() {
            return Err(probe().unwrap_err());
        }
        let mut command = Command::new(program);
        command.arg0(&argv[0]).args(&argv[1..]);
        Ok(command)
    }

    pub fn home_dirs() -> &'static [&'static str] {
        &[]
    }
}

/// Whether this system can confine writes; the reason when it cannot.
pub fn probe() -> Result<(), String> {
    platform::probe()
}

/// The command that runs `program` with `argv` (`argv[0]` its name), its writes held beneath
/// `writable` when given. On Linux this confines the calling process itself first, so call
/// it only in the supervisor, right before starting the agent.
pub fn confined_command(
    program: &OsStr,
    argv: &[OsString],
    writable: Option<&[PathBuf]>,
) -> Result<Command, String> {
    platform::confined_command(program, argv, writable)
}

/// Places agents need to write whatever their task: devices and their own state under HOME
/// (config dirs and caches of the common agent CLIs). Each agent also gets a private TMPDIR.
/// An entry that holds the repository itself is left out: it would open up every scope.
pub fn default_allow_list(home: Option<&Path>, repo_root: &Path) -> Vec<PathBuf> {
    // /proc: agents' own sandboxes (Codex's bubblewrap) write their user-namespace maps there.
    let mut paths: Vec<PathBuf> = vec!["/dev".into(), "/proc".into()];
    if let Some(home) = home {
        for rel in [
            ".claude",
            ".claude.json",
            ".codex",
            ".gemini",
            ".qwen",
            ".copilot",
            ".aider",
            ".config",
            ".cache",
            ".local/share",
            ".local/state",
            ".npm",
        ]
        .iter()
        .chain(platform::home_dirs())
        {
            paths.push(home.join(rel));
        }
    }
    paths.retain(|p| !repo_root.starts_with(p));
    paths
}

/// The private temp directory of one agent in a confined run (see `private_tmp`).
pub fn private_tmp(common_dir: &Path, task_slug: &str) -> PathBuf {
    private_tmp::for_task(common_dir, task_slug)
}

/// After a confined run: empty its agents' temp directories.
pub fn tidy_private_tmp(dirs: &[PathBuf]) {
    private_tmp::tidy(dirs)
}

/// What every confined agent may write besides its own places: the agents' config and cache
/// dirs (see [`default_allow_list`]), `allow_write` (`agents.allowWrite`), and the object store
/// of `common_dir`, where its commits go.
pub fn shared_places(
    home: Option<&Path>,
    repo_root: &Path,
    allow_write: &[PathBuf],
    common_dir: &Path,
) -> Vec<PathBuf> {
    let mut shared = default_allow_list(home, repo_root);
    shared.extend(allow_write.iter().cloned());
    shared.push(common_dir.join("objects"));
    shared
}

/// The admin dir (`.git/worktrees/<id>`) of the linked worktree at `workspace`, from its `.git`
/// file: known only once the worktree exists, so added to the write scope at the agent's start.
pub fn admin_dir(workspace: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(workspace.join(".git")).ok()?;
    let dir = text.strip_prefix("gitdir:")?.trim();
    Some(workspace.join(dir))
}
