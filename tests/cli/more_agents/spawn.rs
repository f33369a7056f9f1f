//! Each CLI through `git agents spawn` and `git agents continue`.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::common::{stderr, stdout, Env};
use crate::fake_api::{Failure, FakeApi};
use crate::real_agents::agent_dir;

/// `git agents spawn ARGS` with the CLIs on PATH, sealed like `run_direct`.
fn spawn(env: &Env, dir: &Path, vars: &[(&str, String)], args: &[&str]) -> std::process::Output {
    git_agents(env, dir, vars, &[&["spawn"], args].concat())
}

/// `git agents ARGS` with the CLIs on PATH, sealed like `run_direct`.
fn git_agents(
    env: &Env,
    dir: &Path,
    vars: &[(&str, String)],
    args: &[&str],
) -> std::process::Output {
    let mut cmd = env.cmd();
    let mut std_cmd = Command::new("true");
    isolate(&mut std_cmd, env, dir, vars);
    for (key, value) in std_cmd.get_envs() {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    // git-agents itself runs where PWD says otherwise: the agent must get its workspace as
    // PWD all the same (opencode works where PWD points).
    cmd.env("PWD", &env.repo);
    cmd.args(args).output().unwrap()
}

fn state(env: &Env) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn report(env: &Env, api: &FakeApi, out: &std::process::Output) -> String {
    let log = std::fs::read_to_string(env.log("hello")).unwrap_or_default();
    format!(
        "--- stdout\n{}--- stderr\n{}--- agent log\n{log}--- fake API\n{}",
        stdout(out),
        stderr(out),
        api.summary()
    )
}

/// Through git-agents: the file the agent wrote and the file its command made are both
/// committed on `feature/hello`.
pub(super) fn commits_the_edit_and_the_commands_file(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    if !preset_works(cli) {
        return;
    }
    let env = task_env(cli);
    let (api, _) = start_api(&format!("more-{}-spawn", cli.name), Failure::None);
    let vars = (cli.setup)(&env, &api.base_url());
    let out = spawn(
        &env,
        &dir,
        &vars,
        &["--agent", cli.name, "--timeout", "90s"],
    );
    let why = report(&env, &api, &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    assert_eq!(state(&env)["tasks"]["hello"]["state"], "done", "{why}");
    let files = env.git(&["show", "--name-only", "--format=", "feature/hello"]);
    assert_eq!(files, "hello.txt\nran.txt\n", "{why}");
    assert_eq!(
        env.git(&["show", "feature/hello:hello.txt"]),
        format!("hello from {}\n", cli.name)
    );
    assert_eq!(env.git(&["show", "feature/hello:ran.txt"]), "ran\n");
    // The readable log shows what the agent did, as its stream's adapter read it.
    let log = std::fs::read_to_string(env.log("hello")).unwrap();
    let wrote = log
        .lines()
        .any(|l| l.starts_with("→ Write ") && l.ends_with("hello.txt"));
    assert!(wrote, "{why}");
    assert!(
        log.lines().any(|l| l == "→ Bash echo ran > ran.txt"),
        "{why}"
    );
}

/// Through git-agents: after the task ran, `git agents continue` hands the agent a new
/// prompt in the session its stream named, so the model sees the first conversation again.
pub(super) fn continue_picks_up_the_session(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    if !preset_works(cli) {
        return;
    }
    let env = task_env(cli);
    let (api, log) = start_api(&format!("more-{}-continue", cli.name), Failure::None);
    let vars = (cli.setup)(&env, &api.base_url());
    // The agent by configuration: `continue` does not use the `--agent` the task was
    // spawned with (it would run claude with gemini's session id).
    env.git(&["config", "agents.agent", cli.name]);
    let out = spawn(&env, &dir, &vars, &["--timeout", "90s"]);
    let why = report(&env, &api, &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    let sessions = state(&env)["tasks"]["hello"]["agent"]["sessions"].clone();
    assert_eq!(
        sessions.as_array().map(Vec::len),
        Some(1),
        "{sessions}\n{why}"
    );
    let before = user_texts_by_request(&log).len();
    let follow_up = "Say which files you wrote.";
    let out = git_agents(
        &env,
        &dir,
        &vars,
        &["continue", "hello", "--prompt", follow_up],
    );
    let why = report(&env, &api, &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    let later = user_texts_by_request(&log).split_off(before);
    let continued = later.iter().any(|texts| {
        texts.iter().any(|t| t.contains(follow_up))
            && texts
                .iter()
                .any(|t| t.contains("Read .claude/tasks/hello.md"))
    });
    assert!(continued, "a request holds both prompts: {later:?}\n{why}");
}

/// Through git-agents, the prompt `--version` reaches the model as the user's words: the
/// preset never lets the CLI read it as its own option.
pub(super) fn a_dash_prompt_is_the_prompt(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    if !preset_works(cli) {
        return;
    }
    let env = task_env(cli);
    let (api, log) = start_api(&format!("more-{}-dash", cli.name), Failure::None);
    let vars = (cli.setup)(&env, &api.base_url());
    let out = spawn(
        &env,
        &dir,
        &vars,
        &[
            "--agent",
            cli.name,
            "--timeout",
            "90s",
            "--prompt=--version",
        ],
    );
    let why = report(&env, &api, &out);
    assert_eq!(out.status.code(), Some(0), "{why}");
    let texts = user_texts(&log);
    assert!(
        texts
            .iter()
            .any(|t| t.lines().any(|l| l.trim() == "--version")),
        "{texts:?}\n{why}"
    );
}

/// Through git-agents, a 401 from the API fails the task as an authentication failure.
pub(super) fn a_401_fails_the_task(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    if !preset_works(cli) {
        return;
    }
    let env = task_env(cli);
    let (api, _) = start_api(
        &format!("more-{}-spawn-401", cli.name),
        Failure::Unauthorized,
    );
    let vars = (cli.setup)(&env, &api.base_url());
    let out = spawn(
        &env,
        &dir,
        &vars,
        &["--agent", cli.name, "--timeout", "90s"],
    );
    let why = report(&env, &api, &out);
    assert_eq!(out.status.code(), Some(1), "{why}");
    let task = &state(&env)["tasks"]["hello"];
    assert_eq!(task["state"], "failed", "{why}");
    assert_eq!(task["failure"], "auth", "{task}\n{why}");
    assert_eq!(env.git(&["diff", "--stat", "main", "feature/hello"]), "");
}
