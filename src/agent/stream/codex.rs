//! `codex exec --json`: one JSON object a line, `thread.started` (the session id),
//! `turn.started`, `item.started` / `item.updated` / `item.completed` (commands, file changes,
//! messages), `turn.completed` with the usage, and `error` / `turn.failed`.
//!
//! `turn.completed.usage` is the thread's running total, not the turn's: a resumed session's
//! first turn reports the earlier runs' tokens too (seen with codex 0.171).
//!
//! Codex prints a few plain lines on the same pipe too (stderr: warnings, `Reading additional
//! input from stdin...`); they are text.

use std::collections::HashSet;

use serde_json::Value;

use super::claude::{retry_in, status_kind};
use super::{short_arg, Adapter, ErrorKind, Note, Tokens};

/// How long an activity's argument may be.
const ARG_MAX: usize = 100;

#[derive(Default)]
pub struct Codex {
    /// The items whose activity was given (an item is seen when it starts and again when
    /// it completes).
    items: HashSet<String>,
    /// The last thing the agent said in this turn: the turn's result.
    last_message: Option<String>,
    /// The last error's message, which `turn.failed` repeats.
    last_error: Option<String>,
}

impl Adapter for Codex {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let Some(event) = value.filter(|v| v.is_object()) else {
            return vec![Note::Text(line.to_owned())];
        };
        match event["type"].as_str().unwrap_or("") {
            "thread.started" => event["thread_id"]
                .as_str()
                .map(|id| vec![Note::Session(id.to_owned())])
                .unwrap_or_default(),
            "turn.started" => {
                self.last_message = None;
                vec![Note::Turn]
            }
            "item.started" | "item.updated" | "item.completed" => {
                let done = event["type"] == "item.completed";
                self.item(&event["item"], done)
            }
            "turn.completed" => {
                let mut notes = vec![Note::TokensTotal(tokens(&event["usage"]))];
                if let Some(text) = self.last_message.take() {
                    notes.push(Note::Result {
                        text,
                        is_error: false,
                    });
                }
                notes
            }
            "error" => {
                let message = event["message"].as_str().unwrap_or("error").to_owned();
                vec![self.error(message)]
            }
            "turn.failed" => {
                let message = event["error"]["message"]
                    .as_str()
                    .unwrap_or("the turn failed")
                    .to_owned();
                let mut notes = Vec::new();
                if self.last_error.as_deref() != Some(message.as_str()) {
                    notes.push(self.error(message.clone()));
                }
                notes.push(Note::Result {
                    text: message,
                    is_error: true,
                });
                notes
            }
            _ => vec![Note::Text(line.to_owned())],
        }
    }
}

impl Codex {
    fn item(&mut self, item: &Value, done: bool) -> Vec<Note> {
        let kind = item["type"].as_str().unwrap_or("");
        match kind {
            "agent_message" if done => match item["text"].as_str() {
                Some(text) if !text.trim().is_empty() => {
                    self.last_message = Some(text.to_owned());
                    vec![Note::Message(text.to_owned())]
                }
                _ => Vec::new(),
            },
            // A non-fatal error: Codex goes on (an unknown model's metadata, a retried stream).
            "error" if done => item["message"]
                .as_str()
                .map(|m| vec![Note::Text(format!("warning: {m}"))])
                .unwrap_or_default(),
            "command_execution" | "file_change" | "mcp_tool_call" | "web_search" => {
                let id = item["id"].as_str().unwrap_or("").to_owned();
                if !id.is_empty() && !self.items.insert(id) {
                    return Vec::new();
                }
                activities(kind, item)
                    .into_iter()
                    .map(Note::Activity)
                    .collect()
            }
            // Reasoning summaries, to-do lists, messages being written.
            _ => Vec::new(),
        }
    }

    fn error(&mut self, message: String) -> Note {
        self.last_error = Some(message.clone());
        let kind = error_kind(&message);
        let resets_at = match kind {
            Some(ErrorKind::RateLimit) => retry_in(&message),
            _ => None,
        };
        Note::Error {
            kind,
            message,
            resets_at,
        }
    }
}

fn activities(kind: &str, item: &Value) -> Vec<String> {
    match kind {
        "command_execution" => {
            let command = item["command"].as_str().unwrap_or("");
            let script = unwrap_shell(command);
            let arg = short_arg(&serde_json::json!({ "c": script }), &["c"], ARG_MAX);
            vec![format!("Bash {}", arg.unwrap_or_default())]
        }
        "file_change" => item["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|change| {
                let verb = match change["kind"].as_str() {
                    Some("add") => "Write",
                    Some("delete") => "Delete",
                    _ => "Edit",
                };
                match short_arg(change, &["path"], ARG_MAX) {
                    Some(path) => format!("{verb} {path}"),
                    None => verb.to_owned(),
                }
            })
            .collect(),
        "mcp_tool_call" => {
            let server = item["server"].as_str().unwrap_or("mcp");
            let tool = item["tool"].as_str().unwrap_or("tool");
            vec![format!("{server}.{tool}")]
        }
        "web_search" => match short_arg(item, &["query"], ARG_MAX) {
            Some(query) if !query.is_empty() => vec![format!("WebSearch {query}")],
            _ => vec!["WebSearch".to_owned()],
        },
        _ => Vec::new(),
    }
}

/// The script of `/bin/bash -lc 'SCRIPT'` (how Codex reports every command), else the
/// command as it is.
fn unwrap_shell(command: &str) -> String {
    if let Some(words) = shlex::split(command) {
        if let [shell, flag, script] = words.as_slice() {
            let name = shell.rsplit('/').next().unwrap_or(shell);
            let shell_flag = flag.starts_with('-') && flag.ends_with('c');
            if matches!(name, "bash" | "sh" | "zsh" | "dash") && shell_flag {
                return script.clone();
            }
        }
    }
    command.to_owned()
}

/// Codex usage: `input_tokens` already counts `cached_input_tokens`.
fn tokens(usage: &Value) -> Tokens {
    let count = |key: &str| usage[key].as_u64().unwrap_or(0);
    Tokens {
        input: count("input_tokens"),
        output: count("output_tokens"),
        cached: count("cached_input_tokens"),
    }
}

/// The kind an error message makes clear: the HTTP status Codex quotes
/// (`unexpected status 401 Unauthorized`, `last status: 429`), a usage limit, or a
/// connection that failed (`Reconnecting... waiting for network (Connection failed: …)`).
fn error_kind(message: &str) -> Option<ErrorKind> {
    let lower = message.to_ascii_lowercase();
    let status = lower.match_indices("status").find_map(|(at, word)| {
        let rest = lower[at + word.len()..].trim_start_matches([':', ' ']);
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        number.parse().ok().and_then(status_kind)
    });
    if status.is_some() {
        status
    } else if lower.contains("usage limit") {
        Some(ErrorKind::RateLimit)
    } else if NETWORK.iter().any(|words| lower.contains(words)) {
        Some(ErrorKind::Network)
    } else {
        None
    }
}

/// What Codex says when it cannot reach the API.
const NETWORK: &[&str] = &[
    "waiting for network",
    "connection failed",
    "connection refused",
    "error sending request",
    "stream disconnected",
    "dns error",
];

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::*;

    /// The notes of every line but Codex's plain stderr lines, as the runner reads them.
    fn read(text: &str) -> Vec<Note> {
        let mut adapter = Codex::default();
        text.lines()
            .flat_map(|line| read_line(&mut adapter, line))
            .filter(|n| !matches!(n, Note::Text(_)))
            .collect()
    }

    // Each fixture is Codex 0.171.0 run with the preset's argv against the suite's fake API,
    // with Codex's default model (tests/cli/real_agents.rs, `GIT_AGENTS_WRITE_STREAM_FIXTURES=1`).

    #[test]
    fn a_run_that_reads_writes_and_runs_a_command() {
        let text = include_str!("../../../tests/fixtures/streams/codex-success.jsonl");
        let done = "Done: the file is written. Last tool output: Script completed\nWall time 0.1 seconds\nOutput:";
        assert_eq!(
            read(text),
            [
                Note::Session("01a23172-88c3-7b72-a5ca-1feb4c3dba58".into()),
                Note::Turn,
                Note::Activity("Bash cat '.claude/tasks/hello.md'".into()),
                Note::Activity("Write /tmp/git-agents-test0HVmLi/repo/hello.txt".into()),
                Note::Activity("Bash echo ran > ran.txt".into()),
                Note::Message(done.into()),
                Note::TokensTotal(Tokens {
                    input: 20000,
                    output: 240,
                    cached: 16384,
                }),
                Note::Result {
                    text: done.into(),
                    is_error: false,
                },
            ]
        );
        // Codex's own lines on stderr stay as text.
        let mut adapter = Codex::default();
        let first = text.lines().next().unwrap();
        assert_eq!(read_line(&mut adapter, first), [Note::Text(first.into())]);
        assert!(first.starts_with("WARNING: proceeding"));
    }

    #[test]
    fn a_rejected_key_is_an_auth_error_and_a_failed_turn() {
        let message = "unexpected status 401 Unauthorized: Incorrect API key provided: test-key. You can find your API key at https://platform.openai.com/account/api-keys., url: http://127.0.0.1:40771/v1/responses";
        assert_eq!(
            read(include_str!(
                "../../../tests/fixtures/streams/codex-401.jsonl"
            )),
            [
                Note::Session("01a23172-8d42-7180-ad7d-b62d776c241d".into()),
                Note::Turn,
                Note::Error {
                    kind: Some(ErrorKind::Auth),
                    message: message.into(),
                    resets_at: None,
                },
                Note::Result {
                    text: message.into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn a_rate_limit_is_a_rate_limit_error() {
        // Codex does not say when the limit resets (the fake API's retry-after is not shown).
        let message = "exceeded retry limit, last status: 429 Too Many Requests";
        assert_eq!(
            read(include_str!(
                "../../../tests/fixtures/streams/codex-429.jsonl"
            )),
            [
                Note::Session("01a23172-8feb-7251-84da-27109a5f4108".into()),
                Note::Turn,
                Note::Error {
                    kind: Some(ErrorKind::RateLimit),
                    message: message.into(),
                    resets_at: None,
                },
                Note::Result {
                    text: message.into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn a_retried_rate_limit_is_an_error_on_the_way_to_a_result() {
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/codex-429-retried.jsonl"
        ));
        assert_eq!(
            notes[2],
            Note::Error {
                kind: Some(ErrorKind::RateLimit),
                message:
                    "Reconnecting... 1/1 (exceeded retry limit, last status: 429 Too Many Requests)"
                        .into(),
                resets_at: None,
            }
        );
        assert_eq!(
            notes[3..6],
            [
                Note::Activity("Bash cat '.claude/tasks/hello.md'".into()),
                Note::Activity("Write /tmp/git-agents-testB1OkPN/repo/hello.txt".into()),
                Note::Activity("Bash echo ran > ran.txt".into()),
            ]
        );
        assert!(matches!(
            notes.last(),
            Some(Note::Result {
                is_error: false,
                ..
            })
        ));
    }

    #[test]
    fn an_unreachable_api_is_a_network_error() {
        assert_eq!(
            read(include_str!(
                "../../../tests/fixtures/streams/codex-unreachable.jsonl"
            )),
            [
                Note::Session("01a23172-921e-7621-84bf-4b02db6b8fdd".into()),
                Note::Turn,
                Note::Error {
                    kind: Some(ErrorKind::Network),
                    message: "Reconnecting... waiting for network (Connection failed: error sending request)"
                        .into(),
                    resets_at: None,
                },
            ]
        );
    }

    #[test]
    fn items_are_reported_once_and_shells_unwrapped() {
        let mut adapter = Codex::default();
        let lines = [
            r#"{"type":"item.started","item":{"id":"i1","type":"command_execution","command":"bash -lc 'cargo test'"}}"#,
            r#"{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"bash -lc 'cargo test'","exit_code":0}}"#,
            r#"{"type":"item.completed","item":{"id":"i2","type":"command_execution","command":"/bin/zsh -lc \"ls -la\""}}"#,
            r#"{"type":"item.completed","item":{"id":"i3","type":"command_execution","command":"git status"}}"#,
            r#"{"type":"item.completed","item":{"id":"i4","type":"file_change","changes":[{"path":"src/a.rs","kind":"update"},{"path":"old.txt","kind":"delete"}]}}"#,
            r#"{"type":"item.completed","item":{"id":"i5","type":"mcp_tool_call","server":"docs","tool":"search"}}"#,
            r#"{"type":"item.completed","item":{"id":"i6","type":"reasoning","text":"thinking"}}"#,
            r#"{"type":"item.completed","item":{"id":"i7","type":"error","message":"Model metadata not found"}}"#,
            r#"{"type":"turn.failed","error":{"message":"You've hit your usage limit."}}"#,
        ];
        let notes: Vec<Note> = lines
            .iter()
            .flat_map(|l| read_line(&mut adapter, l))
            .collect();
        assert_eq!(
            notes,
            [
                Note::Activity("Bash cargo test".into()),
                Note::Activity("Bash ls -la".into()),
                Note::Activity("Bash git status".into()),
                Note::Activity("Edit src/a.rs".into()),
                Note::Activity("Delete old.txt".into()),
                Note::Activity("docs.search".into()),
                Note::Text("warning: Model metadata not found".into()),
                Note::Error {
                    kind: Some(ErrorKind::RateLimit),
                    message: "You've hit your usage limit.".into(),
                    resets_at: None,
                },
                Note::Result {
                    text: "You've hit your usage limit.".into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Codex::default();
        for line in [
            "Reading additional input from stdin...",
            "{",
            r#"{"type":"new.kind"}"#,
        ] {
            assert_eq!(read_line(&mut adapter, line), [Note::Text(line.into())]);
        }
        for line in [
            r#"{"type":"item.completed"}"#,
            r#"{"type":"item.started","item":{"type":"command_execution"}}"#,
            r#"{"type":"turn.completed"}"#,
            r#"{"type":"thread.started"}"#,
            r#"{"type":"error"}"#,
            r#"{"type":"item.completed","item":{"type":"file_change","changes":"x"}}"#,
        ] {
            let _ = read_line(&mut adapter, line);
        }
        assert_eq!(
            unwrap_shell("bash -lc 'unterminated"),
            "bash -lc 'unterminated"
        );
    }
}
