//! Each CLI run on its own with its preset argv: what its stream says, read by its adapter,
//! kept as the adapters' fixtures with `GIT_AGENTS_CAPTURE=1`; resuming its session; where
//! it works.

use std::path::Path;
use std::process::{Command, Stdio};

use git_agents::agent::stream::{ErrorKind, Note};

use super::*;
use crate::common::Env;
use crate::fake_api::{Failure, Step};
use crate::real_agents::agent_dir;

/// The output with the test's temporary directory written as `/tmp/git-agents-test`, so a
/// captured fixture does not change with every capture.
fn stable(env: &Env, output: &str) -> String {
    let root = env.root().display().to_string();
    output.replace(&root, "/tmp/git-agents-test")
}

/// Keep the output as `tests/fixtures/streams/<cli>-<case>.jsonl` when `GIT_AGENTS_CAPTURE`
/// is set.
fn capture(env: &Env, cli: &Cli, case: &str, output: &str) {
    if std::env::var_os("GIT_AGENTS_CAPTURE").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/streams");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}-{case}.jsonl", cli.name)),
        stable(env, output),
    )
    .unwrap();
}

/// The CLI on its own: it reads the task, writes the file, runs the command, and its
/// stream says so in the activities its adapter reads, with a session and a result.
pub(super) fn stream_of_a_task(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    let env = task_env(cli);
    let (api, _) = start_api(&format!("more-{}-stream", cli.name), Failure::None);
    let vars = (cli.setup)(&env, &api.base_url());
    let (code, output) = run_direct(
        &env,
        &dir,
        cli,
        &vars,
        "Read .claude/tasks/hello.md and do what it says.",
    );
    capture(&env, cli, "success", &output);
    let why = format!("exit {code:?}\n{output}\n{}", api.summary());
    assert_eq!(code, Some(0), "{why}");
    let steps = api.steps();
    assert!(
        matches!(
            steps.as_slice(),
            [
                Step::Read(_),
                Step::Write { .. },
                Step::Run(_),
                Step::Finish(_)
            ]
        ),
        "{why}"
    );
    assert_eq!(
        env.read(&env.repo.join("hello.txt")),
        format!("hello from {}\n", cli.name)
    );
    assert_eq!(env.read(&env.repo.join("ran.txt")), "ran\n", "{why}");
    let notes = notes(cli, &output);
    let done = activities(&notes);
    assert_eq!(done.len(), 3, "{done:?}\n{why}");
    assert!(
        done[0].starts_with("Read ") && done[0].ends_with(".claude/tasks/hello.md"),
        "{done:?}"
    );
    assert!(
        done[1].starts_with("Write ") && done[1].ends_with("hello.txt"),
        "{done:?}"
    );
    assert_eq!(done[2], "Bash echo ran > ran.txt", "{done:?}");
    assert!(
        notes
            .iter()
            .any(|n| matches!(n, Note::Session(id) if !id.is_empty())),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(
            |n| matches!(n, Note::Result { text, is_error: false } if text.starts_with("Done"))
        ),
        "{notes:?}"
    );
}

/// The CLI on its own against a 401: its exit code, and an error its adapter reads as an
/// authentication failure.
pub(super) fn stream_of_a_401(cli: &Cli, exit: Exit) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    let env = task_env(cli);
    let (api, _) = start_api(&format!("more-{}-401", cli.name), Failure::Unauthorized);
    let vars = (cli.setup)(&env, &api.base_url());
    let (code, output) = run_direct(
        &env,
        &dir,
        cli,
        &vars,
        "Read .claude/tasks/hello.md and do what it says.",
    );
    capture(&env, cli, "401", &output);
    let why = format!("exit {code:?}\n{output}\n{}", api.summary());
    assert!(exit.matches(code), "expected {exit:?}: {why}");
    let notes = notes(cli, &output);
    assert!(
        notes.iter().any(|n| matches!(
            n,
            Note::Error {
                kind: Some(ErrorKind::Auth),
                ..
            }
        )),
        "{notes:?}\n{why}"
    );
    assert!(!env.repo.join("hello.txt").exists());
}

/// The CLI on its own against an API that answers every request with a 429 and says when
/// the limit resets: the adapter reads a rate limit. Slow: every CLI retries for a while.
pub(super) fn stream_of_a_429(cli: &Cli, exit: Exit) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    let env = task_env(cli);
    let failure = Failure::RateLimited {
        times: 1000,
        reset_secs: 1,
    };
    let (api, _) = start_api(&format!("more-{}-429", cli.name), failure);
    let vars = (cli.setup)(&env, &api.base_url());
    let (code, output) = run_direct(
        &env,
        &dir,
        cli,
        &vars,
        "Read .claude/tasks/hello.md and do what it says.",
    );
    capture(&env, cli, "429", &output);
    let why = format!("exit {code:?}\n{output}\n{}", api.summary());
    assert!(exit.matches(code), "expected {exit:?}: {why}");
    let notes = notes(cli, &output);
    assert!(
        notes.iter().any(|n| matches!(
            n,
            Note::Error {
                kind: Some(ErrorKind::RateLimit),
                ..
            }
        )),
        "{notes:?}\n{why}"
    );
}

/// The CLI on its own, twice: the second run, with the preset's resume words and the
/// session id the first run's stream gave, continues that conversation (the model sees
/// the first prompt again) and carries out its own prompt.
pub(super) fn resumes_the_session_from_its_stream(cli: &Cli) {
    let Some(dir) = agent_dir(cli.name) else {
        return;
    };
    let env = task_env(cli);
    let (api, log) = start_api(&format!("more-{}-resume", cli.name), Failure::None);
    let vars = (cli.setup)(&env, &api.base_url());
    // Commands, not files with quoted contents: opencode wraps a prompt with spaces in
    // quotes and escapes the quotes inside.
    let first = "Run `echo 1 > one.txt`.";
    let (code, output) = run_direct(&env, &dir, cli, &vars, first);
    let why = format!("exit {code:?}\n{output}\n{}", api.summary());
    assert_eq!(code, Some(0), "{why}");
    let session = notes(cli, &output)
        .into_iter()
        .find_map(|n| match n {
            Note::Session(id) => Some(id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no session: {why}"));
    let requests_before = user_texts_by_request(&log).len();
    let preset = git_agents::agent::presets::find(cli.name).unwrap();
    let resume = preset.resume.expect("the preset can resume");
    let mut argv = preset_argv(cli.name, "Run `echo 2 > two.txt`.");
    let end = preset.options.len();
    let words = resume.iter().map(|w| w.replace("{session}", &session));
    argv.splice(end..end, words);
    let (code, output) = run_argv(&env, &dir, cli, &vars, &argv);
    let why = format!("{argv:?}: exit {code:?}\n{output}\n{}", api.summary());
    assert_eq!(code, Some(0), "{why}");
    let later = user_texts_by_request(&log).split_off(requests_before);
    assert!(
        later
            .iter()
            .any(|texts| texts.iter().any(|t| t.contains(first))),
        "the resumed run's requests hold the first prompt: {why}"
    );
    let two = std::fs::read_to_string(env.repo.join("two.txt"));
    assert_eq!(two.ok().as_deref(), Some("2\n"), "{why}");
}

/// opencode works in the directory `PWD` names, not in the directory it was started in,
/// unless `--dir` says otherwise: git-agents starts it in the workspace with the user's
/// `PWD`, so without `--dir {workspace}` (or a `PWD` set to the workspace) it would edit
/// the directory git-agents was started from.
#[test]
fn opencode_works_where_pwd_points_unless_dir_is_given() {
    let Some(dir) = agent_dir("opencode") else {
        return;
    };
    let env = Env::new();
    let elsewhere = env.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (api, _) = start_api("more-opencode-pwd", Failure::None);
    let vars = opencode_setup(&env, &api.base_url());
    let run = |prompt: &str, dir_option: bool| {
        let mut argv = preset_argv("opencode", prompt);
        if dir_option {
            let end = git_agents::agent::presets::find("opencode")
                .unwrap()
                .options
                .len();
            argv.splice(
                end..end,
                ["--dir".to_owned(), env.repo.display().to_string()],
            );
        }
        let mut cmd = Command::new(dir.join(&argv[0]));
        cmd.args(&argv[1..]).current_dir(&env.repo);
        isolate(&mut cmd, &env, &dir, &vars);
        cmd.env("PWD", &elsewhere).stdin(Stdio::null());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", api.summary());
    };
    run("Run `echo 1 > one.txt`.", false);
    assert!(elsewhere.join("one.txt").exists(), "{}", api.summary());
    assert!(!env.repo.join("one.txt").exists());
    run("Run `echo 2 > two.txt`.", true);
    assert!(env.repo.join("two.txt").exists(), "{}", api.summary());
    assert!(!elsewhere.join("two.txt").exists());
}
