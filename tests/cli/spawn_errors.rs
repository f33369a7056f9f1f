//! Bad input to spawn: one line of what is wrong, one of what to do, exit 2, nothing created.

use crate::common::{stderr, Env};

fn branches(env: &Env) -> String {
    env.git(&["for-each-ref", "--format=%(refname)", "refs/heads"])
}

/// Run spawn, expect a usage error whose message contains `what`, and check nothing was made.
fn refused(env: &Env, args: &[&str], what: &str) -> String {
    let before = if env.repo.join(".git").exists() {
        branches(env)
    } else {
        String::new()
    };
    let out = env.cmd().arg("spawn").args(args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "one line of what, one of what to do: {err}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(what),
        "{err}"
    );
    assert!(lines[1].starts_with("hint: "), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        !env.root().join("repo.agents").exists(),
        "no workspace made"
    );
    assert!(
        !env.repo.join(".git/agents/logs").exists(),
        "no log dir made"
    );
    if env.repo.join(".git").exists() {
        assert_eq!(branches(env), before, "no branch made");
        assert!(!env.repo.join(".git/agents/state.json").exists());
    }
    err
}

#[test]
fn not_a_git_repository() {
    let env = Env::bare_dir();
    refused(&env, &[], "not a git repository");
}

#[test]
fn a_bare_repository() {
    let env = Env::bare_dir();
    env.git(&["init", "-q", "--bare"]);
    refused(&env, &[], "bare repository");
}

#[test]
fn no_tasks_directory_and_an_empty_one() {
    let env = Env::new();
    refused(&env, &[], "no tasks directory");
    std::fs::create_dir_all(env.repo.join(".claude/tasks")).unwrap();
    env.write(".claude/tasks/notes.txt", "not a task");
    refused(&env, &[], "no tasks");
}

#[test]
fn an_unknown_task() {
    let env = Env::new();
    env.task("real", "# x\n");
    let err = refused(
        &env,
        &["real", "imaginary", "--command", "true"],
        "no task named 'imaginary'",
    );
    assert!(err.contains("known tasks: real"));
}

#[test]
fn an_invalid_base() {
    let env = Env::new();
    env.task("t", "# x\n");
    let err = refused(
        &env,
        &["--base", "no-such-rev", "--command", "true"],
        "base 'no-such-rev' does not name a commit",
    );
    assert!(err.contains("hint: pass --base "), "{err}");
}

#[test]
fn a_destination_that_is_not_our_worktree() {
    let env = Env::new();
    env.task("t", "# x\n");
    env.task("u", "# x\n");
    let squatter = env.root().join("repo.agents/u");
    std::fs::create_dir_all(&squatter).unwrap();
    std::fs::write(squatter.join("precious.txt"), "mine").unwrap();
    let out = env
        .cmd()
        .args(["spawn", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("exists and is not a git-agents worktree"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(squatter.join("precious.txt")).unwrap(),
        "mine"
    );
    assert_eq!(
        branches(&env),
        "refs/heads/main\n",
        "not even the other task's branch"
    );
    assert!(!env.root().join("repo.agents/t").exists());
}

#[test]
fn an_agent_not_on_path() {
    let env = Env::new();
    env.task("t", "# x\n");
    // git-agents needs nothing on PATH itself; with only the fake agents there, codex is missing.
    let out = env
        .cmd()
        .env("PATH", crate::common::agents_dir())
        .args(["spawn", "--agent", "codex"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("agent program 'codex' was not found on PATH"),
        "{err}"
    );
    assert!(err.contains("--agent NAME"), "{err}");
    let err = refused(
        &env,
        &["--command", "no-such-agent-xyz {prompt}"],
        "'no-such-agent-xyz'",
    );
    assert!(err.contains("--command"), "{err}");
}

#[test]
fn an_unknown_agent_preset() {
    let env = Env::new();
    env.task("t", "# x\n");
    refused(&env, &["--agent", "hal9000"], "unknown agent 'hal9000'");
}

#[test]
fn no_user_identity() {
    let env = Env::new();
    env.task("t", "# x\n");
    env.git(&["config", "--unset", "user.name"]);
    env.git(&["config", "--unset", "user.email"]);
    let err = refused(&env, &["--command", "true"], "author identity unknown");
    assert!(err.contains("git config --global user.name"), "{err}");
}

#[test]
fn invalid_front_matter() {
    let env = Env::new();
    env.task("t", "---\nretries: [oops\n---\n");
    refused(
        &env,
        &["--command", "true"],
        "front matter is not valid YAML",
    );
}

#[test]
fn unsplittable_command() {
    let env = Env::new();
    env.task("t", "# x\n");
    refused(
        &env,
        &["--command", "fake-agent 'unclosed"],
        "cannot split the agent command",
    );
}
