//! What agents' streams told about a task, kept in its record.

/// What an agent's stream told, summed over the attempts of a task's last run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AgentRecord {
    /// The preset its agent ran with, if it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Tokens spent.
    #[serde(default)]
    pub tokens: crate::agent::stream::Tokens,
    /// Cost in US dollars, where the agent reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The session of each attempt that reported one, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<String>,
    /// What it did last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// When its output last changed what it was doing, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<f64>,
    /// Model round trips.
    #[serde(default)]
    pub turns: u32,
    /// Seconds its agent ran, all attempts together.
    #[serde(default)]
    pub agent_secs: f64,
}

impl AgentRecord {
    /// Nothing recorded.
    pub fn is_empty(&self) -> bool {
        self == &AgentRecord::default()
    }

    /// The session to continue, if any.
    pub fn last_session(&self) -> Option<&str> {
        self.sessions.last().map(String::as_str)
    }
}
