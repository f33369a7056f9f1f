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
    env.scratch("argv.log")
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
        .env("FAKE_MARKER", env.scratch("marker"))
        .args(args)
        .output()
        .unwrap()
}

fn record(env: &Env, task: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["tasks"][task].clone()
}

/// Each run's argv, joined (a prompt's own lines cut off).
fn invocations(env: &Env) -> Vec<String> {
    std::fs::read_to_string(argv_log(env))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with('-'))
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
    // A run of its own: numbered, its log apart, counting only its commit.
    let task = record(&env, "hello");
    assert_eq!(
        (&task["run"], &task["commits"]),
        (&2.into(), &1.into()),
        "{task}"
    );
    let log = env.read(&env.log("hello"));
    assert!(
        log.starts_with("==> git-agents: run 2 · attempt 1/1 · "),
        "{log}"
    );
    assert!(env
        .log("hello")
        .with_file_name("hello.runs/run-1.log")
        .is_file());
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

#[test]
fn preset_args_and_the_turn_limit_go_before_the_prompt_and_a_command_may_stream() {
    let env = Env::new();
    env.task("hello", "# Hello\n");
    env.git(&["config", "agents.preset.claude.args", "--model 'opus 4'"]);
    env.git(&["config", "agents.maxTurns", "7"]);
    let out = run(&env, "ok", &["spawn", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let argv = &invocations(&env)[0];
    assert!(
        argv.contains("acceptEdits --model opus 4 --max-turns 7 -- Read "),
        "{argv}"
    );

    // A command's output is plain text, unless agents.format names its stream.
    let plain = Env::new();
    plain.task("t", "# T\n");
    let command = format!(
        "{} {{prompt}}",
        agents_dir().join("fake-stream-agent").display()
    );
    let out = run(&plain, "ok", &["spawn", "--command", &command]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = std::fs::read_to_string(plain.log("t")).unwrap();
    assert!(log.contains("\"type\":\"system\""), "{log}");
    plain.git(&["config", "agents.format", "claude"]);
    let out = run(&plain, "ok", &["spawn", "--rerun", "--command", &command]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = std::fs::read_to_string(plain.log("t")).unwrap();
    assert!(log.contains("→ Bash echo ran > ran.txt"), "{log}");
}

#[test]
fn an_interrupted_conversation_and_a_fix_attempt_pick_up_the_session() {
    use nix::sys::signal::{kill, Signal};
    let env = Env::new();
    env.task("hello", "# Hello\n");
    let mut cmd = std::process::Command::new(crate::common::bin());
    cmd.current_dir(&env.repo)
        .args(["spawn", "--agent", "claude"]);
    crate::common::seal(&mut cmd, &env.home);
    let path = format!(
        "{}:{}:{}",
        fake_claude(&env).display(),
        agents_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let child = cmd
        .env("PATH", path)
        .env("FAKE_STREAM", "quiet")
        .env("FAKE_ARGV_LOG", argv_log(&env))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let raw = env.log("hello").with_file_name("hello.raw.jsonl");
    crate::lifecycle::wait_for(
        "the agent's first event",
        std::time::Duration::from_secs(20),
        || std::fs::read_to_string(&raw).is_ok_and(|r| r.contains("session_id")),
    );
    kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let session = record(&env, "hello")["agent"]["sessions"][0]
        .as_str()
        .unwrap()
        .to_owned();

    let out = run(&env, "ok", &["spawn", "--agent", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let resumed = invocations(&env).pop().unwrap();
    assert!(
        resumed.contains(&format!("--resume {session} --")),
        "{resumed}"
    );

    // A failed check hands the task back to the same conversation.
    let args = [
        "spawn",
        "--agent",
        "claude",
        "--rerun",
        "--fix-attempts",
        "1",
        "--verify-command",
        "fake-agent exit 1",
    ];
    let before = invocations(&env).len();
    let out = run(&env, "ok", &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let runs = invocations(&env);
    assert_eq!(runs.len(), before + 2, "{runs:?}");
    assert!(
        !runs[before].contains("--resume"),
        "a rerun starts afresh: {runs:?}"
    );
    assert!(runs[before + 1].contains("--resume sess-"), "{runs:?}");
}
