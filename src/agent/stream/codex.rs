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
use super::{kind_in_words, short_arg, Adapter, ErrorKind, Note, Tokens};

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
/// (`unexpected status 401 Unauthorized`, `last status: 429`), else its words (a usage limit,
/// `Reconnecting... waiting for network (Connection failed: …)`).
fn error_kind(message: &str) -> Option<ErrorKind> {
    let lower = message.to_ascii_lowercase();
    let status = lower.match_indices("status").find_map(|(at, word)| {
        let rest = lower[at + word.len()..].trim_start_matches([':', ' ']);
        let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
        number.parse().ok().and_then(status_kind)
    });
    status.or_else(|| kind_in_words(message))
}

#[cfg(test)]
mod tests;
