//! Linux: Landlock. The supervising process confines itself just before it starts the agent,
//! so the agent and everything it starts inherit the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, PoisonError};

use nix::sys::stat::SFlag;

use landlock::{
    AccessFs, BitFlags, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetError, RulesetStatus, ABI,
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
    let cannot = |err: RulesetError| format!("cannot confine writes with Landlock: {err}");
    let mut ruleset = Ruleset::default()
        .handle_access(access)
        .and_then(|ruleset| ruleset.create())
        .map_err(cannot)?;
    let mut places = PLACES.lock().unwrap_or_else(PoisonError::into_inner);
    for path in allowed {
        // A place that cannot be opened (absent, say) gets no rule, as with
        // `path_beneath_rules`.
        let Some(opened) = places.opened(path) else {
            continue;
        };
        let place = opened.place();
        ruleset = ruleset
            .add_rule(PathBeneath::new(place.fd.as_fd(), place.access(access)))
            .map_err(cannot)?;
    }
    drop(places);
    let status = ruleset.restrict_self().map_err(cannot)?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => Err("Landlock is not enforced by this kernel".into()),
    }
}

/// The places agents' rules name, opened once for every agent of the run where they recur
/// (the shared allow list): a rule names the inode its path led to when it was made, so a
/// place replaced during the run keeps the first one, like a rule made then.
static PLACES: Mutex<Places> = Mutex::new(Places {
    seen: BTreeSet::new(),
    kept: BTreeMap::new(),
});

/// At most this many places stay open between agents.
const KEPT: usize = 64;

struct Places {
    /// Every place asked for so far: one asked for again is kept.
    seen: BTreeSet<PathBuf>,
    kept: BTreeMap<PathBuf, Place>,
}

/// A place for one rule: kept for the run, or opened for this agent only.
enum Opened<'a> {
    Kept(&'a Place),
    Fresh(Place),
}

impl Opened<'_> {
    fn place(&self) -> &Place {
        match self {
            Opened::Kept(place) => place,
            Opened::Fresh(place) => place,
        }
    }
}

struct Place {
    fd: PathFd,
    is_file: bool,
}

impl Place {
    fn open(path: &Path) -> Option<Place> {
        let fd = PathFd::new(path).ok()?;
        // As `path_beneath_rules` does: when the type cannot be told, the full rights.
        let is_file = nix::sys::stat::fstat(fd.as_fd()).is_ok_and(|stat| {
            SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT != SFlag::S_IFDIR
        });
        Some(Place { fd, is_file })
    }

    fn access(&self, access: BitFlags<AccessFs>) -> BitFlags<AccessFs> {
        if self.is_file {
            access & AccessFs::from_file(WANTED)
        } else {
            access
        }
    }
}

impl Places {
    fn opened(&mut self, path: &Path) -> Option<Opened<'_>> {
        if self.kept.contains_key(path) {
            return self.kept.get(path).map(Opened::Kept);
        }
        let place = Place::open(path)?;
        if !self.seen.insert(path.to_owned()) && self.kept.len() < KEPT {
            return Some(Opened::Kept(
                self.kept.entry(path.to_owned()).or_insert(place),
            ));
        }
        Some(Opened::Fresh(place))
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
