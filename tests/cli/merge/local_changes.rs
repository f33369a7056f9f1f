//! git's rules for local changes in a checked-out target, with git as the judge: each case is
//! merged by `git agents merge` in the repository and by `git merge` in a copy of it, both as a
//! fast-forward and as a merge commit. Both refuse or both merge; when they merge, `git status`,
//! `git ls-files -v -s`, the files and the tree are the same; when ours refuses, nothing changed.
//! `--dry-run` exits as the merge does.

use super::*;

/// A local change made before merging `side`, which changes `a.txt` (and only that).
#[derive(Clone, Copy, Debug)]
enum Local {
    /// Edit a file the merge does not change.
    EditUntouched,
    /// Edit the file the merge changes.
    EditTouched,
    /// Delete the file the merge changes.
    DeleteTouched,
    /// Stage an edit of a file the merge does not change.
    StageUntouched,
    /// Stage exactly what the merge brings.
    StageWhatMergeBrings,
    /// Mark the file the merge changes assume-unchanged, then edit it.
    AssumeUnchangedTouched,
    /// Mark a file the merge does not change assume-unchanged, then edit it.
    AssumeUnchangedUntouched,
    /// Mark the file the merge changes skip-worktree, then edit it.
    SkipWorktreeTouched,
    /// Mark the file the merge changes skip-worktree, then delete it.
    SkipWorktreeTouchedAbsent,
    /// Mark a file the merge does not change skip-worktree, then edit it.
    SkipWorktreeUntouched,
}

/// main with a.txt and b.txt; `side` changes a.txt. With `merge_commit`, main moves on (c.txt)
/// so that merging side makes a merge commit; else it is a fast-forward.
fn repository(merge_commit: bool) -> Env {
    let env = Env::new();
    env.write("a.txt", "a\n");
    env.write("b.txt", "b\n");
    env.commit_all("base");
    env.git(&["branch", "side"]);
    commit_on(
        &env,
        "side",
        &[Op::Write("a.txt", b"a from side\n")],
        "side",
    );
    if merge_commit {
        env.write("c.txt", "c\n");
        env.commit_all("main moves on");
    }
    env
}

fn make(env: &Env, local: Local) {
    use Local::*;
    let flag = |flag: &str, path: &str| env.git(&["update-index", flag, path]);
    match local {
        EditUntouched => env.write("b.txt", "edited\n"),
        EditTouched => env.write("a.txt", "edited\n"),
        DeleteTouched => std::fs::remove_file(env.repo.join("a.txt")).unwrap(),
        StageUntouched => {
            env.write("b.txt", "staged\n");
            env.git(&["add", "b.txt"]);
        }
        StageWhatMergeBrings => {
            env.write("a.txt", "a from side\n");
            env.git(&["add", "a.txt"]);
        }
        AssumeUnchangedTouched => {
            flag("--assume-unchanged", "a.txt");
            env.write("a.txt", "edited\n");
        }
        AssumeUnchangedUntouched => {
            flag("--assume-unchanged", "b.txt");
            env.write("b.txt", "edited\n");
        }
        SkipWorktreeTouched => {
            flag("--skip-worktree", "a.txt");
            env.write("a.txt", "edited\n");
        }
        SkipWorktreeTouchedAbsent => {
            flag("--skip-worktree", "a.txt");
            std::fs::remove_file(env.repo.join("a.txt")).unwrap();
        }
        SkipWorktreeUntouched => {
            flag("--skip-worktree", "b.txt");
            env.write("b.txt", "edited\n");
        }
    }
}

/// What a worktree looks like to git after a merge.
fn state(env: &Env, dir: &Path) -> (String, String, String, BTreeMap<PathBuf, Vec<u8>>) {
    let mut files = BTreeMap::new();
    collect_files(dir, dir, &mut files);
    (
        env.git_in(dir, &["status", "--porcelain", "--untracked-files=all"]),
        env.git_in(dir, &["ls-files", "-v", "-s"]),
        env.git_in(dir, &["rev-parse", "HEAD^{tree}"]),
        files,
    )
}

/// Run the case both ways; returns whether git merged.
fn judge(local: Local, merge_commit: bool) -> bool {
    let case = format!("{local:?}, merge commit: {merge_commit}");
    let env = repository(merge_commit);
    make(&env, local);
    let theirs = copy_repo(&env, "with-git");
    let git = env
        .git_cmd(&theirs)
        .args(["merge", "--no-edit", "side"])
        .output()
        .unwrap();
    let before = snapshot(&env);
    let dry = env
        .cmd()
        .args(["merge", "--dry-run", "side"])
        .output()
        .unwrap();
    assert_eq!(snapshot(&env), before, "{case}: a dry run writes nothing");
    let out = env.cmd().args(["merge", "side"]).output().unwrap();
    let (code, err) = (out.status.code(), stderr(&out));
    assert_eq!(
        dry.status.code(),
        code,
        "{case}: dry run vs merge\n{}",
        stderr(&dry)
    );
    if git.status.success() {
        assert_eq!(code, Some(0), "{case}: git merged, we refused:\n{err}");
        assert_eq!(state(&env, &env.repo), state(&env, &theirs), "{case}");
    } else {
        assert_eq!(
            code,
            Some(2),
            "{case}: git refused ({}), we did not",
            stderr(&git)
        );
        assert!(
            err.contains("has local changes the merge would overwrite: "),
            "{case}: {err}"
        );
        assert_eq!(snapshot(&env), before, "{case}: a refusal changes nothing");
        assert!(
            stderr(&git).contains("would be overwritten by merge"),
            "{case}: {}",
            stderr(&git)
        );
    }
    git.status.success()
}

#[test]
fn changes_the_merge_does_not_touch_stay_and_do_not_block() {
    for merge_commit in [false, true] {
        assert!(judge(Local::EditUntouched, merge_commit));
        assert!(judge(Local::AssumeUnchangedUntouched, merge_commit));
        assert!(judge(Local::SkipWorktreeUntouched, merge_commit));
        assert!(judge(Local::DeleteTouched, merge_commit), "nothing to lose");
    }
    assert!(
        judge(Local::StageUntouched, false),
        "a fast-forward keeps staged changes elsewhere"
    );
    assert!(judge(Local::StageWhatMergeBrings, false));
    assert!(
        judge(Local::SkipWorktreeTouchedAbsent, false)
            && judge(Local::SkipWorktreeTouchedAbsent, true),
        "git writes the file and keeps the flag"
    );
}

#[test]
fn changes_the_merge_would_overwrite_refuse_as_git_does() {
    for merge_commit in [false, true] {
        assert!(!judge(Local::EditTouched, merge_commit));
        assert!(!judge(Local::AssumeUnchangedTouched, merge_commit));
        assert!(!judge(Local::SkipWorktreeTouched, merge_commit));
    }
    assert!(
        !judge(Local::StageUntouched, true),
        "a merge commit needs an index without staged changes"
    );
}
