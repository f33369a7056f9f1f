//! `agents.*` git configuration: every key, its default, and where the value in effect came from.
//!
//! Precedence: a command-line flag beats git config, which beats the default.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use gix::bstr::ByteSlice;

use crate::error::{Error, Fix};

/// Git config keys, in one place so docs, `git agents config` and the code agree.
pub mod keys {
    pub const TASKS_DIR: &str = "agents.tasksDir";
    pub const CONTRACTS_DIR: &str = "agents.contractsDir";
    pub const BRANCH_PREFIX: &str = "agents.branchPrefix";
    pub const WORKSPACE_ROOT: &str = "agents.workspaceRoot";
    pub const LOG_DIR: &str = "agents.logDir";
    pub const JOBS: &str = "agents.jobs";
    pub const AGENT: &str = "agents.agent";
    pub const COMMAND: &str = "agents.command";
    pub const PROMPT: &str = "agents.prompt";
    pub const RETRIES: &str = "agents.retries";
    pub const TIMEOUT: &str = "agents.timeout";
    pub const MODE: &str = "agents.mode";
    pub const VERIFY: &str = "agents.verify";
    pub const RETRY_DELAY: &str = "agents.retryDelay";
    pub const KILL_GRACE: &str = "agents.killGrace";
    pub const ALLOW_WRITE: &str = "agents.allowWrite";
    pub const LANDLOCK: &str = "agents.landlock";
}

/// Defaults, paths relative to the main worktree's root.
pub mod defaults {
    pub const TASKS_DIR: &str = ".claude/tasks";
    pub const CONTRACTS_DIR: &str = ".claude/contracts";
    pub const BRANCH_PREFIX: &str = "feature/";
    pub const WORKSPACE_ROOT: &str = "../workspaces";
    pub const LOG_DIR: &str = "../logs";
    pub const JOBS: usize = 4;
    pub const AGENT: &str = "claude";
    pub const RETRIES: u32 = 0;
    pub const RETRY_DELAY: &str = "1s";
    pub const KILL_GRACE: &str = "5s";
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Default,
    System,
    Global,
    Local,
    Worktree,
    Env,
    Flag,
}

impl Origin {
    fn from_source(source: gix::config::Source) -> Self {
        use gix::config::Source::*;
        match source {
            GitInstallation | System => Origin::System,
            Git | User => Origin::Global,
            Local => Origin::Local,
            Worktree => Origin::Worktree,
            Env | Cli | Api | EnvOverride => Origin::Env,
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            origin: Origin::Default,
        }
    }
}

/// Values given on the command line; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub jobs: Option<usize>,
    pub agent: Option<String>,
    pub command: Option<String>,
    pub prompt: Option<String>,
    pub retries: Option<u32>,
    pub timeout: Option<String>,
    /// worktree, branch or dir.
    pub mode: Option<String>,
}

/// Every `agents.*` setting in effect.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    pub tasks_dir: Setting<PathBuf>,
    pub contracts_dir: Setting<PathBuf>,
    pub branch_prefix: Setting<String>,
    pub workspace_root: Setting<PathBuf>,
    pub log_dir: Setting<PathBuf>,
    pub jobs: Setting<usize>,
    pub agent: Setting<String>,
    pub command: Option<Setting<String>>,
    pub prompt: Option<Setting<String>>,
    pub retries: Setting<u32>,
    pub timeout: Option<Setting<String>>,
    pub verify: Option<Setting<String>>,
    pub mode: Option<Setting<String>>,
    /// Extra places agents may write in dir mode under Landlock (`agents.allowWrite`, repeated).
    pub allow_write: Vec<PathBuf>,
    /// Dir mode: confine agents with Landlock where the kernel allows.
    pub landlock: Setting<bool>,
    /// First delay between attempts; doubles each retry.
    pub retry_delay: Setting<Duration>,
    /// Time between SIGTERM and SIGKILL for an agent's process group.
    pub kill_grace: Setting<Duration>,
}

/// The last value of `key` in `config` and the kind of file it came from.
pub fn lookup(config: &gix::config::File, key: &str) -> Option<(String, Origin)> {
    let (section, rest) = key.split_once('.')?;
    let (subsection, name) = match rest.rsplit_once('.') {
        Some((sub, name)) => (Some(sub), name),
        None => (None, rest),
    };
    let mut found = None;
    for sec in config.sections_by_name(section)? {
        let header_sub = sec
            .header()
            .subsection_name()
            .map(|s| s.to_str_lossy().into_owned());
        if header_sub.as_deref() != subsection {
            continue;
        }
        if let Some(values) = sec.values(name).last() {
            found = Some((
                values.to_str_lossy().into_owned(),
                Origin::from_source(sec.meta().source),
            ));
        }
    }
    found
}

fn string(config: &gix::config::File, key: &str, flag: Option<&String>) -> Option<Setting<String>> {
    if let Some(value) = flag {
        return Some(Setting {
            value: value.clone(),
            origin: Origin::Flag,
        });
    }
    lookup(config, key).map(|(value, origin)| Setting { value, origin })
}

fn number<T: std::str::FromStr>(
    config: &gix::config::File,
    key: &str,
    flag: Option<T>,
    default: T,
) -> Result<Setting<T>> {
    if let Some(value) = flag {
        return Ok(Setting {
            value,
            origin: Origin::Flag,
        });
    }
    match lookup(config, key) {
        None => Ok(Setting::default(default)),
        Some((raw, origin)) => match raw.trim().parse() {
            Ok(value) => Ok(Setting { value, origin }),
            Err(_) => Err(Error::usage(format!(
                "git config {key} is '{raw}', which is not a whole number"
            ))
            .with_fix(Fix::SetConfig {
                key: key.to_owned(),
                example: "<number>".to_owned(),
            })
            .into()),
        },
    }
}

fn boolean(config: &gix::config::File, key: &str, default: bool) -> Result<Setting<bool>> {
    let Some((raw, origin)) = lookup(config, key) else {
        return Ok(Setting::default(default));
    };
    let value = match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "" => true,
        "false" | "no" | "off" | "0" => false,
        _ => {
            return Err(Error::usage(format!(
                "git config {key} is '{raw}', which is not true or false"
            ))
            .with_fix(Fix::SetConfig {
                key: key.to_owned(),
                example: "true".to_owned(),
            })
            .into())
        }
    };
    Ok(Setting { value, origin })
}

fn duration(config: &gix::config::File, key: &str, default: &str) -> Result<Setting<Duration>> {
    let (raw, origin) =
        lookup(config, key).unwrap_or_else(|| (default.to_owned(), Origin::Default));
    match parse_duration(&raw) {
        Some(value) => Ok(Setting { value, origin }),
        None => Err(Error::usage(format!(
            "git config {key} is '{raw}', which is not a duration"
        ))
        .with_fix(Fix::SetDuration {
            key: key.to_owned(),
        })
        .into()),
    }
}

/// Human durations: `90s`, `30m`, `1h30m`, `500ms`; a bare number is seconds.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    humantime::parse_duration(raw).ok()
}

fn path(config: &gix::config::File, key: &str, default: &str) -> Setting<PathBuf> {
    match lookup(config, key) {
        Some((value, origin)) => Setting {
            value: PathBuf::from(value),
            origin,
        },
        None => Setting::default(PathBuf::from(default)),
    }
}

impl Settings {
    /// Resolve every setting from `repo`'s configuration and the command-line `overrides`.
    pub fn load(repo: &gix::Repository, overrides: &Overrides) -> Result<Settings> {
        let snapshot = repo.config_snapshot();
        let config = snapshot.plumbing();
        let settings = Settings {
            tasks_dir: path(config, keys::TASKS_DIR, defaults::TASKS_DIR),
            contracts_dir: path(config, keys::CONTRACTS_DIR, defaults::CONTRACTS_DIR),
            branch_prefix: string(config, keys::BRANCH_PREFIX, None)
                .unwrap_or_else(|| Setting::default(defaults::BRANCH_PREFIX.into())),
            workspace_root: path(config, keys::WORKSPACE_ROOT, defaults::WORKSPACE_ROOT),
            log_dir: path(config, keys::LOG_DIR, defaults::LOG_DIR),
            jobs: number(config, keys::JOBS, overrides.jobs, defaults::JOBS)?,
            agent: string(config, keys::AGENT, overrides.agent.as_ref())
                .unwrap_or_else(|| Setting::default(defaults::AGENT.into())),
            command: string(config, keys::COMMAND, overrides.command.as_ref()),
            prompt: string(config, keys::PROMPT, overrides.prompt.as_ref()),
            retries: number(config, keys::RETRIES, overrides.retries, defaults::RETRIES)?,
            timeout: string(config, keys::TIMEOUT, overrides.timeout.as_ref()),
            verify: string(config, keys::VERIFY, None),
            mode: string(config, keys::MODE, overrides.mode.as_ref()),
            allow_write: config
                .strings(keys::ALLOW_WRITE)
                .unwrap_or_default()
                .iter()
                .map(|v| PathBuf::from(v.to_str_lossy().into_owned()))
                .collect(),
            landlock: boolean(config, keys::LANDLOCK, true)?,
            retry_delay: duration(config, keys::RETRY_DELAY, defaults::RETRY_DELAY)?,
            kill_grace: duration(config, keys::KILL_GRACE, defaults::KILL_GRACE)?,
        };
        if settings.jobs.value == 0 {
            return Err(
                Error::usage("the number of parallel agents must be at least 1")
                    .with_fix(Fix::AtLeastOneJob)
                    .into(),
            );
        }
        Ok(settings)
    }
}

/// One line of `git agents config`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub key: String,
    /// Empty when unset.
    pub value: String,
    /// `None` when unset.
    pub origin: Option<Origin>,
}

impl Settings {
    /// Every setting with its value in effect and where that came from, in a stable order;
    /// `agents.scope.<task>` entries follow from `config`.
    pub fn entries(&self, repo: &gix::Repository) -> Vec<Entry> {
        fn entry<T: ToString>(key: &str, setting: Option<&Setting<T>>) -> Entry {
            Entry {
                key: key.to_owned(),
                value: setting.map(|s| s.value.to_string()).unwrap_or_default(),
                origin: setting.map(|s| s.origin),
            }
        }
        let path = |s: &Setting<PathBuf>| Setting {
            value: s.value.display().to_string(),
            origin: s.origin,
        };
        let secs = |s: &Setting<Duration>| Setting {
            value: humantime::format_duration(s.value).to_string(),
            origin: s.origin,
        };
        let mode = self
            .mode
            .clone()
            .unwrap_or_else(|| Setting::default("worktree".to_owned()));
        let mut entries = vec![
            entry(keys::AGENT, Some(&self.agent)),
            entry(keys::COMMAND, self.command.as_ref()),
            entry(keys::PROMPT, self.prompt.as_ref()),
            entry(keys::JOBS, Some(&self.jobs)),
            entry(keys::MODE, Some(&mode)),
            entry(keys::TASKS_DIR, Some(&path(&self.tasks_dir))),
            entry(keys::CONTRACTS_DIR, Some(&path(&self.contracts_dir))),
            entry(keys::BRANCH_PREFIX, Some(&self.branch_prefix)),
            entry(keys::WORKSPACE_ROOT, Some(&path(&self.workspace_root))),
            entry(keys::LOG_DIR, Some(&path(&self.log_dir))),
            entry(keys::RETRIES, Some(&self.retries)),
            entry(keys::RETRY_DELAY, Some(&secs(&self.retry_delay))),
            entry(keys::TIMEOUT, self.timeout.as_ref()),
            entry(keys::KILL_GRACE, Some(&secs(&self.kill_grace))),
            entry(keys::VERIFY, self.verify.as_ref()),
            entry(keys::LANDLOCK, Some(&self.landlock)),
        ];
        let snapshot = repo.config_snapshot();
        let config = snapshot.plumbing();
        let allow = lookup(config, keys::ALLOW_WRITE).map(|(_, origin)| origin);
        entries.push(Entry {
            key: keys::ALLOW_WRITE.to_owned(),
            value: self
                .allow_write
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            origin: allow,
        });
        for section in config.sections_by_name("agents").into_iter().flatten() {
            if section.header().subsection_name().map(|s| s.as_bytes()) != Some(b"scope".as_slice())
            {
                continue;
            }
            for name in section.value_names() {
                let key = format!("agents.scope.{name}");
                if entries.iter().any(|e| e.key == key) {
                    continue;
                }
                let values = section.values(name.as_ref());
                entries.push(Entry {
                    key,
                    value: values
                        .iter()
                        .map(|v| v.to_str_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(", "),
                    origin: Some(Origin::from_source(section.meta().source)),
                });
            }
        }
        entries
    }
}
