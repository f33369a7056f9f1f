//! The library as a user's own orchestrator drives it: `examples/orchestrator.rs`, built and run.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{agents_dir, stderr, stdout, Env};

/// The example's binary, built if a filtered test run has not built it yet.
fn orchestrator() -> PathBuf {
    let example = crate::common::bin()
        .parent()
        .unwrap()
        .join("examples/orchestrator");
    if !example.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "orchestrator"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    example
}

/// The example started in `env`'s repository, sealed, with no git-agents on PATH.
pub(crate) fn start(env: &Env, agent: &[&str]) -> std::process::Child {
    let mut cmd = Command::new(orchestrator());
    crate::common::seal(&mut cmd, &env.home);
    cmd.args(agent)
        .current_dir(&env.repo)
        .env("PATH", format!("{}:/usr/bin:/bin", agents_dir().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn the_sdk_says_at_start_that_it_runs_unsupervised_and_still_finishes() {
    let env = Env::new();
    env.task("lib1", "# x\n");
    let out = start(&env, &["fake-agent", "write", "{task}.txt", "sdk"])
        .wait_with_output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("without a supervisor"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git(&["show", "feature/lib1:lib1.txt"]), "sdk\n");
}

#[test]
fn the_example_orchestrator_stops_on_ctrl_c_and_leaves_no_agent() {
    let env = Env::new();
    env.task("slow", "# x\n");
    let pidfile = env.tmp.path().join("agent.pid");
    let pid_arg = pidfile.to_string_lossy().into_owned();
    let mut child = start(&env, &["fake-agent", "pidfile", &pid_arg, "hang"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pidfile.exists() {
        assert!(Instant::now() < deadline, "the agent never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let orchestrator = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(orchestrator, nix::sys::signal::Signal::SIGINT).unwrap();
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "the orchestrator did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("slow: interrupted"),
        "{}",
        stdout(&out)
    );
    let agent: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = nix::sys::signal::kill(nix::unistd::Pid::from_raw(agent), None).is_err();
    assert!(gone, "agent {agent} survived the interrupt");
}

/// The README's first command ends with the demo example: it must run on a bare machine (no
/// agent CLI, no git identity, sealed HOME) and leave a repository git accepts, both tasks
/// merged into main.
#[test]
fn the_readmes_demo_spawns_and_merges_two_tasks() {
    let example = crate::common::bin().parent().unwrap().join("examples/demo");
    if !example.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", "demo"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let env = Env::bare_dir();
    let keep = env.root().join("kept");
    let mut cmd = Command::new(example);
    crate::common::seal(&mut cmd, &env.home);
    let out = cmd
        .arg(&keep)
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("spawn: 2 tasks, exit 0"),
        "{}",
        stdout(&out)
    );
    let repo = keep.join("demo");
    let git = |args: &[&str]| {
        let mut cmd = env.git_cmd(&repo);
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        git(&["ls-tree", "--name-only", "main"]),
        "bye.txt\nhello.txt\n"
    );
    git(&["fsck", "--no-progress"]);
}
