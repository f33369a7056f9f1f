//! spawn: task files → worktrees → fake agents → commits, judged by git.

use crate::common::{stderr, stdout, Env};

/// Two tasks whose fake agents each write a file; contracts untracked in the main worktree.
fn two_task_env() -> Env {
    let env = Env::new();
    env.task("alpha", "# Alpha\nWrite alpha.txt\n");
    env.task("beta", "# Beta\nWrite beta.txt\n");
    env.write(".claude/contracts/api.md", "# API contract\n");
    env.write("CLAUDE.md", "# Conventions\n");
    env
}

fn spawn_ok(env: &Env, args: &[&str]) -> std::process::Output {
    let out = env.cmd().arg("spawn").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "spawn failed:\n{}{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

#[test]
fn worktrees_and_branches_are_ones_git_accepts() {
    let env = two_task_env();
    spawn_ok(
        &env,
        &["--command", "fake-agent write {task}.txt 'made by {task}'"],
    );

    let list = env.git(&["worktree", "list", "--porcelain"]);
    for task in ["alpha", "beta"] {
        let ws = env.workspace(task).canonicalize().unwrap();
        assert!(
            list.contains(&format!("worktree {}\n", ws.display())),
            "{list}"
        );
        assert!(
            list.contains(&format!("branch refs/heads/feature/{task}\n")),
            "{list}"
        );
        let status = env.git_in(&ws, &["status", "--porcelain", "--untracked-files=all"]);
        // Only the copied, untracked files remain: the agent's work is committed.
        let mut lines: Vec<&str> = status.lines().collect();
        lines.sort();
        assert_eq!(
            lines,
            vec![
                "?? .claude/contracts/api.md",
                &format!("?? .claude/tasks/{task}.md"),
                "?? CLAUDE.md"
            ]
        );
        assert_eq!(
            env.git(&["show", &format!("feature/{task}:{task}.txt")]),
            format!("made by {task}\n")
        );
        assert_eq!(
            env.git(&[
                "log",
                "-1",
                "--format=%s%n%an <%ae>",
                &format!("feature/{task}")
            ]),
            format!("feat: {task} implementation\nTest User <test@example.com>\n")
        );
        let files = env.git(&["diff", "--name-only", "main", &format!("feature/{task}")]);
        assert_eq!(
            files,
            format!("{task}.txt\n"),
            "copied files must not be committed"
        );
    }
    env.git(&["fsck", "--strict"]);
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? .claude/\n?? CLAUDE.md\n"
    );
    let log = env.read(&env.log("alpha"));
    assert!(log.contains("wrote alpha.txt"), "{log}");
    assert!(
        log.starts_with("==> git-agents: run 1 · attempt 1/1 · "),
        "{log}"
    );
}

#[test]
fn tracked_contracts_are_not_copied_again() {
    let env = two_task_env();
    env.commit_all("add tasks and contracts");
    spawn_ok(&env, &["alpha", "--command", "fake-agent write out.txt x"]);
    let ws = env.workspace("alpha");
    assert_eq!(
        env.git_in(&ws, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    assert!(
        !env.workspace("beta").exists(),
        "only the selected task runs"
    );
}

/// Apply the same operations with the git CLI in a scratch worktree and return git's tree.
fn oracle_tree(env: &Env, ops: &[&str]) -> String {
    let scratch = env.root().join("oracle");
    env.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        scratch.to_str().unwrap(),
        "main",
    ]);
    let out = env
        .git_cmd(&scratch)
        .arg("-c")
        .arg("alias.x=!true")
        .arg("x")
        .output()
        .unwrap();
    assert!(out.status.success());
    let status = std::process::Command::new(crate::common::agents_dir().join("fake-agent"))
        .args(ops)
        .current_dir(&scratch)
        .status()
        .unwrap();
    assert!(status.success());
    env.git_in(&scratch, &["add", "-A"]);
    env.git_in(&scratch, &["write-tree"]).trim().to_owned()
}

#[test]
fn agent_changes_are_committed_exactly_like_git_add_all() {
    let env = Env::new();
    env.write("tool.sh", "echo tool\n");
    env.write("old.txt", "old\n");
    env.write(".gitignore", "*.tmp\n");
    env.commit_all("more files");
    env.task("change", "# Change things\n");
    let ops = [
        "write",
        "new/deep/file.txt",
        "new",
        "write",
        "src/lib.txt",
        "changed",
        "rm",
        "old.txt",
        "chmod+x",
        "tool.sh",
        "write",
        "scratch.tmp",
        "ignored",
        "symlink",
        "src/lib.txt",
        "link",
    ];
    let command = format!("fake-agent {}", ops.join(" "));
    spawn_ok(&env, &["--command", &command]);
    let ours = env.rev("feature/change^{tree}");
    assert_eq!(ours, oracle_tree(&env, &ops));
    let ws = env.workspace("change");
    assert!(
        ws.join("scratch.tmp").exists(),
        "ignored files stay in the workspace"
    );
    assert_eq!(
        env.git_in(&ws, &["status", "--porcelain"]),
        "?? .claude/\n",
        "index and worktree agree after the commit"
    );
}

#[test]
fn commits_made_by_the_agent_are_kept() {
    let env = Env::new();
    env.task("selfcommit", "# x\n");
    spawn_ok(
        &env,
        &[
            "--command",
            "fake-agent write a.txt 1 git-add a.txt commit 'agent commit' write b.txt 2",
        ],
    );
    let log = env.git(&["log", "--format=%s", "main..feature/selfcommit"]);
    assert_eq!(log, "feat: selfcommit implementation\nagent commit\n");
    let summary = env.git(&["show", "--name-only", "--format=", "feature/selfcommit"]);
    assert_eq!(summary, "b.txt\n");
}

#[test]
fn a_failing_agent_fails_its_task_while_the_others_finish() {
    let env = Env::new();
    env.task("good1", "---\ncommand: fake-agent write g1.txt ok\n---\n");
    env.task("bad", "---\ncommand: fake-agent echo trying exit 3\n---\n");
    env.task("good2", "---\ncommand: fake-agent write g2.txt ok\n---\n");
    let out = env.cmd().args(["spawn", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = crate::common::summary(&out);
    let states: Vec<(String, String)> = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["task"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("bad".to_owned(), "failed".to_owned()),
            ("good1".to_owned(), "done".to_owned()),
            ("good2".to_owned(), "done".to_owned())
        ]
    );
    assert_eq!(report["tasks"][0]["exit_code"], 3);
    assert_eq!(
        env.rev("feature/bad"),
        env.rev("main"),
        "nothing committed for the failed task"
    );
    assert!(env.read(&env.log("bad")).contains("trying"));
}

#[test]
fn no_more_than_n_agents_run_at_once() {
    let env = Env::new();
    let record = env.scratch("times");
    for i in 0..6 {
        env.task(&format!("t{i}"), "# t\n");
    }
    let command = format!("fake-agent record {} sleep 0.4", record.display());
    spawn_ok(&env, &["-j", "2", "--command", &command]);
    let text = env.read(&record);
    let mut events: Vec<(u128, i32)> = text
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            let delta = if parts[0] == "start" { 1 } else { -1 };
            (parts[2].parse().unwrap(), delta)
        })
        .collect();
    assert_eq!(events.len(), 12, "{text}");
    // Ends sort before starts at the same instant.
    events.sort();
    let (mut running, mut peak) = (0, 0);
    for (_, delta) in events {
        running += delta;
        peak = peak.max(running);
    }
    assert_eq!(peak, 2, "{text}");
}

#[test]
fn second_spawn_skips_finished_reuses_unfinished_and_rerun_runs_again() {
    let env = Env::new();
    env.task("ok", "---\ncommand: fake-agent append log.txt run\n---\n");
    env.task("flaky", "# flaky\n");
    let marker = env.scratch("flaky-marker");
    env.write(
        ".claude/tasks/flaky.md",
        &format!(
            "---\ncommand: fake-agent write partial.txt kept fail-once {} write done.txt yes\n---\n",
            marker.display()
        ),
    );
    let first = env.cmd().arg("spawn").output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let ok_head = env.rev("feature/ok");
    let flaky_branch = env.rev("feature/flaky");
    assert!(env.workspace("flaky").join("partial.txt").exists());

    let second = env.cmd().arg("spawn").output().unwrap();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("ok: already done, skipped"),
        "{}",
        stderr(&second)
    );
    assert_eq!(env.rev("feature/ok"), ok_head, "finished task untouched");
    assert_eq!(
        env.rev("feature/flaky^"),
        flaky_branch,
        "unfinished branch reused, not recreated"
    );
    let files = env.git(&["show", "--name-only", "--format=", "feature/flaky"]);
    assert_eq!(
        files, "done.txt\npartial.txt\n",
        "work left by the failed attempt is kept"
    );

    let third = env.cmd().args(["spawn", "--rerun", "ok"]).output().unwrap();
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert_eq!(env.git(&["show", "feature/ok:log.txt"]), "run\nrun\n");
    assert_eq!(env.rev("feature/ok^"), ok_head);
}

#[test]
fn no_changes_is_a_warning_not_a_failure() {
    let env = Env::new();
    env.task("idle", "# nothing to do\n");
    let out = spawn_ok(&env, &["--command", "fake-agent echo thinking"]);
    assert!(stderr(&out).contains("warning: idle: the agent succeeded but changed nothing"));
    assert!(stdout(&out).contains("no changes"));
    assert_eq!(env.rev("feature/idle"), env.rev("main"));
}

#[test]
fn agents_get_argv_environment_and_closed_stdin() {
    let env = Env::new();
    env.task("a b", "# spaced\n");
    spawn_ok(
        &env,
        &["--command", "fake-agent stdin env argv '{task}' --ws={workspace} {branch} '$(touch pwned)' {prompt}"],
    );
    let slug = "a-b-";
    let log_dir = env.log("x").parent().unwrap().to_owned();
    let log = std::fs::read_dir(&log_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(slug))
        .expect("a log for the task");
    let text = env.read(&log);
    assert!(text.contains("stdin: closed"), "{text}");
    assert!(text.contains("GIT_AGENTS_TASK=a b\n"), "{text}");
    assert!(text.contains("GIT_AGENTS_BRANCH=feature/a-b-"), "{text}");
    assert!(
        text.contains(&format!("GIT_AGENTS_BASE={}\n", env.rev("main"))),
        "{text}"
    );
    assert!(text.contains("[a b]\n"), "{text}");
    assert!(text.contains("[$(touch pwned)]\n"), "{text}");
    assert!(
        text.contains(
            "[Read .claude/tasks/a b.md and implement it. Follow contracts in .claude/contracts/."
        ),
        "{text}"
    );
    assert!(!env.root().join("pwned").exists() && !env.repo.join("pwned").exists());
}

#[test]
fn plain_progress_output_when_not_a_terminal() {
    let env = Env::new();
    env.task("one", "---\ncommand: fake-agent write one.txt 1\n---\n");
    env.task(
        "two",
        "---\ncommand: fake-agent exit 4\ncolour: blue\n---\n",
    );
    env.task("three", "---\ncommand: fake-agent echo idle\n---\n");
    let out = env.cmd().args(["spawn", "-j", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("spawn_plain_progress", stderr(&out));
    let table = stdout(&out);
    let masked = crate::common::mask_clock(table.trim_end());
    insta::assert_snapshot!("spawn_summary_table", masked);
}

#[test]
fn git_finds_the_subcommand() {
    let env = Env::new();
    env.task("viagit", "# x\n");
    let bin_dir = crate::common::bin().parent().unwrap().to_owned();
    let path = format!(
        "{}:{}:{}",
        bin_dir.display(),
        crate::common::agents_dir().display(),
        std::env::var("PATH").unwrap()
    );
    let out = env
        .git_cmd(&env.repo)
        .env("PATH", path)
        .args([
            "agents",
            "spawn",
            "--quiet",
            "--command",
            "fake-agent write v.txt 1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.git(&["show", "feature/viagit:v.txt"]), "1\n");
}

#[test]
fn sibling_repositories_never_share_worktrees_or_logs() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write mine.txt first\n---\n");
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A second repository beside the first, with a task of the same name.
    let sibling = env.root().join("other");
    std::fs::create_dir_all(&sibling).unwrap();
    let git = |args: &[&str]| {
        let out = env.git_cmd(&sibling).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["config", "user.name", "Test User"]);
    git(&["config", "user.email", "test@example.com"]);
    std::fs::create_dir_all(sibling.join(".claude/tasks")).unwrap();
    std::fs::write(
        sibling.join(".claude/tasks/t.md"),
        "---\ncommand: fake-agent write theirs.txt second\n---\n",
    )
    .unwrap();
    std::fs::write(sibling.join("README.md"), "# other\n").unwrap();
    git(&["add", "README.md"]);
    git(&["commit", "-q", "-m", "initial"]);
    let out = env
        .cmd_in(&sibling)
        .args(["spawn", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(env.root().join("other.agents/t/theirs.txt").exists());
    assert!(env.workspace("t").join("mine.txt").exists());
    assert!(sibling.join(".git/agents/logs/t.log").exists());
    assert!(env.log("t").exists());
}

#[test]
fn the_seeds_layout_is_one_setting_away_and_old_worktrees_keep_working() {
    let env = Env::new();
    env.git(&["config", "agents.layout", "seed"]);
    env.task(
        "t",
        "---\ncommand: fake-agent fail-once m write a.txt 1\n---\n",
    );
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let old = env.root().join("workspaces/t");
    assert!(old.join("m").exists(), "the seed's place");
    assert!(env.root().join("logs/t.log").exists());
    // Back to the default layout: the unfinished task goes on in its worktree where it is.
    env.git(&["config", "--unset", "agents.layout"]);
    let out = env.cmd().args(["spawn", "--quiet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(old.join("a.txt").exists());
    assert!(!env.workspace("t").exists());
    assert_eq!(env.git(&["show", "feature/t:a.txt"]), "1\n");
}

#[test]
fn uncommitted_changes_the_agents_will_not_see_are_pointed_out() {
    let env = Env::new();
    env.task("t", "---\ncommand: fake-agent write t.txt 1\n---\n");
    env.write("README.md", "# changed, not committed\n");
    let out = env.cmd().args(["spawn"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: the main worktree has uncommitted changes (README.md) that the agents will not see"),
        "{err}"
    );
    // The task's own untracked file is copied in, so it is no such change.
    env.git(&["checkout", "README.md"]);
    let out = env.cmd().args(["spawn", "--rerun"]).output().unwrap();
    assert!(
        !stderr(&out).contains("uncommitted changes"),
        "{}",
        stderr(&out)
    );
}
