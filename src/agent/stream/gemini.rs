//! Gemini CLI's `--output-format stream-json`: `init` (the session), `message` (the user's
//! prompt, the model's text in `delta` pieces), `tool_use` / `tool_result`, `error`, and a
//! closing `result` with the run's token totals in `stats`. Its stderr (warnings, API error
//! reports with stack traces) shares the pipe and passes through as text.

use serde_json::Value;

use super::{short_arg, Adapter, ErrorKind, Note, Tokens};

#[derive(Default)]
pub struct Gemini {
    session: bool,
    /// The model's text so far, streamed in `delta` pieces.
    text: String,
    /// The last complete message, for the result (gemini's `result` has no text).
    last_message: Option<String>,
    /// A model round trip is under way (its output has begun since the last input).
    in_turn: bool,
}

impl Adapter for Gemini {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let text = || vec![Note::Text(line.to_owned())];
        let Some(event) = value else {
            return text();
        };
        let mut notes = Vec::new();
        match event["type"].as_str() {
            Some("init") => {
                if let Some(id) = event["session_id"].as_str().filter(|id| !id.is_empty()) {
                    if !self.session {
                        self.session = true;
                        notes.push(Note::Session(id.to_owned()));
                    }
                }
            }
            Some("message") => match event["role"].as_str() {
                Some("assistant") => {
                    self.turn(&mut notes);
                    self.text.push_str(event["content"].as_str().unwrap_or(""));
                    if event["delta"] != true {
                        self.flush(&mut notes);
                    }
                }
                Some(_) => {
                    self.flush(&mut notes);
                    self.in_turn = false;
                }
                None => return text(),
            },
            Some("tool_use") => {
                self.flush(&mut notes);
                self.turn(&mut notes);
                let name = event["tool_name"].as_str().unwrap_or("tool");
                notes.push(Note::Activity(activity(name, &event["parameters"])));
            }
            Some("tool_result") => {
                self.flush(&mut notes);
                self.in_turn = false;
            }
            Some("error") => {
                self.flush(&mut notes);
                let message = event["message"].as_str().unwrap_or("").to_owned();
                if event["severity"] != "warning" && !message.is_empty() {
                    notes.push(error(&message, event));
                }
            }
            Some("result") => {
                self.flush(&mut notes);
                notes.extend(self.result(event));
            }
            _ => return text(),
        }
        notes
    }
}

impl Gemini {
    fn turn(&mut self, notes: &mut Vec<Note>) {
        if !self.in_turn {
            self.in_turn = true;
            notes.push(Note::Turn);
        }
    }

    /// The streamed text as one message, if there is any.
    fn flush(&mut self, notes: &mut Vec<Note>) {
        let text = std::mem::take(&mut self.text);
        if !text.trim().is_empty() {
            self.last_message = Some(text.clone());
            notes.push(Note::Message(text));
        }
    }

    fn result(&mut self, event: &Value) -> Vec<Note> {
        let mut notes = Vec::new();
        let stats = &event["stats"];
        if stats.is_object() {
            let count = |key: &str| stats[key].as_u64().unwrap_or(0);
            // `input_tokens` counts the whole prompt; `cached` is its cached part.
            notes.push(Note::TokensTotal(Tokens {
                input: count("input_tokens"),
                output: count("output_tokens"),
                cached: count("cached"),
            }));
        }
        let failed = event["status"].as_str().is_some_and(|s| s != "success");
        if failed {
            let message = event["error"]["message"]
                .as_str()
                .unwrap_or("gemini reported an error")
                .to_owned();
            notes.push(error(&message, event));
            notes.push(Note::Result {
                text: message,
                is_error: true,
            });
        } else {
            notes.push(Note::Result {
                text: self.last_message.clone().unwrap_or_default(),
                is_error: false,
            });
        }
        notes
    }
}

/// A tool call as an activity: gemini's tool names as the common ones, and its key argument.
pub(super) fn activity(name: &str, args: &Value) -> String {
    let common = match name {
        "read_file" | "read_many_files" => "Read",
        "write_file" => "Write",
        "replace" | "edit" => "Edit",
        "run_shell_command" => "Bash",
        "search_file_content" | "grep_search" | "grep" => "Grep",
        "glob" => "Glob",
        "list_directory" | "ls" => "LS",
        "web_fetch" => "WebFetch",
        "google_web_search" | "web_search" => "WebSearch",
        "write_todos" | "todo_write" => "TodoWrite",
        "save_memory" => "Memory",
        other => other,
    };
    let keys = [
        "file_path",
        "absolute_path",
        "command",
        "pattern",
        "dir_path",
        "path",
        "url",
        "prompt",
        "query",
    ];
    match short_arg(args, &keys, 80) {
        Some(arg) if !arg.is_empty() => format!("{common} {arg}"),
        _ => common.to_owned(),
    }
}

/// An error event or error result, its kind read from the API error gemini quotes.
fn error(message: &str, event: &Value) -> Note {
    let kind = kind_of(message).or(match event["error"]["type"].as_str() {
        Some("FatalAuthenticationError") => Some(ErrorKind::Auth),
        Some(_) | None => None,
    });
    let resets_at = (kind == Some(ErrorKind::RateLimit))
        .then(|| retry_in(message).zip(timestamp(event)))
        .flatten()
        .map(|(secs, at)| at + secs);
    Note::Error {
        kind,
        message: message.to_owned(),
        resets_at,
    }
}

/// The kind of an API error quoted in a message: its HTTP code or Google status.
pub(super) fn kind_of(message: &str) -> Option<ErrorKind> {
    let has = |words: &[&str]| words.iter().any(|w| message.contains(w));
    if has(&[
        "\"code\":401",
        "\"code\":403",
        "UNAUTHENTICATED",
        "PERMISSION_DENIED",
        "API key not valid",
    ]) {
        Some(ErrorKind::Auth)
    } else if has(&["\"code\":429", "RESOURCE_EXHAUSTED"]) {
        Some(ErrorKind::RateLimit)
    } else {
        // After its retries gemini no longer quotes the API: "[API Error: Rate limit
        // reached…] Please wait and try again later. To increase your limits, request a
        // quota increase…"; network failures come as Node's error codes.
        super::kind_in_words(message)
    }
}

/// The seconds in "try again in 30s" / "retry in 30s", if the message says so.
pub(super) fn retry_in(message: &str) -> Option<i64> {
    let lower = message.to_lowercase();
    let at = ["try again in ", "retry in "]
        .iter()
        .find_map(|w| lower.find(w).map(|at| at + w.len()))?;
    let digits: String = lower[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let secs: i64 = digits.parse().ok()?;
    let unit = lower[at + digits.len()..].trim_start();
    Some(if unit.starts_with('m') && !unit.starts_with("ms") {
        secs * 60
    } else {
        secs
    })
}

/// The event's `timestamp` (RFC 3339) in seconds since the Unix epoch.
pub(super) fn timestamp(event: &Value) -> Option<i64> {
    let time = humantime::parse_rfc3339_weak(event["timestamp"].as_str()?).ok()?;
    let secs = time.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::super::testing::{activities, notes_of};
    use super::*;

    fn notes(fixture: &str) -> Vec<Note> {
        notes_of::<Gemini>(fixture)
    }

    #[test]
    fn a_run_that_reads_writes_and_runs() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/gemini-success.jsonl"
        ));
        assert_eq!(
            activities(&notes),
            [
                "Read .claude/tasks/hello.md",
                "Write hello.txt",
                "Bash echo ran > ran.txt"
            ]
        );
        let sessions: Vec<_> = notes
            .iter()
            .filter(|n| matches!(n, Note::Session(_)))
            .collect();
        assert_eq!(
            sessions,
            [&Note::Session(
                "db0d18ce-247f-4f80-aa2f-4ab411b88978".into()
            )]
        );
        assert_eq!(notes.iter().filter(|n| **n == Note::Turn).count(), 4);
        assert!(notes.contains(&Note::TokensTotal(Tokens {
            input: 40,
            output: 20,
            cached: 8
        })));
        let messages: Vec<_> = notes
            .iter()
            .filter_map(|n| match n {
                Note::Message(m) => Some(m.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(messages.len(), 1);
        assert!(messages[0].starts_with("Done: the file is written."));
        assert!(matches!(
            notes.last(),
            Some(Note::Result { text, is_error: false }) if text == messages[0]
        ));
        // gemini's own warnings on stderr pass through.
        assert!(notes.contains(&Note::Text(
            "Ripgrep is not available. Falling back to GrepTool.".into()
        )));
    }

    #[test]
    fn a_401_is_an_auth_error_and_an_error_result() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/gemini-401.jsonl"
        ));
        assert!(activities(&notes).is_empty());
        let errors: Vec<_> = notes
            .iter()
            .filter_map(|n| match n {
                Note::Error {
                    kind,
                    message,
                    resets_at,
                } => Some((*kind, message.as_str(), *resets_at)),
                _ => None,
            })
            .collect();
        assert_eq!(errors.len(), 1, "{notes:?}");
        assert_eq!(errors[0].0, Some(ErrorKind::Auth));
        assert!(errors[0].1.contains("invalid x-api-key"));
        assert!(matches!(
            notes.last(),
            Some(Note::Result { is_error: true, .. })
        ));
    }

    #[test]
    fn a_429_it_gave_up_on_is_a_rate_limit_that_resets() {
        let fixture = include_str!("../../../tests/fixtures/streams/gemini-429.jsonl");
        let notes = notes(fixture);
        let errors: Vec<_> = notes
            .iter()
            .filter_map(|n| match n {
                Note::Error {
                    kind, resets_at, ..
                } => Some((*kind, *resets_at)),
                _ => None,
            })
            .collect();
        // Each retry is a stack trace on stderr; only the result is an error.
        let result = fixture
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|e| e["type"] == "result")
            .unwrap();
        let at = timestamp(&result).unwrap();
        assert_eq!(errors, [(Some(ErrorKind::RateLimit), Some(at + 1))]);
        assert!(matches!(
            notes.last(),
            Some(Note::Result { is_error: true, .. })
        ));
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Gemini::default();
        for line in [
            "",
            "not json",
            "{",
            "{}",
            r#"{"type":"message"}"#,
            r#"{"type":"tool_use","parameters":7}"#,
            r#"{"type":"result","stats":"x","status":5}"#,
            r#"{"type":"init","session_id":3}"#,
        ] {
            read_line(&mut adapter, line);
        }
        assert_eq!(
            read_line(&mut Gemini::default(), "plain words"),
            [Note::Text("plain words".into())]
        );
        assert_eq!(
            read_line(&mut Gemini::default(), r#"{"type":"something-new"}"#),
            [Note::Text(r#"{"type":"something-new"}"#.into())]
        );
    }

    #[test]
    fn a_rate_limit_says_when_it_resets() {
        let line = r#"{"type":"result","timestamp":"2026-12-01T12:00:00.000Z","status":"error","error":{"type":"unknown","message":"[API Error: {\"error\":{\"code\":429,\"message\":\"Rate limit reached. Please try again in 30s.\",\"status\":\"RESOURCE_EXHAUSTED\"}}]"}}"#;
        let notes = read_line(&mut Gemini::default(), line);
        assert!(notes.contains(&Note::Error {
            kind: Some(ErrorKind::RateLimit),
            message: "[API Error: {\"error\":{\"code\":429,\"message\":\"Rate limit reached. Please try again in 30s.\",\"status\":\"RESOURCE_EXHAUSTED\"}}]".into(),
            resets_at: Some(1_796_126_400 + 30),
        }));
    }
}
