//! The real agent CLIs, Claude Code and Codex, run by `git agents spawn` with their presets and
//! pointed at the suite's fake model API on 127.0.0.1: what the agent writes (files, a
//! command's output) must end up committed on its branch, the prompt must reach the model
//! even when it looks like an option, and a missing or rejected login must end as a clear
//! per-task failure. `streams` runs the CLIs directly and reads their output with the stream
//! adapters; `argv` checks the presets' resume and confined-sandbox words.
//!
//! The CLIs come from npm (`tests/real-agents/package.json`, installed by `.ci/run` into
//! `target/real-agents`). Without them the tests say so and pass, except under `CI=true` or
//! with `GIT_AGENTS_REAL_AGENTS` set, where a missing CLI fails the test.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::{stderr, stdout, Env};
use crate::fake_api::{Failure, FakeApi, Step};

mod argv;
mod resolve;
mod streams;

/// The directory holding `claude` and `codex`: `$GIT_AGENTS_REAL_AGENTS`, else the place
/// `.ci/run` installs them.
pub(crate) fn real_agents_dir() -> (PathBuf, bool) {
    match std::env::var_os("GIT_AGENTS_REAL_AGENTS") {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), true),
        _ => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/real-agents/node_modules/.bin"),
            false,
        ),
    }
}

pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The directory with `program`, or `None` (after saying why) when a developer has not
/// installed it. In CI, or when `GIT_AGENTS_REAL_AGENTS` names the directory, a missing CLI
/// is a failure.
pub(crate) fn agent_dir(program: &str) -> Option<PathBuf> {
    let (dir, named) = real_agents_dir();
    if dir.join(program).is_file() {
        return Some(dir);
    }
    let notice = format!(
        "real agent '{program}' is not installed in {}; install the pinned CLIs as .ci/run \
         does (npm ci with tests/real-agents/package*.json copied to target/real-agents), \
         or set GIT_AGENTS_REAL_AGENTS to a directory holding claude and codex",
        dir.display()
    );
    assert!(!in_ci() && !named, "{notice}");
    eprintln!("SKIPPED: {notice}");
    None
}

/// The fake API, logging to `target/tmp/fake-api/<name>.jsonl`, kept after the test for reading.
pub(crate) fn start_api(name: &str) -> FakeApi {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-api");
    std::fs::create_dir_all(&dir).unwrap();
    FakeApi::start(&dir.join(format!("{name}.jsonl")))
}

/// [`start_api`], failing model requests as `failure` says.
fn start_failing_api(name: &str, failure: Failure) -> FakeApi {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fake-api");
    std::fs::create_dir_all(&dir).unwrap();
    FakeApi::start_failing(&dir.join(format!("{name}.jsonl")), failure)
}

/// A port on 127.0.0.1 where nothing listens.
pub(crate) fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The task both agents get: the default prompt tells the agent to read this file.
pub(crate) fn hello_env(content: &str) -> Env {
    let env = Env::new();
    env.task(
        "hello",
        &format!("# Hello\n\nCreate hello.txt containing \"{content}\".\n"),
    );
    env.write("CLAUDE.md", "# Conventions\nKeep it short.\n");
    env
}

/// `git agents spawn ARGS` with the real agents on PATH, no credentials or proxies from the
/// host, and every non-loopback connection sent to a proxy that is not there.
pub(crate) fn spawn(
    env: &Env,
    dir: &Path,
    vars: &[(&str, String)],
    args: &[&str],
) -> std::process::Output {
    real_agents_cmd(env, dir, vars)
        .arg("spawn")
        .args(args)
        .output()
        .unwrap()
}

/// `git agents` as [`spawn`] runs it: the real agents on PATH, sealed from the host's network.
pub(crate) fn real_agents_cmd(
    env: &Env,
    dir: &Path,
    vars: &[(&str, String)],
) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    for key in [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "CODEX_API_KEY",
        "CODEX_HOME",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
    ] {
        cmd.env_remove(key).env_remove(key.to_ascii_uppercase());
    }
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let nowhere = format!("http://127.0.0.1:{}", dead_port());
    cmd.env("PATH", path)
        .env("HTTP_PROXY", &nowhere)
        .env("HTTPS_PROXY", &nowhere)
        .env("ALL_PROXY", &nowhere)
        .env("NO_PROXY", "127.0.0.1,localhost");
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd
}

fn claude_vars(base_url: String, key: Option<&str>) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("ANTHROPIC_BASE_URL", base_url),
        ("CLAUDE_CODE_MAX_RETRIES", "0".into()),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
        ("DISABLE_TELEMETRY", "1".into()),
        ("DISABLE_AUTOUPDATER", "1".into()),
        ("DISABLE_ERROR_REPORTING", "1".into()),
    ];
    if let Some(key) = key {
        vars.push(("ANTHROPIC_API_KEY", key.into()));
    }
    vars
}

/// Point Codex at `base_url` with a provider in the sealed HOME's `~/.codex/config.toml`:
/// the preset's argv stays as it is, and Codex ignores `OPENAI_BASE_URL`. No websocket
/// attempt, no retries, and Codex's own default model, which gets its tools as a JavaScript
/// `exec` tool (see the fake's `openai` module), as users' runs do.
fn codex_config(env: &Env, base_url: &str) {
    codex_config_retrying(env, base_url, 0);
}

/// [`codex_config`], with Codex retrying a failed request `retries` times.
fn codex_config_retrying(env: &Env, base_url: &str, retries: u32) {
    let dir = env.home.join(".codex");
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        r#"model_provider = "fake"

[model_providers.fake]
name = "fake model API"
base_url = "{base_url}/v1"
env_key = "CODEX_API_KEY"
wire_api = "responses"
supports_websockets = false
request_max_retries = {retries}
stream_max_retries = {retries}
"#
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
}

fn state(env: &Env) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Everything worth reading when a real-agent run goes wrong.
fn report(env: &Env, api: Option<&FakeApi>, out: &std::process::Output) -> String {
    let log = std::fs::read_to_string(env.log("hello")).unwrap_or_default();
    let api = api.map(FakeApi::summary).unwrap_or_default();
    format!(
        "--- stdout\n{}--- stderr\n{}--- agent log\n{log}--- fake API\n{api}",
        stdout(out),
        stderr(out)
    )
}

/// The agent read the task file, wrote hello.txt, finished; git-agents committed exactly that.
fn assert_file_committed(env: &Env, api: &FakeApi, out: &std::process::Output, content: &str) {
    let why = report(env, Some(api), out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    assert_eq!(state(env)["tasks"]["hello"]["state"], "done", "{why}");
    let read_write_finish = match api.steps().as_slice() {
        [Step::Read(task), Step::Write { path, content: c }, Step::Finish(_)] => {
            task == ".claude/tasks/hello.md" && path == "hello.txt" && *c == format!("{content}\n")
        }
        _ => false,
    };
    assert!(
        read_write_finish,
        "read the task, write hello.txt, finish: {why}"
    );
    assert_eq!(
        env.git(&["show", "feature/hello:hello.txt"]),
        format!("{content}\n")
    );
    assert_eq!(
        env.git(&["diff", "--name-only", "main", "feature/hello"]),
        "hello.txt\n",
        "only the agent's file is committed, not the copied task file: {why}"
    );
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "feature/hello"]),
        "feat: hello implementation\n"
    );
}

#[test]
fn claude_code_writes_a_file_that_is_committed_on_its_branch() {
    let Some(dir) = agent_dir("claude") else {
        return;
    };
    let started = Instant::now();
    let env = hello_env("hello from claude");
    let api = start_api("claude");
    let vars = claude_vars(api.base_url(), Some("test-key"));
    let out = spawn(
        &env,
        &dir,
        &vars,
        &["--agent", "claude", "--timeout", "90s"],
    );
    assert_file_committed(&env, &api, &out, "hello from claude");
    eprintln!("claude end to end: {:?}", started.elapsed());
}

#[test]
fn codex_writes_a_file_that_is_committed_on_its_branch() {
    let Some(dir) = agent_dir("codex") else {
        return;
    };
    let started = Instant::now();
    let env = hello_env("hello from codex");
    let api = start_api("codex");
    codex_config(&env, &api.base_url());
    let vars = [("CODEX_API_KEY", "test-key".to_owned())];
    let out = spawn(&env, &dir, &vars, &["--agent", "codex", "--timeout", "90s"]);
    assert_file_committed(&env, &api, &out, "hello from codex");
    eprintln!("codex end to end: {:?}", started.elapsed());
}

#[test]
fn claude_code_without_credentials_fails_with_its_message() {
    let Some(dir) = agent_dir("claude") else {
        return;
    };
    let started = Instant::now();
    let env = hello_env("never written");
    let no_server = format!("http://127.0.0.1:{}", dead_port());
    let vars = claude_vars(no_server, None);
    let out = spawn(
        &env,
        &dir,
        &vars,
        &["--agent", "claude", "--timeout", "60s"],
    );
    let why = report(&env, None, &out);
    assert_eq!(out.status.code(), Some(1), "{why}");
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["state"], "failed", "{why}");
    assert_eq!(task["exit_code"], 1, "{why}");
    assert_eq!(task["failure"], "auth", "{why}");
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(log.contains("Not logged in"), "{why}");
    assert!(
        stderr(&out).contains("hello: failed: auth (exit 1): Not logged in · Please run /login"),
        "{why}"
    );
    assert_eq!(env.git(&["diff", "--stat", "main", "feature/hello"]), "");
    eprintln!("claude without credentials: {:?}", started.elapsed());
}

#[test]
fn codex_without_credentials_hangs_until_the_timeout() {
    let Some(dir) = agent_dir("codex") else {
        return;
    };
    let started = Instant::now();
    let env = hello_env("never written");
    env.git(&["config", "agents.killGrace", "1s"]);
    // No key and the built-in OpenAI provider, moved to a port where nothing listens (so no
    // request leaves the machine): Codex waits for the network and retries forever.
    let codex_home = env.home.join(".codex");
    std::fs::create_dir_all(&codex_home).unwrap();
    let config = format!(
        "openai_base_url = \"http://127.0.0.1:{}/v1\"\n",
        dead_port()
    );
    std::fs::write(codex_home.join("config.toml"), config).unwrap();
    let out = spawn(&env, &dir, &[], &["--agent", "codex", "--timeout", "8s"]);
    let elapsed = started.elapsed();
    let why = report(&env, None, &out);
    assert_eq!(out.status.code(), Some(1), "{why}");
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["state"], "timed-out", "{why}");
    assert!(
        task["message"].as_str().unwrap_or("").contains("8s"),
        "{why}"
    );
    assert!(stderr(&out).contains("hello: timed out"), "{why}");
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(log.contains("Reconnecting"), "it was retrying: {why}");
    assert_eq!(env.git(&["diff", "--stat", "main", "feature/hello"]), "");
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}: {why}");
    eprintln!("codex without credentials: {elapsed:?}");
}

/// `git agents spawn --agent AGENT ARGS` against `api`, with a key it accepts (if the API
/// does) and no retries.
fn spawn_agent(env: &Env, agent: &str, api: &FakeApi, args: &[&str]) -> std::process::Output {
    let dir = real_agents_dir().0;
    let mut all = vec!["--agent", agent, "--timeout", "90s"];
    all.extend(args);
    if agent == "claude" {
        let vars = claude_vars(api.base_url(), Some("test-key"));
        spawn(env, &dir, &vars, &all)
    } else {
        codex_config(env, &api.base_url());
        let vars = [("CODEX_API_KEY", "test-key".to_owned())];
        spawn(env, &dir, &vars, &all)
    }
}

/// The task says to write a file and to run a command that writes another: both are
/// committed on the task's branch, and nothing else.
fn assert_writes_and_runs(agent: &str) {
    let env = Env::new();
    env.task(
        "hello",
        "# Hello\n\nCreate hello.txt containing \"hi\". Then Run `echo ran > ran.txt`.\n",
    );
    let api = start_api(&format!("{agent}-write-and-run"));
    let out = spawn_agent(&env, agent, &api, &[]);
    let why = report(&env, Some(&api), &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    assert_eq!(state(&env)["tasks"]["hello"]["state"], "done", "{why}");
    assert_eq!(
        api.steps()
            .iter()
            .filter(|s| matches!(s, Step::Run(c) if c == "echo ran > ran.txt"))
            .count(),
        1,
        "{why}"
    );
    assert_eq!(
        env.git(&["show", "--name-only", "--format=", "feature/hello"]),
        "hello.txt\nran.txt\n",
        "{why}"
    );
    assert_eq!(env.git(&["show", "feature/hello:ran.txt"]), "ran\n");
    assert_eq!(env.git(&["show", "feature/hello:hello.txt"]), "hi\n");

    // What the agent did reads in its log, its tokens (and claude's cost) in state and status.
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(log.contains("→ Bash echo ran > ran.txt"), "{log}");
    assert!(log.contains("hello.txt"), "{log}");
    let task = &state(&env)["tasks"]["hello"];
    let tokens = &task["agent"]["tokens"];
    assert!(tokens["input"].as_u64().unwrap() > 0, "{task}");
    assert!(tokens["cached"].as_u64().unwrap() > 0, "{task}");
    assert!(tokens["output"].as_u64().unwrap() > 0, "{task}");
    assert!(
        !task["agent"]["sessions"][0].as_str().unwrap().is_empty(),
        "{task}"
    );
    if agent == "claude" {
        assert!(task["agent"]["cost_usd"].as_f64().unwrap() > 0.0, "{task}");
    }
    let status = env.cmd().args(["status", "--json"]).output().unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let row = &status["tasks"][0];
    assert_eq!(row["agent"]["tokens"], *tokens, "{row}");
    assert!(row["agent"]["activity"].as_str().is_some(), "{row}");
}

#[test]
fn claude_code_writes_a_file_and_runs_a_command_and_both_are_committed() {
    if agent_dir("claude").is_some() {
        assert_writes_and_runs("claude");
    }
}

#[test]
fn codex_writes_a_file_and_runs_a_command_and_both_are_committed() {
    if agent_dir("codex").is_some() {
        assert_writes_and_runs("codex");
    }
}

/// `--prompt=--version` is the agent's prompt: the model is asked `--version` (and, finding
/// no task file in it, says so), the CLI does not print its version and exit.
fn assert_prompt_is_never_an_option(agent: &str, version: &str) {
    let env = hello_env("never written");
    let api = start_api(&format!("{agent}-option-prompt"));
    let out = spawn_agent(&env, agent, &api, &["--prompt=--version"]);
    let why = report(&env, Some(&api), &out);
    let prompts: Vec<String> = api
        .conversations()
        .into_iter()
        .flat_map(|c| c.user_texts)
        .collect();
    assert!(
        prompts.iter().any(|t| t == "--version"),
        "{prompts:#?}\n{why}"
    );
    assert!(
        matches!(api.steps().as_slice(), [Step::Finish(_)]),
        "the model got the prompt and answered it: {why}"
    );
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(!log.contains(version), "the CLI printed its version: {why}");
    assert_eq!(env.git(&["diff", "--stat", "main", "feature/hello"]), "");
}

#[test]
fn claude_code_gets_a_prompt_that_looks_like_an_option_as_its_prompt() {
    if agent_dir("claude").is_some() {
        assert_prompt_is_never_an_option("claude", "(Claude Code)");
    }
}

#[test]
fn codex_gets_a_prompt_that_looks_like_an_option_as_its_prompt() {
    if agent_dir("codex").is_some() {
        assert_prompt_is_never_an_option("codex", "codex-cli");
    }
}

/// A rejected key fails the task with the agent's own message in its log.
fn assert_rejected_key_fails(agent: &str, said: &str) {
    let env = hello_env("never written");
    let api = start_failing_api(&format!("{agent}-401"), Failure::Unauthorized);
    let out = spawn_agent(&env, agent, &api, &[]);
    let why = report(&env, Some(&api), &out);
    assert_eq!(out.status.code(), Some(1), "{why}");
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["state"], "failed", "{why}");
    assert_eq!(task["exit_code"], 1, "{why}");
    assert_eq!(task["failure"], "auth", "{why}");
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    assert!(log.contains(said), "{why}");
    assert!(api.steps().is_empty(), "no request was answered: {why}");
    assert_eq!(env.git(&["diff", "--stat", "main", "feature/hello"]), "");
}

#[test]
fn claude_code_with_a_rejected_key_fails_its_task() {
    if agent_dir("claude").is_some() {
        assert_rejected_key_fails("claude", "Invalid API key");
    }
}

#[test]
fn codex_with_a_rejected_key_fails_its_task() {
    if agent_dir("codex").is_some() {
        assert_rejected_key_fails("codex", "401 Unauthorized");
    }
}

/// A model API that stops answering: the agent goes quiet, and the idle limit ends it as hung.
#[test]
fn claude_code_against_a_server_that_stops_answering_is_hung() {
    if agent_dir("claude").is_none() {
        return;
    }
    let env = hello_env("never written");
    env.git(&["config", "agents.killGrace", "200ms"]);
    let api = start_failing_api("claude-stalled", Failure::Stalled);
    let started = Instant::now();
    let out = spawn_agent(&env, "claude", &api, &["--idle-timeout", "3s"]);
    let why = report(&env, Some(&api), &out);
    assert_eq!(out.status.code(), Some(1), "{why}");
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["failure"], "hung", "{why}");
    assert!(started.elapsed() < Duration::from_secs(60), "{why}");
}

/// A 429 that says when to try again: the run waits that long, then the task runs again
/// without spending a retry, and the second attempt's work is committed.
#[test]
fn claude_code_rate_limited_waits_for_the_reset_and_is_retried_for_free() {
    if agent_dir("claude").is_none() {
        return;
    }
    let env = Env::new();
    env.task(
        "hello",
        "# Hello\n\nCreate hello.txt containing \"after the limit\".\n",
    );
    let failure = Failure::RateLimited {
        times: 1,
        reset_secs: 2,
    };
    let api = start_failing_api("claude-429-pause", failure);
    let out = spawn_agent(&env, "claude", &api, &["--retries", "0"]);
    let why = report(&env, Some(&api), &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    assert_eq!(
        env.git(&["show", "feature/hello:hello.txt"]),
        "after the limit\n"
    );
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["state"], "done", "{why}");
    // With its own retries off (the suite's CLAUDE_CODE_MAX_RETRIES=0), Claude Code gives up
    // at once, saying when to try again: git-agents waits that long, then runs it again.
    assert!(
        stderr(&out).contains("waiting: rate limit, resumes"),
        "{why}"
    );
    assert_eq!(task["attempts"], 2, "{why}");
    assert!(task["failure"].is_null(), "{why}");
}
