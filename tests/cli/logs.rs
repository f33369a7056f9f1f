//! logs: the log byte for byte, following it to the task's end, and clear errors.

use std::time::{Duration, Instant};

use crate::common::{stderr, stdout, Env};
use crate::status::{background, run, spawn, wait_for};

#[test]
fn prints_the_log_byte_for_byte() {
    let env = Env::new();
    env.task(
        "noisy",
        "---\ncommand: fake-agent echo hello junk stderr oops\n---\n",
    );
    spawn(&env, &["noisy"]);
    let out = run(&env, &["logs", "noisy"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = std::fs::read(env.log("noisy")).unwrap();
    assert_eq!(out.stdout, log, "binary junk is passed through untouched");
    let text = stdout(&out);
    assert!(
        text.starts_with("==> git-agents: run 1 · attempt 1/1 · "),
        "{text}"
    );
    assert!(
        text.contains("hello\n") && text.contains("oops\n"),
        "{text}"
    );
}

#[test]
fn follow_ends_when_the_task_ends() {
    let env = Env::new();
    env.task(
        "slow",
        "---\ncommand: fake-agent echo first sleep 2 echo second write s.txt s\n---\n",
    );
    let mut spawn = background(&env, &["spawn", "-q", "slow"]);
    wait_for("the log to start", || {
        std::fs::read_to_string(env.log("slow")).is_ok_and(|l| l.contains("first"))
    });
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["logs", "-f", "slow"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "it waited for the task"
    );
    assert!(spawn.wait().unwrap().success());
    let text = stdout(&out);
    assert!(
        text.contains("first\n") && text.contains("second\n"),
        "{text}"
    );
    assert!(text.ends_with("fake-agent done\n"), "{text}");
    assert_eq!(out.stdout, std::fs::read(env.log("slow")).unwrap());
}

#[test]
fn follow_of_a_finished_task_returns_at_once() {
    let env = Env::new();
    env.task("quick", "---\ncommand: fake-agent echo hi\n---\n");
    spawn(&env, &["quick"]);
    let out = env
        .cmd()
        .args(["logs", "--follow", "quick"])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("hi\n"));
}

#[test]
fn unknown_task_and_missing_log_are_clear_errors() {
    let env = Env::new();
    env.task("later", "# not run yet\n");
    let out = run(&env, &["logs", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("error: no task named 'nope'"), "{err}");
    assert!(err.contains("hint: known tasks: later"), "{err}");

    let out = run(&env, &["logs", "later"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "error: task 'later' has no log yet: .git/agents/logs/later.log does not exist"
        ),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
    assert!(out.stdout.is_empty());
}
