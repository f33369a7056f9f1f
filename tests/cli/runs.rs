//! Runs: every spawn is numbered, a task's logs are kept per run with headers that tell the
//! real attempt, and the summary counts what this run did.

use crate::common::{background, stderr, stdout, summary, Env};
use crate::status::{ok, row, run, status_json};

/// The attempt headers of a log, without their time and command.
fn headers(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.starts_with("==> git-agents: run "))
        .map(|l| {
            let pass: Vec<&str> = l.split(" · ").collect();
            pass[..pass.len() - 1].join(" · ")
        })
        .collect()
}

#[test]
fn logs_show_the_latest_run_one_run_or_all() {
    let env = Env::new();
    let marker = env.scratch("failed-once");
    env.task(
        "t",
        &format!(
            "---\ncommand: fake-agent fail-once {} write t.txt 1\n---\n",
            marker.display()
        ),
    );
    let first = run(&env, &["spawn", "-q", "t"]);
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert_eq!(row(&status_json(&env, &[]), "t")["run"], 1);
    let second = run(&env, &["spawn", "-q", "t"]);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(row(&status_json(&env, &[]), "t")["run"], 2);

    let latest = ok(&env, &["logs", "t"]);
    assert_eq!(headers(&latest), ["==> git-agents: run 2 · attempt 1/1"]);
    assert!(!latest.contains("transient failure"), "{latest}");
    assert!(latest.contains("wrote t.txt"), "{latest}");
    assert_eq!(
        latest,
        env.read(&env.log("t")),
        "the latest run stays in t.log"
    );

    let one = ok(&env, &["logs", "t", "--run", "1"]);
    assert_eq!(headers(&one), ["==> git-agents: run 1 · attempt 1/1"]);
    assert!(one.contains("transient failure"), "{one}");
    let kept = env.log("t").with_file_name("t.runs/run-1.log");
    assert_eq!(one, env.read(&kept));

    let all = ok(&env, &["logs", "t", "--all"]);
    assert_eq!(
        headers(&all),
        [
            "==> git-agents: run 1 · attempt 1/1",
            "==> git-agents: run 2 · attempt 1/1"
        ]
    );
    let intros: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("==> git-agents logs: "))
        .collect();
    assert_eq!(
        intros,
        [
            "==> git-agents logs: run 1: .git/agents/logs/t.runs/run-1.log",
            "==> git-agents logs: run 2: .git/agents/logs/t.log"
        ]
    );
    assert_eq!(all.find(&one), Some(intros[0].len() + 1), "{all}");
    assert!(all.ends_with(&latest), "{all}");
}

#[test]
fn retries_and_fix_attempts_say_which_they_are() {
    let env = Env::new();
    env.git(&["config", "agents.retryDelay", "10ms"]);
    let failures = env.scratch("failures");
    env.task(
        "flaky",
        &format!(
            "---\ncommand: fake-agent fail-times 2 {} write ok.txt 1\n---\n",
            failures.display()
        ),
    );
    let out = run(&env, &["spawn", "-q", "--retries", "2", "flaky"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        headers(&env.read(&env.log("flaky"))),
        [
            "==> git-agents: run 1 · attempt 1/3",
            "==> git-agents: run 1 · attempt 2/3",
            "==> git-agents: run 1 · attempt 3/3"
        ]
    );

    let checked = env.scratch("checked");
    env.task(
        "fixed",
        &format!(
            "---\ncommand: fake-agent append out.txt again\nverify: fake-agent fail-once {}\n---\n",
            checked.display()
        ),
    );
    let out = run(
        &env,
        &["spawn", "-q", "--verify", "--fix-attempts", "2", "fixed"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        headers(&env.read(&env.log("fixed"))),
        [
            "==> git-agents: run 2 · attempt 1/1",
            "==> git-agents: run 2 · fix 1/2"
        ]
    );
    let verify_log = env.read(&env.log("fixed").with_file_name("fixed.verify.log"));
    assert!(verify_log.contains("transient failure"), "{verify_log}");
}

#[test]
fn the_summary_counts_this_runs_work_and_status_the_branch() {
    let env = Env::new();
    // Committed, so the agent's own commits hold only its files.
    env.task("t", "# t\n");
    env.commit_all("the task");
    let agent = "fake-agent write a.txt 1 commit one write b.txt 2 commit two write c.txt 3";
    let first = run(&env, &["spawn", "--json", "--command", agent, "t"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let record = &summary(&first)["tasks"][0];
    assert_eq!(
        (&record["commits"], &record["files_changed"]),
        (&3.into(), &3.into())
    );
    let base = env.rev("HEAD");

    let again = run(
        &env,
        &[
            "spawn",
            "--json",
            "--rerun",
            "--command",
            "fake-agent write d.txt 4",
            "t",
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let report = summary(&again);
    assert_eq!(report["run"], 2);
    let record = &report["tasks"][0];
    assert_eq!(record["run"], 2);
    assert_eq!(
        (&record["commits"], &record["files_changed"]),
        (&1.into(), &1.into())
    );
    let range = format!("{base}..feature/t");
    assert_eq!(env.git(&["rev-list", "--count", &range]).trim(), "4");

    let status = status_json(&env, &[]);
    assert_eq!(row(&status, "t")["ahead"], 4, "status counts the branch");
    assert_eq!(row(&status, "t")["files_changed"], 4);
    let table = ok(&env, &["spawn", "--rerun", "--command", "true", "t"]);
    assert!(table.lines().any(|l| l == "run 3"), "{table}");
}

#[test]
fn concurrent_spawns_get_distinct_run_numbers() {
    let env = Env::new();
    env.task("a", "---\ncommand: fake-agent write a.txt 1\n---\n");
    env.task("b", "---\ncommand: fake-agent write b.txt 1\n---\n");
    let spawns = [
        background(&env, &["spawn", "--json", "a"]),
        background(&env, &["spawn", "--json", "b"]),
    ];
    let mut runs: Vec<u64> = spawns
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            summary(&out)["run"].as_u64().unwrap()
        })
        .collect();
    runs.sort_unstable();
    assert_eq!(runs, [1, 2]);
    let status = status_json(&env, &[]);
    let mut recorded = [
        row(&status, "a")["run"].as_u64(),
        row(&status, "b")["run"].as_u64(),
    ];
    recorded.sort_unstable();
    assert_eq!(recorded, [Some(1), Some(2)]);
}

#[test]
fn a_log_from_before_runs_were_numbered_is_still_shown() {
    let env = Env::new();
    env.task("old", "---\ncommand: fake-agent write old.txt 1\n---\n");
    let log = env.log("old");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let old = "==> git-agents: task old attempt 1/1 at 2026-01-01T00:00:00Z: agent\nold words\n";
    std::fs::write(&log, old).unwrap();
    assert_eq!(ok(&env, &["logs", "old"]), old);
    assert_eq!(ok(&env, &["logs", "old", "--run", "0"]), old);

    let out = run(&env, &["spawn", "-q", "old"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let latest = ok(&env, &["logs", "old"]);
    assert_eq!(headers(&latest), ["==> git-agents: run 1 · attempt 1/1"]);
    assert_eq!(ok(&env, &["logs", "old", "--run", "0"]), old);
    let all = ok(&env, &["logs", "old", "--all"]);
    assert!(
        all.starts_with(&format!(
            "==> git-agents logs: run 0: .git/agents/logs/old.runs/run-0.log\n{old}"
        )),
        "{all}"
    );
    let unknown = run(&env, &["logs", "old", "--run", "5"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stdout(&unknown).is_empty());
}
