//! Branch mode stopped mid-task — by SIGTERM, or by SIGKILL and the next run — goes back to the
//! branch it started from, with the task's work committed on the task's branch, and resumes.

use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{background, stderr, summary, Env};

/// A repository whose one task writes `a.txt` and then hangs (or, as `second`, finishes).
fn hanging_task() -> Env {
    let env = Env::new();
    env.task(
        "t",
        "---\ncommand: fake-agent write a.txt first hang\n---\n",
    );
    env.commit_all("task");
    // The task file is committed: its command needs approving (or this setting).
    env.git(&["config", "agents.trust", "true"]);
    env
}

fn wait_for(path: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stop(child: &mut std::process::Child, signal: Signal) -> Option<i32> {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(Instant::now() < deadline, "git-agents did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn head(env: &Env) -> String {
    env.git(&["symbolic-ref", "HEAD"]).trim().to_owned()
}

/// The next run finishes the task on its branch, which keeps the interrupted work.
fn resume(env: &Env) -> String {
    let out = env
        .cmd()
        .args([
            "spawn",
            "--json",
            "--mode",
            "branch",
            "--command",
            "fake-agent write b.txt second",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(summary(&out)["tasks"][0]["state"], "done");
    assert_eq!(head(env), "refs/heads/main");
    assert_eq!(env.git(&["show", "feature/t:a.txt"]), "first\n");
    assert_eq!(env.git(&["show", "feature/t:b.txt"]), "second\n");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    stderr(&out)
}

#[test]
fn sigterm_mid_task_commits_the_work_on_its_branch_and_goes_home() {
    let env = hanging_task();
    let mut run = background(&env, &["spawn", "--mode", "branch"]);
    wait_for(&env.repo.join("a.txt"));
    assert_eq!(stop(&mut run, Signal::SIGTERM), Some(130));
    let err = stderr(&run.wait_with_output().unwrap());
    assert!(err.contains("committed on feature/t"), "{err}");
    assert_eq!(head(&env), "refs/heads/main");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert!(!env.repo.join("a.txt").exists());
    let subject = env.git(&["log", "-1", "--format=%s", "feature/t"]);
    assert!(subject.starts_with("wip: t"), "{subject}");
    resume(&env);
}

#[test]
fn sigkill_mid_task_is_repaired_by_the_next_run() {
    let env = hanging_task();
    let mut run = background(&env, &["spawn", "--mode", "branch"]);
    wait_for(&env.repo.join("a.txt"));
    stop(&mut run, Signal::SIGKILL);
    assert_eq!(
        head(&env),
        "refs/heads/feature/t",
        "killed outright, HEAD stays"
    );
    let err = resume(&env);
    assert!(
        err.contains("an earlier branch-mode run stopped during 't'")
            && err.contains("back on main"),
        "{err}"
    );
    assert!(!env.repo.join(".git/agents/branch-mode.json").exists());
}
