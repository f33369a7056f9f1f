//! The output edge: colour only when asked for or on a terminal (never in these tests unless
//! `--color always` or CLICOLOR_FORCE says so), tables that align the same painted or not, and
//! `--quiet` that keeps the summary but drops the progress.

use std::process::Output;

use crate::common::{stderr, stdout, Env};
use crate::status::{spawn, three_task_env};

/// `text` without its SGR escape sequences.
fn strip(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            assert_eq!(chars.next(), Some('['), "not an SGR sequence in {text:?}");
            chars.by_ref().find(|c| *c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

fn run(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = env.cmd();
    for (key, value) in vars {
        cmd.env(key, value);
    }
    cmd.args(args).output().unwrap()
}

/// alpha done, beta failed, gamma not started.
fn ran() -> Env {
    let env = three_task_env();
    spawn(&env, &["alpha", "beta"]);
    env
}

#[test]
fn color_always_paints_state_words_and_keeps_the_columns() {
    let env = ran();
    let plain = run(&env, &[], &["status"]);
    let painted = run(&env, &[], &["status", "--color", "always"]);
    assert_eq!(painted.status.code(), Some(0), "{}", stderr(&painted));
    let (plain, painted) = (stdout(&plain), stdout(&painted));
    assert!(!plain.contains('\x1b'), "{plain:?}");
    assert!(painted.contains("\x1b[32mdone\x1b[0m"), "{painted:?}");
    assert!(painted.contains("\x1b[31mfailed\x1b[0m"), "{painted:?}");
    assert!(!painted.contains("\x1b[32mnot started"), "{painted:?}");
    assert_eq!(strip(&painted), plain);
}

#[test]
fn color_never_and_no_color_win_over_clicolor_force() {
    let env = ran();
    let force = [("CLICOLOR_FORCE", "1")];
    let forced = stdout(&run(&env, &force, &["status"]));
    assert!(forced.contains("\x1b[32mdone"), "{forced:?}");
    let never = stdout(&run(&env, &force, &["status", "--color", "never"]));
    assert!(!never.contains('\x1b'), "{never:?}");
    let no_color = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    let auto = stdout(&run(&env, &no_color, &["--color", "auto", "status"]));
    assert!(!auto.contains('\x1b'), "{auto:?}");
    assert_eq!(never, auto);
}

#[test]
fn error_and_hint_prefixes_are_painted_only_when_colour_is_on() {
    let env = ran();
    let plain = run(&env, &[], &["status", "nope"]);
    assert_eq!(plain.status.code(), Some(2));
    let plain = stderr(&plain);
    assert!(plain.starts_with("error: no task named 'nope'"), "{plain}");
    assert!(plain.contains("\nhint: "), "{plain}");

    let painted = run(&env, &[], &["status", "nope", "--color=always"]);
    assert_eq!(painted.status.code(), Some(2));
    let painted = stderr(&painted);
    assert!(
        painted.starts_with("\x1b[1;31merror:\x1b[0m "),
        "{painted:?}"
    );
    assert!(painted.contains("\n\x1b[1;36mhint:\x1b[0m "), "{painted:?}");
    assert_eq!(strip(&painted), plain);

    for (vars, args) in [
        (&[][..], &["--color", "never", "status", "nope"][..]),
        (
            &[("NO_COLOR", "1")][..],
            &["--color", "auto", "status", "nope"][..],
        ),
    ] {
        let out = run(&env, vars, args);
        assert_eq!(stderr(&out), plain, "{vars:?} {args:?}");
    }
}

#[test]
fn clap_follows_the_flag_for_its_own_help_and_errors() {
    let env = Env::new();
    let help = run(&env, &[], &["--color", "always", "status", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains('\x1b'), "{:?}", stdout(&help));
    let usage = run(&env, &[], &["status", "--bogus", "--color=always"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains('\x1b'), "{:?}", stderr(&usage));
    let forced = [("CLICOLOR_FORCE", "1")];
    let never = run(&env, &forced, &["status", "--bogus", "--color", "never"]);
    assert!(!stderr(&never).contains('\x1b'), "{:?}", stderr(&never));
    let bad = run(&env, &[], &["status", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
}

#[test]
fn quiet_spawn_prints_no_progress_and_still_the_summary() {
    let env = Env::new();
    env.task("one", "---\ncommand: fake-agent write one.txt 1\n---\n");
    env.task(
        "idle",
        "---\ncommand: fake-agent echo idle\ncolour: x\n---\n",
    );
    let out = run(&env, &[], &["spawn", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no progress and no warnings");
    let summary = stdout(&out);
    assert!(summary.starts_with("TASK  STATE"), "{summary}");
    assert!(summary.contains("\none   done  "), "{summary}");
    assert!(summary.contains("\nidle  no changes  "), "{summary}");
}

#[test]
fn color_always_paints_the_summary_and_the_warnings_of_plain_progress() {
    let env = Env::new();
    env.task("one", "---\ncommand: fake-agent write one.txt 1\n---\n");
    env.task("two", "---\ncommand: fake-agent exit 4\ncolour: x\n---\n");
    let out = run(&env, &[], &["spawn", "-j", "1", "--color", "always"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let progress = stderr(&out);
    assert!(
        progress.starts_with("\x1b[1;33mwarning:\x1b[0m "),
        "{progress:?}"
    );
    assert!(
        progress.contains("\none: done\n"),
        "state lines stay plain: {progress:?}"
    );
    let summary = stdout(&out);
    assert!(summary.contains("\x1b[32mdone\x1b[0m"), "{summary:?}");
    assert!(summary.contains("\x1b[31mfailed\x1b[0m"), "{summary:?}");
    let rows: Vec<String> = strip(&summary).lines().map(str::to_owned).collect();
    let log = rows[0].find("LOG").unwrap();
    assert!(
        rows[1..]
            .iter()
            .filter(|r| !r.starts_with("run "))
            .all(|r| r.find(".git/agents/logs/") == Some(log)),
        "{rows:?}"
    );
}

#[test]
fn verify_and_config_tables_align_painted_or_not() {
    let env = ran();
    let args = ["verify", "alpha", "--command", "true"];
    let plain = stdout(&run(&env, &[], &args));
    assert!(
        plain.starts_with("TASK   RESULT  DETAILS\nalpha  pass"),
        "{plain:?}"
    );
    let painted = stdout(&run(
        &env,
        &[],
        &[&args[..], &["--color", "always"]].concat(),
    ));
    assert!(painted.contains("\x1b[32mpass\x1b[0m"), "{painted:?}");
    assert_eq!(strip(&painted), plain);
    let config = stdout(&run(&env, &[], &["config", "--color", "always"]));
    assert!(
        !config.contains('\x1b'),
        "nothing in config is a state: {config:?}"
    );
    assert_eq!(config, stdout(&run(&env, &[], &["config"])));
}

#[test]
fn paths_are_shown_relative_to_the_directory_the_command_runs_in() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write a.txt 1\n---\n");
    env.commit_all("a task");
    let sub = env.repo.join("src");
    let out = env.cmd_in(&sub).args(["spawn", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains(" ../.git/agents/logs/t.log"), "{summary}");
    // The path as printed opens the log from there.
    assert!(sub.join("../.git/agents/logs/t.log").is_file());

    env.cmd().args(["merge"]).assert().success();
    let out = env.cmd_in(&sub).args(["clean"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("removed worktree ../../repo.agents/t"),
        "{report}"
    );
}
