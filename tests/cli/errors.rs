//! Errors at one edge: the exit codes (1 the environment, 3 a bug), a closed stdout for every
//! command that writes one, and snapshots of the help and of every error message.

mod messages;

use std::process::{Command, Output, Stdio};

use crate::common::{bin, redact, seal, stderr, Env};

/// A task that ran and committed, so every command has something to say.
fn spawned() -> Env {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n# t\n");
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    env
}

/// The binary with a stdout whose reader is already gone: every write to it fails with EPIPE.
fn closed_stdout(env: &Env, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(bin());
    cmd.current_dir(&env.repo).args(args);
    seal(&mut cmd, &env.home);
    cmd.stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn quiet_on_a_closed_stdout(env: &Env, args: &[&str]) {
    let out = closed_stdout(env, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    assert!(
        !err.lines().any(|l| l.starts_with("error:")),
        "{args:?}: {err}"
    );
}

#[test]
fn a_closed_stdout_ends_every_command_quietly_with_141() {
    let env = spawned();
    for args in [
        &["--help"][..],
        &["--version"],
        &["spawn", "--help"],
        &["config"],
        &["config", "--json"],
        &["status"],
        &["status", "--json"],
        &["status", "--watch=0.1"],
        &["logs", "t"],
        &["logs", "--follow", "t"],
        &["verify", "--command", "true"],
        &["verify", "--json", "--command", "true"],
        &["merge", "--dry-run"],
        &["merge", "--dry-run", "--json"],
        &["spawn", "--rerun", "--quiet"],
        &["spawn", "--rerun", "--quiet", "--json"],
        &["clean", "--json"],
    ] {
        quiet_on_a_closed_stdout(&env, args);
    }
    let env = spawned();
    quiet_on_a_closed_stdout(&env, &["clean"]);
    quiet_on_a_closed_stdout(&env, &["merge"]);
    let prefix = env.root().join("prefix");
    quiet_on_a_closed_stdout(
        &env,
        &["install-extras", "--prefix", prefix.to_str().unwrap()],
    );
    let fresh = Env::new();
    quiet_on_a_closed_stdout(&fresh, &["init"]);
}

/// Runs `args` with the test hook set to `how`, with no backtrace to keep the output stable.
fn injected(how: &str, args: &[&str]) -> (Env, Output) {
    let env = Env::new();
    let out = env
        .cmd()
        .env("GIT_AGENTS_TEST_INTERNAL_ERROR", how)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .args(args)
        .output()
        .unwrap();
    (env, out)
}

#[test]
fn an_unexplained_error_is_a_bug_exit_3_with_its_causes() {
    let (env, out) = injected("error", &["config"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.lines().any(|l| l.starts_with("caused by: ")), "{err}");
    assert!(err.contains("this is a bug in git-agents"), "{err}");
    insta::assert_snapshot!("internal_error", redact(&env, &err));
}

#[test]
fn a_panic_is_a_bug_exit_3_and_keeps_its_message() {
    let (env, out) = injected("panic", &["status"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("asked for a panic"), "{err}");
    assert!(err.contains("this is a bug in git-agents"), "{err}");
    // The panic's place moves with every edit of the code around it.
    let located = err.lines().next().unwrap();
    let (before, after) = located.split_once(" at ").unwrap();
    let message = after.split_once(": ").unwrap().1;
    let err = err.replacen(
        located,
        &format!("{before} at [FILE:LINE:COL]: {message}"),
        1,
    );
    insta::assert_snapshot!("panic", redact(&env, &err));
}

#[test]
fn the_hook_is_in_no_help() {
    let env = Env::new();
    for args in [&["--help"][..], &["spawn", "--help"]] {
        let out = env.cmd().args(args).output().unwrap();
        assert!(!crate::common::stdout(&out).contains("GIT_AGENTS_TEST"));
    }
}

/// Exit 1 with the cause chain and no bug report: the system said no.
fn environment_failure(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("\ncaused by: "), "{err}");
    assert!(!err.contains("this is a bug"), "{err}");
    redact(env, &err)
}

#[test]
fn a_damaged_state_file_is_the_environment_not_a_bug() {
    let env = spawned();
    std::fs::write(env.repo.join(".git/agents/state.json"), "{ not json").unwrap();
    insta::assert_snapshot!("damaged_state", environment_failure(&env, &["status"]));
}

#[test]
fn a_missing_object_is_the_environment_not_a_bug() {
    let env = spawned();
    let tip = env.rev("feature/t");
    let object = env
        .repo
        .join(".git/objects")
        .join(&tip[..2])
        .join(&tip[2..]);
    std::fs::remove_file(object).unwrap();
    let err = environment_failure(&env, &["merge", "--dry-run"]);
    insta::assert_snapshot!("missing_object", err.replace(&tip, "[OID]"));
}

#[test]
fn a_state_dir_that_is_a_file_is_the_environment_not_a_bug() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    std::fs::write(env.repo.join(".git/agents"), "a file").unwrap();
    insta::assert_snapshot!(
        "state_dir_is_a_file",
        environment_failure(&env, &["spawn", "--quiet"])
    );
}

#[test]
fn help_snapshots() {
    let env = Env::new();
    let mut pages = vec![("help", vec!["--help"])];
    for sub in [
        "init",
        "spawn",
        "status",
        "logs",
        "continue",
        "done",
        "verify",
        "merge",
        "clean",
        "config",
        "trust",
        "install-extras",
    ] {
        pages.push((sub, vec![sub, "--help"]));
    }
    for (name, args) in pages {
        let out = env
            .cmd()
            .env_remove("COLUMNS")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        insta::assert_snapshot!(format!("help_{name}"), crate::common::stdout(&out));
    }
}
