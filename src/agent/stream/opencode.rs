//! `opencode run --format json`: one event per part of the session's messages, each with
//! its `sessionID`: `step_start` (a model round trip), `text` (a complete text part),
//! `tool_use` (a tool part, once it has finished), `step_finish` (the step's tokens and
//! cost, and why it stopped), and `error`. There is no closing result event: the last step
//! that stops for another reason than tool calls is the result.

use serde_json::Value;

use super::{short_arg, Adapter, ErrorKind, Note, Tokens};

#[derive(Default)]
pub struct Opencode {
    session: bool,
    /// The last text part, for the result.
    last_text: Option<String>,
}

impl Adapter for Opencode {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let Some(event) = value else {
            return vec![Note::Text(line.to_owned())];
        };
        let known = matches!(
            event["type"].as_str(),
            Some("step_start" | "step_finish" | "text" | "tool_use" | "reasoning" | "error")
        );
        if !known {
            return vec![Note::Text(line.to_owned())];
        }
        let mut notes = Vec::new();
        if let Some(id) = event["sessionID"].as_str().filter(|id| !id.is_empty()) {
            if !self.session {
                self.session = true;
                notes.push(Note::Session(id.to_owned()));
            }
        }
        let part = &event["part"];
        match event["type"].as_str() {
            Some("step_start") => notes.push(Note::Turn),
            Some("text") => {
                let text = part["text"].as_str().unwrap_or("");
                if !text.trim().is_empty() {
                    self.last_text = Some(text.to_owned());
                    notes.push(Note::Message(text.to_owned()));
                }
            }
            Some("tool_use") => {
                let name = part["tool"].as_str().unwrap_or("tool");
                notes.push(Note::Activity(activity(name, &part["state"]["input"])));
            }
            Some("step_finish") => {
                let tokens = &part["tokens"];
                if tokens.is_object() {
                    let count = |v: &Value| v.as_u64().unwrap_or(0);
                    let cached = count(&tokens["cache"]["read"]);
                    // opencode's `input` leaves out the tokens read from or written to a cache.
                    notes.push(Note::TokensAdded(Tokens {
                        input: count(&tokens["input"]) + cached + count(&tokens["cache"]["write"]),
                        output: count(&tokens["output"]) + count(&tokens["reasoning"]),
                        cached,
                    }));
                }
                if let Some(cost) = part["cost"].as_f64() {
                    notes.push(Note::CostAdded(cost));
                }
                let reason = part["reason"].as_str().unwrap_or("");
                if !reason.is_empty() && reason != "tool-calls" {
                    notes.push(Note::Result {
                        text: self.last_text.clone().unwrap_or_default(),
                        is_error: reason == "error",
                    });
                }
            }
            Some("error") => notes.push(error(event)),
            _ => {}
        }
        notes
    }
}

/// A tool part as an activity: opencode's lower-case names as the common ones.
fn activity(name: &str, input: &Value) -> String {
    let common = match name {
        "read" => "Read",
        "write" => "Write",
        "edit" | "patch" | "multiedit" => "Edit",
        "bash" => "Bash",
        "grep" => "Grep",
        "glob" => "Glob",
        "list" => "LS",
        "webfetch" => "WebFetch",
        "websearch" => "WebSearch",
        "todowrite" => "TodoWrite",
        "todoread" => "TodoRead",
        "task" => "Task",
        other => other,
    };
    let keys = [
        "filePath",
        "command",
        "pattern",
        "path",
        "url",
        "description",
    ];
    match short_arg(input, &keys, 80) {
        Some(arg) if !arg.is_empty() => format!("{common} {arg}"),
        _ => common.to_owned(),
    }
}

/// An `error` event: the HTTP status or error name tells its kind; a rate limit's reset
/// comes from the response headers opencode passes on.
fn error(event: &Value) -> Note {
    let error = &event["error"];
    let data = &error["data"];
    let message = data["message"]
        .as_str()
        .or_else(|| error["message"].as_str())
        .or_else(|| error["name"].as_str())
        .unwrap_or("opencode reported an error")
        .to_owned();
    let kind = match (data["statusCode"].as_u64(), error["name"].as_str()) {
        (Some(401 | 403), _) | (_, Some("ProviderAuthError")) => Some(ErrorKind::Auth),
        (Some(429), _) => Some(ErrorKind::RateLimit),
        (_, Some("APIError" | "UnknownError")) if message.contains("ECONNREFUSED") => {
            Some(ErrorKind::Network)
        }
        _ => None,
    };
    let resets_at = (kind == Some(ErrorKind::RateLimit))
        .then(|| resets_at(&data["responseHeaders"], event["timestamp"].as_i64()))
        .flatten();
    Note::Error {
        kind,
        message,
        resets_at,
    }
}

/// When a limit resets, from the response's headers: a reset time (RFC 3339), else
/// `retry-after` seconds after the event (its timestamp is in milliseconds).
fn resets_at(headers: &Value, at_ms: Option<i64>) -> Option<i64> {
    let header = |name: &str| headers[name].as_str();
    let reset = ["anthropic-ratelimit-requests-reset", "x-ratelimit-reset"]
        .iter()
        .filter_map(|name| header(name))
        .find_map(|value| humantime::parse_rfc3339_weak(value).ok())
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    reset.or_else(|| {
        let after: i64 = header("retry-after")?.trim().parse().ok()?;
        Some(at_ms? / 1000 + after)
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::super::testing::{activities, notes_of};
    use super::*;

    fn notes(fixture: &str) -> Vec<Note> {
        notes_of::<Opencode>(fixture)
    }

    #[test]
    fn a_run_that_reads_writes_and_runs() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/opencode-success.jsonl"
        ));
        assert_eq!(
            activities(&notes),
            [
                "Read /tmp/git-agents-test/repo/.claude/tasks/hello.md",
                "Write /tmp/git-agents-test/repo/hello.txt",
                "Bash echo ran > ran.txt"
            ]
        );
        assert!(matches!(&notes[0], Note::Session(id) if id.starts_with("ses_")));
        assert_eq!(
            notes
                .iter()
                .filter(|n| matches!(n, Note::Session(_)))
                .count(),
            1
        );
        assert_eq!(notes.iter().filter(|n| **n == Note::Turn).count(), 4);
        // Each of the four steps: 10 prompt tokens, 2 of them read from the cache, 5 written.
        let tokens: Vec<_> = notes
            .iter()
            .filter_map(|n| match n {
                Note::TokensAdded(t) => Some(*t),
                _ => None,
            })
            .collect();
        let step = Tokens {
            input: 10,
            output: 5,
            cached: 2,
        };
        assert_eq!(tokens, [step; 4]);
        let costs: Vec<f64> = notes
            .iter()
            .filter_map(|n| match n {
                Note::CostAdded(c) => Some(*c),
                _ => None,
            })
            .collect();
        assert_eq!(costs.len(), 4);
        // The fake model costs $3 per million prompt tokens, $0.30 cached, $15 written.
        let per_step = (8.0 * 3.0 + 2.0 * 0.3 + 5.0 * 15.0) / 1e6;
        for cost in costs {
            assert!((cost - per_step).abs() < 1e-9, "{cost}");
        }
        let Some(Note::Result { text, is_error }) = notes.last() else {
            panic!("no result: {notes:?}");
        };
        assert!(!is_error);
        assert!(text.starts_with("Done: the file is written."));
        assert!(notes.contains(&Note::Message(text.clone())));
    }

    #[test]
    fn a_401_is_an_auth_error() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/opencode-401.jsonl"
        ));
        assert!(notes.contains(&Note::Error {
            kind: Some(ErrorKind::Auth),
            message: "invalid x-api-key: Incorrect API key provided".into(),
            resets_at: None,
        }));
        assert!(!notes.iter().any(|n| matches!(n, Note::Activity(_))));
    }

    #[test]
    fn a_429_says_when_it_resets() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/opencode-429.jsonl"
        ));
        let errors: Vec<_> = notes
            .iter()
            .filter(|n| matches!(n, Note::Error { .. }))
            .collect();
        assert_eq!(errors.len(), 1, "{notes:?}");
        let Note::Error {
            kind,
            message,
            resets_at,
        } = errors[0]
        else {
            unreachable!()
        };
        assert_eq!(*kind, Some(ErrorKind::RateLimit));
        assert_eq!(message, "Rate limit reached. Please try again in 1s.");
        assert!(resets_at.is_some(), "{errors:?}");
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Opencode::default();
        for line in [
            "",
            "{",
            r#"{"type":"step_finish","part":{"tokens":{"input":"x","cache":3},"cost":"1"}}"#,
            r#"{"type":"tool_use","part":7}"#,
            r#"{"type":"error","error":"boom"}"#,
            r#"{"type":"error","error":{"data":{"statusCode":429,"responseHeaders":{"retry-after":"x"}}}}"#,
        ] {
            read_line(&mut adapter, line);
        }
        assert_eq!(
            read_line(&mut Opencode::default(), r#"{"type":"new"}"#),
            [Note::Text(r#"{"type":"new"}"#.into())]
        );
        assert_eq!(
            read_line(&mut Opencode::default(), "\u{1b}[0mplain"),
            [Note::Text("\u{1b}[0mplain".into())]
        );
    }
}
