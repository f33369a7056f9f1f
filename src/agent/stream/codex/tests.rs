use super::super::read_line;
use super::*;

/// The notes of every line but Codex's plain stderr lines, as the runner reads them.
fn read(text: &str) -> Vec<Note> {
    super::super::testing::notes_of::<Codex>(text)
        .into_iter()
        .filter(|n| !matches!(n, Note::Text(_)))
        .collect()
}

// Each fixture is Codex 0.171.0 run with the preset's argv against the suite's fake API,
// with Codex's default model (tests/cli/real_agents.rs, `GIT_AGENTS_WRITE_STREAM_FIXTURES=1`).

#[test]
fn a_run_that_reads_writes_and_runs_a_command() {
    let text = include_str!("../../../../tests/fixtures/streams/codex-success.jsonl");
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
            "../../../../tests/fixtures/streams/codex-401.jsonl"
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
            "../../../../tests/fixtures/streams/codex-429.jsonl"
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
        "../../../../tests/fixtures/streams/codex-429-retried.jsonl"
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
            "../../../../tests/fixtures/streams/codex-unreachable.jsonl"
        )),
        [
            Note::Session("01a23172-921e-7621-84bf-4b02db6b8fdd".into()),
            Note::Turn,
            Note::Error {
                kind: Some(ErrorKind::Network),
                message:
                    "Reconnecting... waiting for network (Connection failed: error sending request)"
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
