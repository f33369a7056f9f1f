//! What an agent's stream told about one task: its session, what it is doing, what it spent,
//! how it ended. Kept live while the agent runs (the progress line reads it) and recorded in
//! state.

use serde::{Deserialize, Serialize};

use super::stream::{ErrorKind, Note, Tokens};

/// An error the agent reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentError {
    /// Its kind when the stream said it (classified from the words otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ErrorKind>,
    /// The agent's own message, one line.
    pub message: String,
    /// When a rate limit resets, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<i64>,
}

/// What one attempt's stream said so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Telemetry {
    /// The conversation's id.
    pub session: Option<String>,
    /// What the agent does now (or did last).
    pub activity: Option<String>,
    /// Tokens spent.
    pub tokens: Tokens,
    /// Cost in US dollars, where the CLI reports it.
    pub cost_usd: Option<f64>,
    /// Model round trips.
    pub turns: u32,
    /// The final result, if any.
    pub result: Option<String>,
    /// The final result says the run failed.
    pub result_is_error: bool,
    /// The last error it reported.
    pub error: Option<AgentError>,
    /// The last line of plain text (for agents without a stream, and stderr).
    pub last_text: Option<String>,
    /// Something happened that the progress line should show.
    pub changed: bool,
}

impl Telemetry {
    /// Take in one note (activities' paths already relative to the workspace).
    pub fn apply(&mut self, note: &Note) {
        match note {
            Note::Text(text) => {
                let text = crate::text::one_line(text);
                if !text.is_empty() {
                    self.last_text = Some(text);
                    self.changed = true;
                }
            }
            Note::Session(id) => self.session = Some(id.clone()),
            Note::Activity(activity) => {
                let activity = crate::text::one_line(activity);
                self.activity = Some(activity);
                self.changed = true;
            }
            Note::Message(text) => {
                let line = crate::text::one_line(text.lines().next().unwrap_or(""));
                if !line.is_empty() {
                    self.last_text = Some(line);
                    self.changed = true;
                }
            }
            Note::TokensAdded(tokens) => self.tokens = self.tokens.plus(*tokens),
            Note::TokensTotal(tokens) => self.tokens = *tokens,
            Note::CostTotal(cost) => self.cost_usd = Some(*cost),
            Note::CostAdded(cost) => self.cost_usd = Some(self.cost_usd.unwrap_or(0.0) + cost),
            Note::Turn => self.turns += 1,
            Note::Result { text, is_error } => {
                self.result = Some(crate::text::one_line(text));
                self.result_is_error = *is_error;
            }
            Note::Error {
                kind,
                message,
                resets_at,
            } => {
                self.error = Some(AgentError {
                    kind: *kind,
                    message: crate::text::one_line(message),
                    resets_at: *resets_at,
                });
                self.changed = true;
            }
        }
    }

    /// The line the live view shows: the current activity, else the last thing said.
    pub fn display(&self) -> Option<&str> {
        self.activity.as_deref().or(self.last_text.as_deref())
    }

    /// The summary line written to the log when an attempt ends.
    pub fn summary_line(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.tokens.is_zero() {
            parts.push(format!(
                "tokens in {} (cached {}) out {}",
                self.tokens.input, self.tokens.cached, self.tokens.output
            ));
        }
        if let Some(cost) = self.cost_usd {
            parts.push(format!("cost ${cost:.4}"));
        }
        if self.turns > 0 {
            parts.push(format!("turns {}", self.turns));
        }
        if let Some(session) = &self.session {
            parts.push(format!("session {session}"));
        }
        (!parts.is_empty()).then(|| format!("==> git-agents: {}", parts.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_add_up() {
        let mut t = Telemetry::default();
        let tokens = Tokens {
            input: 10,
            output: 2,
            cached: 4,
        };
        t.apply(&Note::Session("s1".into()));
        t.apply(&Note::Activity("Edit src/a.rs".into()));
        t.apply(&Note::TokensAdded(tokens));
        t.apply(&Note::TokensAdded(tokens));
        t.apply(&Note::CostAdded(0.25));
        t.apply(&Note::CostAdded(0.5));
        t.apply(&Note::Text("\u{1b}[32mINFO\u{1b}[0m ok".into()));
        assert_eq!(t.display(), Some("Edit src/a.rs"));
        assert_eq!(t.tokens.input, 20);
        assert_eq!(t.cost_usd, Some(0.75));
        assert_eq!(t.last_text.as_deref(), Some("INFO ok"));
        t.apply(&Note::TokensTotal(tokens));
        assert_eq!(t.tokens, tokens);
        assert!(t.summary_line().unwrap().contains("session s1"));
    }
}
