//! Setup commands (`agents.setup`, front matter `setup:`): run in each new workspace before the
//! agent, logged, as argv words only; a failure ends the task as `setup` and a later spawn
//! runs them again; committed ones need approval.

use std::path::Path;

use crate::common::{json_lines, stderr, stdout, summary, Env};

/// A repository that ignores `.deps/`, and a setup that notes each run in `runs` (outside the
/// worktree), installs an ignored `.deps/ready` and generates a tracked-looking file.
fn with_setup() -> (Env, std::path::PathBuf) {
    let env = Env::new();
    env.write(".gitignore", ".deps/\n");
    env.commit_all("ignore installed dependencies");
    let runs = env.scratch("runs");
    let install = format!(
        "fake-agent append {} {{task}} write .deps/ready installed",
        runs.display()
    );
    env.git(&["config", "--add", "agents.setup", &install]);
    env.git(&[
        "config",
        "--add",
        "agents.setup",
        "fake-agent write generated.txt gen",
    ]);
    (env, runs)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn state(env: &Env, task: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["tasks"][task].clone()
}

#[test]
fn setup_runs_before_the_agent_in_a_new_worktree_and_not_again_there() {
    let (env, runs) = with_setup();
    // The agent fails (exit 3) unless the setup's file is there.
    env.task(
        "t",
        "---\ncommand: fake-agent cat .deps/ready write t.txt 1\n---\n# t\n",
    );
    let out = env.cmd().args(["spawn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("t: setup: fake-agent write generated.txt gen"));
    assert_eq!(lines(&runs), ["t"]);
    // What setup leaves is part of the workspace: ignored files stay out, others are committed.
    let files = env.git(&["ls-tree", "-r", "--name-only", "feature/t"]);
    assert!(files.contains("generated.txt\n"), "{files}");
    assert!(files.contains("t.txt\n"), "{files}");
    assert!(!files.contains(".deps"), "{files}");
    assert!(env.workspace("t").join(".deps/ready").is_file());
    assert_eq!(state(&env, "t")["setup"]["ok"], true);

    let logs = env.cmd().args(["logs", "t"]).output().unwrap();
    let log = stdout(&logs);
    let setup_at = log
        .find("==> git-agents: run 1 · setup 1/2 · ")
        .expect(&log);
    let second = log.find("run 1 · setup 2/2 · ").expect(&log);
    let agent_at = log.find("==> git-agents: run 1 · attempt 1/1").expect(&log);
    assert!(setup_at < second && second < agent_at, "{log}");
    assert!(log.contains("wrote .deps/ready"), "{log}");
    assert!(
        log[agent_at..].contains("installed"),
        "the agent read it: {log}"
    );

    // The worktree is reused: its setup succeeded, so it does not run again.
    let out = env.cmd().args(["spawn", "--rerun"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&runs), ["t"]);
    env.git(&["fsck", "--strict"]);

    // `git agents config` lists each command, in order, with where it was set.
    let config = stdout(&env.cmd().arg("config").output().unwrap());
    let setup: Vec<&str> = config
        .lines()
        .filter(|l| l.starts_with("agents.setup"))
        .collect();
    assert_eq!(setup.len(), 2, "{config}");
    assert!(setup[0].contains("fake-agent append") && setup[0].ends_with("local"));
    assert!(setup[1].contains("fake-agent write generated.txt gen"));
}

#[test]
fn a_failed_setup_fails_the_task_as_setup_and_a_later_spawn_runs_it_again() {
    let (env, runs) = with_setup();
    env.git(&["config", "--unset-all", "agents.setup"]);
    let setup = format!(
        "fake-agent append {} setup echo 'resolving packages' exit 7",
        runs.display()
    );
    env.git(&["config", "agents.setup", &setup]);
    let agent_ran = env.scratch("agent");
    let command = format!(
        "fake-agent append {} ran write t.txt 1",
        agent_ran.display()
    );
    env.task("t", "# t\n");
    let out = env
        .cmd()
        .args(["spawn", "--json", "--retries", "2", "--command", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let task = &summary(&out)["tasks"][0];
    assert_eq!(task["state"], "failed", "{task}");
    assert_eq!(task["failure"], "setup", "{task}");
    assert_eq!(task["attempts"], 0, "{task}");
    let message = task["message"].as_str().unwrap();
    assert!(
        message.starts_with("setup failed: fake-agent append ")
            && message.ends_with(" exited 7: resolving packages"),
        "{message}"
    );
    assert!(!agent_ran.exists(), "the agent never ran");
    assert_eq!(lines(&runs), ["setup"], "setup failures are not retried");
    let events: Vec<String> = json_lines(&out)
        .iter()
        .map(|e| e["event"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(events.contains(&"setup".to_owned()), "{events:?}");
    assert!(env.workspace("t").is_dir(), "the worktree is kept");
    assert!(stdout(&env.cmd().args(["logs", "t"]).output().unwrap()).contains("resolving packages"));
    let status = stdout(&env.cmd().args(["status", "--json"]).output().unwrap());
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["tasks"][0]["failure"], "setup", "{status}");

    env.git(&["config", "agents.setup", "fake-agent echo fixed"]);
    let out = env
        .cmd()
        .args(["spawn", "--command", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&agent_ran), ["ran"]);
    assert_eq!(state(&env, "t")["setup"]["ok"], true);
    assert_eq!(env.git(&["show", "feature/t:t.txt"]), "1\n");
}

#[test]
fn front_matter_setup_replaces_the_config_and_needs_approval_when_committed() {
    let (env, runs) = with_setup();
    let front = format!("fake-agent append {} front", runs.display());
    env.task("t", &format!("---\nsetup:\n  - {front}\n---\n# t\n"));
    env.commit_all("a task with its own setup");
    let command = ["--command", "fake-agent write t.txt 1"];
    let out = env.cmd().arg("spawn").args(command).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("t (setup): {front}")), "{err}");
    assert!(err.contains("git agents trust"), "{err}");
    assert_eq!(env.git(&["branch", "--list", "feature/*"]), "");
    assert!(lines(&runs).is_empty(), "nothing ran");

    let list = stdout(&env.cmd().args(["trust", "--list"]).output().unwrap());
    assert!(
        list.contains("not approved") && list.contains("(setup)"),
        "{list}"
    );
    let approve = env.cmd().arg("trust").output().unwrap();
    assert_eq!(approve.status.code(), Some(0), "{}", stderr(&approve));

    // A task of the user's own with `setup: []` runs none, not even the configured ones.
    env.task("u", "---\nsetup: []\n---\n# u\n");
    let out = env.cmd().arg("spawn").args(command).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        lines(&runs),
        ["front"],
        "front matter replaced agents.setup"
    );
    assert!(!env.workspace("u").join(".deps").exists());
}

#[test]
fn placeholders_fill_whole_words_and_setup_sees_the_agents_environment() {
    let env = Env::new();
    let name = "a b;c $(touch pwned)";
    env.git(&[
        "config",
        "--add",
        "agents.setup",
        "fake-agent argv {task} {port}",
    ]);
    env.git(&["config", "--add", "agents.setup", "fake-agent env"]);
    env.task(name, "# hostile\n");
    let out = env
        .cmd()
        .args(["spawn", "--json", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let task = &summary(&out)["tasks"][0];
    let log = std::fs::read_to_string(task["log"].as_str().unwrap()).unwrap();
    let port = task["port"].as_u64().expect("a port");
    assert!(log.contains(&format!("[{name}]\n[{port}]\n")), "{log}");
    assert!(log.contains(&format!("GIT_AGENTS_TASK={name}\n")), "{log}");
    assert!(log.contains(&format!("GIT_AGENTS_PORT={port}\n")), "{log}");
    let workspace = task["workspace"].as_str().unwrap();
    assert!(
        log.contains(&format!("GIT_AGENTS_WORKSPACE={workspace}\n")),
        "{log}"
    );
    assert!(!Path::new(workspace).join("pwned").exists());
    assert!(!env.repo.join("pwned").exists());
}

#[test]
fn branch_mode_sets_up_the_main_worktree_once_for_its_tasks() {
    let (env, runs) = with_setup();
    env.git(&["config", "--unset-all", "agents.setup"]);
    let install = format!(
        "fake-agent append {} {{task}} write .deps/ready installed",
        runs.display()
    );
    env.git(&["config", "agents.setup", &install]);
    env.task(
        "one",
        "---\ncommand: fake-agent cat .deps/ready write one.txt 1\n---\n",
    );
    env.task(
        "two",
        "---\ncommand: fake-agent cat .deps/ready write two.txt 2\n---\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--mode", "branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&runs), ["one"], "the shared workspace is set up once");
    assert_eq!(state(&env, "two")["setup"]["ok"], true);
    assert_eq!(env.git(&["show", "feature/two:two.txt"]), "2\n");
    assert_eq!(env.git(&["status", "--porcelain"]), "?? .claude/\n");
}
