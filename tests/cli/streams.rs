//! How git-agents reads an agent's event stream, end to end through the claude preset: a fake
//! `claude` (tests/agents/fake-stream-agent) first on PATH streams Claude Code's stream-json
//! events. Activity, tokens, cost and the session land in the log, state, status and the
//! summary; an error result is a failure even with exit 0; a rate limit pauses and retries
//! without spending a retry; silence ends a task as hung; a cost over the budget stops it;
//! `continue` and fix attempts resume the session.

use std::path::PathBuf;

use crate::common::{agents_dir, stderr, stdout, summary, Env};

/// A directory holding `claude`, the fake stream agent.
fn fake_claude(env: &Env) -> PathBuf {
    let dir = env.root().join("fake-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("claude");
    if !link.exists() {
        std::os::unix::fs::symlink(agents_dir().join("fake-stream-agent"), &link).unwrap();
    }
    dir
}

fn argv_log(env: &Env) -> PathBuf {
    env.root().join("argv.log")
}

/// `git agents ARGS` with the fake claude first on PATH, behaving as `stream` says.
fn run(env: &Env, stream: &str, args: &[&str]) -> std::process::Output {
    let path = format!(
        "{}:{}:{}",
        fake_claude(env).display(),
        agents_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.cmd()
        .env("PATH", path)
        .env("FAKE_STREAM", stream)
        .env("FAKE_ARGV_LOG", argv_log(env))
        .env("FAKE_MARKER", env.root().join("marker"))
        .args(args)
        .output()
        .unwrap()
}

fn record(env: &Env, task: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["tasks"][task].clone()
}

fn invocations(env: &Env) -> Vec<String> {
    std::fs::read_to_string(argv_log(env))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn activity_tokens_cost_and_session_are_read_from_the_stream() {
    let env = Env::new();
    env.task("hello", "# Hello\n");
    let out = run(&env, "ok", &["spawn", "--agent", "claude", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The work is committed; the prompt went after `--`, so it can never be read as an option.
    assert_eq!(env.git(&["show", "feature/hello:ran.txt"]), "ran\n");
    let argv = &invocations(&env)[0];
    assert!(
        argv.contains("--output-format stream-json --verbose"),
        "{argv}"
    );
    assert!(argv.contains(" -- Read "), "{argv}");

    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(log.contains("→ Write hello.txt"), "{log}");
    assert!(log.contains("→ Bash echo ran > ran.txt"), "{log}");
    assert!(log.contains("tokens in 150 (cached 50) out 20"), "{log}");
    assert!(
        !log.contains("\"type\":\"system\""),
        "the readable log holds no raw events: {log}"
    );
    let raw = std::fs::read_to_string(env.log("hello").with_file_name("hello.raw.jsonl")).unwrap();
    assert!(raw.lines().all(|l| l.starts_with('{')), "{raw}");
    let logs_raw = env.cmd().args(["logs", "--raw", "hello"]).output().unwrap();
    assert_eq!(stdout(&logs_raw), raw);

    let task = record(&env, "hello");
    let agent = &task["agent"];
    assert_eq!(agent["tokens"]["input"], 150, "{task}");
    assert_eq!(agent["tokens"]["cached"], 50, "{task}");
    assert_eq!(agent["tokens"]["output"], 20, "{task}");
    assert_eq!(agent["cost_usd"], 0.0125, "{task}");
    assert_eq!(agent["activity"], "Bash echo ran > ran.txt", "{task}");
    assert!(
        agent["sessions"][0].as_str().unwrap().starts_with("sess-"),
        "{task}"
    );
    assert_eq!(summary(&out)["tasks"][0]["agent"]["cost_usd"], 0.0125);

    let status = env.cmd().args(["status"]).output().unwrap();
    let table = stdout(&status);
    assert!(table.contains("TOKENS") && table.contains("170"), "{table}");
    assert!(table.contains("$0.0125"), "{table}");
    let table = run(&env, "ok", &["spawn", "--agent", "claude", "--rerun"]);
    let text = stdout(&table);
    assert!(text.contains("total: 170 tokens"), "{text}");
}

#[test]
fn an_error_result_with_exit_zero_is_a_failure_of_its_kind() {
    let env = Env::new();
    env.task("hello", "# Hello\n");
    let out = run(&env, "error-result", &["spawn", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let task = record(&env, "hello");
    assert_eq!(task["state"], "failed", "{task}");
    assert_eq!(task["failure"], "auth", "{task}");
    let message = task["message"].as_str().unwrap();
    assert!(message.starts_with("auth: Invalid API key"), "{message}");
    assert!(stdout(&out).contains("failed (auth)"), "{}", stdout(&out));
}

#[test]
fn a_rate_limit_pauses_and_retries_without_spending_a_retry() {
    let env = Env::new();
    env.task("hello", "# Hello\n");
    env.git(&["config", "agents.retryDelay", "100ms"]);
    let out = run(
        &env,
        "rate-limit-once",
        &["spawn", "--agent", "claude", "--retries", "0"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("waiting: rate limit, resumes"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&["show", "feature/hello:again.txt"]), "again\n");
    let runs = invocations(&env);
    assert_eq!(runs.len(), 2, "{runs:?}");
    // The second run continues the conversation of the first.
    assert!(runs[1].contains("--resume sess-"), "{runs:?}");
    assert_eq!(record(&env, "hello")["attempts"], 2);
}

#[test]
fn silence_ends_a_task_as_hung_and_a_cost_over_budget_stops_it() {
    let env = Env::new();
    env.task("quiet", "# Quiet\n");
    env.git(&["config", "agents.killGrace", "100ms"]);
    let out = run(
        &env,
        "quiet",
        &["spawn", "--agent", "claude", "--idle-timeout", "1s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let task = record(&env, "quiet");
    assert_eq!(task["failure"], "hung", "{task}");
    assert_eq!(task["message"], "hung: no output for 1s", "{task}");

    let out = run(
        &env,
        "costly",
        &["spawn", "--agent", "claude", "--rerun", "--budget", "1"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let task = record(&env, "quiet");
    assert_eq!(task["state"], "over-budget", "{task}");
    assert!(stdout(&out).contains("over budget"), "{}", stdout(&out));
}

#[test]
fn continue_sends_a_follow_up_to_the_same_session_and_commits_it() {
    let env = Env::new();
    env.task("hello", "# Hello\n");
    let out = run(&env, "ok", &["spawn", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = record(&env, "hello")["agent"]["sessions"][0]
        .as_str()
        .unwrap()
        .to_owned();
    env.git(&["config", "agents.agent", "claude"]);
    let out = run(
        &env,
        "more",
        &["continue", "hello", "--prompt", "--version"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The follow-up's work lands on the task's branch, after the first run's.
    assert_eq!(env.git(&["show", "feature/hello:more.txt"]), "more\n");
    assert_eq!(env.git(&["show", "feature/hello:ran.txt"]), "ran\n");
    let runs = invocations(&env);
    let last = runs.last().unwrap();
    assert!(
        last.contains(&format!("--resume {first} -- --version")),
        "{last}"
    );

    let none = Env::new();
    none.task("plain", "---\ncommand: fake-agent write p.txt x\n---\n");
    let out = none.cmd().args(["spawn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = none
        .cmd()
        .args(["continue", "plain", "-p", "more"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot make continue a conversation"),
        "{}",
        stderr(&out)
    );
}
