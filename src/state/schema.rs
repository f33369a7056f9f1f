//! Reading every `state.json` layout this build knows, migrated to the current one.

use anyhow::Result;

use super::{State, SCHEMA_VERSION};
use crate::error::Error;

/// A state file of any schema this build knows, migrated to [`SCHEMA_VERSION`].
pub(super) fn parse(bytes: &[u8]) -> Result<State> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)?;
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version > u64::from(SCHEMA_VERSION) {
        let why = format!(
            "it was written by a newer git-agents (schema {version}; this one reads up to {SCHEMA_VERSION})"
        );
        return Err(Error::failed(why).into());
    }
    if version < 2 {
        migrate_free_string_ids(&mut value);
    }
    let mut state: State = serde_json::from_value(value)?;
    state.version = SCHEMA_VERSION;
    Ok(state)
}

/// Schema 1 kept `base` and `head` as any string, and readers skipped what did not parse:
/// keep that meaning by dropping them.
fn migrate_free_string_ids(value: &mut serde_json::Value) {
    let Some(tasks) = value.get_mut("tasks").and_then(|t| t.as_object_mut()) else {
        return;
    };
    for record in tasks.values_mut() {
        for key in ["base", "head"] {
            let parses = record
                .get(key)
                .and_then(|v| v.as_str())
                .is_some_and(|id| id.parse::<crate::ids::CommitId>().is_ok());
            if !parses {
                if let Some(fields) = record.as_object_mut() {
                    fields.insert(key.into(), serde_json::Value::Null);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, SCHEMA_VERSION};

    const RECORD: &str = r#""task": "t", "state": "done", "attempts": 1, "exit_code": 0,
        "started": 1.0, "ended": 2.0, "workspace": "/w", "branch": "feature/t", "log": "/l""#;

    #[test]
    fn a_schema_1_file_is_migrated_and_unparsable_ids_dropped() {
        let good = "0123456789abcdef0123456789abcdef01234567";
        let file = format!(
            r#"{{"version": 1, "tasks": {{"t": {{{RECORD}, "base": "{good}", "head": "not-an-id"}}}}}}"#
        );
        let state = parse(file.as_bytes()).unwrap();
        assert_eq!(state.version, SCHEMA_VERSION);
        let record = &state.tasks["t"];
        assert_eq!(record.base.unwrap().to_string(), good);
        assert_eq!(record.head, None);
    }

    #[test]
    fn a_newer_schema_is_refused_and_a_bad_id_in_the_current_one_too() {
        let newer = format!(r#"{{"version": {}, "tasks": {{}}}}"#, SCHEMA_VERSION + 1);
        let err = parse(newer.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("newer git-agents"), "{err}");
        let bad = format!(
            r#"{{"version": 2, "tasks": {{"t": {{{RECORD}, "base": "main", "head": null}}}}}}"#
        );
        assert!(parse(bad.as_bytes()).is_err());
    }
}
