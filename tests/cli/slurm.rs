//! `--backend slurm` against a real one-node Slurm cluster: `tests/slurm/cluster.sh start DIR`
//! (which `.ci/run` runs around the tests) starts munged, slurmctld and slurmd, and the tests
//! find it through `SLURM_CONF`. Without a cluster they say why and pass, except under
//! `CI=true`, where a cluster that is missing or does not answer fails them.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{background, stderr, stdout, summary, Env};
use crate::lifecycle::wait_for;
use crate::real_agents::in_ci;

/// Whether a cluster answers; says why not otherwise (and fails in CI).
fn cluster() -> bool {
    let why = match std::env::var_os("SLURM_CONF").filter(|v| !v.is_empty()) {
        None => "SLURM_CONF is not set: start a cluster with `tests/slurm/cluster.sh start DIR` and export the SLURM_CONF it prints".to_owned(),
        Some(_) => match Command::new("scontrol").arg("ping").output() {
            Ok(out) if out.status.success() && stdout(&out).contains("UP") => return true,
            Ok(out) => format!(
                "the Slurm cluster of SLURM_CONF does not answer: {}{}",
                stdout(&out),
                stderr(&out)
            ),
            Err(err) => format!("scontrol cannot run: {err}"),
        },
    };
    assert!(!in_ci(), "Slurm tests cannot run: {why}");
    eprintln!("SKIPPED: {why}");
    false
}

/// The task's record in state.json.
fn record(env: &Env, task: &str) -> serde_json::Value {
    let path = env.repo.join(".git/agents/state.json");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    state["tasks"][task].clone()
}

fn job_id(env: &Env, task: &str) -> String {
    let id = record(env, task)["slurm"]["id"].as_str().map(str::to_owned);
    id.unwrap_or_else(|| panic!("task {task} has no Slurm job: {}", record(env, task)))
}

/// `scontrol show job -o ID`, as `Key=Value` words.
fn job_field(id: &str, key: &str) -> String {
    let out = Command::new("scontrol")
        .args(["show", "job", "-o", id])
        .output()
        .unwrap();
    let text = stdout(&out);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("scontrol shows no {key} for job {id}: {text}"))
        .to_owned()
}

/// Job ids of `ids` that Slurm still has queued or running.
fn in_squeue(ids: &[String]) -> String {
    let out = Command::new("squeue")
        .args(["-h", "-o", "%i %T", "-j", &ids.join(",")])
        .output()
        .unwrap();
    stdout(&out)
}

fn fsck_and_worktrees_pass(env: &Env) {
    env.git(&["fsck", "--no-progress"]);
    let list = env.git(&["worktree", "list", "--porcelain"]);
    assert!(!list.contains("prunable"), "{list}");
}

const FOUR: [(&str, &str); 4] = [
    ("alpha", "fake-agent write alpha.txt first"),
    (
        "beta",
        "fake-agent write src/beta.txt second append README.md beta",
    ),
    ("gamma", "fake-agent write gamma.txt third echo gamma-said"),
    ("delta", "fake-agent rm src/lib.txt write delta.txt fourth"),
];

fn four_tasks(backend: &str) -> Env {
    let env = Env::new();
    for (task, command) in FOUR {
        env.task(task, &format!("---\ncommand: {command}\n---\n# {task}\n"));
    }
    let out = env
        .cmd()
        .args(["spawn", "--yes", "--backend", backend])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{backend}: {}", stderr(&out));
    env
}

#[test]
fn four_tasks_through_slurm_commit_what_the_local_backend_commits() {
    if !cluster() {
        return;
    }
    let local = four_tasks("local");
    let slurm = four_tasks("slurm");
    for (task, _) in FOUR {
        let branch = format!("feature/{task}");
        let range = format!("main..{branch}");
        let log = |env: &Env| env.git(&["log", "--format=%T %s", &range]);
        assert_eq!(log(&slurm), log(&local), "{task}");
        assert!(record(&local, task)["slurm"].is_null());
        let id = job_id(&slurm, task);
        assert_eq!(job_field(&id, "JobState"), "COMPLETED", "{task}");
        let workdir = job_field(&id, "WorkDir");
        assert_eq!(Path::new(&workdir), slurm.workspace(task));
        // The job wrote the task's log as the local backend does.
        let strip = |env: &Env| {
            let text = std::fs::read_to_string(env.log(task)).unwrap();
            let text = text.replace(&env.root().display().to_string(), "[TMP]");
            text.lines().skip(1).collect::<Vec<_>>().join("\n")
        };
        assert_eq!(strip(&slurm), strip(&local), "{task}");
    }
    fsck_and_worktrees_pass(&slurm);
    for (task, _) in FOUR {
        let status = |env: &Env| env.git_in(&env.workspace(task), &["status", "--porcelain"]);
        assert_eq!(status(&slurm), status(&local), "{task}");
    }
}

#[test]
fn a_failing_job_and_one_past_its_limit_fail_with_their_kinds() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    env.task(
        "broken",
        "---\ncommand: fake-agent echo trying exit 3\n---\n# broken\n",
    );
    env.task(
        "slow",
        "---\ncommand: fake-agent sleep 120\ntimeout: 2s\n---\n# slow\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--yes", "--backend", "slurm", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary = summary(&out);
    let task = |name: &str| {
        let tasks = summary["tasks"].as_array().unwrap();
        tasks.iter().find(|t| t["task"] == name).unwrap().clone()
    };
    let broken = task("broken");
    assert_eq!(broken["state"], "failed", "{broken}");
    assert_eq!(broken["exit_code"], 3, "{broken}");
    assert_eq!(broken["failure"], "exit", "{broken}");
    let slow = task("slow");
    assert_eq!(slow["state"], "timed-out", "{slow}");
    assert_eq!(slow["failure"], "timeout", "{slow}");
    let broken_job = job_id(&env, "broken");
    assert_eq!(job_field(&broken_job, "JobState"), "FAILED");
    assert_eq!(job_field(&broken_job, "ExitCode"), "3:0");
    // Its time limit in Slurm is the timeout, in whole minutes rounded up.
    assert_eq!(job_field(&job_id(&env, "slow"), "TimeLimit"), "00:01:00");
    fsck_and_worktrees_pass(&env);
}

/// Slurm's own time limit (`agents.slurm.time`, here with git-agents' off) ends the job as
/// TIMEOUT, which is a timed-out task. Slurm's limit is a minute at least, so this test takes
/// one.
#[test]
fn slurms_time_limit_ends_a_task_as_timed_out() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    env.task("forever", "# forever\n");
    env.git(&["config", "agents.slurm.time", "1"]);
    let out = env
        .cmd()
        .args([
            "spawn",
            "--backend=slurm",
            "--timeout=off",
            "--idle-timeout=off",
        ])
        .args(["--json", "--command", "fake-agent hang"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let task = summary(&out)["tasks"][0].clone();
    assert_eq!(task["state"], "timed-out", "{task}");
    assert_eq!(task["failure"], "timeout", "{task}");
    let id = job_id(&env, "forever");
    assert_eq!(job_field(&id, "JobState"), "TIMEOUT");
}

#[test]
fn a_dependent_task_is_a_job_after_its_dependencys() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    env.task(
        "base",
        "---\ncommand: fake-agent write base.txt from-base\n---\n# base\n",
    );
    env.task(
        "child",
        "---\ndepends_on: [base]\ncommand: fake-agent cat base.txt write child.txt from-child\n---\n# child\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--yes", "--backend", "slurm"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (base, child) = (job_id(&env, "base"), job_id(&env, "child"));
    let after = record(&env, "child")["slurm"]["after"].clone();
    assert_eq!(after, serde_json::json!([base]));
    // Slurm's times are whole seconds in one format: they compare as text.
    assert!(job_field(&child, "StartTime") >= job_field(&base, "EndTime"));
    let from_base = env.git(&["show", "feature/child:base.txt"]);
    assert_eq!(from_base, "from-base\n");
    env.git(&[
        "merge-base",
        "--is-ancestor",
        "feature/base",
        "feature/child",
    ]);
}

fn hanging_tasks(env: &Env, names: &[&str]) {
    for name in names {
        env.task(name, "# hang\n");
    }
}

#[test]
fn ctrl_c_cancels_every_job_of_the_run() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    let names = ["hold1", "hold2", "hold3"];
    hanging_tasks(&env, &names);
    let child = background(
        &env,
        &[
            "spawn",
            "--backend",
            "slurm",
            "--command",
            "fake-agent hang",
        ],
    );
    wait_for("every task's job", Duration::from_secs(60), || {
        names
            .iter()
            .all(|n| !record(&env, n)["slurm"]["id"].is_null())
    });
    let ids: Vec<String> = names.iter().map(|n| job_id(&env, n)).collect();
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(in_squeue(&ids), "", "jobs left after Ctrl-C");
    for (name, id) in names.iter().zip(&ids) {
        assert_eq!(job_field(id, "JobState"), "CANCELLED", "{name}");
        assert_eq!(record(&env, name)["state"], "interrupted", "{name}");
    }
    fsck_and_worktrees_pass(&env);
}

#[test]
fn a_spawn_after_git_agents_was_killed_follows_the_job_still_running() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    env.task("reattach", "# reattach\n");
    let release = env.scratch("release");
    let command = format!(
        "sh -c 'while [ ! -e \"$0\" ]; do sleep 0.1; done; echo hi > out.txt; echo finished' {}",
        release.display()
    );
    let args = ["spawn", "--backend", "slurm", "--command", &command];
    let mut first = background(&env, &args);
    wait_for("the job to run", Duration::from_secs(60), || {
        record(&env, "reattach")["slurm"]["state"] == "RUNNING"
    });
    let id = job_id(&env, "reattach");
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(in_squeue(std::slice::from_ref(&id)).contains("RUNNING"));

    let out = env.cmd().args(["status"]).output().unwrap();
    let table = stdout(&out);
    let wanted = format!("running (slurm {id} RUNNING)");
    assert!(table.contains(&wanted), "{table}");

    let second = background(&env, &args);
    let pid = second.id();
    wait_for(
        "the second spawn to take the task",
        Duration::from_secs(30),
        || record(&env, "reattach")["pid"] == pid,
    );
    std::fs::write(&release, "").unwrap();
    let out = second.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(job_id(&env, "reattach"), id, "a second job was submitted");
    assert_eq!(job_field(&id, "JobState"), "COMPLETED");
    assert_eq!(env.git(&["show", "feature/reattach:out.txt"]), "hi\n");
    let log = std::fs::read_to_string(env.log("reattach")).unwrap();
    assert!(log.ends_with("finished\n"), "{log}");
    fsck_and_worktrees_pass(&env);
}

#[test]
fn a_retry_is_a_new_job() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    let marker = env.scratch("failed-once");
    env.task("flaky", "# flaky\n");
    let command = format!(
        "fake-agent fail-once {} write flaky.txt finally",
        marker.display()
    );
    let out = env
        .cmd()
        .args(["spawn", "--backend", "slurm", "--retries", "1"])
        .args(["--command", &command])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let flaky = record(&env, "flaky");
    assert_eq!(flaky["attempts"], 2, "{flaky}");
    assert_eq!(flaky["slurm"]["attempt"], 2, "{flaky}");
    let dir = env.repo.join(".git/agents/slurm");
    let first = std::fs::read_to_string(dir.join("flaky-run1-attempt1.job")).unwrap();
    assert!(first.starts_with("#!/"), "{first}");
    assert!(dir.join("flaky-run1-attempt2.job").is_file());
    assert_eq!(env.git(&["show", "feature/flaky:flaky.txt"]), "finally\n");
}

/// What `spawn --json` streams of one task, in order: states, its output lines, its end.
fn events(backend: &str) -> Vec<String> {
    let env = Env::new();
    env.task(
        "talk",
        "---\ncommand: fake-agent echo hello stderr oops write t.txt 1 echo bye\n---\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--json", "--quiet", "--backend", backend])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    crate::common::json_lines(&out)
        .iter()
        .filter_map(|e| match e["event"].as_str().unwrap() {
            "state" => Some(format!("state:{}", e["state"].as_str().unwrap())),
            "output" => Some(format!("output:{}", e["line"].as_str().unwrap())),
            "finished" => Some(format!("finished:{}", e["state"].as_str().unwrap())),
            "note" | "summary" => None,
            other => Some(other.to_owned()),
        })
        .collect()
}

#[test]
fn a_jobs_output_streams_as_the_local_backends_does() {
    if !cluster() {
        return;
    }
    let local = events("local");
    assert!(local.contains(&"output:hello".to_owned()), "{local:?}");
    assert_eq!(events("slurm"), local);
}

#[test]
fn ctrl_c_cancels_jobs_still_pending() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    let names = ["wait1", "wait2"];
    hanging_tasks(&env, &names);
    // Held jobs stay pending until released, which nobody does.
    env.git(&["config", "agents.slurm.args", "--hold"]);
    let child = background(
        &env,
        &[
            "spawn",
            "--backend",
            "slurm",
            "--command",
            "fake-agent hang",
        ],
    );
    wait_for("every task's job", Duration::from_secs(60), || {
        names
            .iter()
            .all(|n| record(&env, n)["slurm"]["state"] == "PENDING")
    });
    let ids: Vec<String> = names.iter().map(|n| job_id(&env, n)).collect();
    let out = env.cmd().args(["status"]).output().unwrap();
    let table = stdout(&out);
    assert!(
        table.contains(&format!("(slurm {} PENDING)", ids[0])),
        "{table}"
    );
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(in_squeue(&ids), "", "jobs left after Ctrl-C");
    for (name, id) in names.iter().zip(&ids) {
        assert_eq!(job_field(id, "JobState"), "CANCELLED", "{name}");
        assert_eq!(record(&env, name)["state"], "interrupted", "{name}");
    }
}

#[test]
fn a_job_that_dies_without_its_result_fails_and_says_so_in_the_log() {
    if !cluster() {
        return;
    }
    let env = Env::new();
    // The agent kills its supervisor's parent: the job's own git-agents, which then writes no
    // result.
    env.task(
        "killer",
        "---\ncommand: sh -c \"kill -9 $(ps -o ppid= -p $PPID)\"\n---\n# killer\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--yes", "--backend", "slurm"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let killer = record(&env, "killer");
    assert_eq!(killer["state"], "failed", "{killer}");
    let id = job_id(&env, "killer");
    assert_eq!(job_field(&id, "JobState"), "FAILED");
    let log = std::fs::read_to_string(env.log("killer")).unwrap();
    let said = format!("==> git-agents: slurm job {id} ended FAILED without a result");
    assert!(log.lines().last().unwrap().starts_with(&said), "{log}");
}
