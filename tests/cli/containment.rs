//! Containment: whatever an agent starts ends with it, even a daemon in a session of its own
//! or a child in a process group of its own, and a run ends when git-agents, or the git that
//! runs it as `git agents`, is killed.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{background, stderr, Env};
use crate::docs::{bin_dir, path_with};
use crate::lifecycle::{alive, pids, task_state, wait_for};

/// Only there to fail instead of hang: every wait below normally takes a second or less.
const LIMIT: Duration = Duration::from_secs(60);

/// Kills what a failed test leaves running (a 300 s sleep, say), so it never outlives the test.
struct Leftovers<'a>(&'a Path);

impl Drop for Leftovers<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for pid in pids(self.0).into_iter().filter(|p| alive(*p)) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

fn env_with_pidfile() -> (Env, PathBuf) {
    let env = Env::new();
    env.git(&["config", "agents.killGrace", "300ms"]);
    let pidfile = env.scratch("pids");
    (env, pidfile)
}

/// Wait for `child` to exit; past [`LIMIT`], kill it and fail.
fn finish(mut child: Child, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("{what} still running after {LIMIT:?}:\n{}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Field `n` (1-based, as in proc(5)) of /proc/PID/stat, for fields after the command name.
fn stat_field(pid: i32, n: usize) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = stat.rsplit_once(')').unwrap().1;
    after_name.split_whitespace().nth(n - 3).unwrap().to_owned()
}

fn parent_of(pid: i32) -> i32 {
    stat_field(pid, 4).parse().unwrap()
}

fn name_of(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap()
        .trim()
        .to_owned()
}

fn files_of(env: &Env, branch: &str) -> String {
    env.git(&["show", "--name-only", "--format=", branch])
}

#[test]
fn a_daemon_in_a_session_of_its_own_neither_holds_up_spawn_nor_outlives_it() {
    let (env, pidfile) = env_with_pidfile();
    let _leftovers = Leftovers(&pidfile);
    let p = pidfile.display();
    // The timeout is far beyond LIMIT: a run that only ends through it fails the test.
    env.task(
        "daemon",
        &format!("---\ncommand: fake-agent setsid-daemon {p} write d.txt 1\ntimeout: 10m\n---\n"),
    );
    let out = finish(background(&env, &["spawn"]), "spawn");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(task_state(&env, "daemon"), "done");
    assert_eq!(files_of(&env, "feature/daemon"), "d.txt\n");
    let daemon = pids(&pidfile);
    assert_eq!(daemon.len(), 1);
    // The supervisor reaps it before it exits itself: gone already, no waiting.
    assert!(!alive(daemon[0]), "the daemon {} outlived spawn", daemon[0]);
}

#[test]
fn a_child_in_a_process_group_of_its_own_is_gone_when_spawn_ends() {
    let (env, pidfile) = env_with_pidfile();
    let _leftovers = Leftovers(&pidfile);
    let p = pidfile.display();
    env.task(
        "group",
        &format!("---\ncommand: fake-agent new-group {p} write g.txt 1\n---\n"),
    );
    let out = finish(background(&env, &["spawn"]), "spawn");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(task_state(&env, "group"), "done");
    assert_eq!(files_of(&env, "feature/group"), "g.txt\n");
    let child = pids(&pidfile);
    assert_eq!(child.len(), 1);
    assert!(!alive(child[0]), "the child {} outlived spawn", child[0]);
}

/// Without a supervisor (the library as a user's orchestrator runs it by default) nothing ends
/// the daemon: git-agents itself must stop reading the output the daemon holds open, soon after
/// the agent exited.
#[test]
fn output_held_open_by_an_escaped_process_is_read_only_briefly_after_the_agent_exits() {
    let (env, pidfile) = env_with_pidfile();
    let _leftovers = Leftovers(&pidfile);
    let p = pidfile.to_string_lossy().into_owned();
    env.task("escaped", "# escaped\n");
    let agent = ["fake-agent", "setsid-daemon", &p, "write", "d.txt", "1"];
    let out = finish(crate::sdk::start(&env, &agent), "the orchestrator");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.read(&env.log("escaped")).contains("fake-agent done"));
    let daemon = pids(&pidfile);
    assert_eq!(daemon.len(), 1);
    // Nothing ended it, so it did hold the output open the whole time; end it here.
    assert!(alive(daemon[0]), "the daemon {} did not escape", daemon[0]);
    kill(Pid::from_raw(daemon[0]), Signal::SIGKILL).unwrap();
}

#[test]
fn sigkill_of_git_agents_ends_daemons_and_children_in_groups_of_their_own() {
    let (env, pidfile) = env_with_pidfile();
    let _leftovers = Leftovers(&pidfile);
    env.task("stuck", "# stuck\n");
    let p = pidfile.display();
    let command =
        format!("fake-agent pidfile {p} setsid-daemon {p} new-group {p} ignore-term hang");
    let mut child = background(&env, &["spawn", "--command", &command]);
    wait_for("the agent, its daemon and its child", LIMIT, || {
        pids(&pidfile).len() == 3
    });
    child.kill().unwrap();
    child.wait().unwrap();
    wait_for("every process the agent started gone", LIMIT, || {
        pids(&pidfile).into_iter().all(|p| !alive(p))
    });
}

/// A shell's `git agents spawn` runs git, which runs git-agents as its child: SIGKILL of that
/// git, which git cannot pass on, must still end the run as SIGTERM would.
#[test]
fn sigkill_of_the_git_running_git_agents_ends_the_run() {
    let (env, pidfile) = env_with_pidfile();
    let _leftovers = Leftovers(&pidfile);
    env.task("hang", "# hang\n");
    let command = format!("fake-agent pidfile {} hang", pidfile.display());
    let log = std::fs::File::create(env.root().join("git-agents.out")).unwrap();
    let mut git = env
        .git_cmd(&env.repo)
        .args(["agents", "spawn", "--command", &command])
        .env("PATH", path_with(&bin_dir(&env)))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_for("the agent", LIMIT, || !pids(&pidfile).is_empty());
    let agent = pids(&pidfile)[0];
    let supervisor = parent_of(agent);
    let git_agents = parent_of(supervisor);
    assert_eq!(name_of(git_agents), "git-agents");
    assert_eq!(parent_of(git_agents), git.id() as i32);

    git.kill().unwrap();
    git.wait().unwrap();
    wait_for(
        "git-agents, the supervisor and the agent gone",
        LIMIT,
        || {
            [git_agents, supervisor, agent]
                .into_iter()
                .all(|p| !alive(p))
        },
    );
    let said = env.read(&env.root().join("git-agents.out"));
    assert_eq!(task_state(&env, "hang"), "interrupted", "{said}");
    env.git(&["worktree", "list"]);
    env.git(&["status"]);
}
