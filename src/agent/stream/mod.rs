//! Agents' machine-readable output: one adapter per stream format turns each line into
//! [`Note`]s (what the agent does, says, spends, and how it ended), from which the readable
//! log, the live line, status and the summary are made.
//!
//! Lines that are not JSON (a CLI's stderr shares the pipe) pass through as [`Note::Text`].

mod claude;
mod codex;
mod copilot;
mod gemini;
mod opencode;
mod qwen;
mod render;
#[cfg(test)]
mod testing;

use serde::{Deserialize, Serialize};

pub use render::readable;

/// How an agent's output is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text: every line is shown as it is.
    #[default]
    Text,
    /// Claude Code's `--output-format stream-json --verbose`.
    Claude,
    /// `codex exec --json`.
    Codex,
    /// Gemini CLI's `--output-format stream-json`.
    Gemini,
    /// Qwen Code's `--output-format stream-json` (Claude Code's event shapes).
    Qwen,
    /// `opencode run --format json`.
    Opencode,
    /// Copilot CLI's `--output-format json`.
    Copilot,
}

impl Format {
    /// Every format, as `agents.format` names them.
    pub const ALL: &'static [Format] = &[
        Format::Text,
        Format::Claude,
        Format::Codex,
        Format::Gemini,
        Format::Qwen,
        Format::Opencode,
        Format::Copilot,
    ];

    /// The name `agents.format` uses.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Claude => "claude",
            Format::Codex => "codex",
            Format::Gemini => "gemini",
            Format::Qwen => "qwen",
            Format::Opencode => "opencode",
            Format::Copilot => "copilot",
        }
    }

    /// A fresh adapter for one attempt's output.
    pub fn adapter(self) -> Box<dyn Adapter> {
        match self {
            Format::Text => Box::new(Plain),
            Format::Claude => Box::new(claude::Claude::default()),
            Format::Qwen => Box::new(qwen::Qwen::default()),
            Format::Codex => Box::new(codex::Codex::default()),
            Format::Gemini => Box::new(gemini::Gemini::default()),
            Format::Opencode => Box::new(opencode::Opencode::default()),
            Format::Copilot => Box::new(copilot::Copilot::default()),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = ();
    fn from_str(name: &str) -> Result<Format, ()> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name)
            .ok_or(())
    }
}

/// Token counts. `input` counts every prompt token, cached ones included; `cached` is the
/// part of `input` read from a cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Prompt tokens, cached ones included.
    pub input: u64,
    /// Tokens the model wrote (reasoning included where the CLI counts it).
    pub output: u64,
    /// Prompt tokens read from a cache.
    pub cached: u64,
}

impl Tokens {
    /// Both counts added.
    pub fn plus(self, other: Tokens) -> Tokens {
        Tokens {
            input: self.input + other.input,
            output: self.output + other.output,
            cached: self.cached + other.cached,
        }
    }

    /// No token counted.
    pub fn is_zero(self) -> bool {
        self == Tokens::default()
    }
}

/// Why an agent failed, as far as its output tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// Not logged in, a missing or rejected key (HTTP 401/403).
    Auth,
    /// A rate or usage limit (HTTP 429, "usage limit reached").
    RateLimit,
    /// The API could not be reached.
    Network,
    /// Anything else the agent reports as an error: an error result, a rejected permission.
    AgentError,
}

/// One thing an agent's output line says.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// A line that is not an event (plain output, stderr): shown as it is.
    Text(String),
    /// The session (conversation) id, to continue it later.
    Session(String),
    /// What the agent is doing now, short: `Edit src/auth.rs`, `Bash cargo test`, `Read a.md`.
    Activity(String),
    /// Something the agent said (a complete message, not a fragment of one).
    Message(String),
    /// Tokens of one step, to be added to what was counted so far.
    TokensAdded(Tokens),
    /// Tokens of the whole run so far, replacing what was counted.
    TokensTotal(Tokens),
    /// Cost of the whole run so far, in US dollars, replacing what was counted.
    CostTotal(f64),
    /// Cost of one step, in US dollars, to be added.
    CostAdded(f64),
    /// One turn (a model round trip) began.
    Turn,
    /// The final result; `is_error` when the agent reports that it failed.
    Result {
        /// The agent's final words, or its error message.
        text: String,
        /// The run failed, whatever the exit code says.
        is_error: bool,
    },
    /// An error the agent reports: an API error, a rejected permission.
    Error {
        /// What kind, when the event says so (else classified from the message later).
        kind: Option<ErrorKind>,
        /// The agent's own message.
        message: String,
        /// When a rate limit resets, in seconds since the Unix epoch, if the agent says.
        resets_at: Option<i64>,
    },
}

/// The kind that words like these usually mean, wherever they come from: an adapter's error
/// message without a status or type, or a plain-text agent's last lines.
pub fn kind_in_words(text: &str) -> Option<ErrorKind> {
    let lower = text.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| contains_word(&lower, w));
    if any(&[
        "rate limit",
        "rate_limit",
        "ratelimit",
        "usage limit",
        "too many requests",
        "429",
        "resource_exhausted",
        "quota exceeded",
        "exceeded your current quota",
        "quota increase",
    ]) {
        return Some(ErrorKind::RateLimit);
    }
    if any(&[
        "401",
        "unauthorized",
        "unauthenticated",
        "authentication_error",
        "authenticationerror",
        "authentication failed",
        "invalid api key",
        "invalid x-api-key",
        "incorrect api key",
        "api key not valid",
        "not logged in",
        "please run /login",
        "no auth type",
        "missing api key",
        "403 forbidden",
    ]) {
        return Some(ErrorKind::Auth);
    }
    if any(&[
        "econnrefused",
        "connection refused",
        "enotfound",
        "getaddrinfo",
        "etimedout",
        "econnreset",
        "network error",
        "fetch failed",
        "waiting for network",
        "connection failed",
        "error sending request",
        "stream disconnected",
        "dns error",
        "unable to connect",
        "could not resolve host",
    ]) {
        return Some(ErrorKind::Network);
    }
    None
}

/// Whether `words` occurs in `text`; one that starts or ends with a digit (a status like
/// `401`) only where no digit adjoins it, so that a port or a count holding it is no status.
fn contains_word(text: &str, words: &str) -> bool {
    let digit_edged = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_digit()) || w.ends_with(|c: char| c.is_ascii_digit())
    };
    if !digit_edged(words) {
        return text.contains(words);
    }
    text.match_indices(words).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + words.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// Reads one stream format, line by line; holds what it needs between lines (tool names
/// by id, text being streamed in fragments).
pub trait Adapter: Send {
    /// The notes in one line of output, without its newline; `value` is the line parsed as
    /// JSON when it is JSON. Lines that are not events of the format give [`Note::Text`].
    fn notes(&mut self, line: &str, value: Option<&serde_json::Value>) -> Vec<Note>;
}

/// Parse a line and hand it to the adapter.
pub fn read_line(adapter: &mut dyn Adapter, line: &str) -> Vec<Note> {
    let trimmed = line.trim();
    let value = trimmed
        .starts_with('{')
        .then(|| serde_json::from_str::<serde_json::Value>(trimmed).ok())
        .flatten();
    adapter.notes(line, value.as_ref())
}

/// Plain text output: every line is text.
struct Plain;

impl Adapter for Plain {
    fn notes(&mut self, line: &str, _value: Option<&serde_json::Value>) -> Vec<Note> {
        vec![Note::Text(line.to_owned())]
    }
}

/// A short one-line form of a tool call's input, for an activity: the first string among
/// `keys`, cut to `max` characters.
pub(crate) fn short_arg(input: &serde_json::Value, keys: &[&str], max: usize) -> Option<String> {
    keys.iter()
        .find_map(|key| input.get(*key).and_then(|v| v.as_str()))
        .map(|text| {
            let line = text.lines().next().unwrap_or("").trim();
            if line.chars().count() > max {
                let cut: String = line.chars().take(max.saturating_sub(1)).collect();
                format!("{cut}…")
            } else {
                line.to_owned()
            }
        })
}
