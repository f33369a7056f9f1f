//! `init` and `config`.

use crate::common::{stderr, stdout, Env};

#[test]
fn init_scaffolds_an_empty_repository_and_spawn_runs_the_example() {
    let env = Env::new();
    let bin = env.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let fake_codex = bin.join("codex");
    std::fs::write(&fake_codex, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(
        &fake_codex,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = env
        .cmd()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                crate::common::agents_dir().display()
            ),
        )
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("created .claude/contracts/README.md"),
        "{text}"
    );
    assert!(
        text.contains("created .claude/tasks/example.md.sample"),
        "{text}"
    );
    assert!(text.contains("Agent CLIs on PATH: codex"), "{text}");
    assert!(text.contains("git config agents.agent codex"), "{text}");
    assert!(text.contains("git agents spawn"), "{text}");

    // The sample is no task until renamed.
    let spawn = ["spawn", "--command", "fake-agent write done.txt 1"];
    let out = env.cmd().args(spawn).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let tasks = env.repo.join(".claude/tasks");
    env.write(".claude/tasks/mine.md", "# Write mine.txt\n");
    let out = env.cmd().args(spawn).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("uncommitted changes"),
        "init's sample and a new task file are no unseen change: {}",
        stderr(&out)
    );
    std::fs::remove_file(tasks.join("mine.md")).unwrap();
    std::fs::rename(tasks.join("example.md.sample"), tasks.join("example.md")).unwrap();
    let out = env.cmd().args(spawn).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.git(&["show", "feature/example:done.txt"]), "1\n");
}

#[test]
fn init_never_writes_over_existing_files() {
    let env = Env::new();
    env.task("mine", "# my task\n");
    env.write(".claude/contracts/README.md", "my contracts\n");
    let out = env.cmd().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("kept    .claude/contracts/README.md (already there)"),
        "{text}"
    );
    assert!(text.contains("found   1 task file(s) already"), "{text}");
    assert!(!env.repo.join(".claude/tasks/example.md.sample").exists());
    assert_eq!(
        env.read(&env.repo.join(".claude/contracts/README.md")),
        "my contracts\n"
    );
    assert_eq!(
        env.read(&env.repo.join(".claude/tasks/mine.md")),
        "# my task\n"
    );
}

#[test]
fn init_outside_a_repository_is_a_usage_error() {
    let env = Env::bare_dir();
    let out = env.cmd().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a git repository"));
    assert!(!env.repo.join(".claude").exists());
}

fn line<'a>(table: &'a str, key: &str) -> Vec<&'a str> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("{key} in {table}"))
        .split_whitespace()
        .collect()
}

#[test]
fn config_shows_each_setting_with_its_origin() {
    let env = Env::new();
    let global = env.home.join("global.gitconfig");
    std::fs::write(&global, "[agents]\n\tagent = codex\n\tretries = 2\n").unwrap();
    env.git(&["config", "agents.retries", "3"]);
    env.git(&["config", "--add", "agents.scope.auth", "src/auth"]);
    let out = env
        .cmd()
        .env("GIT_CONFIG_GLOBAL", &global)
        .args(["config", "-j", "7"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert_eq!(line(&table, "agents.jobs"), ["agents.jobs", "7", "flag"]);
    assert_eq!(
        line(&table, "agents.agent"),
        ["agents.agent", "codex", "global"]
    );
    assert_eq!(
        line(&table, "agents.retries"),
        ["agents.retries", "3", "local"]
    );
    assert_eq!(
        line(&table, "agents.branchPrefix"),
        ["agents.branchPrefix", "feature/", "default"]
    );
    assert_eq!(
        line(&table, "agents.timeout"),
        ["agents.timeout", "1h", "default"]
    );
    // What will run, even when nothing is set: the preset's command and the built-in prompt.
    let command = line(&table, "agents.command");
    assert_eq!(command[1], "codex", "{command:?}");
    assert_eq!(command.last(), Some(&"default"), "{command:?}");
    let prompt = line(&table, "agents.prompt");
    assert_eq!(prompt[1], "Read", "{prompt:?}");
    assert_eq!(
        line(&table, "agents.budget"),
        ["agents.budget", "-", "unset"]
    );
    assert_eq!(
        line(&table, "agents.scope.auth"),
        ["agents.scope.auth", "src/auth", "local"]
    );

    let out = env.cmd().args(["config", "--json"]).output().unwrap();
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mode = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == "agents.mode")
        .unwrap();
    assert_eq!(mode["value"], "worktree");
    assert_eq!(mode["origin"], "default");
}

#[test]
fn an_invalid_setting_is_named() {
    let env = Env::new();
    env.git(&["config", "agents.jobs", "many"]);
    let out = env.cmd().arg("config").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("agents.jobs is 'many'"),
        "{}",
        stderr(&out)
    );
}
