//! Faults with real processes: timeouts, retries, interrupts, SIGKILL, locks, floods, junk.

use std::path::Path;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{background, stderr, stdout, Env};

fn state(env: &Env) -> serde_json::Value {
    let text = std::fs::read_to_string(env.repo.join(".git/agents/state.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

pub(crate) fn task_state(env: &Env, task: &str) -> String {
    state(env)["tasks"][task]["state"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A pid is gone when it no longer exists or is a zombie nobody has reaped yet.
#[cfg(target_os = "linux")]
pub(crate) fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .chars()
                .next();
            state != Some('Z')
        }
        Err(_) => false,
    }
}

/// Without /proc, ask ps for the process state (`Z` for a zombie, nothing when gone).
#[cfg(not(target_os = "linux"))]
pub(crate) fn alive(pid: i32) -> bool {
    let out = std::process::Command::new("ps")
        .args(["-o", "stat=", "-p", &pid.to_string()])
        .output()
        .unwrap();
    let state = String::from_utf8_lossy(&out.stdout);
    let state = state.trim();
    !state.is_empty() && !state.starts_with('Z')
}

pub(crate) fn pids(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

pub(crate) fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn four_hanging_tasks(env: &Env) -> std::path::PathBuf {
    let pidfile = env.scratch("pids");
    for i in 0..4 {
        env.task(&format!("hang{i}"), "# hang\n");
    }
    env.git(&["config", "agents.killGrace", "300ms"]);
    pidfile
}

fn hang_command(pidfile: &Path) -> String {
    let p = pidfile.display();
    format!("fake-agent pidfile {p} grandchild 120 {p} ignore-term hang")
}

fn interrupt_run(signal: Signal) {
    let env = Env::new();
    let pidfile = four_hanging_tasks(&env);
    let command = hang_command(&pidfile);
    let child = background(&env, &["spawn", "-j", "4", "--command", &command]);
    wait_for(
        "4 agents and 4 grandchildren",
        Duration::from_secs(20),
        || pids(&pidfile).len() == 8,
    );
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    wait_for("every agent process gone", Duration::from_secs(5), || {
        pids(&pidfile).into_iter().all(|p| !alive(p))
    });
    for i in 0..4 {
        assert_eq!(task_state(&env, &format!("hang{i}")), "interrupted");
    }

    // The next spawn resumes the interrupted tasks in their existing worktrees.
    let tip = env.rev("feature/hang0");
    std::fs::write(
        env.workspace("hang0").join("left-behind.txt"),
        "partial work\n",
    )
    .unwrap();
    let out = env
        .cmd()
        .args(["spawn", "--command", "fake-agent write resumed.txt yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.rev("feature/hang0^"), tip);
    let files = env.git(&["show", "--name-only", "--format=", "feature/hang0"]);
    assert_eq!(files, "left-behind.txt\nresumed.txt\n");
}

#[test]
fn sigint_stops_every_agent_and_grandchild_and_the_run_resumes() {
    interrupt_run(Signal::SIGINT);
}

#[test]
fn sigterm_stops_every_agent_and_grandchild_and_the_run_resumes() {
    interrupt_run(Signal::SIGTERM);
}

#[test]
fn sigkill_of_git_agents_leaves_no_agent_behind() {
    let env = Env::new();
    let pidfile = four_hanging_tasks(&env);
    let command = hang_command(&pidfile);
    let mut child = background(&env, &["spawn", "-j", "4", "--command", &command]);
    wait_for(
        "4 agents and 4 grandchildren",
        Duration::from_secs(20),
        || pids(&pidfile).len() == 8,
    );
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("every agent process gone", Duration::from_secs(5), || {
        pids(&pidfile).into_iter().all(|p| !alive(p))
    });
}

#[test]
fn a_timeout_ends_the_whole_group() {
    let env = Env::new();
    env.task("slow", "# slow\n");
    env.task("quick", "---\ncommand: fake-agent write q.txt 1\n---\n");
    env.git(&["config", "agents.killGrace", "200ms"]);
    let pidfile = env.scratch("pids");
    let p = pidfile.display();
    let slow = format!("---\ncommand: fake-agent pidfile {p} grandchild 120 {p} ignore-term hang\ntimeout: 1s\n---\n");
    env.task("slow", &slow);
    let started = Instant::now();
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(task_state(&env, "slow"), "timed-out");
    assert_eq!(task_state(&env, "quick"), "done");
    let report = crate::common::summary(&out);
    assert!(report["tasks"][1]["message"]
        .as_str()
        .unwrap()
        .contains("1s"));
    assert_eq!(pids(&pidfile).len(), 2);
    wait_for("the timed-out group gone", Duration::from_secs(3), || {
        pids(&pidfile).into_iter().all(|p| !alive(p))
    });
}

#[test]
fn retries_count_attempts_with_bounded_backoff() {
    let env = Env::new();
    env.git(&["config", "agents.retryDelay", "100ms"]);
    let marker = env.scratch("marker");
    env.task(
        "flaky",
        &format!(
            "---\ncommand: fake-agent fail-once {} write ok.txt 1\n---\n",
            marker.display()
        ),
    );
    env.task("broken", "---\ncommand: fake-agent echo nope exit 7\n---\n");
    let started = Instant::now();
    let out = env
        .cmd()
        .args(["spawn", "--retries", "2"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let st = state(&env);
    assert_eq!(st["tasks"]["flaky"]["attempts"], 2);
    assert_eq!(st["tasks"]["flaky"]["state"], "done");
    assert_eq!(st["tasks"]["broken"]["attempts"], 3);
    assert_eq!(st["tasks"]["broken"]["exit_code"], 7);
    // Delays of 100 ms then 200 ms, each within ±25%: well under two seconds in all.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let log = env.read(&env.log("broken"));
    let headers: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("==> git-agents:"))
        .collect();
    assert_eq!(headers.len(), 3, "{log}");
    assert!(headers[2].contains("attempt 3/3"), "{log}");
    assert!(
        stderr(&out).contains("flaky: running (attempt 2/3)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_second_spawn_of_a_running_task_is_refused_and_a_dead_holders_lock_taken_over() {
    let env = Env::new();
    env.task("held", "# x\n");
    env.git(&["config", "agents.killGrace", "200ms"]);
    let pidfile = env.scratch("pids");
    let command = format!("fake-agent pidfile {} hang", pidfile.display());
    let mut first = background(&env, &["spawn", "--command", &command]);
    wait_for("the first agent", Duration::from_secs(20), || {
        !pids(&pidfile).is_empty()
    });
    let out = env
        .cmd()
        .args(["spawn", "held", "--rerun", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "being run by another git-agents (pid {})",
            first.id()
        )),
        "{}",
        stderr(&out)
    );

    first.kill().unwrap();
    first.wait().unwrap();
    let out = env
        .cmd()
        .args(["spawn", "held", "--command", "fake-agent write w.txt 1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "took over the lock of git-agents pid {}",
            first.id()
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_flood_of_output_keeps_the_log_whole_and_memory_small() {
    let env = Env::new();
    env.task(
        "flood",
        "---\ncommand: fake-agent flood 1073741824 write f.txt 1\n---\n",
    );
    env.task("calm", "---\ncommand: fake-agent write c.txt 1\n---\n");
    let (out, peak) = with_peak_memory(background(&env, &["spawn"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = env.log("flood");
    let size = std::fs::metadata(&log).unwrap().len();
    assert!(size > 1_073_741_824, "{size}");
    let tail = {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(&log).unwrap();
        file.seek(SeekFrom::End(-200)).unwrap();
        let mut tail = String::new();
        file.read_to_string(&mut tail).unwrap();
        tail
    };
    assert!(
        tail.contains("flood over") && tail.ends_with("fake-agent done\n"),
        "{tail}"
    );
    std::fs::remove_file(&log).unwrap();
    // git-agents and its supervisor stayed small while a gigabyte went through them.
    assert!(peak > 0 && peak < 200 * 1024, "peak RSS {peak} KiB");
    assert_eq!(task_state(&env, "calm"), "done");
}

/// `child`'s output, and the largest peak RSS (KiB, `VmHWM`) that it or one of its own children
/// (the supervisor) reached while it ran, read every few milliseconds: only git-agents'
/// processes are measured, not whatever else this test process runs.
fn with_peak_memory(mut child: std::process::Child) -> (std::process::Output, u64) {
    let peak_of = |pid: u32| -> u64 {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
                line.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0)
    };
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        let pid = child.id();
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        let ours = children.split_whitespace().filter_map(|p| p.parse().ok());
        peak = std::iter::once(pid)
            .chain(ours)
            .map(peak_of)
            .fold(peak, u64::max);
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[test]
fn binary_junk_and_crashes_end_with_clear_states() {
    let env = Env::new();
    env.task("junk", "---\ncommand: fake-agent junk write j.txt 1\n---\n");
    env.task(
        "crash",
        "---\ncommand: fake-agent echo about-to-crash crash\n---\n",
    );
    let out = env.cmd().arg("spawn").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(task_state(&env, "junk"), "done");
    assert!(std::fs::read(env.log("junk"))
        .unwrap()
        .windows(10)
        .any(|w| w == b"after junk"));
    assert_eq!(task_state(&env, "crash"), "failed");
    let st = state(&env);
    assert!(
        st["tasks"]["crash"]["message"]
            .as_str()
            .unwrap()
            .contains("SIGSEGV"),
        "{st}"
    );
    assert!(stdout(&out).contains("crash"));
}

#[test]
fn an_unwritable_log_dir_is_a_clear_error_and_state_is_kept() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    let out = env.cmd().arg("spawn").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let before = std::fs::read(env.repo.join(".git/agents/state.json")).unwrap();
    std::fs::write(env.root().join("blocker"), "a file, not a directory").unwrap();
    env.git(&["config", "agents.logDir", "../blocker/logs"]);
    let out = env.cmd().args(["spawn", "--rerun"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error: cannot create") && err.contains("agents.logDir"),
        "{err}"
    );
    let after = std::fs::read(env.repo.join(".git/agents/state.json")).unwrap();
    assert_eq!(before, after);
}

// /dev/full is Linux's.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_while_logging_is_reported_and_the_task_still_finishes() {
    let env = Env::new();
    env.task(
        "full",
        "---\ncommand: fake-agent echo hello write full.txt 1\n---\n",
    );
    std::fs::create_dir_all(env.log("full").parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/full", env.log("full")).unwrap();
    let out = env.cmd().arg("spawn").output().unwrap();
    let st = state(&env);
    let task = &st["tasks"]["full"];
    // Even the header line cannot be written: the task fails clearly, or finishes with a note.
    match out.status.code() {
        Some(1) => assert!(task["message"].as_str().unwrap().contains("log"), "{task}"),
        Some(0) => assert!(
            task["message"].as_str().unwrap().contains("No space left"),
            "{task}"
        ),
        other => panic!("unexpected exit {other:?}: {}", stderr(&out)),
    }
}

#[test]
fn merged_tasks_stay_merged_through_clean_and_are_never_run_again_unless_asked() {
    let env = Env::new();
    env.task("a", "---\ncommand: fake-agent write a.txt 1\n---\n");
    env.task("b", "---\ncommand: fake-agent write b.txt 1\n---\n");
    env.commit_all("tasks");
    env.git(&["config", "agents.trust", "true"]);
    let run = |args: &[&str]| env.cmd().args(args).output().unwrap();
    assert_eq!(run(&["spawn", "--quiet"]).status.code(), Some(0));
    assert_eq!(run(&["merge"]).status.code(), Some(0));
    let merged = state(&env)["tasks"]["a"]["merged"].clone();
    assert_eq!(merged["into"], "main", "{merged}");
    // Each task's commit is where main was once its branch was in: b landed last.
    assert_eq!(
        state(&env)["tasks"]["b"]["merged"]["commit"],
        env.rev("main")
    );
    let a_at = merged["commit"].as_str().unwrap();
    env.git(&["merge-base", "--is-ancestor", a_at, "main"]);
    assert_eq!(env.git(&["show", &format!("{a_at}:a.txt")]), "1\n");
    assert_eq!(run(&["clean"]).status.code(), Some(0));
    assert!(!env.workspace("a").exists());
    assert_eq!(state(&env)["tasks"]["a"]["merged"]["into"], "main");

    let again = run(&["spawn"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let err = stderr(&again);
    assert!(
        err.contains("a: already merged into main, skipped"),
        "{err}"
    );
    assert!(!env.workspace("a").exists(), "nothing ran: {err}");
    let status = stdout(&run(&["status"]));
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("a ") && l.contains("merged")),
        "{status}"
    );

    // Retired, a task leaves status (status --all keeps the history) and spawn for good.
    let done = run(&["done", "a"]);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    assert!(env.repo.join(".claude/tasks/done/a.md").exists());
    let status = stdout(&run(&["status"]));
    assert!(!status.lines().any(|l| l.starts_with("a ")), "{status}");
    let all = stdout(&run(&["status", "--all"]));
    assert!(all.lines().any(|l| l.starts_with("a ")), "{all}");

    // An unfinished task is not retired unless forced; nothing moves.
    env.task("c", "---\ncommand: fake-agent exit 3\n---\n");
    let _ = run(&["spawn", "--quiet", "c"]);
    let refused = run(&["done", "b", "c"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("task 'c' is not finished (failed)"),
        "{}",
        stderr(&refused)
    );
    assert!(
        env.repo.join(".claude/tasks/b.md").exists(),
        "nothing moved"
    );
    let forced = run(&["done", "--force", "c"]);
    assert_eq!(forced.status.code(), Some(0), "{}", stderr(&forced));
}
