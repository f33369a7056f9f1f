//! `git -c key=value agents ...`: git hands `-c` settings to subcommands in the environment
//! variable `GIT_CONFIG_PARAMETERS`, which gix does not read, so we parse it here and give the
//! values to gix as command-line overrides. (`GIT_CONFIG_COUNT`/`_KEY_n`/`_VALUE_n`, the other
//! way, gix reads itself.)

use anyhow::Result;

use crate::error::{Error, Fix};

/// The variable git fills from `-c` and `--config-env`.
pub const PARAMETERS: &str = "GIT_CONFIG_PARAMETERS";

/// One `-c` setting; `value` is `None` for `-c key` (an implicit true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    pub key: String,
    pub value: Option<String>,
}

impl Parameter {
    /// The `key=value` (or bare `key`) form gix's overrides take.
    pub fn to_override(&self) -> String {
        match &self.value {
            Some(value) => format!("{}={value}", self.key),
            None => self.key.clone(),
        }
    }
}

/// The `-c` settings git passed to this process, as gix overrides, in the order given.
pub fn overrides() -> Result<Vec<String>> {
    let Some(raw) = std::env::var_os(PARAMETERS) else {
        return Ok(Vec::new());
    };
    let raw = raw.to_string_lossy();
    Ok(parse(&raw)?.iter().map(Parameter::to_override).collect())
}

/// Parse git's format: space-separated `'key'='value'` items (git 2.31 and later; `'key'=` is
/// `-c key`), or the older `'key=value'`. Quoting is the shell's single quotes, with `'\''` and
/// `'\!'` for a quote and a `!` inside.
pub fn parse(raw: &str) -> Result<Vec<Parameter>> {
    let bogus = || {
        Error::usage(format!(
            "{PARAMETERS} is not in the format git writes: {raw}"
        ))
        .with_fix(Fix::FixConfigParameters)
    };
    let mut out = Vec::new();
    let mut rest = raw.trim_start();
    while !rest.is_empty() {
        let (first, after) = dequote(rest).ok_or_else(bogus)?;
        let parameter = match after.strip_prefix('=') {
            Some(value) if value.starts_with('\'') => {
                let (value, after) = dequote(value).ok_or_else(bogus)?;
                rest = after;
                Parameter {
                    key: first,
                    value: Some(value),
                }
            }
            Some(after) => {
                rest = after;
                Parameter {
                    key: first,
                    value: None,
                }
            }
            None => {
                rest = after;
                old_style(&first)
            }
        };
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            return Err(bogus().into());
        }
        if parameter.key.is_empty() {
            return Err(bogus().into());
        }
        out.push(parameter);
        rest = rest.trim_start();
    }
    Ok(out)
}

/// `'key=value'`: the key ends at the first `=`; no `=` at all is an implicit true.
fn old_style(text: &str) -> Parameter {
    match text.split_once('=') {
        Some((key, value)) => Parameter {
            key: key.to_owned(),
            value: Some(value.to_owned()),
        },
        None => Parameter {
            key: text.to_owned(),
            value: None,
        },
    }
}

/// One single-quoted word at the start of `text` and what follows it, like git's
/// `sq_dequote_step`: outside the quotes only `\'` and `\!` may appear, each followed by a
/// quote that resumes the word.
fn dequote(text: &str) -> Option<(String, &str)> {
    let mut rest = text.strip_prefix('\'')?;
    let mut word = String::new();
    loop {
        let end = rest.find('\'')?;
        word.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        let mut chars = rest.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some('\\'), Some(c @ ('\'' | '!')), Some('\'')) => {
                word.push(c);
                rest = &rest[3..];
            }
            _ => return Some((word, rest)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, value: Option<&str>) -> Parameter {
        Parameter {
            key: key.to_owned(),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn parses_what_git_writes() {
        // `git -c agents.jobs=7 -c "a.b=it's !x" -c c.d -c e.f=` as git 2.47 passes it on.
        let raw = r"'agents.jobs'='7' 'a.b'='it'\''s '\!'x' 'c.d'= 'e.f'=''";
        assert_eq!(
            parse(raw).unwrap(),
            vec![
                p("agents.jobs", Some("7")),
                p("a.b", Some("it's !x")),
                p("c.d", None),
                p("e.f", Some("")),
            ]
        );
    }

    #[test]
    fn parses_the_older_form() {
        assert_eq!(
            parse(r"'agents.jobs=7'  'x.y=a=b' 'flag.on'").unwrap(),
            vec![
                p("agents.jobs", Some("7")),
                p("x.y", Some("a=b")),
                p("flag.on", None)
            ]
        );
    }

    #[test]
    fn refuses_what_git_would_call_bogus() {
        for raw in [
            "agents.jobs=7",
            "'unterminated",
            "'a.b'='c'd",
            "'a.b'x",
            "''",
        ] {
            assert!(parse(raw).is_err(), "{raw}");
        }
        assert!(parse("").unwrap().is_empty());
        assert!(parse("  ").unwrap().is_empty());
    }

    #[test]
    fn overrides_are_key_equals_value() {
        assert_eq!(p("a.b", Some("x y")).to_override(), "a.b=x y");
        assert_eq!(p("a.b", None).to_override(), "a.b");
    }
}
