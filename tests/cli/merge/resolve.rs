//! `merge --resolve`: conflicts handed to an agent in a resolve worktree, judged by git (the
//! conflicted files and index stages `git merge` leaves, `git status`, `git fsck`).

use std::path::{Path, PathBuf};

use super::{commit_on, merge_json, outcomes, snapshot, Op};
use crate::common::{stderr, Env};

/// Tasks a and b whose branches change the same line of f.txt.
fn two_conflicting_tasks() -> Env {
    let env = Env::new();
    env.write("f.txt", "base\n");
    env.task("a", "# a\n");
    env.task("b", "# b\n");
    env.commit_all("tasks and f.txt");
    env.git(&["branch", "feature/a"]);
    env.git(&["branch", "feature/b"]);
    commit_on(&env, "feature/a", &[Op::Write("f.txt", b"from a\n")], "a");
    commit_on(&env, "feature/b", &[Op::Write("f.txt", b"from b\n")], "b");
    env
}

fn resolve_dir(env: &Env) -> PathBuf {
    env.root().join("repo.agents/main-resolve-b")
}

fn assert_fsck(env: &Env) {
    let out = env
        .git_cmd(&env.repo)
        .args(["fsck", "--strict"])
        .output()
        .unwrap();
    assert!(out.status.success(), "git fsck: {}", stderr(&out));
}

fn worktree_list(env: &Env) -> String {
    env.git(&["worktree", "list", "--porcelain"])
}

#[test]
fn an_agent_that_resolves_the_file_gets_the_merge_committed_after_the_check() {
    let env = two_conflicting_tasks();
    // A third branch, merged on top of the resolution.
    env.git(&["branch", "feature/c", "feature/a~"]);
    commit_on(&env, "feature/c", &[Op::Write("g.txt", b"from c\n")], "c");
    let checked = env.scratch("checked");
    let check = format!("fake-agent cat f.txt append {} ran", checked.display());
    env.git(&["config", "agents.verify", &check]);
    let resolve = ["--resolve", "--command", "fake-agent unmark f.txt"];
    let (code, report) = merge_json(&env, &[&resolve[..], &["a", "b", "feature/c"]].concat());
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        outcomes(&report),
        [
            ("feature/a".to_owned(), "fast-forward".to_owned()),
            ("feature/b".to_owned(), "resolved".to_owned()),
            ("feature/c".to_owned(), "merge".to_owned())
        ]
    );
    let b = &report["branches"][1];
    assert_eq!(b["conflicts"], serde_json::json!(["f.txt"]));
    assert_eq!(b["resolution"]["state"], "resolved");
    assert_eq!(b["resolution"]["verify"], true);
    assert_eq!(env.read(&env.repo.join("f.txt")), "from a\nfrom b\n");
    assert_eq!(env.git(&["show", "main:f.txt"]), "from a\nfrom b\n");
    assert_eq!(env.git(&["show", "main:g.txt"]), "from c\n");
    let resolution = b["commit"].as_str().unwrap();
    assert_eq!(env.rev("main~"), resolution);
    assert_eq!(
        env.git(&["log", "-1", "--format=%s%n%P", resolution]),
        format!(
            "Merge branch 'feature/b'\n{} {}\n",
            env.rev("feature/a"),
            env.rev("feature/b")
        )
    );
    assert_eq!(std::fs::read_to_string(&checked).unwrap(), "ran\n");
    assert!(
        !resolve_dir(&env).exists(),
        "the resolve worktree is removed"
    );
    assert_eq!(worktree_list(&env).matches("worktree ").count(), 1);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert_fsck(&env);
}

/// What `git merge feature/b` leaves in a worktree at feature/a: f.txt and the unmerged stages.
fn git_merge_leaves(env: &Env) -> (Vec<u8>, String) {
    let dir = env.root().join("oracle");
    env.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        dir.to_str().unwrap(),
        "feature/a",
    ]);
    let out = env
        .git_cmd(&dir)
        .args(["merge", "feature/b"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "git merge conflicts");
    let files = (
        std::fs::read(dir.join("f.txt")).unwrap(),
        env.git_in(&dir, &["ls-files", "-u"]),
    );
    env.git(&["worktree", "remove", "--force", dir.to_str().unwrap()]);
    files
}

#[test]
fn markers_left_refuse_the_resolution_keep_the_worktree_and_a_commit_there_is_taken_next_time() {
    let env = two_conflicting_tasks();
    let before = snapshot(&env);
    let (code, report) = merge_json(
        &env,
        &[
            "--resolve",
            "--atomic",
            "--command",
            "fake-agent echo looked",
        ],
    );
    assert_eq!(code, 1, "{report:#}");
    let b = &report["branches"][1];
    assert_eq!(b["outcome"], "conflict");
    assert_eq!(b["resolution"]["state"], "failed");
    assert_eq!(b["resolution"]["error"], "conflict markers remain in f.txt");
    assert_eq!(report["landed"], false);
    assert_eq!(snapshot(&env), before, "the target is unchanged");

    let dir = resolve_dir(&env);
    let canonical = dir.canonicalize().unwrap();
    let list = worktree_list(&env);
    let entry = format!(
        "worktree {}\nHEAD {}\ndetached\n",
        canonical.display(),
        env.rev("feature/a")
    );
    assert!(list.contains(&entry), "{list}");
    let (oracle_file, oracle_stages) = git_merge_leaves(&env);
    assert_eq!(std::fs::read(dir.join("f.txt")).unwrap(), oracle_file);
    assert_eq!(env.git_in(&dir, &["ls-files", "-u"]), oracle_stages);
    assert_eq!(env.git_in(&dir, &["status", "--porcelain"]), "UU f.txt\n");
    assert_eq!(
        env.git_in(&dir, &["rev-parse", "MERGE_HEAD"]),
        format!("{}\n", env.rev("feature/b"))
    );
    assert_fsck(&env);

    // Finished by hand there; the next merge takes that commit and runs no agent.
    std::fs::write(dir.join("f.txt"), "by hand\n").unwrap();
    env.git_in(&dir, &["add", "f.txt"]);
    env.git_in(&dir, &["commit", "-q", "--no-edit"]);
    let by_hand = env.git_in(&dir, &["rev-parse", "HEAD"]);
    let (code, report) = merge_json(&env, &["--resolve", "--command", "fake-agent exit 7"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["branches"][1]["outcome"], "resolved");
    assert_eq!(env.rev("main"), by_hand.trim());
    assert_eq!(env.read(&env.repo.join("f.txt")), "by hand\n");
    assert!(!dir.exists());
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "main"]),
        "Merge branch 'feature/b'\n"
    );
    assert_fsck(&env);
}

#[test]
fn a_dry_run_names_the_resolve_worktree_and_writes_nothing() {
    let env = two_conflicting_tasks();
    let before = snapshot(&env);
    let (code, report) = merge_json(
        &env,
        &[
            "--resolve",
            "--dry-run",
            "--command",
            "fake-agent unmark f.txt",
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    let b = &report["branches"][1];
    assert_eq!(b["outcome"], "conflict");
    assert_eq!(b["resolution"]["state"], "would-resolve");
    assert_eq!(b["resolution"]["agent"], "fake-agent unmark f.txt");
    assert_eq!(
        Path::new(b["resolution"]["worktree"].as_str().unwrap()),
        resolve_dir(&env)
    );
    assert!(!resolve_dir(&env).exists());
    assert_eq!(snapshot(&env), before);
}

#[test]
fn without_resolve_the_agent_flags_are_refused() {
    let env = two_conflicting_tasks();
    let out = env
        .cmd()
        .args(["merge", "--agent", "codex"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--resolve"), "{}", stderr(&out));
}

#[test]
fn a_merge_killed_while_its_agent_resolves_leaves_the_target_and_the_next_one_goes_on() {
    use crate::lifecycle::{alive, pids, wait_for};
    use std::time::Duration;
    let env = two_conflicting_tasks();
    let before = snapshot(&env);
    let pidfile = env.scratch("agent.pid");
    let command = format!("fake-agent pidfile {} hang", pidfile.display());
    let mut merge = crate::common::background(&env, &["merge", "--resolve", "--command", &command]);
    wait_for("the agent", Duration::from_secs(30), || {
        !pids(&pidfile).is_empty()
    });
    merge.kill().unwrap();
    merge.wait().unwrap();
    let agent = pids(&pidfile)[0];
    wait_for("the agent to end", Duration::from_secs(30), || {
        !alive(agent)
    });
    assert_eq!(snapshot(&env), before, "the target did not move");
    assert_fsck(&env);
    let dir = resolve_dir(&env);
    assert!(worktree_list(&env).contains("detached"));
    assert_eq!(env.git_in(&dir, &["status", "--porcelain"]), "UU f.txt\n");

    let (code, report) = merge_json(&env, &["--resolve", "--command", "fake-agent unmark f.txt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["branches"][1]["outcome"], "resolved");
    assert_eq!(env.git(&["show", "main:f.txt"]), "from a\nfrom b\n");
    assert!(!dir.exists());
    assert_fsck(&env);
}

#[test]
fn the_agent_of_a_committed_task_file_needs_trust_as_in_spawn() {
    let env = Env::new();
    env.write("f.txt", "base\n");
    env.task("b", "---\ncommand: fake-agent unmark f.txt\n---\n# b\n");
    env.commit_all("task b");
    env.git(&["branch", "feature/b"]);
    commit_on(&env, "feature/b", &[Op::Write("f.txt", b"from b\n")], "b");
    env.write("f.txt", "from main\n");
    env.commit_all("main");
    let before = snapshot(&env);
    let out = env.cmd().args(["merge", "--resolve"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fake-agent unmark f.txt"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&env), before);
    assert!(
        !resolve_dir(&env).exists(),
        "refused before anything is made"
    );
    let (code, report) = merge_json(&env, &["--resolve", "--yes"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["branches"][0]["outcome"], "resolved");
    assert_eq!(env.git(&["show", "main:f.txt"]), "from main\nfrom b\n");
}

#[test]
fn an_atomic_merge_keeps_resolutions_that_did_not_land_and_the_next_one_takes_them() {
    let env = Env::new();
    env.write("f.txt", "base\n");
    env.write("g.txt", "base\n");
    for task in ["a", "b", "c"] {
        env.task(task, &format!("# {task}\n"));
    }
    env.commit_all("tasks");
    for task in ["a", "b", "c"] {
        env.git(&["branch", &format!("feature/{task}")]);
    }
    let a = [
        Op::Write("f.txt", b"from a\n"),
        Op::Write("g.txt", b"from a\n"),
    ];
    commit_on(&env, "feature/a", &a, "a");
    commit_on(&env, "feature/b", &[Op::Write("f.txt", b"from b\n")], "b");
    commit_on(&env, "feature/c", &[Op::Write("g.txt", b"from c\n")], "c");
    let before = snapshot(&env);
    let first = [
        "--resolve",
        "--atomic",
        "--command",
        "fake-agent unmark f.txt",
    ];
    let (code, report) = merge_json(&env, &first);
    assert_eq!(code, 1, "{report:#}");
    let (b, c) = (&report["branches"][1], &report["branches"][2]);
    assert_eq!(b["outcome"], "resolved");
    assert_eq!(
        (b["landed"].clone(), b["resolution"]["kept"].clone()),
        (false.into(), true.into())
    );
    assert_eq!(c["outcome"], "conflict");
    assert_eq!(c["resolution"]["error"], "conflict markers remain in g.txt");
    assert_eq!(snapshot(&env), before, "--atomic: nothing lands");
    let b_dir = env.root().join("repo.agents/main-resolve-b");
    assert_eq!(env.git_in(&b_dir, &["status", "--porcelain"]), "");
    assert_eq!(
        env.git_in(&b_dir, &["rev-parse", "HEAD"]).trim(),
        b["commit"].as_str().unwrap(),
        "the resolution is committed in its worktree, as git commit would"
    );
    assert_fsck(&env);

    // b's kept resolution is taken as it is (this agent could not resolve f.txt).
    let (code, report) = merge_json(&env, &["--resolve", "--command", "fake-agent unmark g.txt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["branches"][1]["commit"], b["commit"]);
    assert_eq!(report["branches"][2]["outcome"], "resolved");
    assert_eq!(env.git(&["show", "main:f.txt"]), "from a\nfrom b\n");
    assert_eq!(env.git(&["show", "main:g.txt"]), "from a\nfrom c\n");
    assert_eq!(worktree_list(&env).matches("worktree ").count(), 1);
    assert_fsck(&env);
}

#[test]
fn a_failing_check_or_agent_refuses_the_resolution() {
    let env = two_conflicting_tasks();
    env.git(&["config", "agents.verify", "fake-agent exit 1"]);
    let (code, report) = merge_json(
        &env,
        &[
            "--resolve",
            "--atomic",
            "--command",
            "fake-agent unmark f.txt",
        ],
    );
    assert_eq!(code, 1, "{report:#}");
    let resolution = &report["branches"][1]["resolution"];
    assert_eq!(resolution["state"], "failed");
    assert_eq!(resolution["verify"], false);
    assert_eq!(
        resolution["error"],
        "the task's check failed: the check exited with 1"
    );
    assert_eq!(resolution["kept"], true);
    assert_eq!(env.rev("main"), env.rev("feature/a~"));
    // The agent goes on in the same worktree; this one fails.
    env.git(&["config", "--unset", "agents.verify"]);
    let (code, report) = merge_json(&env, &["--resolve", "--command", "fake-agent exit 4"]);
    assert_eq!(code, 1, "{report:#}");
    let error = report["branches"][1]["resolution"]["error"]
        .as_str()
        .unwrap();
    assert!(error.starts_with("the agent failed"), "{error}");
    assert_eq!(env.rev("main"), env.rev("feature/a"), "a landed, b did not");
    assert!(resolve_dir(&env).exists());
}

#[test]
fn a_resolve_worktree_cut_short_while_being_made_is_made_again() {
    let env = two_conflicting_tasks();
    let (code, _) = merge_json(
        &env,
        &["--resolve", "--atomic", "--command", "fake-agent echo"],
    );
    assert_eq!(code, 1);
    // As a kill between adding the worktree and writing the merge leaves it.
    let dir = resolve_dir(&env);
    env.git_in(&dir, &["merge", "--abort"]);
    let admin = env.git_in(&dir, &["rev-parse", "--absolute-git-dir"]);
    std::fs::remove_file(Path::new(admin.trim()).join("git-agents-resolve")).unwrap();
    let (code, report) = merge_json(&env, &["--resolve", "--command", "fake-agent unmark f.txt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.git(&["show", "main:f.txt"]), "from a\nfrom b\n");
    assert_eq!(worktree_list(&env).matches("worktree ").count(), 1);
    assert_fsck(&env);
}

#[test]
fn an_agent_that_commits_the_merge_itself_gets_gits_merge_message() {
    let env = two_conflicting_tasks();
    let command = "fake-agent unmark f.txt commit fixed";
    let (code, report) = merge_json(&env, &["--resolve", "--command", command]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["branches"][1]["outcome"], "resolved");
    assert_eq!(
        env.git(&["log", "-1", "--format=%B%P", "main"]),
        format!(
            "Merge branch 'feature/b'\n{} {}\n",
            env.rev("feature/a"),
            env.rev("feature/b")
        )
    );
    assert_eq!(env.git(&["show", "main:f.txt"]), "from a\nfrom b\n");
}
