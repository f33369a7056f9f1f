//! The one engine under every mode: a task that panics fails and blocks its dependents instead of
//! hanging the run, and dependency bases are merged the way `git agents merge` merges.

use std::time::{Duration, Instant};

use crate::common::{background, stderr, summary, Env};

fn task_named(report: &serde_json::Value, name: &str) -> serde_json::Value {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == name)
        .unwrap_or_else(|| panic!("no task {name} in {report:#}"))
        .clone()
}

/// Wait for `child`, failing the test (not hanging it) after `limit`.
fn wait_at_most(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("git-agents hung: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_panicking_task_fails_with_its_message_and_blocks_its_dependents() {
    for mode in ["worktree", "branch"] {
        let env = Env::new();
        env.task("boom", "---\ncommand: fake-agent write boom.txt 1\n---\n");
        env.task(
            "after",
            "---\ndepends_on: boom\ncommand: fake-agent write after.txt 1\n---\n",
        );
        env.task("other", "---\ncommand: fake-agent write other.txt 1\n---\n");
        env.commit_all("tasks");
        env.git(&["config", "agents.trust", "true"]);
        let mut cmd = std::process::Command::new(crate::common::bin());
        cmd.current_dir(&env.repo)
            .args(["spawn", "--json", "--mode", mode]);
        crate::common::seal(&mut cmd, &env.home);
        cmd.env("GIT_AGENTS_TEST_PANIC_TASK", "boom")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let out = wait_at_most(cmd.spawn().unwrap(), Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(1), "{mode}: {}", stderr(&out));
        let report = summary(&out);
        let boom = task_named(&report, "boom");
        assert_eq!(boom["state"], "failed", "{mode}: {boom:#}");
        let why = boom["message"].as_str().unwrap();
        assert!(
            why.contains("panicked") && why.contains("GIT_AGENTS_TEST_PANIC_TASK"),
            "{mode}: {why}"
        );
        let after = task_named(&report, "after");
        assert_eq!(after["state"], "failed", "{mode}");
        assert!(
            after["message"]
                .as_str()
                .unwrap()
                .contains("dependency 'boom' failed"),
            "{mode}: {after:#}"
        );
        assert_eq!(task_named(&report, "other")["state"], "done", "{mode}");
        // The status of the run is readable afterwards.
        let status = env.cmd().args(["status", "--json"]).output().unwrap();
        assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    }
}

const LINES: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
const TOP_ONE: &str = "ONE\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
const TOP_UNO: &str = "UNO\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
const BOTTOM: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\nTEN\n";

/// Two finished dependencies with a criss-cross history whose sides resolved the same conflict
/// differently: git calls their merge a conflict (its virtual base keeps the conflict), so the
/// dependent task must not start from a silently picked side.
#[test]
fn dependency_bases_merge_criss_cross_histories_as_git_does() {
    let env = Env::new();
    for name in ["a.txt", "b.txt", "c.txt"] {
        env.write(name, LINES);
    }
    env.task("left", "---\ncommand: fake-agent echo idle\n---\n");
    env.task("right", "---\ncommand: fake-agent echo idle\n---\n");
    env.task(
        "both",
        "---\ndepends_on: [left, right]\ncommand: fake-agent write both.txt 1\n---\n",
    );
    env.commit_all("base");
    env.git(&["config", "agents.trust", "true"]);
    let out = env
        .cmd()
        .args(["spawn", "--json", "left", "right"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let (left, right) = (env.workspace("left"), env.workspace("right"));
    let commit = |dir: &std::path::Path, file: &str, text: &str, msg: &str| {
        std::fs::write(dir.join(file), text).unwrap();
        env.git_in(dir, &["commit", "-q", "-am", msg]);
    };
    commit(&left, "a.txt", TOP_UNO, "left: uno");
    commit(&right, "a.txt", TOP_ONE, "right: one");
    let (uno, one) = (env.rev("feature/left"), env.rev("feature/right"));
    for (dir, other, resolution) in [(&left, &one, TOP_UNO), (&right, &uno, TOP_ONE)] {
        let _ = env
            .git_cmd(dir)
            .args(["merge", "-q", "--no-commit", other])
            .output()
            .unwrap();
        std::fs::write(dir.join("a.txt"), resolution).unwrap();
        env.git_in(dir, &["add", "-A"]);
        env.git_in(dir, &["commit", "-q", "--no-edit"]);
    }
    commit(&left, "c.txt", BOTTOM, "left: bottom");
    commit(&right, "b.txt", TOP_ONE, "right: top");
    let bases = env.git(&["merge-base", "--all", "feature/left", "feature/right"]);
    assert_eq!(
        bases.lines().count(),
        2,
        "the fixture needs two merge bases"
    );
    let git = env
        .git_cmd(&env.repo)
        .args([
            "merge-tree",
            "--write-tree",
            "feature/left",
            "feature/right",
        ])
        .output()
        .unwrap();
    assert_eq!(git.status.code(), Some(1), "git must call this a conflict");

    let out = env
        .cmd()
        .args(["spawn", "--json", "both"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let both = task_named(&summary(&out), "both");
    assert_eq!(both["state"], "failed", "{both:#}");
    let why = both["message"].as_str().unwrap();
    assert!(why.contains("conflict") && why.contains("a.txt"), "{why}");
}

/// A verify whose task record is removed while it runs (as a concurrent `clean` does) reports
/// its verdict and does not bring the record back, nor panic.
#[test]
fn verify_survives_its_record_being_removed_meanwhile() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    env.commit_all("task");
    env.git(&["config", "agents.trust", "true"]);
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let state = env.repo.join(".git/agents/state.json");
    let mut verify = background(&env, &["verify", "--command", "sleep 2", "t"]);
    std::thread::sleep(Duration::from_millis(700));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    json["tasks"].as_object_mut().unwrap().remove("t");
    std::fs::write(&state, serde_json::to_vec(&json).unwrap()).unwrap();
    let status = verify.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(verify.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
}
