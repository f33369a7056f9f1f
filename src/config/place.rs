//! `agents.backend` and `agents.slurm.*`: where agents run, and what Slurm jobs ask for.

use anyhow::Result;

use std::fmt;

use super::read::{self, lookup};
use super::{keys, Origin, Setting};

/// Where agents run (`agents.backend`, `--backend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Backend {
    /// On this machine, at most `agents.jobs` at once, under the supervisor.
    #[default]
    Local,
    /// As Slurm jobs, one per attempt, submitted with `sbatch`.
    Slurm,
}

impl Backend {
    /// `local` or `slurm`.
    pub fn parse(raw: &str) -> Option<Backend> {
        match raw.trim() {
            "local" => Some(Backend::Local),
            "slurm" => Some(Backend::Slurm),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Local => "local",
            Backend::Slurm => "slurm",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The backend a spawn runs on, with its settings.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Place {
    pub backend: Backend,
    pub slurm: SlurmSettings,
}

/// `agents.slurm.*`: what every job of a run asks Slurm for. Unset values are left to the
/// cluster's defaults.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SlurmSettings {
    /// `--partition`.
    pub partition: Option<Setting<String>>,
    /// `--time`, as Slurm writes it (`30`, `2:00:00`); unset: the task's timeout, in whole
    /// minutes rounded up.
    pub time: Option<Setting<String>>,
    /// `--cpus-per-task`.
    pub cpus: Option<Setting<u32>>,
    /// `--mem` (`4G`).
    pub mem: Option<Setting<String>>,
    /// More `sbatch` arguments (`agents.slurm.args`, repeatable, each split like a shell
    /// would, never run by one).
    pub args: Vec<String>,
    #[serde(skip)]
    pub args_origin: Option<Origin>,
}

/// The backend in effect: `flag`, else `agents.backend`, else local; and the Slurm settings.
pub fn read(config: &gix::config::File, flag: Option<Backend>) -> Result<Setting<Place>> {
    let backend = read::parsed(
        config,
        keys::BACKEND,
        "is no backend (local or slurm)",
        "slurm",
        Backend::parse,
    )?;
    let backend = match flag {
        Some(flag) => Setting {
            value: flag,
            origin: Origin::Flag,
        },
        None => backend.unwrap_or_else(|| Setting::default(Backend::Local)),
    };
    let mut args = Vec::new();
    for value in config.strings(keys::SLURM_ARGS).unwrap_or_default() {
        let raw = value.to_string();
        match shlex::split(&raw) {
            Some(words) => args.extend(words),
            None => {
                let found = lookup(config, keys::SLURM_ARGS).expect("a value was read");
                return Err(found.refuse("cannot be split into words", "--qos=normal"));
            }
        }
    }
    let slurm = SlurmSettings {
        partition: read::string(config, keys::SLURM_PARTITION),
        time: read::parsed(
            config,
            keys::SLURM_TIME,
            "is no Slurm time limit (minutes, or [D-]H:M:S)",
            "120",
            |raw| {
                let ok = !raw.is_empty()
                    && raw
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ':' || c == '-');
                ok.then(|| raw.to_owned())
            },
        )?,
        cpus: read::positive(config, keys::SLURM_CPUS)?,
        mem: read::string(config, keys::SLURM_MEM),
        args,
        args_origin: lookup(config, keys::SLURM_ARGS).map(|f| f.origin),
    };
    Ok(Setting {
        value: Place {
            backend: backend.value,
            slurm,
        },
        origin: backend.origin,
    })
}
