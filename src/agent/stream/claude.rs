//! Claude Code's `--output-format stream-json --verbose` (and Qwen Code's, which copies it):
//! one JSON object a line, `system` (init with the session id), `assistant` and `user`
//! messages, `rate_limit_event`s and one final `result`.
//!
//! An API error arrives as a synthetic assistant message whose `error` field names its kind
//! (`authentication_failed`, `rate_limit`), then as an error result with `api_error_status`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::{short_arg, Adapter, ErrorKind, Note, Tokens};

/// The keys that hold a tool call's main argument, most telling first.
const ARG_KEYS: &[&str] = &[
    "file_path",
    "absolute_path",
    "notebook_path",
    "path",
    "command",
    "pattern",
    "url",
    "query",
    "description",
    "skill",
];

/// The event types of the format (those Claude Code 2.1.197 emits); any other line is text.
const KNOWN: &[&str] = &[
    "system",
    "assistant",
    "user",
    "result",
    "rate_limit_event",
    "stream_event",
    "auth_status",
    "tool_progress",
    "tool_use_summary",
    "keep_alive",
    "control_request",
    "control_response",
    "control_cancel_request",
];

/// How long an activity's argument may be.
const ARG_MAX: usize = 100;

#[derive(Default)]
pub struct Claude {
    /// The session id, once given.
    session: Option<String>,
    /// The id of the last assistant message seen: its content blocks may come as several
    /// events, which are one turn.
    message: Option<String>,
    /// Whether an error note has been given, so an error result does not repeat it.
    reported_error: bool,
    /// When a rejected rate limit resets, from a `rate_limit_event`.
    resets_at: Option<i64>,
}

impl Adapter for Claude {
    fn notes(&mut self, line: &str, value: Option<&Value>) -> Vec<Note> {
        let Some(event) = value.filter(|v| v.is_object()) else {
            return vec![Note::Text(line.to_owned())];
        };
        let kind = event["type"].as_str().unwrap_or("");
        if !KNOWN.contains(&kind) {
            return vec![Note::Text(line.to_owned())];
        }
        let mut notes = Vec::new();
        if let Some(id) = event["session_id"].as_str().filter(|id| !id.is_empty()) {
            if self.session.is_none() {
                self.session = Some(id.to_owned());
                notes.push(Note::Session(id.to_owned()));
            }
        }
        match kind {
            "system" if event["subtype"] == "api_retry" => notes.push(retry(event)),
            "assistant" => self.assistant(event, &mut notes),
            "rate_limit_event" => self.rate_limit(&event["rate_limit_info"]),
            "result" => self.result(event, &mut notes),
            // `system` (init, status), tool results in `user` messages (what the tools said is
            // in the workspace and the next turn), streamed fragments, summaries of tool
            // calls already reported, keep-alives and the control protocol.
            _ => {}
        }
        notes
    }
}

impl Claude {
    fn assistant(&mut self, event: &Value, notes: &mut Vec<Note>) {
        let message = &event["message"];
        if !message.is_object() {
            return;
        }
        let synthetic = message["model"] == "<synthetic>";
        let texts = || {
            message["content"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .filter(|t| !t.trim().is_empty())
        };
        if let Some(kind) = event["error"].as_str() {
            let text: Vec<&str> = texts().collect();
            let message = if text.is_empty() {
                kind.to_owned()
            } else {
                text.join("\n")
            };
            notes.push(self.error(error_kind(kind, &message), message));
            return;
        }
        if !synthetic {
            let id = message["id"].as_str().map(str::to_owned);
            if id.is_none() || id != self.message {
                self.message = id;
                notes.push(Note::Turn);
                let tokens = tokens(&message["usage"]);
                if !tokens.is_zero() {
                    notes.push(Note::TokensAdded(tokens));
                }
            }
        }
        for block in message["content"].as_array().into_iter().flatten() {
            match block["type"].as_str() {
                Some("text") => {
                    if let Some(text) = block["text"].as_str().filter(|t| !t.trim().is_empty()) {
                        notes.push(Note::Message(text.to_owned()));
                    }
                }
                Some("tool_use" | "server_tool_use") => {
                    let name = block["name"].as_str().unwrap_or("tool");
                    notes.push(Note::Activity(activity(name, &block["input"])));
                }
                _ => {}
            }
        }
    }

    fn rate_limit(&mut self, info: &Value) {
        if info["status"] == "rejected" {
            self.resets_at = info["resetsAt"].as_i64().or(self.resets_at);
        }
    }

    fn result(&mut self, event: &Value, notes: &mut Vec<Note>) {
        let tokens = tokens(&event["usage"]);
        if event["usage"].is_object() {
            notes.push(Note::TokensTotal(tokens));
        }
        if let Some(cost) = event["total_cost_usd"].as_f64() {
            notes.push(Note::CostTotal(cost));
        }
        let subtype = event["subtype"].as_str().unwrap_or("");
        let is_error = event["is_error"] == true || subtype.starts_with("error");
        let text = match event["result"].as_str() {
            Some(text) => text.to_owned(),
            None => failure_text(event, subtype),
        };
        for denial in event["permission_denials"].as_array().into_iter().flatten() {
            let name = denial["tool_name"].as_str().unwrap_or("tool");
            let what = activity(name, &denial["tool_input"]);
            let message = format!("permission denied: {what}");
            notes.push(self.error(Some(ErrorKind::AgentError), message));
        }
        if is_error && !self.reported_error {
            let kind = match event["api_error_status"].as_u64() {
                Some(status) => status_kind(status),
                None => error_kind("", &text).or(Some(ErrorKind::AgentError)),
            };
            notes.push(self.error(kind, text.clone()));
        }
        notes.push(Note::Result { text, is_error });
    }

    fn error(&mut self, kind: Option<ErrorKind>, message: String) -> Note {
        self.reported_error = true;
        let resets_at = match kind {
            Some(ErrorKind::RateLimit) => self.resets_at.or_else(|| retry_in(&message)),
            _ => None,
        };
        Note::Error {
            kind,
            message,
            resets_at,
        }
    }
}

/// A failed API request Claude Code is about to retry (`system` / `api_retry`), as an error
/// said on the way.
fn retry(event: &Value) -> Note {
    let status = event["error_status"].as_u64();
    let error = event["error"].as_str().unwrap_or("");
    let kind = error_kind(error, "").or_else(|| status.and_then(status_kind));
    let delay_ms = event["retry_delay_ms"].as_u64();
    let mut message = match (status, error) {
        (Some(status), "") => format!("API error {status}"),
        (Some(status), error) => format!("API error {status} ({error})"),
        (None, "") => "API error".to_owned(),
        (None, error) => format!("API error ({error})"),
    };
    if let Some(attempt) = event["attempt"].as_u64() {
        message.push_str(&format!(", retry {attempt}"));
        if let Some(max) = event["max_retries"].as_u64() {
            message.push_str(&format!(" of {max}"));
        }
    }
    if let Some(ms) = delay_ms {
        message.push_str(&format!(" in {}s", ms.div_ceil(1000)));
    }
    let resets_at = match (kind, delay_ms) {
        (Some(ErrorKind::RateLimit), Some(ms)) => now().map(|now| now + (ms.div_ceil(1000)) as i64),
        _ => None,
    };
    Note::Error {
        kind,
        message,
        resets_at,
    }
}

fn now() -> Option<i64> {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()
}

/// `Edit src/a.rs`, `Bash cargo test`: the tool and its main argument.
fn activity(name: &str, input: &Value) -> String {
    match short_arg(input, ARG_KEYS, ARG_MAX) {
        Some(arg) if !arg.is_empty() => format!("{name} {arg}"),
        _ => name.to_owned(),
    }
}

/// Anthropic usage: `input_tokens` counts only the new prompt tokens, so the cache's are added.
fn tokens(usage: &Value) -> Tokens {
    let count = |key: &str| usage[key].as_u64().unwrap_or(0);
    let cached = count("cache_read_input_tokens");
    Tokens {
        input: count("input_tokens") + cached + count("cache_creation_input_tokens"),
        output: count("output_tokens"),
        cached,
    }
}

/// What an error result without a `result` says: its `errors`, else its subtype.
fn failure_text(event: &Value, subtype: &str) -> String {
    let errors: Vec<&str> = event["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !errors.is_empty() {
        return errors.join("\n");
    }
    match subtype {
        "error_max_turns" => "stopped at the turn limit (--max-turns)".to_owned(),
        "" => "the agent reported an error".to_owned(),
        other => other.replace('_', " "),
    }
}

/// The kind an assistant message's `error` field names, else the HTTP status in its text.
pub(super) fn error_kind(kind: &str, message: &str) -> Option<ErrorKind> {
    match kind {
        "authentication_failed" | "oauth_org_not_allowed" => Some(ErrorKind::Auth),
        "rate_limit" => Some(ErrorKind::RateLimit),
        _ => http_status(message).and_then(status_kind),
    }
}

pub(super) fn status_kind(status: u64) -> Option<ErrorKind> {
    match status {
        401 | 403 => Some(ErrorKind::Auth),
        429 => Some(ErrorKind::RateLimit),
        400..=599 => Some(ErrorKind::AgentError),
        _ => None,
    }
}

/// The status in `API Error: 401 …` or `… (429) …`.
fn http_status(message: &str) -> Option<u64> {
    let after = message.split_once("API Error:")?.1.trim_start();
    let digits = after.trim_start_matches(|c: char| !c.is_ascii_digit());
    let number: String = digits.chars().take_while(char::is_ascii_digit).collect();
    number
        .parse()
        .ok()
        .filter(|status| (100..600).contains(status))
}

/// "try again in 120s": when that is, from now.
pub(super) fn retry_in(message: &str) -> Option<i64> {
    let lower = message.to_ascii_lowercase();
    let after = lower.split_once("try again in ")?.1;
    let number: String = after.chars().take_while(char::is_ascii_digit).collect();
    let amount: i64 = number.parse().ok()?;
    let unit = after[number.len()..].trim_start();
    let seconds = if unit.starts_with("ms") {
        return None;
    } else if unit.starts_with('m') {
        amount * 60
    } else if unit.starts_with('h') {
        amount * 3600
    } else {
        amount
    };
    Some(now()? + seconds)
}

#[cfg(test)]
mod tests {
    use super::super::read_line;
    use super::*;

    /// The notes of every line, as the runner reads them.
    fn read(text: &str) -> Vec<Note> {
        let mut adapter = Claude::default();
        text.lines()
            .flat_map(|line| read_line(&mut adapter, line))
            .collect()
    }

    fn turn_tokens() -> Note {
        Note::TokensAdded(Tokens {
            input: 12 + 9000 + 300,
            output: 40,
            cached: 9000,
        })
    }

    fn unix_now() -> i64 {
        now().unwrap()
    }

    // Each fixture is Claude Code 2.1.197 run with the preset's argv against the suite's
    // fake API (tests/cli/real_agents.rs, `GIT_AGENTS_WRITE_STREAM_FIXTURES=1`).

    #[test]
    fn a_run_that_reads_writes_and_runs_a_command() {
        let ws = "/tmp/git-agents-test1BtfsE/repo";
        let done = "Done: the file is written. Last tool output: (Bash completed with no output)";
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-success.jsonl"
        ));
        assert_eq!(
            notes,
            [
                Note::Session("ac43bbee-06d2-49c3-936c-d2986902fa61".into()),
                Note::Turn,
                turn_tokens(),
                Note::Activity(format!("Read {ws}/.claude/tasks/hello.md")),
                Note::Turn,
                turn_tokens(),
                Note::Activity(format!("Write {ws}/hello.txt")),
                Note::Turn,
                turn_tokens(),
                Note::Activity("Bash echo ran > ran.txt".into()),
                Note::Turn,
                turn_tokens(),
                Note::Message(done.into()),
                Note::TokensTotal(Tokens {
                    input: 48 + 36000 + 1200,
                    output: 160,
                    cached: 36000,
                }),
                Note::CostTotal(0.02974),
                Note::Result {
                    text: done.into(),
                    is_error: false,
                },
            ]
        );
    }

    #[test]
    fn a_rejected_key_is_an_auth_error_and_an_error_result() {
        let message = "Invalid API key · Fix external API key";
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-401.jsonl"
        ));
        assert_eq!(
            notes,
            [
                Note::Session("de7c17a6-1d49-4c17-8e02-20016d0768a9".into()),
                Note::Error {
                    kind: Some(ErrorKind::Auth),
                    message: message.into(),
                    resets_at: None,
                },
                Note::TokensTotal(Tokens::default()),
                Note::CostTotal(0.0),
                Note::Result {
                    text: message.into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn no_login_is_an_auth_error() {
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-not-logged-in.jsonl"
        ));
        assert_eq!(
            notes[1],
            Note::Error {
                kind: Some(ErrorKind::Auth),
                message: "Not logged in · Please run /login".into(),
                resets_at: None,
            }
        );
        assert!(matches!(
            notes.last(),
            Some(Note::Result { is_error: true, text }) if text.starts_with("Not logged in")
        ));
    }

    #[test]
    fn a_rate_limit_says_when_it_resets() {
        let before = unix_now();
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-429.jsonl"
        ));
        let after = unix_now();
        let message =
            "API Error: Request rejected (429) · Rate limit reached. Please try again in 120s.";
        assert_eq!(notes.len(), 5, "{notes:#?}");
        assert_eq!(
            notes[0],
            Note::Session("3ddca335-1705-4eb9-b87d-788247fc0c51".into())
        );
        let Note::Error {
            kind,
            message: said,
            resets_at: Some(resets_at),
        } = &notes[1]
        else {
            panic!("{notes:#?}");
        };
        assert_eq!(
            (*kind, said.as_str()),
            (Some(ErrorKind::RateLimit), message)
        );
        assert!(
            (before + 120..=after + 120).contains(resets_at),
            "{resets_at}"
        );
        assert_eq!(
            notes[4],
            Note::Result {
                text: message.into(),
                is_error: true,
            }
        );
    }

    #[test]
    fn a_retried_rate_limit_is_an_error_on_the_way_to_a_result() {
        let before = unix_now();
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-429-retried.jsonl"
        ));
        let Note::Error {
            kind: Some(ErrorKind::RateLimit),
            message,
            resets_at: Some(resets_at),
        } = &notes[1]
        else {
            panic!("{notes:#?}");
        };
        assert_eq!(message, "API error 429 (rate_limit), retry 1 of 1 in 1s");
        assert!((before + 1..=before + 2).contains(resets_at), "{resets_at}");
        let activities: Vec<&Note> = notes
            .iter()
            .filter(|n| matches!(n, Note::Activity(_)))
            .collect();
        assert_eq!(activities.len(), 3);
        assert_eq!(notes.iter().filter(|n| **n == Note::Turn).count(), 4);
        assert!(matches!(
            notes.last(),
            Some(Note::Result {
                is_error: false,
                ..
            })
        ));
    }

    #[test]
    fn the_turn_limit_is_an_agent_error() {
        let ws = "/tmp/git-agents-testb6zB9L/repo";
        let stop = "Reached maximum number of turns (1)";
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-max-turns.jsonl"
        ));
        assert_eq!(
            notes,
            [
                Note::Session("d48edb35-4ec7-4748-8345-57bb3bcf5ccc".into()),
                Note::Turn,
                turn_tokens(),
                Note::Activity(format!("Read {ws}/.claude/tasks/hello.md")),
                Note::TokensTotal(Tokens {
                    input: 9312,
                    output: 40,
                    cached: 9000,
                }),
                Note::CostTotal(0.007435),
                Note::Error {
                    kind: Some(ErrorKind::AgentError),
                    message: stop.into(),
                    resets_at: None,
                },
                Note::Result {
                    text: stop.into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn a_refused_command_is_an_agent_error_in_a_run_that_succeeds() {
        // Without --allowedTools Bash, acceptEdits refuses `git` ("This command requires
        // approval") and Claude Code still ends with success.
        let ws = "/tmp/git-agents-test4rC3Pq/repo";
        let done = "Done: the file is written. Last tool output: This command requires approval";
        let notes = read(include_str!(
            "../../../tests/fixtures/streams/claude-bash-denied.jsonl"
        ));
        let tail = &notes[notes.len() - 4..];
        assert_eq!(
            tail,
            [
                Note::TokensTotal(Tokens {
                    input: 48 + 36000 + 1200,
                    output: 160,
                    cached: 36000,
                }),
                Note::CostTotal(0.02974),
                Note::Error {
                    kind: Some(ErrorKind::AgentError),
                    message: "permission denied: Bash git --version > ran.txt".into(),
                    resets_at: None,
                },
                Note::Result {
                    text: done.into(),
                    is_error: false,
                },
            ]
        );
        let activities: Vec<&Note> = notes
            .iter()
            .filter(|n| matches!(n, Note::Activity(_)))
            .collect();
        assert_eq!(
            activities,
            [
                &Note::Activity(format!("Read {ws}/.claude/tasks/hello.md")),
                &Note::Activity(format!("Write {ws}/hello.txt")),
                &Note::Activity("Bash git --version > ran.txt".into()),
            ]
        );
        assert_eq!(
            notes[0],
            Note::Session("4821d940-c6f4-4aa8-8a5a-e3df355b3622".into())
        );
    }

    #[test]
    fn odd_lines_are_text_and_never_panic() {
        let mut adapter = Claude::default();
        for line in [
            "plain words",
            "{not json",
            "[1, 2]",
            r#"{"type": "something_new", "session_id": "s"}"#,
            r#"{"no_type": true}"#,
        ] {
            assert_eq!(read_line(&mut adapter, line), [Note::Text(line.into())]);
        }
        for line in [
            r#"{"type": "assistant"}"#,
            r#"{"type": "assistant", "message": {"content": "text, not blocks"}}"#,
            r#"{"type": "result"}"#,
            r#"{"type": "user", "message": null}"#,
            r#"{"type": "system", "subtype": "api_retry"}"#,
        ] {
            let _ = read_line(&mut adapter, line);
        }
        assert_eq!(
            read_line(
                &mut Claude::default(),
                r#"{"type": "result", "is_error": true}"#
            ),
            [
                Note::Error {
                    kind: Some(ErrorKind::AgentError),
                    message: "the agent reported an error".into(),
                    resets_at: None,
                },
                Note::Result {
                    text: "the agent reported an error".into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn blocks_of_one_message_are_one_turn_and_tools_show_their_argument() {
        let mut adapter = Claude::default();
        let block = |content: &str| {
            format!(
                r#"{{"type":"assistant","session_id":"s1","message":{{"id":"m1","content":[{content}]}}}}"#
            )
        };
        let long = "x".repeat(300);
        let lines = [
            block(r#"{"type":"thinking","thinking":"hm"}"#),
            block(r#"{"type":"text","text":"Looking."}"#),
            block(
                r#"{"type":"tool_use","name":"Edit","input":{"file_path":"src/a.rs","old_string":"a"}}"#,
            ),
            block(&format!(
                r#"{{"type":"tool_use","name":"Bash","input":{{"command":"cargo test\necho more {long}"}}}}"#
            )),
            block(r#"{"type":"tool_use","name":"Grep","input":{"pattern":"fn main"}}"#),
            block(r#"{"type":"tool_use","name":"TodoWrite","input":{"todos":[]}}"#),
            block(r#"{"type":"tool_use","name":"read_file","input":{"absolute_path":"/w/b.md"}}"#),
        ];
        let notes: Vec<Note> = lines
            .iter()
            .flat_map(|l| read_line(&mut adapter, l))
            .collect();
        assert_eq!(
            notes,
            [
                Note::Session("s1".into()),
                Note::Turn,
                Note::Message("Looking.".into()),
                Note::Activity("Edit src/a.rs".into()),
                Note::Activity("Bash cargo test".into()),
                Note::Activity("Grep fn main".into()),
                Note::Activity("TodoWrite".into()),
                Note::Activity("read_file /w/b.md".into()),
            ]
        );
    }

    #[test]
    fn a_rejected_subscription_limit_gives_its_reset_to_the_error() {
        let mut adapter = Claude::default();
        let lines = [
            r#"{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1796130000,"rateLimitType":"five_hour"},"session_id":"s"}"#,
            r#"{"type":"assistant","session_id":"s","message":{"id":"x","model":"<synthetic>","content":[{"type":"text","text":"You've hit your limit · resets 3pm"}]},"error":"rate_limit"}"#,
            r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"You've hit your limit · resets 3pm","session_id":"s","permission_denials":[{"tool_name":"Bash","tool_input":{"command":"rm -rf /"}}]}"#,
        ];
        let notes: Vec<Note> = lines
            .iter()
            .flat_map(|l| read_line(&mut adapter, l))
            .collect();
        assert_eq!(
            notes,
            [
                Note::Session("s".into()),
                Note::Error {
                    kind: Some(ErrorKind::RateLimit),
                    message: "You've hit your limit · resets 3pm".into(),
                    resets_at: Some(1796130000),
                },
                Note::Error {
                    kind: Some(ErrorKind::AgentError),
                    message: "permission denied: Bash rm -rf /".into(),
                    resets_at: None,
                },
                Note::Result {
                    text: "You've hit your limit · resets 3pm".into(),
                    is_error: true,
                },
            ]
        );
    }

    #[test]
    fn errors_name_their_kind_by_status() {
        assert_eq!(
            http_status("API Error: 401 {\"type\":\"error\"}"),
            Some(401)
        );
        assert_eq!(
            error_kind("", "API Error: Request rejected (429) · slow down"),
            Some(ErrorKind::RateLimit)
        );
        assert_eq!(
            error_kind("", "API Error: 403 forbidden"),
            Some(ErrorKind::Auth)
        );
        assert_eq!(error_kind("", "something else"), None);
        assert_eq!(
            retry_in("try again in 2m").map(|t| t - unix_now()),
            Some(120)
        );
        assert_eq!(retry_in("Try again in 500ms"), None);
    }
}
