//! Completion in real bash, zsh and fish, installed by `git agents install-extras` into a
//! temporary HOME: `git agents <TAB>` through git's own completion, and `git-agents <TAB>`.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use crate::common::{seal, stderr, stdout, Env};
use crate::docs::{bin_dir, have, install_extras, path_with, present, unset_search_paths};

/// A command line typed before TAB, and the candidates expected.
type Case = (&'static str, &'static [&'static str]);

/// What every shell must complete, for the subcommands this CLI has: `merge --dr` and
/// `logs <TAB>` join in once those subcommands exist.
fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = vec![
        ("git agents sp", &["spawn"]),
        ("git agents spawn --re", &["--rerun", "--retries"]),
        ("git agents spawn ", &["api", "auth"]),
        ("git agents spawn --mode ", &["branch", "dir", "worktree"]),
        ("git-agents sp", &["spawn"]),
        ("git-agents verify a", &["api", "auth"]),
        ("git agents spawn --agent co", &["codex", "copilot"]),
        ("git agents merge ", &["api", "auth"]),
    ];
    if help_of(&["merge"]).contains("--dry-run") {
        cases.push(("git agents merge --dr", &["--dry-run"]));
    }
    if !help_of(&["logs"]).is_empty() {
        cases.push(("git agents logs ", &["api", "auth"]));
    }
    cases
}

/// `git-agents ARGS --help`, empty if there is no such subcommand.
fn help_of(args: &[&str]) -> String {
    let out = Command::new(crate::common::bin())
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    if out.status.success() {
        stdout(&out)
    } else {
        String::new()
    }
}

/// A repository with tasks `auth` and `api`, and the extras installed in its HOME.
fn setup() -> Env {
    let env = Env::new();
    env.task("auth", "# auth\n");
    env.task("api", "# api\n");
    install_extras(&env);
    env
}

/// `timeout 60 PROGRAM ...` in the repository, sealed, with git-agents on PATH.
fn shell(env: &Env, program: &str) -> Command {
    let mut cmd = Command::new("timeout");
    cmd.args(["60", program]).current_dir(&env.repo);
    seal(&mut cmd, &env.home);
    unset_search_paths(&mut cmd)
        .env("PATH", path_with(&bin_dir(env)))
        .env("TERM", "xterm");
    cmd
}

fn check(shell: &str, case: &Case, out: &Output, got: BTreeSet<String>) {
    assert_ne!(
        out.status.code(),
        Some(124),
        "{shell}: `{}<TAB>` timed out",
        case.0
    );
    let want: BTreeSet<String> = case.1.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        got,
        want,
        "{shell}: `{}<TAB>`\nstdout:\n{}\nstderr:\n{}",
        case.0,
        stdout(out),
        stderr(out)
    );
}

#[test]
fn bash_completes_git_agents_inside_git() {
    let exists = |path: &str| std::path::Path::new(path).exists();
    if !have("bash")
        || !present(
            "bash-completion",
            exists("/usr/share/bash-completion/bash_completion"),
        )
        || !present(
            "git's bash completion",
            exists("/usr/share/bash-completion/completions/git"),
        )
    {
        return;
    }
    let env = setup();
    let driver = env.root().join("complete.bash");
    std::fs::write(&driver, include_str!("shell/complete.bash")).unwrap();
    for case in cases() {
        let out = shell(&env, "bash")
            .arg(&driver)
            .arg(case.0)
            .output()
            .unwrap();
        let got = stdout(&out)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        check("bash", &case, &out, got);
    }
}

#[test]
fn zsh_completes_git_agents_inside_git() {
    if !have("zsh") {
        return;
    }
    let env = setup();
    std::fs::write(env.home.join(".zshrc"), include_str!("shell/zshrc")).unwrap();
    let driver = env.root().join("complete.zsh");
    std::fs::write(&driver, include_str!("shell/complete.zsh")).unwrap();
    for case in cases() {
        let out = shell(&env, "zsh")
            .env("ZDOTDIR", &env.home)
            .arg("-f")
            .arg(&driver)
            .arg(case.0)
            .output()
            .unwrap();
        let text = stdout(&out);
        let shown = text
            .split_once("<<<")
            .and_then(|(_, rest)| rest.split_once(">>>"))
            .map_or("", |(shown, _)| shown);
        let got = shown
            .lines()
            .filter_map(|l| l.trim_end_matches('\r').strip_prefix("match:"))
            .map(str::to_owned)
            .collect();
        check("zsh", &case, &out, got);
    }
}

#[test]
fn fish_completes_git_agents_inside_git() {
    if !have("fish") {
        return;
    }
    let env = setup();
    for case in cases() {
        let out = shell(&env, "fish")
            .arg("-c")
            .arg(format!("complete -C '{}'", case.0))
            .output()
            .unwrap();
        let got = stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect();
        check("fish", &case, &out, got);
    }
}

#[test]
fn complete_tasks_prints_task_names_and_never_an_error() {
    let env = setup();
    let out = env.cmd().arg("__complete-tasks").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out), "api\nauth\n");
    let out = env
        .cmd()
        .current_dir(env.root())
        .arg("__complete-tasks")
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "{out:?}"
    );
}
