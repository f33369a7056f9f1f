//! A merge that cannot write what it must (a full disk, a smudge filter that fails) or that is
//! told to stop (SIGTERM from inside, at a known point) moves nothing: the ref, the index and the
//! files stay, no lock, journal or staged file is left, and git finds the repository whole.

use std::path::Path;
use std::process::Command;

use super::*;

/// Nothing a failed merge may leave behind, and git's checks pass.
fn untouched(env: &Env, dir: &Path, before: &Snapshot) {
    assert_eq!(
        &snapshot_of(env, dir),
        before,
        "nothing moved in {}",
        dir.display()
    );
    for leftover in [".git/index.lock", ".git/agents/merge.json"] {
        assert!(!dir.join(leftover).exists(), "{leftover} is left");
    }
    let staged = std::fs::read_dir(dir.join(".git"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("agents-stage"))
        .count();
    assert_eq!(staged, 0, "a stage directory is left");
    env.git_in(dir, &["fsck", "--strict", "--no-progress"]);
    env.git_in(dir, &["rev-list", "--objects", "--all"]);
}

fn snapshot_of(env: &Env, dir: &Path) -> Snapshot {
    let git_dir = dir.join(".git");
    let mut files = BTreeMap::new();
    collect_files(dir, dir, &mut files);
    Snapshot {
        refs: env.git_in(dir, &["for-each-ref", "--format=%(refname) %(objectname)"]),
        head: std::fs::read_to_string(git_dir.join("HEAD")).unwrap(),
        index: std::fs::read(git_dir.join("index")).unwrap(),
        files,
    }
}

/// A tmpfs of `size` at `dir`, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mount one, or say why not: a test that needs it fails under CI and is skipped elsewhere.
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        let why = match out {
            Ok(out) if out.status.success() => return Some(Tmpfs(dir.to_owned())),
            Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            Err(err) => err.to_string(),
        };
        let reason = format!("cannot mount a tmpfs at {}: {why}", dir.display());
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{reason}");
        }
        eprintln!("skipped: {reason}");
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A commit on top of `parent` that adds `path` with the blob git makes of `bytes`, written
/// without ever putting the file on disk.
fn commit_with_blob(env: &Env, dir: &Path, parent: &str, path: &str, bytes: &[u8]) -> String {
    use std::io::Write;
    let mut hash = env
        .git_cmd(dir)
        .args(["hash-object", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    hash.stdin.take().unwrap().write_all(bytes).unwrap();
    let blob = String::from_utf8(hash.wait_with_output().unwrap().stdout).unwrap();
    let mut listing = env.git_in(dir, &["ls-tree", parent]);
    listing.push_str(&format!("100644 blob {}\t{path}\n", blob.trim()));
    let mut mktree = env
        .git_cmd(dir)
        .arg("mktree")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    mktree
        .stdin
        .take()
        .unwrap()
        .write_all(listing.as_bytes())
        .unwrap();
    let tree = String::from_utf8(mktree.wait_with_output().unwrap().stdout).unwrap();
    let commit = env.git_in(dir, &["commit-tree", tree.trim(), "-p", parent, "-m", path]);
    commit.trim().to_owned()
}

#[test]
fn a_full_disk_moves_nothing() {
    let env = Env::new();
    let Some(disk) = Tmpfs::mount(&env.root().join("disk"), "2m") else {
        return;
    };
    let dir = disk.0.join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.name", "Test User"],
        &["config", "user.email", "test@example.com"],
    ] {
        env.git_in(&dir, args);
    }
    std::fs::write(dir.join("README.md"), "# on a small disk\n").unwrap();
    env.git_in(&dir, &["add", "-A"]);
    env.git_in(&dir, &["commit", "-q", "-m", "initial"]);
    // 8 MiB of zeros: a few KiB as an object, more than the disk holds as a file.
    let big = commit_with_blob(&env, &dir, "main", "big.bin", &vec![0; 8 << 20]);
    env.git_in(&dir, &["branch", "feature/big", &big]);
    let small = commit_with_blob(&env, &dir, "main", "small.txt", b"small\n");
    env.git_in(&dir, &["branch", "feature/small", &small]);
    std::fs::write(dir.join("main.txt"), "main moves on\n").unwrap();
    env.git_in(&dir, &["add", "-A"]);
    env.git_in(&dir, &["commit", "-q", "-m", "main moves on"]);

    let before = snapshot_of(&env, &dir);
    let out = env
        .cmd_in(&dir)
        .args(["merge", "feature/big"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("No space left"), "{}", stderr(&out));
    untouched(&env, &dir, &before);

    // Fill what is left, so that even the merge's first object or journal cannot be written.
    let filler = disk.0.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    while std::io::Write::write_all(&mut file, &[1; 64 << 10]).is_ok() {}
    drop(file);
    let out = env
        .cmd_in(&dir)
        .args(["merge", "feature/small"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    untouched(&env, &dir, &before);

    std::fs::remove_file(&filler).unwrap();
    let out = env
        .cmd_in(&dir)
        .args(["merge", "feature/small"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = env.git_in(&dir, &["rev-parse", "HEAD^{tree}"]);
    let expected = env.git_in(
        &dir,
        &["merge-tree", "--write-tree", "HEAD^1", "feature/small"],
    );
    assert_eq!(merged, expected);
    assert_eq!(env.git_in(&dir, &["status", "--porcelain"]), "");
    env.git_in(&dir, &["fsck", "--strict", "--no-progress"]);
}

/// main and a branch `feature/f` that adds `a.x` (filtered by `x`) and `b.txt`; main moved on.
fn filtered(smudge: &str) -> Env {
    let env = Env::new();
    env.write(".gitattributes", "*.x filter=x\n");
    env.git(&["config", "filter.x.clean", "cat"]);
    env.git(&["config", "filter.x.required", "true"]);
    env.commit_all("attributes");
    env.git(&["branch", "feature/f"]);
    commit_on(
        &env,
        "feature/f",
        &[Op::Write("a.x", b"x\n"), Op::Write("b.txt", b"b\n")],
        "f",
    );
    env.write("main.txt", "main moves on\n");
    env.commit_all("main moves on");
    env.git(&["config", "filter.x.smudge", smudge]);
    env
}

#[test]
fn a_failing_smudge_filter_moves_nothing_as_with_git() {
    let env = filtered("false");
    let with_git = copy_repo(&env, "with-git");
    let git = env
        .git_cmd(&with_git)
        .args(["merge", "--no-edit", "feature/f"])
        .output()
        .unwrap();
    assert!(!git.status.success(), "git refuses too");
    let before = snapshot(&env);
    let out = env.cmd().args(["merge", "feature/f"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not write the new files"),
        "{}",
        stderr(&out)
    );
    untouched(&env, &env.repo, &before);
}

#[test]
fn sigterm_while_files_are_written_aside_changes_nothing() {
    // The filter tells git-agents (its parent) to stop while it checks the new files out aside.
    let env = filtered("kill -TERM $PPID; cat");
    let before = snapshot(&env);
    let out = env.cmd().args(["merge", "feature/f"]).output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    untouched(&env, &env.repo, &before);
    env.git(&["config", "filter.x.smudge", "cat"]);
    let out = env.cmd().args(["merge", "feature/f"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(env.read(&env.repo.join("a.x")), "x\n");
    assert_clean(&env, &env.repo);
}

/// A journal as a merge killed while replacing files leaves it, naming `lock` as its index.lock.
fn killed_in_files(env: &Env, lock: serde_json::Value) {
    let journal = serde_json::json!({
        "version": 1,
        "pid": 1,
        "target": "main",
        "worktree": env.repo,
        "old": env.rev("main"),
        "new": env.rev("feature/f"),
        "phase": "files",
        "message": "merge feature/f: Fast-forward",
        "index_lock": lock,
    });
    std::fs::create_dir_all(env.repo.join(".git/agents")).unwrap();
    std::fs::write(env.repo.join(".git/agents/merge.json"), journal.to_string()).unwrap();
}

#[test]
fn an_index_lock_is_removed_only_when_the_journal_proves_it_ours() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::new();
    env.git(&["branch", "feature/f"]);
    commit_on(&env, "feature/f", &[Op::Write("f.txt", b"f\n")], "f");
    let lock = env.repo.join(".git/index.lock");
    std::fs::write(&lock, "someone else's\n").unwrap();
    let theirs = serde_json::json!({ "path": lock, "dev": 0, "ino": 0 });
    killed_in_files(&env, theirs);
    for args in [
        &["merge", "--abort"][..],
        &["merge", "--continue"],
        &["merge"],
    ] {
        let out = env.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(env.read(&lock), "someone else's\n", "{args:?} removed it");
    }
    let out = env.cmd().args(["merge", "--abort"]).output().unwrap();
    assert!(
        stderr(&out).contains("index.lock exists"),
        "{}",
        stderr(&out)
    );

    let meta = std::fs::metadata(&lock).unwrap();
    let ours = serde_json::json!({ "path": lock, "dev": meta.dev(), "ino": meta.ino() });
    killed_in_files(&env, ours);
    let out = env.cmd().args(["merge", "--abort"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!lock.exists(), "the dead merge's own lock is cleared");
    assert!(!env.repo.join(".git/agents/merge.json").exists());
    assert_eq!(env.rev("main"), env.rev("feature/f~1"));
    assert_clean(&env, &env.repo);
}
