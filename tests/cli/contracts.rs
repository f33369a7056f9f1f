//! Dependencies, contract checks (verify), scopes in worktree mode, and the JSON event stream.

use crate::common::{json_lines, stderr, stdout, summary, Env};

fn is_ancestor(env: &Env, a: &str, b: &str) -> bool {
    env.git_cmd(&env.repo)
        .args(["merge-base", "--is-ancestor", a, b])
        .status()
        .unwrap()
        .success()
}

#[test]
fn dependencies_run_first_and_their_branches_are_the_base() {
    let env = Env::new();
    let times = env.scratch("times");
    let t = times.display();
    env.task(
        "db",
        &format!("---\ncommand: fake-agent record {t} sleep 0.3 write db.txt 1\n---\n"),
    );
    env.task(
        "ui",
        &format!("---\ncommand: fake-agent record {t} write ui.txt 1\n---\n"),
    );
    env.task(
        "auth",
        &format!("---\ndepends_on: [db]\ncommand: fake-agent record {t} write auth.txt 1\n---\n"),
    );
    env.task(
        "api",
        &format!(
            "---\ndepends_on: [auth, ui]\ncommand: fake-agent record {t} write api.txt 1\n---\n"
        ),
    );
    // Selecting only api pulls in what it needs.
    let out = env
        .cmd()
        .args(["spawn", "api", "-j", "4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(is_ancestor(&env, "feature/db", "feature/auth"));
    assert!(is_ancestor(&env, "feature/auth", "feature/api"));
    assert!(is_ancestor(&env, "feature/ui", "feature/api"));
    for file in ["db.txt", "auth.txt", "ui.txt", "api.txt"] {
        env.git(&["cat-file", "-e", &format!("feature/api:{file}")]);
    }
    assert_eq!(
        env.git(&["log", "--format=%s", "-1", "feature/auth"]),
        "feat: auth implementation\n"
    );
    let commits = env.git(&["rev-list", "--count", "feature/auth", "^feature/db"]);
    assert_eq!(commits, "1\n", "auth's own work only");
    // db ended before auth started.
    let text = env.read(&times);
    let at = |what: &str| -> u128 {
        text.lines()
            .find(|l| l.starts_with(what))
            .unwrap_or_else(|| panic!("{what} in {text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(at("end db") <= at("start auth"), "{text}");
    assert!(
        at("end auth") <= at("start api") && at("end ui") <= at("start api"),
        "{text}"
    );
}

#[test]
fn a_failed_dependency_stops_its_dependents_and_conflicting_ones_are_named() {
    let env = Env::new();
    env.task("broken", "---\ncommand: fake-agent exit 5\n---\n");
    env.task(
        "needs-broken",
        "---\ndepends_on: broken\ncommand: fake-agent write x.txt 1\n---\n",
    );
    env.task(
        "left",
        "---\ncommand: fake-agent write same.txt left\n---\n",
    );
    env.task(
        "right",
        "---\ncommand: fake-agent write same.txt right\n---\n",
    );
    env.task(
        "both",
        "---\ndepends_on: [left, right]\ncommand: fake-agent write y.txt 1\n---\n",
    );
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = summary(&out);
    let task = |name: &str| {
        report["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["task"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(task("needs-broken")["state"], "failed");
    assert!(task("needs-broken")["message"]
        .as_str()
        .unwrap()
        .contains("dependency 'broken' failed"));
    assert_eq!(task("both")["state"], "failed");
    let why = task("both")["message"].as_str().unwrap().to_owned();
    assert!(
        why.contains("conflict") && why.contains("same.txt"),
        "{why}"
    );
    assert_eq!(task("left")["state"], "done");
}

#[test]
fn dependency_cycles_and_unknown_names_are_refused() {
    let env = Env::new();
    env.task("a", "---\ndepends_on: [b]\n---\n");
    env.task("b", "---\ndepends_on: [a]\n---\n");
    let out = env
        .cmd()
        .args(["spawn", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cycle: a -> b -> a"),
        "{}",
        stderr(&out)
    );
    env.task("b", "---\ndepends_on: [nobody]\n---\n");
    let out = env
        .cmd()
        .args(["spawn", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("depends on 'nobody'"),
        "{}",
        stderr(&out)
    );
    assert!(!env.root().join("repo.agents").exists());
}

#[test]
fn verify_passes_fails_on_changed_contracts_and_fix_attempts_hand_back() {
    let env = Env::new();
    env.write(".claude/contracts/api.md", "# the contract\n");
    env.task(
        "good",
        "---\ncommand: fake-agent write out.txt ok\nverify: test -s out.txt\n---\n",
    );
    env.task(
        "cheat",
        "---\ncommand: fake-agent write .claude/contracts/api.md hacked\n---\n",
    );
    let prompts = env.scratch("prompts");
    env.task(
        "fixme",
        &format!(
            "---\ncommand: fake-agent append out.txt run append {} {{prompt}}\nverify: sh -c '[ $(grep -c run out.txt) -ge 2 ]'\n---\n",
            prompts.display()
        ),
    );
    let out = env
        .cmd()
        .args(["spawn", "--verify", "--fix-attempts", "1", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = summary(&out);
    let states: Vec<(String, String, bool)> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["task"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
                t["verify"]["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("cheat".into(), "failed".into(), false),
            ("fixme".into(), "done".into(), true),
            ("good".into(), "done".into(), true)
        ]
    );
    let cheat = &report["tasks"][0];
    assert!(cheat["message"]
        .as_str()
        .unwrap()
        .contains("contract .claude/contracts/api.md was changed"));
    let prompts = env.read(&prompts);
    assert_eq!(
        prompts.matches("Read .claude/tasks/fixme.md").count(),
        2,
        "{prompts}"
    );
    assert!(prompts.contains("The contract check failed"), "{prompts}");
    assert_eq!(env.git(&["show", "feature/fixme:out.txt"]), "run\nrun\n");
}

#[test]
fn the_verify_command_checks_spawned_tasks_and_records_the_result() {
    let env = Env::new();
    env.task("one", "---\ncommand: fake-agent write out.txt 1\n---\n");
    env.task("two", "---\ncommand: fake-agent write other.txt 1\n---\n");
    assert_eq!(
        env.cmd().arg("spawn").output().unwrap().status.code(),
        Some(0)
    );

    let out = env
        .cmd()
        .args(["verify", "--command", "test -f out.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("one   pass"), "{table}");
    assert!(
        table.contains("two   FAIL    the check exited with 1"),
        "{table}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&env.read(&env.repo.join(".git/agents/state.json"))).unwrap();
    assert_eq!(state["tasks"]["one"]["verify"]["passed"], true);
    assert_eq!(state["tasks"]["two"]["verify"]["passed"], false);
    assert!(env.log("two").with_file_name("two.verify.log").exists());
    let status = stdout(&env.cmd().args(["status", "--json"]).output().unwrap());
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["tasks"][1]["verify"]["passed"], false, "{status}");

    let out = env
        .cmd()
        .args(["verify", "one", "--command", "no-such-checker"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'no-such-checker' of task 'one' was not found"),
        "{}",
        stderr(&out)
    );

    let out = env
        .cmd()
        .args(["verify", "one", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn scope_violations_in_worktree_mode_are_reported() {
    let env = Env::new();
    env.task(
        "scoped",
        "---\nscope: [src]\ncommand: fake-agent write src/ok.txt 1 write README.md changed\n---\n",
    );
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("scoped: changed files outside its scope: README.md"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        summary(&out)["tasks"][0]["violations"],
        serde_json::json!(["README.md"])
    );
    let status = stdout(&env.cmd().arg("status").output().unwrap());
    assert!(status.contains("-, 1 outside scope"), "{status}");

    env.task("escape", "---\nscope: [../outside]\n---\n");
    let out = env
        .cmd()
        .args(["spawn", "escape", "--command", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a path inside the repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_events_stream_on_stdout() {
    let env = Env::new();
    env.task(
        "evt",
        "---\ncommand: fake-agent echo hello write e.txt 1\n---\n",
    );
    let out = env
        .cmd()
        .args(["spawn", "--json", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let events: Vec<String> = json_lines(&out)
        .iter()
        .map(|e| match e["event"].as_str().unwrap() {
            "state" => format!("state:{}", e["state"].as_str().unwrap()),
            "output" => format!("output:{}", e["line"].as_str().unwrap()),
            "finished" => format!("finished:{}", e["state"].as_str().unwrap()),
            other => other.to_owned(),
        })
        .collect();
    assert_eq!(
        events,
        vec![
            // How agents are confined, said at the start.
            "note",
            "queued",
            "state:preparing",
            "state:running",
            "started",
            "output:hello",
            "output:wrote e.txt",
            "output:fake-agent done",
            "state:committing",
            "committed",
            "finished:done",
            "summary"
        ]
    );
}

#[test]
fn the_example_orchestrator_drives_the_library() {
    let env = Env::new();
    env.task("lib1", "# x\n");
    env.task("lib2", "# y\n");
    let example = crate::common::bin()
        .parent()
        .unwrap()
        .join("examples/orchestrator");
    if !example.exists() {
        // `cargo test` builds examples; a filtered run (`--test cli`) may not have.
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--example", "orchestrator"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let out = std::process::Command::new(&example)
        .args(["fake-agent", "write", "{task}.txt", "from the library"])
        .current_dir(&env.repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("HOME", &env.home)
        .env(
            "PATH",
            format!(
                "{}:{}",
                crate::common::agents_dir().display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("[lib1] wrote lib1.txt"), "{text}");
    assert!(text.contains("lib2: done"), "{text}");
    assert_eq!(
        env.git(&["show", "feature/lib2:lib2.txt"]),
        "from the library\n"
    );
}

#[test]
fn merge_skips_failed_checks_unless_told_and_follows_dependency_order() {
    let env = Env::new();
    env.task("z-base", "---\ncommand: fake-agent write base.txt 1\n---\n");
    env.task(
        "a-top",
        "---\ndepends_on: [z-base]\ncommand: fake-agent write top.txt 1\n---\n",
    );
    env.task("m-bad", "---\ncommand: fake-agent write bad.txt 1\n---\n");
    assert_eq!(
        env.cmd().arg("spawn").output().unwrap().status.code(),
        Some(0)
    );
    let out = env
        .cmd()
        .args(["verify", "--command", "test ! -f bad.txt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let out = env
        .cmd()
        .args(["merge", "--dry-run", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("feature/m-bad: skipped, its last contract check failed"),
        "{}",
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let order: Vec<&str> = report["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["branch"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        ["feature/z-base", "feature/a-top"],
        "dependencies first, failed check left out"
    );

    let out = env.cmd().args(["merge", "--no-verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for file in ["base.txt", "top.txt", "bad.txt"] {
        env.git(&["cat-file", "-e", &format!("main:{file}")]);
    }
}
