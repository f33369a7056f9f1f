//! Why an agent failed, by kind: what the stream said, else what its last words say, else its
//! exit. An exit 0 whose only result is an error is a failure.

use serde::{Deserialize, Serialize};

use super::stream::{kind_in_words, ErrorKind};
use super::telemetry::Telemetry;

/// The kind of a task's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FailureKind {
    /// Not logged in, or the key was refused (401, 403).
    Auth,
    /// A rate or usage limit (429).
    RateLimit,
    /// The API could not be reached.
    Network,
    /// It ran past its time limit.
    Timeout,
    /// It printed nothing for longer than the idle limit.
    Hung,
    /// The agent reported an error (an error result, a rejected permission), whatever its exit.
    AgentError,
    /// The cost it reported passed the budget.
    OverBudget,
    /// It exited with a code other than 0 (the code is in the record).
    Exit,
    /// A signal killed it.
    Signal,
    /// A setup command (`agents.setup`, front matter `setup:`) failed; the agent never ran.
    Setup,
    /// The batch scheduler ended it for using more memory than its job asked for.
    #[serde(rename = "oom")]
    OutOfMemory,
}

impl FailureKind {
    /// Worth naming beside the state: anything but a plain exit code or signal, which the
    /// record and the message give already.
    pub fn is_telling(self) -> bool {
        !matches!(self, FailureKind::Exit | FailureKind::Signal)
    }

    /// The kind in words, as tables and JSON show it.
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::Auth => "auth",
            FailureKind::RateLimit => "rate-limit",
            FailureKind::Network => "network",
            FailureKind::Timeout => "timeout",
            FailureKind::Hung => "hung",
            FailureKind::AgentError => "agent-error",
            FailureKind::OverBudget => "over-budget",
            FailureKind::Exit => "exit",
            FailureKind::Signal => "signal",
            FailureKind::Setup => "setup",
            FailureKind::OutOfMemory => "oom",
        }
    }
}

impl From<ErrorKind> for FailureKind {
    fn from(kind: ErrorKind) -> FailureKind {
        match kind {
            ErrorKind::Auth => FailureKind::Auth,
            ErrorKind::RateLimit => FailureKind::RateLimit,
            ErrorKind::Network => FailureKind::Network,
            ErrorKind::AgentError => FailureKind::AgentError,
        }
    }
}

/// How an attempt ended, as the runner saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Code(i32),
    Signal,
    TimedOut,
    Hung,
    OverBudget,
    OutOfMemory,
}

/// A failure: its kind, the agent's own words (one line) and, for a rate limit, when it
/// resets (seconds since the Unix epoch) if the agent said.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: Option<String>,
    pub resets_at: Option<i64>,
}

/// Whether the attempt failed, and how. `tail` is the end of its readable log, for agents
/// whose stream says nothing (plain text, or a crash before the first event).
pub fn classify(ending: Ending, telemetry: &Telemetry, tail: &str, now: i64) -> Option<Failure> {
    let reported = telemetry.error.as_ref();
    let said = reported
        .map(|e| e.message.clone())
        .or_else(|| {
            telemetry
                .result_is_error
                .then(|| telemetry.result.clone())
                .flatten()
        })
        .or_else(|| last_words(tail))
        .map(|words| shortened(&words, 240));
    let from_words = |text: &str| kind_in_words(text).map(FailureKind::from);
    let found = |default: FailureKind| {
        // A kind the stream names beats the words, unless it is the catch-all agent error.
        let named = reported.and_then(|e| e.kind.map(FailureKind::from));
        let kind = named
            .filter(|k| *k != FailureKind::AgentError)
            .or_else(|| said.as_deref().and_then(from_words))
            .or_else(|| from_words(tail_end(tail)))
            .or(named)
            .unwrap_or(default);
        let resets_at = reported
            .and_then(|e| e.resets_at)
            .or_else(|| said.as_deref().and_then(|s| resets_at(s, now)))
            .or_else(|| resets_at(tail_end(tail), now));
        Some(Failure {
            kind,
            message: said.clone(),
            resets_at: (kind == FailureKind::RateLimit)
                .then_some(resets_at)
                .flatten(),
        })
    };
    match ending {
        Ending::TimedOut => Some(Failure {
            kind: FailureKind::Timeout,
            message: said.clone(),
            resets_at: None,
        }),
        Ending::Hung => Some(Failure {
            kind: FailureKind::Hung,
            message: said.clone(),
            resets_at: None,
        }),
        Ending::OverBudget => Some(Failure {
            kind: FailureKind::OverBudget,
            message: telemetry.cost_usd.map(|c| format!("it reported ${c:.4}")),
            resets_at: None,
        }),
        Ending::OutOfMemory => Some(Failure {
            kind: FailureKind::OutOfMemory,
            message: said.clone(),
            resets_at: None,
        }),
        Ending::Signal => found(FailureKind::Signal),
        Ending::Code(0) => {
            let error_result =
                telemetry.result_is_error || (telemetry.result.is_none() && reported.is_some());
            if error_result {
                return found(FailureKind::AgentError);
            }
            // A plain-text agent that exits 0 on a refused key (aider does) says so last.
            let refused = telemetry.result.is_none()
                && kind_in_words(tail_end(tail)) == Some(ErrorKind::Auth);
            refused.then(|| found(FailureKind::Auth)).flatten()
        }
        Ending::Code(_) => found(FailureKind::Exit),
    }
}

fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// The last few lines of the tail, where a CLI's final complaint stands.
fn tail_end(tail: &str) -> &str {
    let mut start = tail.len();
    for _ in 0..6 {
        match tail[..start.saturating_sub(1)].rfind('\n') {
            Some(at) => start = at + 1,
            None => return tail,
        }
    }
    &tail[start..]
}

/// What the agent said last about its failure: among its last lines (not git-agents' own),
/// the latest that names an error, else the latest with any words (not a stack trace's `}`).
fn last_words(tail: &str) -> Option<String> {
    let lines: Vec<String> = tail
        .lines()
        .rev()
        .map(crate::text::one_line)
        .filter(|l| l.chars().any(char::is_alphanumeric) && !l.starts_with(crate::text::OWN_LINE))
        .take(12)
        .collect();
    let names_an_error = |l: &&String| {
        let lower = l.to_lowercase();
        ["error", "failed", "denied", "refused", "invalid", "not "]
            .iter()
            .any(|w| lower.contains(w))
    };
    lines.iter().find(names_an_error).or(lines.first()).cloned()
}

/// When a limit resets, from words like "try again in 20s", "resets in 5 minutes",
/// "retry after 30 seconds" or Claude's "usage limit reached|1767225600".
pub fn resets_at(text: &str, now: i64) -> Option<i64> {
    if let Some((_, epoch)) = text.rsplit_once('|') {
        if let Ok(at) = epoch.trim().parse::<i64>() {
            if at > now {
                return Some(at);
            }
        }
    }
    let lower = text.to_lowercase();
    for marker in [
        "again in ",
        "resets in ",
        "reset in ",
        "retry after ",
        "retry in ",
    ] {
        let Some(at) = lower.find(marker) else {
            continue;
        };
        let rest = &lower[at + marker.len()..];
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let Ok(amount) = digits.parse::<f64>() else {
            continue;
        };
        let unit = rest[digits.len()..].trim_start();
        let seconds = if unit.starts_with("ms") {
            amount / 1000.0
        } else if unit.starts_with('m') {
            amount * 60.0
        } else if unit.starts_with('h') {
            amount * 3600.0
        } else {
            amount
        };
        return Some(now + seconds.ceil() as i64);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::telemetry::AgentError;

    #[test]
    fn an_exit_zero_with_an_error_result_fails() {
        let mut t = Telemetry {
            result: Some("Invalid API key · Fix external API key".into()),
            result_is_error: true,
            ..Telemetry::default()
        };
        let failure = classify(Ending::Code(0), &t, "", 0).unwrap();
        assert_eq!(failure.kind, FailureKind::Auth);
        t.result_is_error = false;
        assert_eq!(classify(Ending::Code(0), &t, "", 0), None);
    }

    #[test]
    fn kinds_come_from_the_stream_then_the_words_then_the_exit() {
        let t = Telemetry {
            error: Some(AgentError {
                kind: Some(ErrorKind::RateLimit),
                message: "slow down".into(),
                resets_at: Some(99),
            }),
            ..Telemetry::default()
        };
        let failure = classify(Ending::Code(1), &t, "", 0).unwrap();
        assert_eq!(
            (failure.kind, failure.resets_at),
            (FailureKind::RateLimit, Some(99))
        );
        let plain = Telemetry::default();
        let tail = "starting\nNot logged in · Please run /login\n";
        assert_eq!(
            classify(Ending::Code(1), &plain, tail, 0).unwrap().kind,
            FailureKind::Auth
        );
        assert_eq!(
            classify(Ending::Code(3), &plain, "boom\n", 0).unwrap().kind,
            FailureKind::Exit
        );
        let aider = "litellm.AuthenticationError: Incorrect API key provided\n";
        assert_eq!(
            classify(Ending::Code(0), &plain, aider, 0).unwrap().kind,
            FailureKind::Auth
        );
        assert_eq!(classify(Ending::Code(0), &plain, "all done\n", 0), None);
        assert_eq!(
            classify(Ending::Hung, &plain, "", 0).unwrap().kind,
            FailureKind::Hung
        );
    }

    #[test]
    fn a_status_code_inside_a_longer_number_is_no_status() {
        let plain = Telemetry::default();
        // An agent that exits 0 and prints its port (or a count) last has not failed.
        let port = "GIT_AGENTS_PORT=40123\nfake-agent done\n";
        assert_eq!(classify(Ending::Code(0), &plain, port, 0), None);
        assert_eq!(
            classify(Ending::Code(1), &plain, "read 14290 bytes\n", 0)
                .unwrap()
                .kind,
            FailureKind::Exit
        );
        let refused = "request failed: 401 (key refused)\n";
        assert_eq!(
            classify(Ending::Code(0), &plain, refused, 0).unwrap().kind,
            FailureKind::Auth
        );
        assert_eq!(
            classify(Ending::Code(1), &plain, "HTTP 429\n", 0)
                .unwrap()
                .kind,
            FailureKind::RateLimit
        );
    }

    #[test]
    fn reset_times_are_read_from_the_words() {
        assert_eq!(resets_at("Please try again in 20s.", 100), Some(120));
        assert_eq!(resets_at("limit resets in 5 minutes", 0), Some(300));
        assert_eq!(
            resets_at("Claude AI usage limit reached|2000", 1000),
            Some(2000)
        );
        assert_eq!(resets_at("nothing here", 0), None);
    }
}
