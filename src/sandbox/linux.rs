//! Linux: Landlock. The supervising process confines itself just before it starts the agent,
//! so the agent and everything it starts inherit the rules.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

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

/// Confines this very process first, then returns the plain command.
pub fn confined_command(
    program: &OsStr,
    argv: &[OsString],
    writable: Option<&[PathBuf]>,
) -> Result<Command, String> {
    if let Some(writable) = writable {
        restrict_writes(writable)?;
    }
    let mut command = Command::new(program);
    command.arg0(&argv[0]).args(&argv[1..]);
    Ok(command)
}

/// Agents' own places beyond the common ones: none on Linux.
pub fn home_dirs() -> &'static [&'static str] {
    &[]
}
