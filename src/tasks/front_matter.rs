//! The YAML block between two `---` lines at the top of a task file.

use std::path::Path;

use anyhow::Result;

use super::{FrontMatter, Warning, KNOWN_KEYS};
use crate::error::{Error, Fix};

pub(super) fn parse_front_matter(
    text: &str,
    file: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<FrontMatter> {
    let Some(yaml) = front_matter_block(text) else {
        return Ok(FrontMatter::default());
    };
    let bad = |what: String| {
        Error::usage(format!("{}: {what}", file.display())).with_fix(Fix::Text(
            "fix the front matter between the two '---' lines (YAML)".into(),
        ))
    };
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml)
        .map_err(|e| bad(format!("front matter is not valid YAML: {e}")))?;
    let map = match value {
        serde_yaml_ng::Value::Null => return Ok(FrontMatter::default()),
        serde_yaml_ng::Value::Mapping(map) => map,
        _ => return Err(bad("front matter must be a mapping of keys to values".into()).into()),
    };
    let mut meta = FrontMatter::default();
    for (key, value) in map {
        let Some(key) = key.as_str().map(str::to_owned) else {
            return Err(bad("front matter keys must be strings".into()).into());
        };
        if !set(&mut meta, &key, &value, &bad)? {
            warnings.push(Warning(format!(
                "{}: unknown front-matter key '{key}' (known: {})",
                file.display(),
                KNOWN_KEYS.join(", ")
            )));
        }
    }
    Ok(meta)
}

/// Put `value` into `meta` as `key`; false for a key that is not known.
fn set(
    meta: &mut FrontMatter,
    key: &str,
    value: &serde_yaml_ng::Value,
    bad: &dyn Fn(String) -> Error,
) -> Result<bool> {
    let field = |v: &serde_yaml_ng::Value| {
        scalar(v).ok_or_else(|| bad(format!("'{key}' must be a string")))
    };
    match key {
        "scope" => {
            meta.scope = list(value)
                .ok_or_else(|| bad("'scope' must be a directory or a list of them".into()))?
        }
        "depends_on" => {
            meta.depends_on = list(value)
                .ok_or_else(|| bad("'depends_on' must be a task name or a list of them".into()))?
        }
        "agent" => meta.agent = Some(field(value)?),
        "command" => {
            meta.command =
                Some(command(value).ok_or_else(|| {
                    bad("'command' must be a string or a list of argv words".into())
                })?)
        }
        "prompt" => meta.prompt = Some(field(value)?),
        "verify" => {
            meta.verify =
                Some(command(value).ok_or_else(|| {
                    bad("'verify' must be a string or a list of argv words".into())
                })?)
        }
        "setup" => {
            meta.setup = Some(
                commands(value)
                    .ok_or_else(|| bad("'setup' must be a command or a list of commands".into()))?,
            )
        }
        "timeout" => meta.timeout = Some(field(value)?),
        "retries" => {
            meta.retries = Some(
                value
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("'retries' must be a whole number".into()))?,
            )
        }
        "sparse" => {
            meta.sparse = Some(
                value
                    .as_bool()
                    .ok_or_else(|| bad("'sparse' must be true or false".into()))?,
            )
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The text between a leading `---` line and the next `---` line.
fn front_matter_block(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("---")?;
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some(&rest[..offset]);
        }
        offset += line.len();
    }
    None
}

fn scalar(value: &serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::String(s) => Some(s.clone()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list(value: &serde_yaml_ng::Value) -> Option<Vec<String>> {
    match value {
        serde_yaml_ng::Value::Sequence(items) => items.iter().map(scalar).collect(),
        serde_yaml_ng::Value::Null => Some(Vec::new()),
        other => scalar(other).map(|s| vec![s]),
    }
}

fn command(value: &serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::Sequence(_) => {
            let words = list(value)?;
            shlex::try_join(words.iter().map(String::as_str)).ok()
        }
        other => scalar(other),
    }
}

/// One command, or a list of them (each a string, or a list of argv words); null for none.
fn commands(value: &serde_yaml_ng::Value) -> Option<Vec<String>> {
    match value {
        serde_yaml_ng::Value::Sequence(items) => items.iter().map(command).collect(),
        serde_yaml_ng::Value::Null => Some(Vec::new()),
        other => scalar(other).map(|s| vec![s]),
    }
}
