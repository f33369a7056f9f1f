//! status: rows for every task, counts git agrees with, and reading beside a running spawn.

use std::time::{Duration, Instant};

use serde_json::Value;

pub use crate::common::background;
use crate::common::{stderr, stdout, Env};

/// Tasks with their own agents: alpha writes a file, beta fails, gamma is never run.
pub fn three_task_env() -> Env {
    let env = Env::new();
    env.task(
        "alpha",
        "---\ncommand: fake-agent write alpha.txt a\n---\n# Alpha\n",
    );
    env.task(
        "beta",
        "---\ncommand: fake-agent write half.txt h echo boom exit 3\n---\n# Beta\n",
    );
    env.task("gamma", "# Gamma\n");
    env.write("CLAUDE.md", "# Conventions\n");
    env
}

/// Run `git agents ARGS` and return its output, whatever the exit code.
pub fn run(env: &Env, args: &[&str]) -> std::process::Output {
    env.cmd().args(args).output().unwrap()
}

/// Run `git agents ARGS` and insist on exit 0.
pub fn ok(env: &Env, args: &[&str]) -> String {
    let out = run(env, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "git agents {args:?}:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

pub fn spawn(env: &Env, tasks: &[&str]) {
    let out = env
        .cmd()
        .args(["spawn", "-q"])
        .args(tasks)
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "{}", stderr(&out));
}

pub fn status_json(env: &Env, args: &[&str]) -> Value {
    let text = ok(env, &[&["status", "--json"], args].concat());
    serde_json::from_str(&text).unwrap()
}

/// The row of `task` in a JSON status report.
pub fn row<'a>(report: &'a Value, task: &str) -> &'a Value {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap_or_else(|| panic!("no row for {task}: {report}"))
}

/// Poll until `done` holds (checked every 50 ms), or panic after 20 s.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn rev_count(env: &Env, range: &str) -> u64 {
    env.git(&["rev-list", "--count", range])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn rows_for_done_failed_and_not_started_tasks() {
    let env = three_task_env();
    spawn(&env, &["alpha", "beta"]);
    let report = status_json(&env, &[]);
    assert_eq!(report["target"]["name"], "main");
    let names: Vec<&str> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);

    let alpha = row(&report, "alpha");
    assert_eq!(alpha["state"], "done");
    assert_eq!(alpha["attempts"], 1);
    assert_eq!(alpha["branch"], "feature/alpha");
    assert_eq!(alpha["head"], env.rev("feature/alpha"));
    assert_eq!(alpha["ahead"], 1);
    assert_eq!(alpha["behind"], 0);
    assert_eq!(alpha["files_changed"], 1);
    assert_eq!(alpha["worktree"], "clean", "copied files do not count");
    assert_eq!(alpha["last_line"], "fake-agent done");

    let beta = row(&report, "beta");
    assert_eq!(beta["state"], "failed");
    assert_eq!(beta["exit_code"], 3);
    assert_eq!(beta["ahead"], 0);
    assert_eq!(
        beta["worktree"], "dirty",
        "the failed agent's file is left uncommitted"
    );
    assert_eq!(beta["uncommitted"], 1);
    assert_eq!(beta["last_line"], "boom");

    let gamma = row(&report, "gamma");
    assert_eq!(gamma["state"], "not-started");
    assert_eq!(gamma["head"], Value::Null);
    assert_eq!(gamma["worktree"], "none");
    assert_eq!(gamma["last_line"], Value::Null);
}

#[test]
fn status_table() {
    let env = three_task_env();
    spawn(&env, &["alpha", "beta"]);
    let table = ok(&env, &["status"]);
    let masked = crate::common::mask_clock(table.trim_end());
    insta::assert_snapshot!("status_table", masked);
}

#[test]
fn ahead_and_behind_are_what_git_rev_list_counts() {
    let env = three_task_env();
    spawn(&env, &["alpha"]);
    // Measured once before both branches move: what status remembers must not outlive that.
    assert_eq!(row(&status_json(&env, &["alpha"]), "alpha")["behind"], 0);
    let ws = env.workspace("alpha");
    env.write("main1.txt", "1\n");
    env.git(&["add", "main1.txt"]);
    env.git(&["commit", "-q", "-m", "main moves on"]);
    std::fs::write(ws.join("more.txt"), "more\n").unwrap();
    env.git_in(&ws, &["add", "more.txt"]);
    env.git_in(&ws, &["commit", "-q", "-m", "agent follow-up"]);
    env.git(&["branch", "release", "HEAD~1"]);

    let report = status_json(&env, &["alpha"]);
    let alpha = row(&report, "alpha");
    assert_eq!(alpha["ahead"], rev_count(&env, "main..feature/alpha"));
    assert_eq!(alpha["behind"], rev_count(&env, "feature/alpha..main"));
    assert_eq!(
        (alpha["ahead"].as_u64(), alpha["behind"].as_u64()),
        (Some(2), Some(1))
    );
    let files = env.git(&["diff", "--name-only", "main~1", "feature/alpha"]);
    assert_eq!(alpha["files_changed"], files.lines().count());

    let report = status_json(&env, &["alpha", "--into", "release"]);
    assert_eq!(report["target"]["name"], "release");
    let alpha = row(&report, "alpha");
    assert_eq!(alpha["ahead"], rev_count(&env, "release..feature/alpha"));
    assert_eq!(alpha["behind"], rev_count(&env, "feature/alpha..release"));

    // Asked again, from what the last status remembered: the same answer.
    let again = status_json(&env, &["alpha", "--into", "release"]);
    assert_eq!(row(&again, "alpha"), alpha);
}

#[test]
fn a_status_of_one_task_keeps_what_was_remembered_of_the_others() {
    let env = three_task_env();
    spawn(&env, &["alpha", "beta"]);
    let cache = env.root().join("repo/.git/agents/cache/facts.v1.json");
    let tips = || -> Vec<String> {
        let kept: Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
        let mut tips: Vec<String> = kept
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["tip"].as_str().unwrap().to_owned())
            .collect();
        tips.sort();
        tips
    };
    status_json(&env, &[]);
    let mut both = vec![env.rev("feature/alpha"), env.rev("feature/beta")];
    both.sort();
    assert_eq!(tips(), both);
    status_json(&env, &["alpha"]);
    assert_eq!(tips(), both, "beta's measure is still remembered");
}

#[test]
fn dirty_is_what_git_status_shows_minus_copied_files() {
    let env = three_task_env();
    env.write(".gitignore", "*.tmp\n");
    env.git(&["add", ".gitignore"]);
    env.git(&["commit", "-q", "-m", "ignore tmp files"]);
    spawn(&env, &["alpha"]);
    let ws = env.workspace("alpha");
    let porcelain = |env: &Env| {
        let copied = ["CLAUDE.md", ".claude/tasks/alpha.md"];
        env.git_in(&ws, &["status", "--porcelain", "--untracked-files=all"])
            .lines()
            .filter(|l| !copied.contains(&&l[3..]))
            .count()
    };
    std::fs::write(ws.join("scratch.tmp"), "ignored\n").unwrap();
    assert_eq!(porcelain(&env), 0);
    assert_eq!(
        row(&status_json(&env, &["alpha"]), "alpha")["worktree"],
        "clean"
    );

    std::fs::write(ws.join("README.md"), "# changed\n").unwrap();
    std::fs::create_dir_all(ws.join("new/deep")).unwrap();
    std::fs::write(ws.join("new/deep/file.txt"), "new\n").unwrap();
    std::fs::write(ws.join("staged.txt"), "staged\n").unwrap();
    env.git_in(&ws, &["add", "staged.txt"]);
    std::fs::remove_file(ws.join("src/lib.txt")).unwrap();
    std::fs::write(ws.join("CLAUDE.md"), "# edited copy\n").unwrap();

    let alpha = row(&status_json(&env, &["alpha"]), "alpha").clone();
    assert_eq!(alpha["worktree"], "dirty");
    assert_eq!(alpha["uncommitted"], porcelain(&env));
    assert_eq!(alpha["uncommitted"], 4);
    let table = ok(&env, &["status", "alpha"]);
    assert!(table.contains("dirty (4)"), "{table}");
}

#[test]
fn status_reads_while_a_spawn_runs() {
    let env = three_task_env();
    env.task(
        "slow",
        "---\ncommand: fake-agent echo working sleep 3 write slow.txt s\n---\n",
    );
    let mut child = background(&env, &["spawn", "-q", "slow"]);
    wait_for("slow to run", || {
        let report = status_json(&env, &["slow"]);
        let slow = row(&report, "slow");
        slow["state"] == "running" && slow["last_line"] == "working"
    });
    let report = status_json(&env, &["slow"]);
    let slow = row(&report, "slow");
    assert_eq!(slow["stale"], false);
    assert_eq!(slow["worktree"], "clean");
    assert!(slow["ended"].is_null() && slow["seconds"].as_f64().unwrap() >= 0.0);
    let table = ok(&env, &["status", "slow"]);
    assert!(table.contains("running"), "{table}");

    assert!(child.wait().unwrap().success());
    let report = status_json(&env, &["slow"]);
    assert_eq!(row(&report, "slow")["state"], "done");
    assert_eq!(row(&report, "slow")["ahead"], 1);
}

#[test]
fn missing_workspace_and_stale_state_are_shown_as_such() {
    let env = three_task_env();
    spawn(&env, &["alpha"]);
    std::fs::remove_dir_all(env.workspace("alpha")).unwrap();
    let state_path = env.repo.join(".git/agents/state.json");
    let text = env.read(&state_path);
    let mut state: Value = serde_json::from_str(&text).unwrap();
    state["tasks"]["alpha"]["state"] = "running".into();
    state["tasks"]["alpha"]["pid"] = 0x3fff_fff0.into();
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();

    let alpha = row(&status_json(&env, &["alpha"]), "alpha").clone();
    assert_eq!(alpha["worktree"], "missing");
    assert_eq!(alpha["stale"], true);
    let table = ok(&env, &["status", "alpha"]);
    assert!(
        table.contains("running (stale)") && table.contains("missing"),
        "{table}"
    );
}

#[test]
fn unknown_task_is_a_usage_error() {
    let env = three_task_env();
    let out = run(&env, &["status", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no task named 'nope'"), "{err}");
    assert!(
        err.contains("hint: known tasks: alpha, beta, gamma"),
        "{err}"
    );
}

#[test]
fn watch_repeats_the_table_until_interrupted() {
    let env = three_task_env();
    spawn(&env, &["alpha"]);
    let child = background(&env, &["status", "--watch=0.2", "alpha"]);
    std::thread::sleep(Duration::from_millis(900));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.matches("TASK ").count() >= 2, "{text}");
    assert!(!text.contains("beta"), "only the task named: {text}");
    assert!(
        !text.contains('\x1b'),
        "no escape codes off a terminal: {text:?}"
    );
}

#[test]
fn stale_stat_data_is_refreshed_in_a_way_git_accepts() {
    let env = three_task_env();
    spawn(&env, &["alpha"]);
    let ws = env.workspace("alpha");
    let index = env.git_in(&ws, &["rev-parse", "--git-path", "index"]);
    let index = ws.join(index.trim());
    // New inodes and times for every tracked file, same content: all stat data is stale.
    for file in ["README.md", "src/lib.txt", "alpha.txt"] {
        let path = ws.join(file);
        let content = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, content).unwrap();
    }
    std::thread::sleep(Duration::from_millis(1100));
    let before = std::fs::read(&index).unwrap();
    let out = env
        .cmd()
        .env("GIT_OPTIONAL_LOCKS", "0")
        .args(["status", "alpha"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(&index).unwrap(), before, "no optional locks");

    assert_eq!(
        row(&status_json(&env, &["alpha"]), "alpha")["worktree"],
        "clean"
    );
    assert_ne!(
        std::fs::read(&index).unwrap(),
        before,
        "fresher stat data was written back"
    );
    assert!(!index.with_extension("lock").exists());
    assert_eq!(env.git_in(&ws, &["diff-files", "--name-only"]), "");
    assert_eq!(env.git_in(&ws, &["ls-files", "-s"]).lines().count(), 3);
    env.git(&["fsck", "--strict"]);
}

#[test]
fn a_task_queued_again_is_neither_dirty_nor_showing_an_old_runs_last_line() {
    let env = Env::new();
    env.write(".claude/contracts/api.md", "# the API\n");
    env.task("a", "---\ncommand: fake-agent sleep 3\n---\n");
    env.task("b", "---\ncommand: fake-agent echo old-run-line\n---\n");
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let child = background(&env, &["spawn", "--rerun", "-j", "1", "a", "b"]);
    let status = || -> Value {
        let out = env.cmd().args(["status", "--json"]).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let row = |report: &Value, name: &str| {
        report["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == name)
            .unwrap()
            .clone()
    };
    wait_for("a running, b queued", || {
        let report = status();
        row(&report, "a")["state"] == "running" && row(&report, "b")["state"] == "queued"
    });
    let b = row(&status(), "b");
    assert_eq!(
        b["worktree"], "clean",
        "its copied contract is no work: {b}"
    );
    assert!(b["last_line"].is_null(), "{b}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
