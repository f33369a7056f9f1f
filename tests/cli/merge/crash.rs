//! Crash safety: `git agents merge` killed (kill -9) or stopped (SIGTERM) at any instant of a
//! 16-branch merge into a checked-out main, a full disk and a failing smudge filter. git judges
//! every outcome: `git status`, `git fsck --strict`, `git rev-list --objects --all`, `git gc`,
//! `git clone --no-local`, and the tree `git merge-tree` computes.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::*;
use crate::common::{bin, seal};

const BRANCHES: usize = 16;
/// Kill points spread over one measured run of the merge.
const POINTS: usize = 20;
/// Only to fail instead of hanging; nothing is timed.
const DEADLINE: Duration = Duration::from_secs(120);

/// A template repository (packed, so that copies are quick): main with ~150 files, 16 branches
/// that each rewrite one directory, add files, delete one and edit their own line of a shared
/// file, and main moved on meanwhile, so every branch is a real merge. `new_tree` is what git's
/// merge-tree makes of the sequence.
struct Fixture {
    env: Env,
    names: Vec<String>,
    old_tree: String,
    new_tree: String,
}

fn fixture() -> Fixture {
    let env = Env::new();
    env.write("shared.txt", &shared_lines(None));
    for d in 0..BRANCHES {
        for f in 0..9 {
            env.write(
                &format!("dir{d:02}/file{f:02}.txt"),
                &format!("{d} {f}\n").repeat(20),
            );
        }
    }
    env.commit_all("base");
    let mut names = Vec::new();
    for k in 0..BRANCHES {
        let branch = format!("feature/b{k:02}");
        env.git(&["switch", "-q", "-c", &branch, "main"]);
        for f in 0..8 {
            env.write(
                &format!("dir{k:02}/file{f:02}.txt"),
                &format!("{k} {f} changed\n"),
            );
        }
        std::fs::remove_file(env.repo.join(format!("dir{k:02}/file08.txt"))).unwrap();
        for n in 0..2 {
            env.write(&format!("new{k:02}/n{n}.txt"), &format!("new {k} {n}\n"));
        }
        env.write("shared.txt", &shared_lines(Some(k)));
        env.commit_all(&branch);
        env.git(&["switch", "-q", "main"]);
        names.push(branch);
    }
    env.write("main.txt", "main moved on\n");
    env.commit_all("main moves on");
    env.git(&["gc", "-q"]);
    let old_tree = env.rev("main^{tree}");
    let mut ours = env.rev("main");
    let mut tree = old_tree.clone();
    for name in &names {
        let merged = git_merge_tree(&env, &ours, name);
        assert!(
            merged.conflicts.is_empty(),
            "{name}: {:?}",
            merged.conflicts
        );
        tree = merged.tree;
        ours = env
            .git(&["commit-tree", &tree, "-p", &ours, "-p", name, "-m", name])
            .trim()
            .to_owned();
    }
    Fixture {
        env,
        names,
        old_tree,
        new_tree: tree,
    }
}

/// One line per branch, kept apart by unchanged lines so that every branch merges cleanly;
/// `changed` is the branch whose line differs.
fn shared_lines(changed: Option<usize>) -> String {
    (0..BRANCHES)
        .map(|k| match changed == Some(k) {
            true => format!("line {k} changed\nfiller\nfiller\n"),
            false => format!("line {k}\nfiller\nfiller\n"),
        })
        .collect()
}

impl Fixture {
    /// A fresh copy of the template repository.
    fn copy(&self, name: &str) -> PathBuf {
        let dir = self.env.root().join(name);
        copy_dir(&self.env.repo, &dir);
        dir
    }

    fn start(&self, dir: &Path, args: &[&str]) -> Child {
        let mut cmd = Command::new(bin());
        cmd.current_dir(dir).arg("merge").args(args);
        seal(&mut cmd, &self.env.home);
        let log = std::fs::File::create(dir.with_extension("log")).unwrap();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// `git agents merge` of every branch, in the foreground.
    fn merge(&self, dir: &Path, extra: &[&str]) -> std::process::Output {
        let mut args: Vec<&str> = vec!["merge"];
        if extra.is_empty() {
            args.extend(self.names.iter().map(String::as_str));
        }
        args.extend(extra);
        self.env.cmd_in(dir).args(&args).output().unwrap()
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Result<String, String> {
        let out = self.env.git_cmd(dir).args(args).output().unwrap();
        if out.status.success() {
            Ok(stdout(&out))
        } else {
            Err(format!("git {args:?}: {}", stderr(&out).trim()))
        }
    }

    /// HEAD is the old or the new tree, `git status` shows nothing, no lock or journal is left.
    fn consistent(&self, dir: &Path) -> Result<(), String> {
        let tree = self.git(dir, &["rev-parse", "HEAD^{tree}"])?;
        let tree = tree.trim();
        if tree != self.old_tree && tree != self.new_tree {
            return Err(format!("HEAD is at tree {tree}, neither old nor new"));
        }
        let status = self.git(dir, &["status", "--porcelain", "--untracked-files=all"])?;
        if !status.is_empty() {
            let lines = status.lines().count();
            let first: Vec<&str> = status.lines().take(3).collect();
            return Err(format!("git status shows {lines} paths: {first:?}"));
        }
        for leftover in [".git/index.lock", ".git/agents/merge.json"] {
            if dir.join(leftover).exists() {
                return Err(format!("{leftover} is left"));
            }
        }
        Ok(())
    }

    /// Everything git checks about the objects: fsck, a full object walk, gc, a clone.
    fn objects_complete(&self, dir: &Path, deep: bool) -> Result<(), String> {
        self.git(dir, &["fsck", "--strict", "--no-progress"])?;
        self.git(dir, &["rev-list", "--objects", "--all"])?;
        if deep {
            self.git(dir, &["gc", "--quiet"])?;
            let clone = dir.with_extension("clone");
            let (src, dst) = (dir.to_str().unwrap(), clone.to_str().unwrap());
            self.git(self.env.root(), &["clone", "-q", "--no-local", src, dst])?;
        }
        Ok(())
    }

    /// The last merge of a round ends at the tree git computes, with nothing left over.
    fn finish(&self, dir: &Path, deep: bool) -> Result<(), String> {
        let out = self.merge(dir, &[]);
        if out.status.code() != Some(0) {
            return Err(format!("final merge: {:?} {}", out.status, stderr(&out)));
        }
        self.consistent(dir)?;
        let tree = self.git(dir, &["rev-parse", "HEAD^{tree}"])?;
        if tree.trim() != self.new_tree {
            return Err(format!(
                "final tree {} is not git's {}",
                tree.trim(),
                self.new_tree
            ));
        }
        self.objects_complete(dir, deep)
    }

    /// How long one uninterrupted merge takes here, measured, never asserted.
    fn duration(&self) -> Duration {
        let dir = self.copy("measure");
        let started = Instant::now();
        let out = self.merge(&dir, &[]);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        self.finish(&dir, false).unwrap();
        took
    }
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("git agents merge did not end after its signal");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Delays spread over a bit more than the whole merge, so the kills land from start-up to the end.
fn delays(duration: Duration) -> Vec<Duration> {
    (0..POINTS)
        .map(|i| duration.mul_f64(1.2 * (i as f64 + 0.5) / POINTS as f64))
        .collect()
}

fn journal(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(".git/agents/merge.json")).ok()?;
    Some(serde_json::from_str(&text).expect("the journal is whole JSON"))
}

/// A round of kill -9: the repository is consistent, or a journal is left that the next
/// `git agents merge` (alternately --continue, --abort or plain) repairs; then a plain merge ends
/// in git's tree with complete history.
fn kill_round(fx: &Fixture, i: usize, delay: Duration) -> Result<String, String> {
    let dir = fx.copy(&format!("kill{i}"));
    let mut child = fx.start(
        &dir,
        &fx.names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    std::thread::sleep(delay);
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
    wait(&mut child);
    fx.objects_complete(&dir, false)
        .map_err(|e| format!("right after the kill: {e}"))?;
    let Some(journal) = journal(&dir) else {
        fx.consistent(&dir)
            .map_err(|e| format!("killed without a journal: {e}"))?;
        fx.finish(&dir, i.is_multiple_of(4))?;
        return Ok("no journal".into());
    };
    let phase = journal["phase"].as_str().unwrap_or("?").to_owned();
    let tree = fx.git(&dir, &["rev-parse", "HEAD^{tree}"])?;
    if tree.trim() == fx.new_tree && !fx.git(&dir, &["status", "--porcelain"])?.is_empty() {
        return Err(format!("{phase}: the ref moved over old files"));
    }
    let repair: &[&str] = match i % 3 {
        0 => &["--continue"],
        1 => &["--abort"],
        _ => &[],
    };
    let out = fx.merge(&dir, repair);
    let nothing_to_continue = phase == "objects" && stderr(&out).contains("nothing to continue");
    match out.status.code() {
        Some(0) => {}
        Some(2) if repair == ["--continue"] && nothing_to_continue => {}
        Some(2) if repair.is_empty() => {
            let err = stderr(&out);
            if !(err.contains("--continue") && err.contains("--abort")) {
                return Err(format!(
                    "{phase}: plain merge refused without naming both: {err}"
                ));
            }
            let out = fx.merge(&dir, &["--abort"]);
            if !out.status.success() {
                return Err(format!("{phase}: --abort after refusal: {}", stderr(&out)));
            }
        }
        code => {
            return Err(format!(
                "{phase}: {repair:?} exit {code:?}: {}",
                stderr(&out)
            ))
        }
    }
    fx.consistent(&dir)
        .map_err(|e| format!("{phase}: after {repair:?}: {e}"))?;
    let tree = fx.git(&dir, &["rev-parse", "HEAD^{tree}"])?;
    let expected = match repair {
        ["--continue"] if nothing_to_continue => Some(&fx.old_tree),
        ["--continue"] => Some(&fx.new_tree),
        ["--abort"] => Some(&fx.old_tree),
        _ => None,
    };
    if expected.is_some_and(|t| t != tree.trim()) {
        return Err(format!("{phase}: {repair:?} did not end at its tree"));
    }
    fx.finish(&dir, i % 4 == 1)?;
    Ok(format!("journal at {phase}, repaired with {repair:?}"))
}

/// A round of SIGTERM: the merge finishes or rolls back by itself, releasing every lock.
fn term_round(fx: &Fixture, i: usize, delay: Duration) -> Result<String, String> {
    let dir = fx.copy(&format!("term{i}"));
    let mut child = fx.start(
        &dir,
        &fx.names.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    std::thread::sleep(delay);
    let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
    let status = wait(&mut child);
    let log = std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default();
    let code = status.code();
    if !matches!(code, Some(0 | 130) | None) {
        return Err(format!("exit {status:?}: {log}"));
    }
    fx.objects_complete(&dir, false)?;
    fx.consistent(&dir)
        .map_err(|e| format!("after SIGTERM ({status:?}): {e}; {log}"))?;
    fx.finish(&dir, false)?;
    Ok(format!("{status:?}"))
}

fn rounds(round: fn(&Fixture, usize, Duration) -> Result<String, String>) {
    let fx = fixture();
    let duration = fx.duration();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for (i, delay) in delays(duration).into_iter().enumerate() {
        match round(&fx, i, delay) {
            Ok(what) => seen.push(format!("{delay:?}: {what}")),
            Err(problem) => problems.push(format!("kill after {delay:?}: {problem}")),
        }
    }
    eprintln!("merge took {duration:?}; rounds: {seen:#?}");
    assert!(
        problems.is_empty(),
        "merge took {duration:?}; {} of {POINTS} rounds went wrong:\n{}\nothers: {seen:#?}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn kill_9_at_any_instant_leaves_old_new_or_a_repairable_state() {
    rounds(kill_round);
}

#[test]
fn sigterm_at_any_instant_finishes_or_rolls_back() {
    rounds(term_round);
}
