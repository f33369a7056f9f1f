//! Settings read as git reads them: `git -c`, GIT_CONFIG_COUNT, includes and includeIf, bad
//! values named with where they were set, and flag > front matter > git config > default.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::common::{stderr, stdout, Env};
use crate::docs::{bin_dir, path_with};

/// `git ARGS...` in the main worktree, sealed, with git-agents on PATH so `git agents` is ours.
fn git_agents(env: &Env, args: &[&str]) -> Command {
    let mut cmd = env.git_cmd(&env.repo);
    cmd.args(args).env("PATH", path_with(&bin_dir(env)));
    cmd
}

/// The value and origin `git agents config` shows for `key`, the origin possibly two words.
fn shown(table: &str, key: &str) -> (String, String) {
    let line = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("{key} in {table}"));
    let mut words = line.split_whitespace().skip(1);
    let value = words.next().unwrap().to_owned();
    (value, words.collect::<Vec<_>>().join(" "))
}

fn config_table(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn git_dash_c_reaches_git_agents_config() {
    let env = Env::new();
    env.git(&["config", "agents.jobs", "3"]);
    let table = config_table(git_agents(
        &env,
        &[
            "-c",
            "agents.jobs=7",
            "-c",
            "agents.retries=2",
            "agents",
            "config",
        ],
    ));
    assert_eq!(
        shown(&table, "agents.jobs"),
        ("7".into(), "command line".into())
    );
    assert_eq!(
        shown(&table, "agents.retries"),
        ("2".into(), "command line".into())
    );
    assert_eq!(
        shown(&table, "agents.agent"),
        ("claude".into(), "default".into())
    );
}

#[test]
fn git_config_count_variables_count_as_the_command_line() {
    let env = Env::new();
    let mut cmd = git_agents(&env, &["agents", "config"]);
    cmd.env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "agents.jobs")
        .env("GIT_CONFIG_VALUE_0", "9");
    let table = config_table(cmd);
    assert_eq!(
        shown(&table, "agents.jobs"),
        ("9".into(), "command line".into())
    );
}

#[test]
fn include_and_include_if_gitdir_are_followed() {
    let env = Env::new();
    let git_dir = env.repo.join(".git");
    std::fs::write(git_dir.join("extra.cfg"), "[agents]\n\tjobs = 5\n").unwrap();
    let matching = env.root().join("matching.cfg");
    std::fs::write(&matching, "[agents]\n\tretries = 6\n").unwrap();
    let elsewhere = env.root().join("elsewhere.cfg");
    std::fs::write(&elsewhere, "[agents]\n\tretries = 9\n\tagent = codex\n").unwrap();
    // Relative include paths are relative to the including file.
    env.git(&["config", "include.path", "extra.cfg"]);
    let here = format!("includeIf.gitdir:{}.path", git_dir.display());
    env.git(&["config", &here, matching.to_str().unwrap()]);
    env.git(&[
        "config",
        "includeIf.gitdir:/no/such/repo/.path",
        elsewhere.to_str().unwrap(),
    ]);
    let global = env.home.join("global.gitconfig");
    let global_matching = env.root().join("global-matching.cfg");
    std::fs::write(&global_matching, "[agents]\n\tbranchPrefix = agent/\n").unwrap();
    std::fs::write(
        &global,
        format!(
            "[includeIf \"gitdir:{}/\"]\n\tpath = {}\n",
            env.repo.display(),
            global_matching.display()
        ),
    )
    .unwrap();

    let mut cmd = git_agents(&env, &["agents", "config"]);
    cmd.env("GIT_CONFIG_GLOBAL", &global);
    let table = config_table(cmd);
    let git_says = |key: &str| {
        let out = env
            .git_cmd(&env.repo)
            .env("GIT_CONFIG_GLOBAL", &global)
            .args(["config", key])
            .output()
            .unwrap();
        stdout(&out).trim().to_owned()
    };
    assert_eq!(
        [
            "agents.jobs",
            "agents.retries",
            "agents.agent",
            "agents.branchPrefix"
        ]
        .map(git_says),
        ["5", "6", "", "agent/"],
        "git itself reads them so"
    );
    assert_eq!(shown(&table, "agents.jobs"), ("5".into(), "local".into()));
    assert_eq!(
        shown(&table, "agents.retries"),
        ("6".into(), "local".into())
    );
    assert_eq!(
        shown(&table, "agents.agent"),
        ("claude".into(), "default".into())
    );
    assert_eq!(
        shown(&table, "agents.branchPrefix"),
        ("agent/".into(), "global".into())
    );
}

#[test]
fn a_bad_value_is_refused_naming_the_key_and_the_file_it_is_in() {
    let env = Env::new();
    let included = env.root().join("team.cfg");
    std::fs::write(&included, "[agents]\n\ttimeout = soon\n").unwrap();
    env.git(&["config", "include.path", included.to_str().unwrap()]);
    for args in [
        &["agents", "config"][..],
        &["agents", "spawn", "--command", "true"],
    ] {
        let out = git_agents(&env, args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        let want = format!(
            "error: git config agents.timeout is 'soon' (set in {}), which is not off or a duration",
            included.display()
        );
        assert!(err.starts_with(&want), "{err}");
        let hint = format!(
            "hint: fix it: git config --file {} agents.timeout 30m",
            included.display()
        );
        assert!(err.contains(&hint), "{err}");
    }
}

#[test]
fn a_bad_value_from_git_dash_c_is_named_as_the_command_line() {
    let env = Env::new();
    let out = git_agents(&env, &["-c", "agents.jobs=x", "agents", "config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: git config agents.jobs is 'x' (set on the command line), which is not a whole number"
        ),
        "{err}"
    );
    assert!(
        err.contains("hint: fix what was given to git: -c agents.jobs=4"),
        "{err}"
    );
}

#[test]
fn timeout_flags_that_are_not_durations_are_usage_errors() {
    let env = Env::new();
    env.task("t", "# t\n");
    for (value, what) in [("abc", "not a duration"), ("0", "zero")] {
        let out = env
            .cmd()
            .args(["spawn", "--timeout", value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{value}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("--timeout") && err.contains(what),
            "{value}: {err}"
        );
    }
    assert!(!env.root().join("repo.agents").exists());
}

/// The summary's message for each task of a `spawn --json` run, by task name.
fn messages(out: &std::process::Output) -> std::collections::BTreeMap<String, String> {
    let summary = crate::common::summary(out);
    summary["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let message = t["message"].as_str().unwrap_or_default().to_owned();
            (t["task"].as_str().unwrap().to_owned(), message)
        })
        .collect()
}

#[test]
fn timeout_is_flag_then_front_matter_then_git_config() {
    let env = Env::new();
    env.git(&["config", "agents.killGrace", "100ms"]);
    env.git(&["config", "agents.timeout", "1s"]);
    env.git(&["config", "agents.command", "fake-agent hang"]);
    env.task("configured", "# c\n");
    env.task("front", "---\ntimeout: 2s\n---\n");
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = messages(&out);
    assert_eq!(got["configured"], "no exit within 1s");
    assert_eq!(got["front"], "no exit within 2s");

    let args = ["spawn", "--json", "--rerun", "front", "--timeout", "1500ms"];
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(messages(&out)["front"], "no exit within 1s 500ms");
}

#[test]
fn agents_get_an_hour_unless_the_limit_is_turned_off() {
    let env = Env::new();
    env.task(
        "slow",
        "---\ncommand: fake-agent sleep 1 write s.txt done\n---\n",
    );
    let table = config_table(git_agents(&env, &["agents", "config"]));
    assert_eq!(
        shown(&table, "agents.timeout"),
        ("1h".into(), "default".into())
    );
    assert_eq!(
        shown(&table, "agents.idleTimeout"),
        ("10m".into(), "default".into())
    );
    env.git(&["config", "agents.timeout", "off"]);
    let table = config_table(git_agents(&env, &["agents", "config"]));
    assert_eq!(
        shown(&table, "agents.timeout"),
        ("off".into(), "local".into())
    );
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.git(&["show", "feature/slow:s.txt"]), "done\n");
}

#[test]
fn command_is_flag_then_front_matter_then_git_config_then_the_default_agent() {
    let env = Env::new();
    // A stand-in for the default agent, claude, first on PATH.
    let bin = env.root().join("fake-claude");
    std::fs::create_dir_all(&bin).unwrap();
    let claude = bin.join("claude");
    std::fs::write(&claude, "#!/bin/sh\necho default > who.txt\n").unwrap();
    std::fs::set_permissions(&claude, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), path_with(&bin_dir(&env)));
    let spawn = |args: &[&str]| {
        let out = env
            .cmd()
            .env("PATH", &path)
            .arg("spawn")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    };
    let who = |task: &str| env.git(&["show", &format!("feature/{task}:who.txt")]);

    env.task("plain", "# plain\n");
    spawn(&["--quiet"]);
    assert_eq!(who("plain"), "default\n");

    env.git(&[
        "config",
        "agents.command",
        "fake-agent write who.txt configured",
    ]);
    env.task(
        "front",
        "---\ncommand: fake-agent write who.txt front\n---\n",
    );
    spawn(&["--quiet", "--rerun"]);
    assert_eq!(who("plain"), "configured\n");
    assert_eq!(who("front"), "front\n");

    spawn(&[
        "--quiet",
        "--rerun",
        "--command",
        "fake-agent write who.txt flag",
    ]);
    assert_eq!(who("plain"), "flag\n");
    assert_eq!(who("front"), "flag\n");
}
