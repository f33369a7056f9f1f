use super::super::read_line;
use super::*;

/// The notes of every line, as the runner reads them.
fn read(text: &str) -> Vec<Note> {
    super::super::testing::notes_of::<Claude>(text)
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
        "../../../../tests/fixtures/streams/claude-success.jsonl"
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
        "../../../../tests/fixtures/streams/claude-401.jsonl"
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
        "../../../../tests/fixtures/streams/claude-not-logged-in.jsonl"
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
        "../../../../tests/fixtures/streams/claude-429.jsonl"
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
        "../../../../tests/fixtures/streams/claude-429-retried.jsonl"
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
        "../../../../tests/fixtures/streams/claude-max-turns.jsonl"
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
        "../../../../tests/fixtures/streams/claude-bash-denied.jsonl"
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
