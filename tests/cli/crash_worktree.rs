//! Killed at any instant, spawn and clean leave a repository git fully accepts, and the next run
//! puts right what they left; locks that are not git-agents' own are reported, never deleted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::common::{background, stderr, stdout, Env};
use crate::status::{ok, row, run, status_json};

const TASKS: [&str; 3] = ["alpha", "beta", "gamma"];

fn with_tasks() -> Env {
    let env = Env::new();
    for name in TASKS {
        env.task(
            name,
            &format!("---\ncommand: fake-agent write {name}.txt {name}\n---\n"),
        );
    }
    env.write("CLAUDE.md", "# Conventions\n");
    env
}

/// `git worktree list`, `git fsck` and `git gc` all succeed.
fn git_accepts(env: &Env, when: &str) {
    for args in [
        &["worktree", "list", "--porcelain"][..],
        &["fsck", "--strict"],
        &["gc", "-q", "--prune=now"],
    ] {
        let out = env.git_cmd(&env.repo).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{when}: git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every git lock file under `.git`. `.git/agents` holds git-agents' own flock files, which
/// stay by design and which git never reads.
fn git_locks(env: &Env) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "lock") {
                out.push(path);
            }
        }
    }
    let git = env.repo.join(".git");
    let mut out = Vec::new();
    walk(&git, &mut out);
    out.retain(|p| !p.starts_with(git.join("agents")));
    out
}

/// Send `signal` to `child` after `delay` (if it still runs), and wait for it.
fn interrupt(mut child: std::process::Child, delay: Duration, signal: Signal) {
    std::thread::sleep(delay);
    let _ = kill(Pid::from_raw(child.id() as i32), signal);
    child.wait().unwrap();
}

/// `count` delays from nothing to a little past `span`.
fn delays(span: Duration, count: u32) -> Vec<Duration> {
    (0..count).map(|i| span * (i + 1) / (count - 2)).collect()
}

fn all_done(env: &Env) {
    let report = status_json(env, &[]);
    for name in TASKS {
        assert_eq!(row(&report, name)["state"], "done", "{report}");
    }
}

#[test]
fn kill_9_at_any_instant_of_spawn_leaves_git_whole_and_the_next_spawn_finishes() {
    let probe = with_tasks();
    let started = Instant::now();
    ok(&probe, &["spawn", "-q"]);
    let span = started.elapsed();
    for delay in delays(span, 22) {
        let env = with_tasks();
        interrupt(background(&env, &["spawn", "-q"]), delay, Signal::SIGKILL);
        let when = format!("killed after {delay:?} of {span:?}");
        git_accepts(&env, &when);
        let out = run(&env, &["spawn", "-q"]);
        assert_eq!(out.status.code(), Some(0), "{when}: {}", stderr(&out));
        all_done(&env);
        git_accepts(&env, &when);
        assert_eq!(git_locks(&env), Vec::<PathBuf>::new(), "{when}");
    }
}

#[test]
fn sigterm_during_clean_leaves_no_lock_and_the_next_run_finishes_it() {
    let env = with_tasks();
    ok(&env, &["spawn", "-q"]);
    let started = Instant::now();
    ok(&env, &["clean", "--force"]);
    let span = started.elapsed();
    for delay in delays(span, 12) {
        ok(&env, &["spawn", "-q", "--rerun"]);
        interrupt(
            background(&env, &["clean", "--force"]),
            delay,
            Signal::SIGTERM,
        );
        let when = format!("stopped after {delay:?} of {span:?}");
        assert_eq!(git_locks(&env), Vec::<PathBuf>::new(), "{when}");
        git_accepts(&env, &when);
        env.git(&["config", "user.name", "Still Writable"]);
    }
    ok(&env, &["clean", "--force"]);
    let list = env.git(&["worktree", "list", "--porcelain"]);
    assert_eq!(list.matches("worktree ").count(), 1, "{list}");
    assert_eq!(env.git(&["branch", "--format=%(refname:short)"]), "main\n");
    git_accepts(&env, "at the end");
}

#[test]
fn a_config_lock_not_ours_is_reported_and_left() {
    let env = with_tasks();
    ok(&env, &["spawn", "-q", "alpha"]);
    env.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature/alpha"]);
    let lock = env.repo.join(".git/config.lock");
    std::fs::write(&lock, "[core]\n").unwrap();
    let out = run(&env, &["clean", "alpha"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("alpha: removed worktree ../repo.agents/alpha\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "failed: no branch deleted: {} exists;",
            lock.display()
        )),
        "{text}"
    );
    assert!(lock.exists(), "not ours: left where it is");
    assert!(env.git(&["branch"]).contains("feature/alpha"));
    std::fs::remove_file(&lock).unwrap();
    ok(&env, &["clean", "alpha"]);
    assert!(!env.git(&["branch"]).contains("feature/alpha"));
}

/// The pid of a process that has just ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_lock_a_killed_git_agents_noted_is_cleared_by_the_next_run() {
    let env = with_tasks();
    ok(&env, &["spawn", "-q", "alpha"]);
    let notes = env.repo.join(".git/agents/git-locks");
    std::fs::create_dir_all(&notes).unwrap();
    let lock = env.repo.join(".git/refs/heads/feature/alpha.lock");
    let pid = dead_pid();
    std::fs::write(
        notes.join(format!("{pid}-0")),
        format!("{}\n", lock.display()),
    )
    .unwrap();
    std::fs::write(&lock, "").unwrap();
    let out = ok(&env, &["clean", "--force", "alpha"]);
    assert!(
        out.starts_with(&format!(
            "note: removed {}, left by git-agents (pid {pid}), which was killed\n",
            lock.display()
        )),
        "{out}"
    );
    assert!(!lock.exists());
    assert!(!env.git(&["branch"]).contains("feature/alpha"));
    git_accepts(&env, "after");
}

#[test]
fn a_removal_a_killed_clean_began_is_finished_by_the_next_run() {
    let env = with_tasks();
    ok(&env, &["spawn", "-q", "alpha"]);
    // As clean leaves it when killed between unregistering the entry and moving the tree.
    let aside = env
        .repo
        .join(format!(".git/agents/removed-worktrees/{}", dead_pid()));
    std::fs::create_dir_all(&aside).unwrap();
    std::fs::rename(env.repo.join(".git/worktrees/alpha"), aside.join("alpha")).unwrap();
    git_accepts(&env, "unregistered");
    let out = run(&env, &["spawn", "--rerun", "alpha"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("finished removing the worktree"),
        "{}",
        stderr(&out)
    );
    assert!(env.workspace("alpha").join("alpha.txt").exists());
    assert!(!aside.exists());
    git_accepts(&env, "after");
}

/// What gix writing in place left when killed: an empty commondir, no HEAD, no marker, a
/// stray HEAD.lock, still locked as initializing. git cannot work with it.
fn half_made_by_an_older_spawn(env: &Env) -> PathBuf {
    ok(env, &["spawn", "-q", "alpha"]);
    let admin = env.repo.join(".git/worktrees/alpha");
    std::fs::write(admin.join("commondir"), "").unwrap();
    std::fs::remove_file(admin.join("HEAD")).unwrap();
    std::fs::remove_file(admin.join("git-agents")).unwrap();
    std::fs::write(admin.join("locked"), "initializing\n").unwrap();
    std::fs::write(admin.join("HEAD.lock"), "").unwrap();
    let out = env.git_cmd(&env.repo).args(["fsck"]).output().unwrap();
    assert!(!out.status.success(), "git cannot work with it");
    admin
}

#[test]
fn an_entry_an_older_spawn_left_half_made_is_finished_by_clean() {
    let env = with_tasks();
    half_made_by_an_older_spawn(&env);
    env.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature/alpha"]);
    let out = ok(&env, &["clean", "alpha"]);
    assert!(
        out.starts_with("note: alpha: finished the worktree "),
        "{out}"
    );
    assert!(
        out.ends_with(
            "alpha: removed worktree ../repo.agents/alpha, deleted branch feature/alpha\n"
        ),
        "{out}"
    );
    git_accepts(&env, "cleaned");
}

#[test]
fn an_entry_an_older_spawn_left_half_made_is_finished_by_spawn() {
    let env = with_tasks();
    let admin = half_made_by_an_older_spawn(&env);

    let out = run(&env, &["spawn", "--rerun", "alpha"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("alpha: finished the worktree"),
        "{}",
        stderr(&out)
    );
    assert!(!admin.join("HEAD.lock").exists() && !admin.join("locked").exists());
    git_accepts(&env, "repaired");
    let branch = env.git_in(&env.workspace("alpha"), &["branch", "--show-current"]);
    assert_eq!(branch, "feature/alpha\n");
}
