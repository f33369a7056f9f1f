//! clean: safe work goes, anything that would be lost stays (and says why), judged by git.

use crate::common::{stderr, stdout, Env};
use crate::status::{background, ok, row, run, spawn, status_json, wait_for};

/// Three tasks that each commit one file; CLAUDE.md and the task files are copied in.
fn env_with_tasks(names: &[&str]) -> Env {
    let env = Env::new();
    for name in names {
        env.task(
            name,
            &format!("---\ncommand: fake-agent write {name}.txt {name}\n---\n"),
        );
    }
    env.write("CLAUDE.md", "# Conventions\n");
    spawn(&env, &[]);
    env
}

fn worktrees(env: &Env) -> String {
    env.git(&["worktree", "list", "--porcelain"])
}

fn branches(env: &Env) -> Vec<String> {
    env.git(&["for-each-ref", "--format=%(refname:short)", "refs/heads"])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn merge(env: &Env, task: &str) {
    env.git(&[
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge",
        &format!("feature/{task}"),
    ]);
}

fn clean(env: &Env, args: &[&str]) -> (Option<i32>, String) {
    let out = run(env, &[&["clean"], args].concat());
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    (out.status.code(), stdout(&out))
}

/// No trash directory, nothing prunable, and git's object store intact.
fn tidy(env: &Env) {
    let leftovers: Vec<_> = std::fs::read_dir(env.root().join("repo.agents"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".git-agents-trash")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(!worktrees(env).contains("prunable"), "{}", worktrees(env));
    env.git(&["fsck", "--strict"]);
}

#[test]
fn merged_clean_work_is_removed() {
    let env = env_with_tasks(&["alpha", "beta"]);
    merge(&env, "alpha");
    let alpha_ws = env.workspace("alpha").canonicalize().unwrap();
    let (code, out) = clean(&env, &["alpha"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "alpha: removed worktree ../repo.agents/alpha, deleted branch feature/alpha\n"
    );
    assert!(!worktrees(&env).contains(&alpha_ws.display().to_string()));
    assert!(!alpha_ws.exists());
    assert_eq!(branches(&env), ["feature/beta", "main"]);
    assert!(env.workspace("beta").exists(), "only the named task");
    assert!(env.log("alpha").exists(), "logs are kept");
    let report = status_json(&env, &["alpha"]);
    assert_eq!(row(&report, "alpha")["state"], "not-started");
    tidy(&env);
}

#[test]
fn dirty_and_unmerged_work_is_kept_with_the_reason() {
    let env = env_with_tasks(&["edited", "untracked", "unmerged", "merged"]);
    for task in ["edited", "untracked", "merged"] {
        merge(&env, task);
    }
    std::fs::write(env.workspace("edited").join("README.md"), "changed\n").unwrap();
    std::fs::write(env.workspace("untracked").join("notes.txt"), "mine\n").unwrap();
    std::fs::write(
        env.workspace("merged").join("CLAUDE.md"),
        "copied, edited\n",
    )
    .unwrap();

    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "edited: kept: uncommitted changes in 1 path (README.md) (use --force to remove anyway)",
            "merged: removed worktree ../repo.agents/merged, deleted branch feature/merged",
            "unmerged: kept: branch feature/unmerged has 1 commit not in main (use --force to remove anyway)",
            "untracked: kept: uncommitted changes in 1 path (notes.txt) (use --force to remove anyway)",
        ]
    );
    let list = worktrees(&env);
    for task in ["edited", "untracked", "unmerged"] {
        let ws = env.workspace(task).canonicalize().unwrap();
        assert!(
            list.contains(&format!("worktree {}\n", ws.display())),
            "{list}"
        );
    }
    assert_eq!(
        branches(&env),
        [
            "feature/edited",
            "feature/unmerged",
            "feature/untracked",
            "main"
        ]
    );
    assert_eq!(
        env.read(&env.workspace("untracked").join("notes.txt")),
        "mine\n"
    );
    tidy(&env);
}

#[test]
fn force_removes_everything() {
    let env = env_with_tasks(&["alpha", "beta"]);
    std::fs::write(env.workspace("alpha").join("notes.txt"), "mine\n").unwrap();
    let (code, out) = clean(&env, &["--force"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("alpha: removed worktree ../repo.agents/alpha, deleted branch feature/alpha, despite branch feature/alpha has 1 commit not in main\n"),
        "{out}"
    );
    assert_eq!(
        worktrees(&env).matches("worktree ").count(),
        1,
        "{}",
        worktrees(&env)
    );
    assert_eq!(branches(&env), ["main"]);
    assert!(!env.workspace("alpha").exists() && !env.workspace("beta").exists());
    tidy(&env);
}

#[test]
fn keep_branches_removes_worktrees_only() {
    let env = env_with_tasks(&["alpha"]);
    let (code, out) = clean(&env, &["--keep-branches"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        out,
        "alpha: removed worktree ../repo.agents/alpha, kept branch feature/alpha (--keep-branches)\n"
    );
    assert_eq!(branches(&env), ["feature/alpha", "main"]);
    assert!(!env.workspace("alpha").exists());
    tidy(&env);
}

#[test]
fn a_running_spawn_is_not_cleaned_without_force() {
    let env = Env::new();
    env.task("slow", "---\ncommand: fake-agent sleep 2\n---\n");
    let mut child = background(&env, &["spawn", "-q", "slow"]);
    wait_for("slow to run", || {
        row(&status_json(&env, &["slow"]), "slow")["state"] == "running"
    });
    let (code, out) = clean(&env, &["slow"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with("slow: kept: its spawn is still running (pid "),
        "{out}"
    );
    assert!(out.ends_with("(use --force to remove anyway)\n"), "{out}");
    assert!(env.workspace("slow").exists());
    assert!(child.wait().unwrap().success());
    let (code, out) = clean(&env, &["slow"]);
    assert_eq!(code, Some(0), "no changes: merged by definition: {out}");
    tidy(&env);
}

#[test]
fn ignored_files_do_not_keep_a_worktree() {
    let env = Env::new();
    env.write(".gitignore", "target/\n");
    env.commit_all("ignore target");
    env.task(
        "build",
        "---\ncommand: fake-agent write target/out.bin x\n---\n",
    );
    spawn(&env, &[]);
    assert!(env.workspace("build").join("target/out.bin").exists());
    let (code, out) = clean(&env, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!env.workspace("build").exists());
    tidy(&env);
}

#[test]
fn nothing_to_clean_and_json() {
    let env = env_with_tasks(&["alpha"]);
    env.task("later", "# later\n");
    let (code, out) = clean(&env, &["later"]);
    assert_eq!((code, out.as_str()), (Some(0), "later: nothing to clean\n"));
    let text = ok(&env, &["clean", "--json", "--force"]);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["target"]["name"], "main");
    assert_eq!(report["tasks"][0]["task"], "alpha");
    assert_eq!(report["tasks"][0]["deleted_branch"], "feature/alpha");
    assert_eq!(report["tasks"][0]["forgot_state"], true);
}

#[test]
fn a_branch_checked_out_elsewhere_is_never_deleted() {
    let env = env_with_tasks(&["alpha"]);
    let ws = env.workspace("alpha");
    env.git(&["worktree", "remove", "--force", ws.to_str().unwrap()]);
    env.git(&["switch", "-q", "feature/alpha"]);
    let (code, out) = clean(&env, &["--force"]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(
        out,
        "alpha: kept: branch feature/alpha is checked out in the main worktree\n"
    );
    assert_eq!(branches(&env), ["feature/alpha", "main"]);
    tidy(&env);
}
