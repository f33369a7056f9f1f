//! One `agents.*` key read as git reads it (the last value wins, wherever it was set), turned
//! into a typed value, or refused with the key and where it was set.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use gix::bstr::ByteSlice;

use super::{Mode, Origin, Setting};
use crate::agent::{Template, PRESETS};
use crate::error::{Error, Fix};

/// The last value of a key in the configuration, and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub key: String,
    /// `None` for a bare `key` line without `=`, which git reads as true.
    pub value: Option<String>,
    pub origin: Origin,
    /// The file, an included one for values that came from an include; `None` for the
    /// command line.
    pub file: Option<PathBuf>,
}

/// The last value of `key` (`section.name` or `section.sub.name`) in `config`.
pub fn lookup(config: &gix::config::File, key: &str) -> Option<Found> {
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
        if let Some(value) = sec.value_implicit(name) {
            let meta = sec.meta();
            found = Some(Found {
                key: key.to_owned(),
                value: value.map(|v| v.to_str_lossy().into_owned()),
                origin: Origin::from_source(meta.source),
                file: meta.path.clone(),
            });
        }
    }
    found
}

/// Every value of `key` (`section.name`) in `config`, in the order git reads them.
fn lookup_all(config: &gix::config::File, key: &str) -> Vec<Found> {
    let Some((section, name)) = key.split_once('.') else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for sec in config.sections_by_name(section).into_iter().flatten() {
        if sec.header().subsection_name().is_some() {
            continue;
        }
        let meta = sec.meta();
        found.extend(sec.values(name).into_iter().map(|value| Found {
            key: key.to_owned(),
            value: Some(value.to_str_lossy().into_owned()),
            origin: Origin::from_source(meta.source),
            file: meta.path.clone(),
        }));
    }
    found
}

/// A key that may repeat, each value an argv template (`agents.setup`); an empty value clears
/// the list set before it, as git does for `credential.helper`.
pub fn templates(
    config: &gix::config::File,
    key: &str,
    example: &str,
) -> Result<Vec<Setting<Template>>> {
    let mut list = Vec::new();
    for found in lookup_all(config, key) {
        if found.raw().trim().is_empty() {
            list.clear();
            continue;
        }
        match Template::parse(found.raw()) {
            Ok(template) => list.push(found.setting(template)),
            Err(_) => {
                return Err(found.refuse("cannot be split into words (check its quotes)", example))
            }
        }
    }
    Ok(list)
}

impl Found {
    /// The value as written; empty for an implicit one.
    pub fn raw(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }

    pub fn setting<T>(&self, value: T) -> Setting<T> {
        Setting {
            value,
            origin: self.origin,
        }
    }

    /// Where the value was set, for messages.
    pub fn place(&self) -> String {
        match (&self.file, self.origin) {
            (Some(file), _) => format!("set in {}", file.display()),
            (None, Origin::CommandLine) => "set on the command line".to_owned(),
            (None, _) => "set by the environment".to_owned(),
        }
    }

    /// `git config KEY is 'RAW' (set in FILE), which PROBLEM`, with a hint showing how to set
    /// `example` where the bad value is.
    pub fn refuse(&self, problem: &str, example: &str) -> anyhow::Error {
        let message = format!(
            "git config {} is '{}' ({}), which {problem}",
            self.key,
            self.raw(),
            self.place()
        );
        Error::usage(message)
            .with_fix(Fix::SetConfigAt {
                key: self.key.clone(),
                example: example.to_owned(),
                file: self.file.clone(),
            })
            .into()
    }
}

pub fn string(config: &gix::config::File, key: &str) -> Option<Setting<String>> {
    lookup(config, key).map(|found| found.setting(found.raw().to_owned()))
}

pub fn path(config: &gix::config::File, key: &str, default: &str) -> Setting<PathBuf> {
    lookup(config, key).map_or_else(
        || Setting::default(PathBuf::from(default)),
        |found| found.setting(PathBuf::from(found.raw())),
    )
}

/// The value of `key` turned into a `T` by `parse`, or refused as one that `problem`, with
/// `example` as a value that would do.
pub fn parsed<T>(
    config: &gix::config::File,
    key: &str,
    problem: &str,
    example: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<Setting<T>>> {
    let Some(found) = lookup(config, key) else {
        return Ok(None);
    };
    match parse(found.raw()) {
        Some(value) => Ok(Some(found.setting(value))),
        None => Err(found.refuse(problem, example)),
    }
}

pub fn number<T: std::str::FromStr>(
    config: &gix::config::File,
    key: &str,
) -> Result<Option<Setting<T>>> {
    parsed(config, key, "is not a whole number", "4", |raw| {
        raw.trim().parse().ok()
    })
}

/// Like git: `true`/`yes`/`on`/`1` or a bare key are true, `false`/`no`/`off`/`0` or an empty
/// value are false.
pub fn boolean(config: &gix::config::File, key: &str) -> Result<Option<Setting<bool>>> {
    let Some(found) = lookup(config, key) else {
        return Ok(None);
    };
    let Some(raw) = &found.value else {
        return Ok(Some(found.setting(true)));
    };
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(Some(found.setting(true))),
        "false" | "no" | "off" | "0" | "" => Ok(Some(found.setting(false))),
        _ => Err(found.refuse("is not true or false", "true")),
    }
}

/// [`boolean`], or `default` when unset.
pub fn boolean_or(config: &gix::config::File, key: &str, default: bool) -> Result<Setting<bool>> {
    Ok(boolean(config, key)?.unwrap_or(Setting::default(default)))
}

pub fn duration(config: &gix::config::File, key: &str) -> Result<Option<Setting<Duration>>> {
    let problem = "is not a duration like 500ms, 90s or 30m";
    parsed(config, key, problem, "5s", parse_duration)
}

/// Human durations: `90s`, `30m`, `1h30m`, `500ms`; a bare number is seconds.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    humantime::parse_duration(raw).ok()
}

pub fn mode(config: &gix::config::File, key: &str) -> Result<Option<Setting<Mode>>> {
    let problem = "is not worktree, branch or dir";
    parsed(config, key, problem, "worktree", |raw| {
        raw.trim().parse().ok()
    })
}

/// An argv template, split once here so a bad one is refused before anything runs.
pub fn template(
    config: &gix::config::File,
    key: &str,
    example: &str,
) -> Result<Option<Setting<Template>>> {
    let problem = "cannot be split into words (check its quotes)";
    parsed(config, key, problem, example, |raw| {
        Template::parse(raw).ok()
    })
}

/// An agent preset name.
pub fn agent(config: &gix::config::File, key: &str) -> Result<Option<Setting<String>>> {
    let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
    let problem = format!("is not an agent git-agents knows ({})", names.join(", "));
    parsed(config, key, &problem, "claude", |raw| {
        let name = raw.trim();
        names.contains(&name).then(|| name.to_owned())
    })
}

/// Every value of a key that may repeat, in order, and where the last one was set.
pub fn paths(config: &gix::config::File, key: &str) -> (Vec<PathBuf>, Option<Origin>) {
    let values = config
        .strings(key)
        .unwrap_or_default()
        .iter()
        .map(|v| PathBuf::from(v.to_str_lossy().into_owned()))
        .collect();
    (values, lookup(config, key).map(|found| found.origin))
}

/// An output format name (`agents.format`).
pub fn format(
    config: &gix::config::File,
    key: &str,
) -> Result<Option<Setting<crate::agent::Format>>> {
    let names: Vec<&str> = crate::agent::Format::ALL.iter().map(|f| f.name()).collect();
    let problem = format!("is not a format git-agents reads ({})", names.join(", "));
    parsed(config, key, &problem, "claude", |raw| {
        raw.trim().parse().ok()
    })
}

/// An amount of US dollars above zero (`agents.budget`).
pub fn budget(config: &gix::config::File, key: &str) -> Result<Option<Setting<f64>>> {
    let problem = "is not an amount above zero in US dollars, like 2.50";
    parsed(config, key, problem, "2.50", parse_budget)
}

/// US dollars above zero, `2.50` or `$2.50`.
pub fn parse_budget(raw: &str) -> Option<f64> {
    raw.trim()
        .trim_start_matches('$')
        .parse::<f64>()
        .ok()
        .filter(|b| *b > 0.0 && b.is_finite())
}

/// The words of `agents.preset.<name>.args`, split like a shell would (never run by one).
pub fn preset_args(config: &gix::config::File, preset: &str) -> Result<Vec<String>> {
    let key = format!("agents.preset.{preset}.args");
    let problem = "cannot be split into words (check its quotes)";
    Ok(parsed(config, &key, problem, "--model opus", |raw| {
        shlex::split(raw)
    })?
    .map(|s| s.value)
    .unwrap_or_default())
}

pub fn jobs(config: &gix::config::File) -> Result<Option<Setting<usize>>> {
    let jobs = number(config, super::keys::JOBS)?;
    if jobs.as_ref().is_some_and(|jobs| jobs.value == 0) {
        let found = lookup(config, super::keys::JOBS).expect("just read");
        return Err(found.refuse("must be at least 1", "4"));
    }
    Ok(jobs)
}

pub fn all_preset_args(config: &gix::config::File) -> Result<Vec<(String, Vec<String>)>> {
    let mut all = Vec::new();
    for preset in crate::agent::PRESETS {
        let args = preset_args(config, preset.name)?;
        if !args.is_empty() {
            all.push((preset.name.to_owned(), args));
        }
    }
    Ok(all)
}

pub fn limit(config: &gix::config::File, key: &str) -> Result<Option<Setting<super::Limit>>> {
    let problem = "is not off or a duration above zero like 90s, 30m or 1h";
    parsed(config, key, problem, "30m", super::Limit::parse)
}

pub fn positive(config: &gix::config::File, key: &str) -> Result<Option<Setting<u32>>> {
    let value = number(config, key)?;
    if value.as_ref().is_some_and(|v| v.value == 0) {
        let found = lookup(config, key).expect("just read");
        return Err(found.refuse("must be at least 1", "50"));
    }
    Ok(value)
}

/// `agents.layout`: `repo` unless set.
pub fn layout(config: &gix::config::File) -> Result<Setting<super::Layout>> {
    let key = super::keys::LAYOUT;
    Ok(parsed(config, key, "is not repo or seed", "repo", |raw| {
        raw.trim().parse().ok()
    })?
    .unwrap_or(Setting::default(super::Layout::Repo)))
}
