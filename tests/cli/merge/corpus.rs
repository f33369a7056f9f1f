//! Real merges replayed: each two-parent merge pinned in `corpus/merges` (picked from a real
//! project's history by `corpus/make-fixture.sh`) is merged again by git agents and by `git
//! merge-tree --write-tree`. Clean trees must be identical, conflicting paths the same.
//!
//! The pinned merges are git/git's; its history is not in this repository. The test reads it
//! from `GIT_AGENTS_CORPUS` (a clone or a bundle: `GIT_AGENTS_CORPUS=~/src/git cargo test --test
//! cli corpus`), else from `corpus/history.bundle` if there is one; `GIT_AGENTS_CORPUS_MERGES`
//! may name another list. Without a history it says so on stderr and checks nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::*;

/// Pinned merges where git agents still differs from git, and why. Each must still differ, so
/// that the entry goes once the cause is fixed.
const KNOWN: &[(&str, &str)] = &[(
    "6a5621b6047088e8d557ad45243cce620ccfd65f",
    "gix-merge places each side's hunks with the indent heuristic (imara-diff's postprocess_lines), \
     git's merges slide them without it: theirs' insertion moves up a line, past ours', and the \
     file merges cleanly where git conflicts",
)];

/// One pinned merge: its commit and its two parents.
struct Pinned {
    merge: String,
    ours: String,
    theirs: String,
}

/// How one replay went.
struct Replay {
    merge: String,
    conflicts: bool,
    took: Duration,
    /// What differed from git, if anything.
    mismatch: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/merge/corpus")
}

/// The history to replay from, if there is one: a bundle or a repository.
fn history() -> Option<PathBuf> {
    match std::env::var_os("GIT_AGENTS_CORPUS") {
        Some(path) => Some(PathBuf::from(path)),
        None => Some(corpus_dir().join("history.bundle")).filter(|p| p.exists()),
    }
}

fn pinned() -> Vec<Pinned> {
    let list = std::env::var_os("GIT_AGENTS_CORPUS_MERGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| corpus_dir().join("merges"));
    let text = std::fs::read_to_string(&list)
        .unwrap_or_else(|e| panic!("reading {}: {e}", list.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            assert!(words.len() >= 3, "not `merge parent1 parent2`: {l}");
            Pinned {
                merge: words[0].into(),
                ours: words[1].into(),
                theirs: words[2].into(),
            }
        })
        .collect()
}

/// Make the history's objects reachable from `env`: fetched from a bundle, or borrowed from a
/// repository as an alternate (nothing is written there).
fn load(env: &Env, history: &Path) {
    if history.is_file() {
        let from = history.to_str().unwrap();
        env.git(&["fetch", "-q", "--no-tags", from, "+refs/*:refs/history/*"]);
    } else {
        let objects = env.git_in(
            history,
            &[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                "objects",
            ],
        );
        let info = env.repo.join(".git/objects/info");
        std::fs::create_dir_all(&info).unwrap();
        std::fs::write(info.join("alternates"), objects).unwrap();
    }
}

/// Branches `corpus/<i>/ours` and `corpus/<i>/theirs` for every merge, and a commit-graph: merge
/// bases are walked for every merge, by git and by git agents.
fn branch_out(env: &Env, merges: &[Pinned]) {
    let mut script = String::new();
    for (i, m) in merges.iter().enumerate() {
        script += &format!("create refs/heads/corpus/{i}/ours {}\n", m.ours);
        script += &format!("create refs/heads/corpus/{i}/theirs {}\n", m.theirs);
    }
    let mut update = env.git_cmd(&env.repo);
    update.args(["update-ref", "--stdin"]);
    crate::common::with_stdin(update, script.as_bytes());
    env.git(&["commit-graph", "write", "--reachable"]);
}

/// Merge `corpus/<i>/theirs` into `corpus/<i>/ours` with git agents (which moves `ours` when
/// clean) and compare with `git merge-tree` on the same two commits.
fn replay(env: &Env, i: usize, m: &Pinned) -> Replay {
    let started = Instant::now();
    let expected = git_merge_tree(env, &m.ours, &m.theirs);
    let (ours, theirs) = (format!("corpus/{i}/ours"), format!("corpus/{i}/theirs"));
    // Merges of one repository run one at a time (merge.lock); git's side runs in parallel.
    static ONE_MERGE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let landing = ONE_MERGE_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let (code, report) = merge_json(env, &[&theirs, "--into", &ours]);
    drop(landing);
    let branch = &report["branches"][0];
    let outcome = branch["outcome"].as_str().unwrap_or("none").to_owned();
    let conflicts = strings(&branch["conflicts"]);
    let mismatch = if expected.conflicts.is_empty() {
        let tree = env.rev(&format!("{ours}^{{tree}}"));
        (code != 0 || outcome != "merge" || tree != expected.tree).then(|| {
            format!(
                "git merges cleanly to {}; git agents: {outcome} {conflicts:?}, tree {tree}",
                expected.tree
            )
        })
    } else {
        (code != 1 || outcome != "conflict" || conflicts != expected.conflicts).then(|| {
            format!(
                "git conflicts at {:?}; git agents: {outcome} {conflicts:?}",
                expected.conflicts
            )
        })
    };
    Replay {
        merge: m.merge.clone(),
        conflicts: !expected.conflicts.is_empty(),
        took: started.elapsed(),
        mismatch: mismatch.map(|what| format!("merge {} ({i}): {what}", m.merge)),
    }
}

#[test]
#[ignore = "replays 230 git/git merges: needs GIT_AGENTS_CORPUS=<a git.git clone or bundle> \
            (a fetched history may not be committed here); run with --ignored"]
fn real_merges_replay_like_git_merge_tree() {
    let history = history().unwrap_or_else(|| {
        panic!(
            "merge corpus: no history (neither {} nor GIT_AGENTS_CORPUS)",
            corpus_dir().join("history.bundle").display()
        )
    });
    let merges = pinned();
    assert!(
        merges.len() >= 200,
        "the corpus pins {} merges",
        merges.len()
    );
    let env = Env::new();
    load(&env, &history);
    branch_out(&env, &merges);

    let next = AtomicUsize::new(0);
    let replays = Mutex::new(Vec::with_capacity(merges.len()));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = merges.get(i) else { break };
                let r = replay(&env, i, m);
                replays.lock().unwrap().push(r);
            });
        }
    });

    let replays = replays.into_inner().unwrap();
    let conflicting = replays.iter().filter(|r| r.conflicts).count();
    let slowest = replays.iter().map(|r| r.took).max().unwrap_or_default();
    let mismatches: Vec<&Replay> = replays.iter().filter(|r| r.mismatch.is_some()).collect();
    eprintln!(
        "merge corpus: {} merges ({} clean, {conflicting} conflicting by git), {} match, \
         slowest {slowest:.1?}",
        replays.len(),
        replays.len() - conflicting,
        replays.len() - mismatches.len()
    );
    let known = |merge: &str| KNOWN.iter().any(|(id, _)| *id == merge);
    let unexpected: Vec<&str> = mismatches
        .iter()
        .filter(|r| !known(&r.merge))
        .filter_map(|r| r.mismatch.as_deref())
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} of {} merges differ from git:\n{}",
        unexpected.len(),
        replays.len(),
        unexpected.join("\n")
    );
    for (id, why) in KNOWN {
        let pinned = merges.iter().any(|m| m.merge == *id);
        let differs = mismatches.iter().any(|r| r.merge == *id);
        assert!(
            !pinned || differs,
            "merge {id} now matches git: drop it from KNOWN ({why})"
        );
    }
}
