//! Qwen Code's `--output-format stream-json`: Claude Code's event shapes (`system` init,
//! `assistant` and `user` messages with content blocks, a closing `result`) with qwen's own
//! meanings, which Claude's adapter would misread:
//!
//! - tool names are Gemini CLI's (`read_file`, `write_file`, `run_shell_command`…);
//! - `usage.input_tokens` already counts the cached tokens (`cache_read_input_tokens`);
//! - an API failure is an assistant text `[API Error: 401 …]` followed by a `result` with
//!   `subtype: "success"` and `is_error: false`, and qwen exits 0: the adapter reads it as
//!   an error and an error result.

use serde_json::Value;

use super::{gemini, Adapter, ErrorKind, Note, Tokens};

#[derive(Default)]
pub struct Qwen {
    session: bool,
    /// An `[API Error: …]` was reported: the result is a failure whatever qwen says.
    api_error: bool,
}

impl Adapter for Qwen {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let Some(event) = value else {
            return vec![Note::Text(line.to_owned())];
        };
        let mut notes = Vec::new();
        if let Some(id) = event["session_id"].as_str().filter(|id| !id.is_empty()) {
            if !self.session && event["type"].is_string() {
                self.session = true;
                notes.push(Note::Session(id.to_owned()));
            }
        }
        match event["type"].as_str() {
            Some("system" | "user" | "stream_event") => {}
            Some("assistant") => {
                notes.push(Note::Turn);
                for block in event["message"]["content"].as_array().into_iter().flatten() {
                    match block["type"].as_str() {
                        Some("text") => {
                            let text = block["text"].as_str().unwrap_or("");
                            if let Some(error) = api_error(text) {
                                self.api_error = true;
                                notes.push(error);
                            } else if !text.trim().is_empty() {
                                notes.push(Note::Message(text.to_owned()));
                            }
                        }
                        Some("tool_use") => {
                            let name = block["name"].as_str().unwrap_or("tool");
                            notes.push(Note::Activity(gemini::activity(name, &block["input"])));
                        }
                        _ => {}
                    }
                }
            }
            Some("result") => {
                let usage = &event["usage"];
                if usage.is_object() {
                    let count = |key: &str| usage[key].as_u64().unwrap_or(0);
                    notes.push(Note::TokensTotal(Tokens {
                        input: count("input_tokens"),
                        output: count("output_tokens"),
                        cached: count("cache_read_input_tokens"),
                    }));
                }
                if let Some(cost) = event["total_cost_usd"].as_f64() {
                    notes.push(Note::CostTotal(cost));
                }
                let text = event["result"]
                    .as_str()
                    .or_else(|| event["error"]["message"].as_str())
                    .unwrap_or("")
                    .to_owned();
                let is_error = self.api_error
                    || event["is_error"] == true
                    || event["subtype"].as_str().is_some_and(|s| s != "success")
                    || api_error(&text).is_some();
                notes.push(Note::Result { text, is_error });
            }
            _ => notes.push(Note::Text(line.to_owned())),
        }
        notes
    }
}

/// `[API Error: 401 invalid key]` as an error note, its kind from the status or the words.
fn api_error(text: &str) -> Option<Note> {
    let inner = text.trim().strip_prefix("[API Error: ")?;
    let message = inner.strip_suffix(']').unwrap_or(inner).to_owned();
    let status = message
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 3)
        .and_then(|w| w.parse::<u16>().ok());
    let lower = message.to_lowercase();
    let kind = match status {
        Some(401 | 403) => Some(ErrorKind::Auth),
        Some(429) => Some(ErrorKind::RateLimit),
        _ if lower.contains("connection error") || lower.contains("fetch failed") => {
            Some(ErrorKind::Network)
        }
        _ => gemini::kind_of(&message),
    };
    Some(Note::Error {
        kind,
        message,
        resets_at: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::super::testing::{activities, notes_of};
    use super::*;

    fn notes(fixture: &str) -> Vec<Note> {
        notes_of::<Qwen>(fixture)
    }

    #[test]
    fn a_run_that_reads_writes_and_runs() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/qwen-success.jsonl"
        ));
        assert_eq!(
            activities(&notes),
            [
                "Read /tmp/git-agents-test/repo/.claude/tasks/hello.md",
                "Write /tmp/git-agents-test/repo/hello.txt",
                "Bash echo ran > ran.txt"
            ]
        );
        assert_eq!(
            notes
                .iter()
                .filter(|n| matches!(n, Note::Session(_)))
                .count(),
            1
        );
        assert_eq!(
            notes[0],
            Note::Session("9da0a875-f9bd-4891-b73d-9f5eca599a31".into())
        );
        assert_eq!(notes.iter().filter(|n| **n == Note::Turn).count(), 4);
        // Four requests of 10 prompt tokens (2 of them cached) and 5 written.
        assert!(notes.contains(&Note::TokensTotal(Tokens {
            input: 40,
            output: 20,
            cached: 8
        })));
        assert!(!notes.iter().any(|n| matches!(n, Note::Error { .. })));
        let Some(Note::Result { text, is_error }) = notes.last() else {
            panic!("no result: {notes:?}");
        };
        assert!(!is_error);
        assert!(text.starts_with("Done: the file is written."));
        assert!(notes.contains(&Note::Message(text.clone())));
    }

    #[test]
    fn a_401_that_qwen_calls_success_is_an_auth_error() {
        let notes = notes(include_str!(
            "../../../tests/fixtures/streams/qwen-401.jsonl"
        ));
        assert!(activities(&notes).is_empty());
        assert!(notes.contains(&Note::Error {
            kind: Some(ErrorKind::Auth),
            message: "401 invalid x-api-key: Incorrect API key provided".into(),
            resets_at: None,
        }));
        assert!(!notes.iter().any(|n| matches!(n, Note::Message(_))));
        assert!(matches!(
            notes.last(),
            Some(Note::Result { is_error: true, text }) if text.contains("401")
        ));
    }

    #[test]
    fn a_connection_error_is_a_network_error() {
        let line = r#"{"type":"assistant","session_id":"s","message":{"content":[{"type":"text","text":"[API Error: Connection error. (cause: fetch failed)]"}]}}"#;
        let notes = read_line(&mut Qwen::default(), line);
        assert!(matches!(
            notes.as_slice(),
            [
                Note::Session(_),
                Note::Turn,
                Note::Error {
                    kind: Some(ErrorKind::Network),
                    ..
                }
            ]
        ));
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Qwen::default();
        for line in [
            "",
            "{",
            r#"{"type":"assistant","message":{"content":"x"}}"#,
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"[API Error: "}]}}"#,
            r#"{"type":"result","usage":[]}"#,
            r#"{"session_id":5}"#,
        ] {
            read_line(&mut adapter, line);
        }
        assert_eq!(
            read_line(&mut Qwen::default(), "plain"),
            [Note::Text("plain".into())]
        );
    }
}
