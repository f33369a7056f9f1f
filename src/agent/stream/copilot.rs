//! Copilot CLI's `--output-format json`: session events, one per line, `{type, data, id,
//! timestamp}`: `assistant.turn_start` (a model round trip), `assistant.message` (complete,
//! after its `message_delta` pieces), `tool.execution_start`, `session.error`, and a closing
//! `result` with the session id and the exit code. With a custom provider it reports no
//! token counts or cost.

use serde_json::Value;

use super::gemini::{retry_in, timestamp};
use super::{short_arg, Adapter, ErrorKind, Note};

#[derive(Default)]
pub struct Copilot {
    session: bool,
    /// The last complete message, for the result.
    last_message: Option<String>,
    /// The last error reported, for an error result.
    last_error: Option<String>,
}

impl Adapter for Copilot {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let text = || vec![Note::Text(line.to_owned())];
        let Some(event) = value else {
            return text();
        };
        let Some(kind) = event["type"].as_str() else {
            return text();
        };
        let data = &event["data"];
        let mut notes = Vec::new();
        match kind {
            "assistant.turn_start" => notes.push(Note::Turn),
            "assistant.message" => {
                let content = data["content"].as_str().unwrap_or("");
                if !content.trim().is_empty() {
                    self.last_message = Some(content.to_owned());
                    notes.push(Note::Message(content.to_owned()));
                }
            }
            "tool.execution_start" => {
                let name = data["toolName"].as_str().unwrap_or("tool");
                notes.push(Note::Activity(activity(name, &data["arguments"])));
            }
            "session.error" => {
                let message = data["message"]
                    .as_str()
                    .unwrap_or("copilot reported an error")
                    .to_owned();
                let kind = error_kind(data);
                let resets_at = (kind == Some(ErrorKind::RateLimit))
                    .then(|| retry_in(&message).zip(timestamp(event)))
                    .flatten()
                    .map(|(secs, at)| at + secs);
                self.last_error = Some(message.clone());
                notes.push(Note::Error {
                    kind,
                    message,
                    resets_at,
                });
            }
            "result" => {
                if let Some(id) = event["sessionId"].as_str().filter(|id| !id.is_empty()) {
                    if !self.session {
                        self.session = true;
                        notes.push(Note::Session(id.to_owned()));
                    }
                }
                let is_error = event["exitCode"].as_i64().is_some_and(|code| code != 0);
                let text = if is_error {
                    self.last_error
                        .clone()
                        .or_else(|| self.last_message.clone())
                } else {
                    self.last_message.clone()
                };
                notes.push(Note::Result {
                    text: text.unwrap_or_default(),
                    is_error,
                });
            }
            // Session bookkeeping, deltas of messages and tool calls that arrive whole
            // later, model calls and their retries.
            _ if kind.contains('.') => {}
            _ => return text(),
        }
        notes
    }
}

/// The kind of a `session.error`: its error type, else its HTTP status.
fn error_kind(data: &Value) -> Option<ErrorKind> {
    match (data["errorType"].as_str(), data["statusCode"].as_u64()) {
        (Some("authentication" | "authorization"), _) | (_, Some(401 | 403)) => {
            Some(ErrorKind::Auth)
        }
        (Some("rate_limit" | "quota"), _) | (_, Some(429)) => Some(ErrorKind::RateLimit),
        (Some("network" | "connection"), _) => Some(ErrorKind::Network),
        _ => None,
    }
}

/// A tool call as an activity: Copilot's tool names as the common ones.
fn activity(name: &str, args: &Value) -> String {
    let common = match name {
        "view" => "Read",
        "create" => "Write",
        "edit" | "str_replace" | "str_replace_editor" | "apply_patch" => "Edit",
        "bash" | "shell" | "powershell" => "Bash",
        "grep" | "rg" => "Grep",
        "glob" => "Glob",
        "web_fetch" => "WebFetch",
        "web_search" => "WebSearch",
        "task" => "Task",
        other => other,
    };
    let keys = ["path", "command", "pattern", "url", "query", "description"];
    match short_arg(args, &keys, 80) {
        Some(arg) if !arg.is_empty() => format!("{common} {arg}"),
        _ => common.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::super::testing::{activities, errors, notes_of};
    use super::*;

    fn notes(fixture: &str) -> Vec<Note> {
        notes_of::<Copilot>(fixture)
    }

    #[test]
    fn a_run_that_reads_writes_and_runs() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/copilot-success.jsonl"
        ));
        assert_eq!(
            activities(&notes),
            [
                "Read /tmp/git-agents-test/repo/.claude/tasks/hello.md",
                "Write /tmp/git-agents-test/repo/hello.txt",
                "Bash echo ran > ran.txt"
            ]
        );
        assert_eq!(notes.iter().filter(|n| **n == Note::Turn).count(), 4);
        assert!(notes.contains(&Note::Session(
            "6b8a3c8c-c92f-4c0b-809b-32bf1a4ff3f1".into()
        )));
        assert!(errors(&notes).is_empty());
        // Every event of the format is understood: no JSON line is left as text.
        assert!(!notes
            .iter()
            .any(|n| matches!(n, Note::Text(t) if t.starts_with('{'))));
        let Some(Note::Result { text, is_error }) = notes.last() else {
            panic!("no result: {notes:?}");
        };
        assert!(!is_error);
        assert!(text.starts_with("Done: the file is written."));
        let messages = notes
            .iter()
            .filter(|n| matches!(n, Note::Message(_)))
            .count();
        assert_eq!(messages, 1, "tool-call messages have no text");
    }

    #[test]
    fn a_401_is_an_auth_error_and_an_error_result() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/copilot-401.jsonl"
        ));
        let errors = errors(&notes);
        assert_eq!(errors.len(), 1, "retries are not errors: {errors:?}");
        assert_eq!(errors[0].0, Some(ErrorKind::Auth));
        assert!(errors[0]
            .1
            .starts_with("Authentication failed with provider"));
        assert!(matches!(
            notes.last(),
            Some(Note::Result { is_error: true, text }) if text.contains("HTTP 401")
        ));
    }

    #[test]
    fn a_429_is_a_rate_limit_that_resets() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/copilot-429.jsonl"
        ));
        let errors = errors(&notes);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let (kind, message, resets_at) = errors[0];
        assert_eq!(kind, Some(ErrorKind::RateLimit));
        assert!(message.ends_with("Please try again in 1s."));
        let at = notes_time(include_str!(
            "../../../tests/fixtures/streams/copilot-429.jsonl"
        ));
        assert_eq!(resets_at, Some(at + 1));
    }

    /// The timestamp of the fixture's `session.error`.
    fn notes_time(fixture: &str) -> i64 {
        fixture
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|e| e["type"] == "session.error")
            .and_then(|e| timestamp(&e))
            .unwrap()
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Copilot::default();
        for line in [
            "",
            "{",
            r#"{"type":"result","exitCode":"x"}"#,
            r#"{"type":"session.error","data":7}"#,
            r#"{"type":"tool.execution_start","data":{"arguments":[]}}"#,
        ] {
            read_line(&mut adapter, line);
        }
        assert_eq!(
            read_line(&mut Copilot::default(), r#"{"type":"odd"}"#),
            [Note::Text(r#"{"type":"odd"}"#.into())]
        );
    }
}
