//! With `agents.fsmonitor`, status asks a monitor which files changed and looks at those only:
//! its answers must stay those of git through every kind of change, a monitor that misses
//! events, and one that dies; and the monitor must not outlive its repository.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::Env;
use crate::status_exact::{deep_env, edit_in_place, git_paths, settle, uncommitted, DEEP};

/// `deep_env` with the monitor on, its first status run (which starts the monitor) and the
/// monitor answering.
fn monitored_env() -> Env {
    let env = deep_env();
    env.git(&["config", "agents.fsmonitor", "true"]);
    uncommitted(&env, "alpha");
    monitor_pid(&env);
    env
}

fn agents_dir(env: &Env) -> PathBuf {
    env.root().join("repo/.git/agents")
}

/// The running monitor's process id, waiting for it to start.
fn monitor_pid(env: &Env) -> u32 {
    let lock = agents_dir(env).join("monitor.lock");
    let started = Instant::now();
    loop {
        let pid = std::fs::read_to_string(&lock)
            .ok()
            .and_then(|s| s.trim().parse::<u32>().ok())
            .filter(|pid| alive(*pid) && agents_dir(env).join("monitor.sock").exists());
        if let Some(pid) = pid {
            return pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no monitor started for {}",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmdline| cmdline.contains("__monitor"))
}

/// The token status kept for `ws`, after an answer from the monitor.
fn kept_token(env: &Env, ws: &Path) -> Option<String> {
    let cache = agents_dir(env).join("cache/monitored.v1.json");
    let kept: serde_json::Value = serde_json::from_slice(&std::fs::read(cache).ok()?).ok()?;
    kept[ws.to_str()?]["token"].as_str().map(str::to_owned)
}

/// status of alpha, twice (the second answer vouched for by the monitor), equals git's.
fn check(env: &Env, what: &str) {
    let ws = env.workspace("alpha");
    let git = git_paths(env, &ws);
    let state = if git.is_empty() { "clean" } else { "dirty" };
    for round in ["first", "second"] {
        assert_eq!(
            uncommitted(env, "alpha"),
            (state.into(), git.len() as u64),
            "{what}, {round} status: git lists {git:?}"
        );
    }
    assert!(
        kept_token(env, &ws).is_some(),
        "{what}: status kept the monitor's token"
    );
}

#[test]
fn with_a_monitor_status_stays_exact_through_every_kind_of_change() {
    let env = monitored_env();
    let ws = env.workspace("alpha");
    check(&env, "clean");
    let before = kept_token(&env, &ws).expect("a token once the monitor answers");

    edit_in_place(&ws.join(DEEP).join("file.txt"));
    check(&env, "a file edited deep down, same size");
    let after = kept_token(&env, &ws).expect("a token");
    assert_ne!(before, after, "each answer moves the token on");
    env.git_in(&ws, &["checkout", "--", "."]);
    check(
        &env,
        "the edit undone with git checkout (the index rewritten)",
    );

    std::fs::write(ws.join("a/b/c/d/e/new.txt"), "untracked\n").unwrap();
    std::fs::remove_file(ws.join("a/b/file.txt")).unwrap();
    std::fs::write(ws.join("a/b/c/scratch.tmp"), "ignored\n").unwrap();
    check(&env, "a file made, one removed, one ignored");

    let mut perms = std::fs::metadata(ws.join("a/file.txt"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(ws.join("a/file.txt"), perms).unwrap();
    check(&env, "a file made executable");

    // A tracked directory moved away and back under another name, then new trees made.
    std::fs::rename(ws.join("a/b/c/d"), ws.join("a/moved")).unwrap();
    check(&env, "a tracked directory renamed");
    edit_in_place(&ws.join("a/moved/e/f/file.txt"));
    std::fs::rename(ws.join("a/moved"), ws.join("a/b/c/d")).unwrap();
    check(&env, "edited while moved, then moved back");
    std::fs::create_dir_all(ws.join("x/y/z")).unwrap();
    std::fs::write(ws.join("x/y/z/deep.txt"), "x\n").unwrap();
    check(&env, "a new tree");
    std::fs::write(ws.join("x/y/z/deep.txt"), "xy\n").unwrap();
    std::fs::remove_dir_all(ws.join("x")).unwrap();
    check(&env, "the new tree removed");

    // Another worktree's change is its own.
    std::fs::write(env.workspace("beta").join("a/file.txt"), "beta's\n").unwrap();
    check(&env, "a change in another worktree");
    assert_eq!(uncommitted(&env, "beta"), ("dirty".into(), 1));

    // A tracked file replaced by writing a new one and renaming it over the old.
    let file = ws.join("a/b/c/file.txt");
    std::fs::write(ws.join("a/b/c/.file.swp"), "replaced\n").unwrap();
    std::fs::rename(ws.join("a/b/c/.file.swp"), &file).unwrap();
    check(&env, "a file replaced by a rename over it");
}

#[test]
fn a_monitor_that_missed_events_or_died_costs_only_a_full_scan() {
    let env = monitored_env();
    let ws = env.workspace("alpha");
    check(&env, "clean");

    // Stopped, the monitor cannot read its queue: more events than it holds overflow it.
    let pid = monitor_pid(&env);
    let stopped = Stopped::new(pid);
    std::fs::create_dir_all(ws.join("flood")).unwrap();
    for n in 0..20_000 {
        std::fs::write(ws.join(format!("flood/{n}")), "").unwrap();
    }
    edit_in_place(&ws.join(DEEP).join("file.txt"));
    drop(stopped);
    check(&env, "after the monitor's queue overflowed");
    std::fs::remove_dir_all(ws.join("flood")).unwrap();
    check(&env, "the flood removed");

    signal(pid, "KILL");
    let started = Instant::now();
    while alive(pid) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(
        ws.join(DEEP).join("file.txt"),
        "changed while no monitor ran\n",
    )
    .unwrap();
    check(&env, "after the monitor was killed");
    let again = monitor_pid(&env);
    assert_ne!(again, pid, "status started a new monitor");
    settle();
    check(&env, "with the new monitor");
}

#[test]
fn the_monitor_ends_with_its_repository() {
    let env = monitored_env();
    let pid = monitor_pid(&env);
    drop(env);
    let started = Instant::now();
    while alive(pid) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the monitor {pid} outlived its deleted repository"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process stopped with SIGSTOP until this is dropped, even by a failing assertion (a stopped
/// monitor could not see its repository go, and would outlive the test).
struct Stopped(u32);

impl Stopped {
    fn new(pid: u32) -> Self {
        signal(pid, "STOP");
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        // No assertion here: a panic while unwinding would abort the whole test run.
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}

fn signal(pid: u32, name: &str) {
    let sent = std::process::Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {pid}");
}
