//! What users see: stop at the first conflict and carry on later, atomicity, dry runs, targets
//! that are not checked out or checked out elsewhere, and refusals.

use super::*;
use Op::*;

/// Three tasks: a and c clean (both edit lines.txt, far apart), b conflicting with main's own
/// change to shared.txt.
fn conflict_in_the_middle() -> Env {
    let env = with_tasks(&["a", "b", "c"]);
    env.write("shared.txt", "base\n");
    env.write("lines.txt", "1\n2\n3\n4\n5\n6\n7\n8\n");
    env.commit_all("base");
    for t in ["a", "b", "c"] {
        env.git(&["branch", "-f", &format!("feature/{t}")]);
    }
    commit_on(
        &env,
        "feature/a",
        &[
            Write("a.txt", b"a\n"),
            Write("lines.txt", b"A\n2\n3\n4\n5\n6\n7\n8\n"),
        ],
        "a",
    );
    commit_on(&env, "feature/b", &[Write("shared.txt", b"b\n")], "b");
    commit_on(
        &env,
        "feature/c",
        &[
            Write("c.txt", b"c\n"),
            Write("lines.txt", b"1\n2\n3\n4\n5\n6\n7\nC\n"),
        ],
        "c",
    );
    apply(&env.repo, &[Write("shared.txt", b"main\n")]);
    env.commit_all("main edits shared");
    env
}

#[test]
fn stops_at_the_first_conflict_lands_the_clean_ones_and_carries_on_later() {
    let env = conflict_in_the_middle();
    let (code, report) = merge_json(&env, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        outcomes(&report),
        [
            ("feature/a".into(), "merge".into()),
            ("feature/b".into(), "conflict".into()),
            ("feature/c".into(), "not-attempted".into())
        ]
    );
    assert_eq!(strings(&report["branches"][1]["conflicts"]), ["shared.txt"]);
    assert_eq!(
        env.rev("main^2"),
        env.rev("feature/a"),
        "the clean branch before the conflict lands"
    );
    assert_clean(&env, &env.repo);
    for reflog in ["main", "HEAD"] {
        let message = env.git(&["reflog", "-1", "--format=%gs", reflog]);
        assert_eq!(
            message.trim(),
            "merge feature/a: Merge made by git agents.",
            "{reflog}"
        );
    }
    let command = report["resolve"]["command"].as_str().unwrap();
    assert!(command.ends_with("merge feature/b"), "{command}");

    // The user resolves b by hand with the suggested command...
    let out = env
        .git_cmd(&env.repo)
        .args(["merge", "--no-edit", "feature/b"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    env.write("shared.txt", "resolved\n");
    env.git(&["add", "-A"]);
    env.git(&["commit", "-q", "--no-edit"]);
    // ...and a later run merges what remains.
    let (code, report) = merge_json(&env, &[]);
    assert_eq!(code, 0, "{report:#}");
    let kinds: Vec<String> = outcomes(&report).into_iter().map(|(_, o)| o).collect();
    assert_eq!(kinds, ["already-merged", "already-merged", "merge"]);
    assert_eq!(env.read(&env.repo.join("c.txt")), "c\n");
    assert_clean(&env, &env.repo);

    let out = env.cmd().arg("merge").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("already merged"), "{}", stdout(&out));
}

#[test]
fn conflicts_name_the_earlier_branches_that_touched_the_same_paths() {
    let env = with_tasks(&["a", "b"]);
    env.write("shared.txt", "base\n");
    env.commit_all("base");
    env.git(&["branch", "-f", "feature/a"]);
    env.git(&["branch", "-f", "feature/b"]);
    commit_on(
        &env,
        "feature/a",
        &[Write("shared.txt", b"a\n"), Write("a.txt", b"a\n")],
        "a",
    );
    commit_on(&env, "feature/b", &[Write("shared.txt", b"b\n")], "b");
    let out = env.cmd().arg("merge").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("CONFLICT in shared.txt"), "{text}");
    assert!(text.contains("(also changed by feature/a)"), "{text}");
    assert!(text.contains("merge feature/b"), "{text}");
}

#[test]
fn atomic_conflict_and_plain_conflict_change_nothing() {
    let env = conflict_in_the_middle();
    let before = snapshot(&env);
    let (code, report) = merge_json(&env, &["--atomic"]);
    assert_eq!(code, 1);
    assert_eq!(report["landed"], false);
    assert_eq!(
        snapshot(&env),
        before,
        "--atomic: ref, index and files unchanged"
    );

    let (code, _) = merge_json(&env, &["b", "c"]);
    assert_eq!(code, 1);
    assert_eq!(
        snapshot(&env),
        before,
        "a first-branch conflict changes nothing"
    );
    assert!(!env.repo.join(".git/MERGE_HEAD").exists());
}

#[test]
fn dry_run_forecasts_writes_nothing_and_shows_overlaps() {
    let env = conflict_in_the_middle();
    let before = snapshot(&env);
    let objects = object_count(&env);

    let (code, report) = merge_json(&env, &["--dry-run"]);
    assert_eq!(code, 1, "a forecast conflict exits 1");
    assert_eq!(
        outcomes(&report),
        [
            ("feature/a".into(), "merge".into()),
            ("feature/b".into(), "conflict".into()),
            ("feature/c".into(), "merge".into())
        ]
    );
    assert_eq!(report["overlaps"][0]["a"], "feature/a");
    assert_eq!(report["overlaps"][0]["b"], "feature/c");
    assert_eq!(strings(&report["overlaps"][0]["paths"]), ["lines.txt"]);

    let out = env.cmd().args(["merge", "--dry-run"]).output().unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("overlap") && text.contains("feature/a & feature/c: lines.txt"),
        "{text}"
    );
    assert_eq!(snapshot(&env), before, "dry run moved something");
    assert_eq!(object_count(&env), objects, "dry run added objects");

    let (code, _) = merge_json(&env, &["a", "c", "--dry-run"]);
    assert_eq!(code, 0);
}

#[test]
fn target_not_checked_out_is_a_pure_ref_update() {
    let env = with_tasks(&["a"]);
    env.git(&["branch", "release"]);
    commit_on(&env, "feature/a", &[Write("a.txt", b"a\n")], "a");
    env.write("scratch.txt", "untracked in main: irrelevant to release\n");
    let main_before = env.rev("main");

    let (code, report) = merge_json(&env, &["feature/a", "--into", "release"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.rev("release"), env.rev("feature/a"));
    assert_eq!(env.rev("main"), main_before);
    assert!(!env.repo.join("a.txt").exists());
    assert_eq!(report["worktree"], serde_json::Value::Null);
    let reflog = env.git(&["reflog", "-1", "--format=%gs", "release"]);
    assert_eq!(reflog.trim(), "merge feature/a: Fast-forward");
}

#[test]
fn target_checked_out_in_a_linked_worktree_is_updated_there() {
    let env = with_tasks(&["a", "b"]);
    let wt = env.root().join("release-wt");
    env.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "release",
        wt.to_str().unwrap(),
    ]);
    commit_on(
        &env,
        "feature/a",
        &[Write("a.txt", b"a\n"), Delete("src/lib.txt")],
        "a",
    );
    commit_on(
        &env,
        "feature/b",
        &[
            Delete("src/lib.txt"),
            Write("src/lib.txt/now-a-dir.txt", b"b\n"),
        ],
        "b",
    );
    apply(&wt, &[Write("release.txt", b"r\n")]);
    env.git_in(&wt, &["add", "-A"]);
    env.git_in(&wt, &["commit", "-q", "-m", "release"]);

    let (code, report) = merge_json(&env, &["a", "b", "--into", "release"]);
    assert_eq!(code, 0, "{report:#}");
    assert_clean(&env, &wt);
    assert_eq!(env.read(&wt.join("src/lib.txt/now-a-dir.txt")), "b\n");
    assert_eq!(
        env.git_in(&wt, &["rev-parse", "HEAD"]),
        env.git(&["rev-parse", "release"])
    );
    assert!(
        !env.repo.join("a.txt").exists(),
        "the main worktree is not touched"
    );
}

/// Tracked changes refuse where the merge writes, and so do untracked files (git's rule: spawn
/// leaves task files and contracts untracked in the main worktree); ignored files never. A dry run
/// refuses the same way.
#[test]
fn dirty_target_is_refused_before_anything_is_written() {
    let env = with_tasks(&["a"]);
    commit_on(
        &env,
        "feature/a",
        &[Write("a.txt", b"a\n"), Write("README.md", b"# a\n")],
        "a",
    );
    env.write(".gitignore", "*.log\n");
    env.commit_all("ignore logs");
    env.write("build.log", "ignored files do not count\n");
    env.write("notes.txt", "untracked, not in the way\n");
    env.write("README.md", "# changed\n");
    let refused = |needle: &str| {
        let before = snapshot(&env);
        let dry = env.cmd().args(["merge", "--dry-run"]).output().unwrap();
        assert_eq!(dry.status.code(), Some(2), "{}", stderr(&dry));
        assert!(stderr(&dry).contains(needle), "{}", stderr(&dry));
        let out = env.cmd().arg("merge").output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(needle) && !err.contains("build.log") && !err.contains("notes.txt"),
            "{err}"
        );
        assert!(
            err.lines().nth(1).is_some_and(|l| l.starts_with("hint: ")),
            "{err}"
        );
        assert_eq!(snapshot(&env), before);
    };
    refused("has local changes the merge would overwrite: README.md");

    env.git(&["checkout", "README.md"]);
    env.write("a.txt", "untracked, where feature/a adds a.txt\n");
    refused("untracked files the merge would overwrite: a.txt");

    std::fs::remove_file(env.repo.join("a.txt")).unwrap();
    let (code, _) = merge_json(&env, &[]);
    assert_eq!(
        code, 0,
        "untracked and ignored files out of the way do not block a merge"
    );
    assert_eq!(env.read(&env.repo.join("a.txt")), "a\n");
    assert!(env.repo.join("build.log").exists() && env.repo.join("notes.txt").exists());
    let status = env.git(&["status", "--porcelain"]);
    assert_eq!(status, "?? notes.txt\n");
}

#[test]
fn bad_input_is_refused_with_exit_2_and_a_hint() {
    let env = with_tasks(&["a"]);
    commit_on(&env, "feature/a", &[Write("a.txt", b"a\n")], "a");
    env.git(&["branch", "feature/c"]);
    let refused = |args: &[&str], needle: &str| {
        let before = snapshot(&env);
        let out = env.cmd().arg("merge").args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            err.lines().nth(1).is_some_and(|l| l.starts_with("hint: ")),
            "{args:?}: {err}"
        );
        assert_eq!(snapshot(&env), before, "{args:?}");
    };
    refused(&["nope"], "no branch or task named 'nope'");
    env.task("z", "# z, no branch yet\n");
    refused(&["z"], "task 'z' has no branch 'feature/z' yet");
    refused(&["a", "--into", "missing"], "no branch named 'missing'");
    refused(&["main"], "cannot be merged into itself");
    refused(
        &["a", "--into", "feature/a"],
        "cannot be merged into itself",
    );

    env.git(&["switch", "-q", "--detach", "main"]);
    refused(&["a"], "HEAD is detached");
    env.git(&["switch", "-q", "main"]);

    env.write("README.md", "main\n");
    env.commit_all("main");
    commit_on(&env, "feature/c", &[Write("README.md", b"c\n")], "c");
    let _ = env
        .git_cmd(&env.repo)
        .args(["merge", "feature/c"])
        .output()
        .unwrap();
    assert!(env.repo.join(".git/MERGE_HEAD").exists());
    refused(&["a"], "merge is already in progress");
    refused(&["a", "--dry-run"], "MERGE_HEAD");
}

#[test]
fn help_documents_examples_and_exit_codes() {
    let env = Env::new();
    let out = env.cmd().args(["merge", "--help"]).output().unwrap();
    let text = stdout(&out);
    for needle in [
        "--dry-run",
        "--atomic",
        "--no-ff",
        "--into",
        "--json",
        "Examples:",
        "Exit status:",
    ] {
        assert!(text.contains(needle), "{needle} missing from help:\n{text}");
    }
}

/// As spawn leaves them: task files untracked in the main worktree, work committed in linked
/// worktrees. A branch that committed its task file unchanged merges (the bytes are already
/// there); one that changed it is refused, as git would.
#[test]
fn untracked_task_files_in_main_do_not_block_unless_overwritten() {
    let env = Env::new();
    env.task("a", "# a\n");
    env.task("b", "# b\n");
    let work = |task: &str, ops: &[Op]| {
        let ws = env.workspace(task);
        if !ws.exists() {
            let branch = format!("feature/{task}");
            env.git(&["worktree", "add", "-q", "-b", &branch, ws.to_str().unwrap()]);
        }
        apply(&ws, ops);
        env.git_in(&ws, &["add", "-A"]);
        env.git_in(&ws, &["commit", "-q", "-m", task]);
    };
    work(
        "a",
        &[
            Write("a.txt", b"a\n"),
            Write(".claude/tasks/a.md", b"# a\n"),
        ],
    );
    work(
        "b",
        &[Write(".claude/tasks/b.md", b"# b, edited by the agent\n")],
    );

    let (code, report) = merge_json(&env, &["a"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? .claude/tasks/b.md\n"
    );

    let out = env.cmd().args(["merge", "b"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("would overwrite: .claude/tasks/b.md"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.read(&env.repo.join(".claude/tasks/b.md")), "# b\n");
}

/// The way users run it: `git agents merge`, with the binary on PATH.
#[test]
fn runs_as_a_git_subcommand() {
    let env = with_tasks(&["a"]);
    commit_on(&env, "feature/a", &[Write("a.txt", b"a\n")], "a");
    let bin_dir = crate::common::bin().parent().unwrap().to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .git_cmd(&env.repo)
        .env("PATH", path)
        .args(["agents", "merge"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("feature/a  fast-forward"),
        "{}",
        stdout(&out)
    );
    assert_eq!(env.rev("main"), env.rev("feature/a"));
}
