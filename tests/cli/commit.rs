//! The library's `git add -A && git commit` (gitops::commit), checked against git itself.

use git_agents::gitops::commit::{commit_all, pending_changes, CommitOutcome};
use gix::bstr::{BStr, BString};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

struct Fixture {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    ours: PathBuf,
}

fn git_output(home: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Agent")
        .env("GIT_AUTHOR_EMAIL", "agent@example.com")
        .env("GIT_COMMITTER_NAME", "Agent")
        .env("GIT_COMMITTER_EMAIL", "agent@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .output()
        .expect("git runs")
}

fn git(home: &Path, dir: &Path, args: &[&str]) -> String {
    let out = git_output(home, dir, args);
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim_end()
        .to_owned()
}

fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn chmod(root: &Path, path: &str, mode: u32) {
    fs::set_permissions(root.join(path), fs::Permissions::from_mode(mode)).unwrap();
}

/// A repository with a few committed files, or an unborn one if `with_commit` is false.
fn fixture(with_commit: bool) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let ours = tmp.path().join("ours");
    fs::create_dir_all(&home).unwrap();
    fs::create_dir_all(&ours).unwrap();
    git(&home, &ours, &["init", "-q", "-b", "main"]);
    git(&home, &ours, &["config", "user.name", "Agents"]);
    git(
        &home,
        &ours,
        &["config", "user.email", "agents@example.com"],
    );
    if with_commit {
        write(&ours, "a.txt", "alpha\n");
        write(&ours, "b.txt", "beta\n");
        write(&ours, "dir/c.txt", "gamma\n");
        write(&ours, "dir/sub/d.txt", "delta\n");
        write(&ours, "script.sh", "#!/bin/sh\necho hi\n");
        write(&ours, ".gitignore", "*.log\n/build/\n");
        git(&home, &ours, &["add", "-A"]);
        git(&home, &ours, &["commit", "-q", "-m", "base"]);
    }
    Fixture {
        _tmp: tmp,
        home,
        ours,
    }
}

fn open(path: &Path) -> gix::Repository {
    gix::open_opts(path, gix::open::Options::isolated()).expect("gix opens the fixture")
}

fn excluder(excluded: &'static [&'static str]) -> impl Fn(&BStr) -> bool {
    move |path: &BStr| excluded.iter().any(|e| path == *e)
}

fn rev(fx: &Fixture, dir: &Path, spec: &str) -> Option<String> {
    let out = git_output(&fx.home, dir, &["rev-parse", "-q", "--verify", spec]);
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned())
}

fn names(list: &str) -> Vec<BString> {
    let mut v: Vec<BString> = list
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(BString::from)
        .collect();
    v.sort();
    v
}

/// Apply `change` to our repo and to a copy, commit ours with `commit_all` and the copy with
/// `git add -A && git commit` (excluded paths reset to HEAD), then compare everything.
fn check(
    fx: &Fixture,
    excluded: &'static [&'static str],
    change: impl Fn(&Fixture, &Path),
) -> CommitOutcome {
    let oracle = fx.ours.with_file_name("oracle");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&fx.ours)
        .arg(&oracle)
        .status()
        .unwrap();
    assert!(status.success());
    change(fx, &fx.ours);
    change(fx, &oracle);

    let before = rev(fx, &oracle, "HEAD");
    git(&fx.home, &oracle, &["add", "-A"]);
    let mut reset = vec!["reset", "-q", "--"];
    reset.extend_from_slice(excluded);
    if !excluded.is_empty() && before.is_some() {
        git(&fx.home, &oracle, &reset);
    } else if !excluded.is_empty() {
        let mut rm = vec!["rm", "-q", "--cached", "--ignore-unmatch", "--"];
        rm.extend_from_slice(excluded);
        git(&fx.home, &oracle, &rm);
    }
    let base = before.clone().unwrap_or_else(|| EMPTY_TREE.into());
    let oracle_has_changes =
        !git_output(&fx.home, &oracle, &["diff", "--cached", "--quiet", &base])
            .status
            .success();
    let oracle_changed = if oracle_has_changes {
        git(&fx.home, &oracle, &["commit", "-q", "-m", "work"]);
        names(&git(
            &fx.home,
            &oracle,
            &["diff", "--name-only", "--no-renames", "-z", &base, "HEAD"],
        ))
    } else {
        Vec::new()
    };

    let repo = open(&fx.ours);
    let exclude = excluder(excluded);
    let objects = || git(&fx.home, &fx.ours, &["count-objects", "-v"]);
    let (objects_before, index_before) = (objects(), fs::read(fx.ours.join(".git/index")).ok());
    let pending = pending_changes(&repo, &exclude).unwrap();
    assert_eq!(objects(), objects_before, "pending_changes wrote objects");
    assert_eq!(
        fs::read(fx.ours.join(".git/index")).ok(),
        index_before,
        "pending_changes wrote the index"
    );
    let ours_before = rev(fx, &fx.ours, "HEAD");
    let out = commit_all(&repo, "work", &exclude).unwrap();
    assert_eq!(
        out.changed, oracle_changed,
        "changed paths differ from git's"
    );
    assert_eq!(
        pending, out.changed,
        "pending_changes disagrees with commit_all"
    );
    if oracle_has_changes {
        let id = out.commit.expect("a commit was made").to_string();
        assert_eq!(rev(fx, &fx.ours, "HEAD").as_deref(), Some(id.as_str()));
        assert_eq!(
            rev(fx, &fx.ours, "HEAD~1"),
            ours_before,
            "committed on top of HEAD"
        );
        assert_eq!(
            rev(fx, &fx.ours, "HEAD^{tree}"),
            rev(fx, &oracle, "HEAD^{tree}"),
            "tree differs from git's"
        );
        assert_eq!(rev(fx, &fx.ours, "HEAD~1"), rev(fx, &oracle, "HEAD~1"));
    } else {
        assert_eq!(
            out,
            CommitOutcome {
                commit: None,
                changed: Vec::new()
            }
        );
        assert_eq!(rev(fx, &fx.ours, "HEAD"), ours_before);
    }
    // diff-files trusts the index stat data (no refresh), so this checks what we stored.
    for line in git(&fx.home, &fx.ours, &["diff-files", "--name-only"]).lines() {
        assert!(excluded.contains(&line), "stale index entry for {line:?}");
    }
    let status = |dir: &Path| {
        git(
            &fx.home,
            dir,
            &["status", "--porcelain", "--untracked-files=all"],
        )
    };
    assert_eq!(
        status(&fx.ours),
        status(&oracle),
        "git status differs from git's own result"
    );
    for line in status(&fx.ours).lines() {
        // Only excluded paths remain: untracked, or tracked ones whose worktree change was left out.
        let excluded_line = |e: &&str| line == format!("?? {e}") || line == format!(" M {e}");
        assert!(
            excluded.iter().any(excluded_line),
            "unexpected status line {line:?}"
        );
    }
    git(&fx.home, &fx.ours, &["fsck", "--strict", "--no-progress"]);
    // Everything is committed now.
    let repo = open(&fx.ours);
    assert!(pending_changes(&repo, &exclude).unwrap().is_empty());
    assert_eq!(commit_all(&repo, "again", &exclude).unwrap().commit, None);
    out
}

#[test]
fn new_file() {
    let fx = fixture(true);
    let out = check(&fx, &[], |_, root| write(root, "new.txt", "new\n"));
    assert_eq!(out.changed, vec![BString::from("new.txt")]);
}

#[test]
fn new_file_in_new_nested_directory() {
    check(&fixture(true), &[], |_, root| {
        write(root, "x/y/z.txt", "deep\n")
    });
}

#[test]
fn modified_file() {
    check(&fixture(true), &[], |_, root| {
        write(root, "a.txt", "alpha changed\n")
    });
}

#[test]
fn deleted_files_and_directory() {
    check(&fixture(true), &[], |_, root| {
        fs::remove_file(root.join("b.txt")).unwrap();
        fs::remove_dir_all(root.join("dir/sub")).unwrap();
    });
}

#[test]
fn touched_but_unchanged_files_get_fresh_stat_data() {
    let out = check(&fixture(true), &[], |_, root| {
        let touch = Command::new("touch")
            .args(["-d", "2001-01-01"])
            .arg(root.join("b.txt"))
            .status()
            .unwrap();
        assert!(touch.success());
        write(root, "dir/c.txt", "gamma\n");
        write(root, "new.txt", "new\n");
    });
    assert_eq!(out.changed, vec![BString::from("new.txt")]);
}

#[test]
fn executable_bit_only() {
    check(&fixture(true), &[], |_, root| {
        chmod(root, "script.sh", 0o755)
    });
}

#[test]
fn executable_bit_ignored_with_core_filemode_false() {
    check(&fixture(true), &[], |fx, root| {
        git(&fx.home, root, &["config", "core.fileMode", "false"]);
        write(root, "script.sh", "#!/bin/sh\necho changed\n");
        chmod(root, "script.sh", 0o755);
        write(root, "new.sh", "#!/bin/sh\n");
        chmod(root, "new.sh", 0o755);
    });
}

#[test]
fn symlinks_and_type_changes() {
    check(&fixture(true), &[], |_, root| {
        symlink("a.txt", root.join("link")).unwrap();
        symlink("dir", root.join("dirlink")).unwrap();
        fs::remove_file(root.join("b.txt")).unwrap();
        symlink("missing", root.join("b.txt")).unwrap();
    });
}

#[test]
fn file_and_directory_swap_places() {
    check(&fixture(true), &[], |_, root| {
        fs::remove_file(root.join("a.txt")).unwrap();
        write(root, "a.txt/inner.txt", "now a dir\n");
        fs::remove_dir_all(root.join("dir")).unwrap();
        write(root, "dir", "now a file\n");
    });
}

#[test]
fn already_staged_changes_are_included() {
    check(&fixture(true), &[], |fx, root| {
        write(root, "staged.txt", "staged\n");
        write(root, "a.txt", "alpha staged\n");
        git(&fx.home, root, &["add", "staged.txt", "a.txt"]);
        git(&fx.home, root, &["rm", "-q", "--cached", "b.txt"]);
        write(root, "ita.txt", "intent\n");
        git(&fx.home, root, &["add", "-N", "ita.txt"]);
    });
}

#[test]
fn staged_then_reverted_is_nothing() {
    check(&fixture(true), &[], |fx, root| {
        write(root, "a.txt", "temporary\n");
        git(&fx.home, root, &["add", "a.txt"]);
        write(root, "a.txt", "alpha\n");
    });
}

#[test]
fn agent_commits_stay_and_further_changes_go_on_top() {
    let fx = fixture(true);
    check(&fx, &[], |fx, root| {
        write(root, "agent.txt", "by agent\n");
        git(&fx.home, root, &["add", "agent.txt"]);
        git(&fx.home, root, &["commit", "-q", "-m", "agent commit"]);
        write(root, "a.txt", "after agent commit\n");
    });
    let log = git(&fx.home, &fx.ours, &["log", "--format=%s"]);
    assert_eq!(log, "work\nagent commit\nbase");
}

#[test]
fn agent_commit_without_further_changes_is_nothing() {
    check(&fixture(true), &[], |fx, root| {
        write(root, "agent.txt", "by agent\n");
        git(&fx.home, root, &["add", "agent.txt"]);
        git(&fx.home, root, &["commit", "-q", "-m", "agent commit"]);
    });
}

#[test]
fn ignored_files_are_not_staged() {
    let out = check(&fixture(true), &[], |_, root| {
        write(root, "debug.log", "noise\n");
        write(root, "build/out.bin", "binary\n");
        write(root, "kept.txt", "kept\n");
    });
    assert_eq!(out.changed, vec![BString::from("kept.txt")]);
}

#[test]
fn excluded_paths_are_never_staged() {
    let out = check(
        &fixture(true),
        &["CLAUDE.md", "TASK.md", ".agents/contract.json", "a.txt"],
        |fx, root| {
            write(root, "CLAUDE.md", "instructions\n");
            write(root, "TASK.md", "the task\n");
            write(root, ".agents/contract.json", "{}\n");
            write(root, "real.txt", "real work\n");
            git(&fx.home, root, &["add", "CLAUDE.md"]);
            // A tracked excluded path keeps its HEAD version.
            write(root, "a.txt", "overwritten by git-agents\n");
        },
    );
    assert_eq!(out.changed, vec![BString::from("real.txt")]);
}

#[test]
fn nothing_changed_is_none() {
    let fx = fixture(true);
    let out = check(&fx, &[], |_, _| {});
    assert_eq!(
        out,
        CommitOutcome {
            commit: None,
            changed: Vec::new()
        }
    );
    let repo = open(&fx.ours);
    assert!(pending_changes(&repo, &|_| false).unwrap().is_empty());
}

#[test]
fn only_excluded_changes_is_none() {
    check(&fixture(true), &["CLAUDE.md"], |_, root| {
        write(root, "CLAUDE.md", "x\n")
    });
}

#[test]
fn line_endings_go_through_the_filter_pipeline() {
    check(&fixture(true), &[], |fx, root| {
        git(&fx.home, root, &["config", "core.autocrlf", "true"]);
        write(root, "crlf.txt", "one\r\ntwo\r\n");
        write(root, ".gitattributes", "*.lf text eol=lf\n");
        write(root, "file.lf", "x\r\ny\r\n");
    });
}

#[test]
fn first_commit_on_unborn_branch() {
    let fx = fixture(false);
    check(&fx, &["CLAUDE.md"], |_, root| {
        write(root, "a.txt", "first\n");
        write(root, "CLAUDE.md", "x\n");
    });
    assert_eq!(git(&fx.home, &fx.ours, &["log", "--format=%s"]), "work");
}

#[test]
fn nested_repositories_are_skipped() {
    let fx = fixture(true);
    let nested = fx.ours.join("nested");
    fs::create_dir_all(&nested).unwrap();
    git(&fx.home, &nested, &["init", "-q"]);
    write(&nested, "inner.txt", "inner\n");
    git(&fx.home, &nested, &["add", "-A"]);
    git(&fx.home, &nested, &["commit", "-q", "-m", "inner"]);
    fs::create_dir_all(fx.ours.join("empty-nested")).unwrap();
    git(&fx.home, &fx.ours.join("empty-nested"), &["init", "-q"]);
    write(&fx.ours, "outer.txt", "outer\n");

    let out = commit_all(&open(&fx.ours), "work", &|_| false).unwrap();
    assert_eq!(out.changed, vec![BString::from("outer.txt")]);
    let tree = git(
        &fx.home,
        &fx.ours,
        &["ls-tree", "-r", "--name-only", "HEAD"],
    );
    assert!(!tree.contains("nested"), "{tree}");
    git(&fx.home, &fx.ours, &["fsck", "--strict", "--no-progress"]);
}

#[test]
fn unresolved_conflicts_are_an_error() {
    let fx = fixture(true);
    let (home, root) = (&fx.home, &fx.ours);
    git(home, root, &["checkout", "-q", "-b", "other"]);
    write(root, "a.txt", "other\n");
    git(home, root, &["commit", "-q", "-am", "other"]);
    git(home, root, &["checkout", "-q", "main"]);
    write(root, "a.txt", "main\n");
    git(home, root, &["commit", "-q", "-am", "main"]);
    assert!(!git_output(home, root, &["merge", "-q", "other"])
        .status
        .success());
    let head = rev(&fx, root, "HEAD");

    let repo = open(root);
    let err = commit_all(&repo, "work", &|_| false).unwrap_err();
    assert!(
        format!("{err:#}").contains("unresolved conflicts"),
        "{err:#}"
    );
    assert_eq!(rev(&fx, root, "HEAD"), head);
    assert_eq!(
        pending_changes(&repo, &|_| false).unwrap(),
        vec![BString::from("a.txt")]
    );
}

#[test]
fn linked_worktree() {
    let fx = fixture(true);
    let wt = fx.ours.with_file_name("wt");
    git(
        &fx.home,
        &fx.ours,
        &["worktree", "add", "-q", "-b", "agent", wt.to_str().unwrap()],
    );
    let main_before = rev(&fx, &fx.ours, "refs/heads/main");
    write(&wt, "a.txt", "changed in worktree\n");
    write(&wt, "new/file.txt", "new\n");
    fs::remove_file(wt.join("b.txt")).unwrap();
    chmod(&wt, "script.sh", 0o755);
    write(&wt, "CLAUDE.md", "x\n");

    let repo = open(&wt);
    assert_eq!(repo.kind(), gix::repository::Kind::LinkedWorkTree);
    let exclude = excluder(&["CLAUDE.md"]);
    let out = commit_all(&repo, "agent work", &exclude).unwrap();
    let id = out.commit.unwrap().to_string();
    let changed: Vec<BString> = ["a.txt", "b.txt", "new/file.txt", "script.sh"]
        .map(BString::from)
        .into();
    assert_eq!(out.changed, changed);
    assert_eq!(
        rev(&fx, &fx.ours, "refs/heads/agent").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(rev(&fx, &fx.ours, "refs/heads/agent~1"), main_before);
    assert_eq!(rev(&fx, &fx.ours, "refs/heads/main"), main_before);
    assert_eq!(git(&fx.home, &fx.ours, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&fx.home, &wt, &["status", "--porcelain"]),
        "?? CLAUDE.md"
    );
    assert_eq!(
        git(&fx.home, &wt, &["show", "-s", "--format=%s <%ae>"]),
        "agent work <agents@example.com>"
    );
    assert_eq!(
        git(&fx.home, &wt, &["show", "HEAD:a.txt"]),
        "changed in worktree"
    );
    assert_eq!(
        git(&fx.home, &wt, &["ls-files", "-s", "script.sh"])
            .split(' ')
            .next(),
        Some("100755")
    );
    git(&fx.home, &fx.ours, &["fsck", "--strict", "--no-progress"]);
    assert!(pending_changes(&open(&fx.ours), &|_| false)
        .unwrap()
        .is_empty());
}

#[test]
fn missing_identity_fails_before_touching_the_index() {
    let fx = fixture(true);
    git(&fx.home, &fx.ours, &["config", "--unset", "user.name"]);
    git(&fx.home, &fx.ours, &["config", "--unset", "user.email"]);
    write(&fx.ours, "new.txt", "new\n");
    let index_before = fs::read(fx.ours.join(".git/index")).unwrap();
    let err = commit_all(&open(&fx.ours), "work", &|_| false).unwrap_err();
    assert!(format!("{err:#}").contains("identity"), "{err:#}");
    assert_eq!(fs::read(fx.ours.join(".git/index")).unwrap(), index_before);
}

#[test]
fn empty_message_is_refused() {
    let fx = fixture(true);
    assert!(commit_all(&open(&fx.ours), " \n", &|_| false).is_err());
}
