//! Write confinement with Linux Landlock: a process may write only beneath some paths.
//! Applied by the supervising process to itself just before it starts the agent, so the
//! agent and everything it starts inherit it. Reading stays unrestricted.

use std::path::{Path, PathBuf};

use landlock::{
    path_beneath_rules, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus, ABI,
};

/// The newest ABI we ask for; older kernels get what they support (best effort).
const WANTED: ABI = ABI::V5;

/// Whether this kernel can confine writes; the reason when it cannot.
pub fn probe() -> Result<(), String> {
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_write(ABI::V1))
        .and_then(|ruleset| ruleset.create())
        .map(|_| ())
        .map_err(|err| format!("Landlock is not available: {err}"))
}

/// Confine this process (and what it starts from now on) to writing beneath `allowed`.
pub fn restrict_writes(allowed: &[PathBuf]) -> Result<(), String> {
    let access = AccessFs::from_write(WANTED);
    let status = Ruleset::default()
        .handle_access(access)
        .and_then(|ruleset| ruleset.create())
        .and_then(|ruleset| ruleset.add_rules(path_beneath_rules(allowed, access)))
        .and_then(|ruleset| ruleset.restrict_self())
        .map_err(|err| format!("cannot confine writes with Landlock: {err}"))?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => Err("Landlock is not enforced by this kernel".into()),
    }
}

/// Places agents need to write whatever their task: devices and their own state under HOME
/// (config dirs and caches of the common agent CLIs). Each agent also gets a private TMPDIR.
/// An entry that holds the repository itself is left out: it would open up every scope.
pub fn default_allow_list(home: Option<&Path>, repo_root: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = vec!["/dev".into()];
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
        ] {
            paths.push(home.join(rel));
        }
    }
    paths.retain(|p| !repo_root.starts_with(p));
    paths
}

/// The directory holding this run's private temp directories.
pub fn run_tmp_root() -> PathBuf {
    std::env::temp_dir().join(format!("git-agents-{}", std::process::id()))
}

/// The private temp directory of one agent in a confined run.
pub fn private_tmp(task_slug: &str) -> PathBuf {
    run_tmp_root().join(task_slug)
}
