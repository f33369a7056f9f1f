//! Settings read as git reads them: `git -c`, GIT_CONFIG_COUNT, includes and includeIf, bad
//! values named with where they were set, and flag > front matter > git config > default.

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
