//! Many branches in one run: the shortcuts that keep each step to its branch's size (merge bases
//! from the start, trees edited from the tip) must give what sequential `git merge` gives.

use super::Op::{self, Delete, Exec, Rename, Write};
use super::{assert_clean, commit_on, copy_repo, merge_json, outcomes, strings, with_tasks};
use crate::common::{stderr, Env};

const BRANCHES: usize = 200;
const SHARED_LINES: usize = 80;

fn shared(s: usize, edits: &[usize]) -> String {
    (0..SHARED_LINES)
        .map(|l| match edits.contains(&l) {
            true => format!("shared {s} line {l}, changed\n"),
            false => format!("shared {s} line {l}\n"),
        })
        .collect()
}

/// The line of a shared file branch `t` edits (even branches only): each its own, two unchanged
/// lines apart from any other branch's, so that every merge of them is clean.
fn shared_edit(t: usize) -> (usize, usize) {
    let k = t / 2;
    (k % 4, 3 * (k / 4) + 1)
}

/// Files of the base commit: shared files, and files some branches delete, rename or make
/// executable.
fn base(env: &Env) {
    for s in 0..4 {
        env.write(&format!("shared/s{s}.txt"), &shared(s, &[]));
    }
    for t in 1..=BRANCHES {
        let name = match t {
            t if t % 10 == 5 => format!("del/f{t}.txt"),
            t if t % 25 == 7 => format!("mv/f{t}.txt"),
            t if t % 40 == 13 => format!("exec/f{t}.txt"),
            _ => continue,
        };
        env.write(&name, &format!("file of branch {t}\nwith a second line\n"));
    }
    env.write("mv/stays.txt", "so that mv/ is never removed whole\n");
    env.commit_all("base");
}

/// One commit per branch `feature/tNNN`, written with `git fast-import`: each adds its own file;
/// even ones edit their own line of a shared file; some delete, rename or chmod a file of the
/// base; some start elsewhere (on the branch before, on the initial commit, at an earlier
/// branch's tip) so that the full merge decides those.
fn branches(env: &Env) {
    let (initial, base) = (env.rev("main~1"), env.rev("main"));
    let mut stream = String::new();
    for t in 1..=BRANCHES {
        let name = format!("feature/t{t:03}");
        if t == 150 {
            stream.push_str(&format!(
                "reset refs/heads/{name}\nfrom refs/heads/feature/t010\n\n"
            ));
            continue;
        }
        let from = match t {
            100 => initial.clone(),
            t if t % 50 == 11 => format!("refs/heads/feature/t{:03}", t - 1),
            _ => base.clone(),
        };
        let msg = format!("branch {t}\n");
        stream.push_str(&format!(
            "commit refs/heads/{name}\ncommitter A <a@example.com> 1767225600 +0000\ndata {}\n{msg}from {from}\n",
            msg.len()
        ));
        let own = format!("own file of {t}\n");
        file(&mut stream, "100644", &format!("own/t{t:03}.txt"), &own);
        if t % 2 == 0 && t != 100 {
            let (s, line) = shared_edit(t);
            file(
                &mut stream,
                "100644",
                &format!("shared/s{s}.txt"),
                &shared(s, &[line]),
            );
        }
        let content = format!("file of branch {t}\nwith a second line\n");
        match t {
            t if t % 10 == 5 => stream.push_str(&format!("D del/f{t}.txt\n")),
            t if t % 25 == 7 => {
                stream.push_str(&format!("D mv/f{t}.txt\n"));
                file(&mut stream, "100644", &format!("moved/f{t}.txt"), &content);
            }
            t if t % 40 == 13 => file(&mut stream, "100755", &format!("exec/f{t}.txt"), &content),
            _ => {}
        }
        stream.push('\n');
    }
    let mut import = env.git_cmd(&env.repo);
    import.args(["fast-import", "--quiet"]);
    crate::common::with_stdin(import, stream.as_bytes());
}

/// A file of a fast-import commit, its content inline.
fn file(stream: &mut String, mode: &str, path: &str, content: &str) {
    stream.push_str(&format!(
        "M {mode} inline {path}\ndata {}\n{content}\n",
        content.len()
    ));
}

/// 200 branches merged by one `git agents merge` give the tree, the history and the very commit
/// of 200 sequential `git merge --no-edit` in a copy, and git finds nothing wrong.
#[test]
fn two_hundred_branches_equal_sequential_git_merges() {
    let env = Env::new();
    base(&env);
    branches(&env);
    let names: Vec<String> = (1..=BRANCHES).map(|t| format!("feature/t{t:03}")).collect();

    let replay = copy_repo(&env, "replay");
    for name in &names {
        env.git_in(&replay, &["merge", "-q", "--no-edit", name]);
    }
    let git = |dir: &std::path::Path, args: &[&str]| env.git_in(dir, args).trim().to_owned();

    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let (code, report) = merge_json(&env, &args);
    assert_eq!(code, 0, "{report:#}");
    let kinds = outcomes(&report);
    let count = |kind: &str| kinds.iter().filter(|(_, o)| o == kind).count();
    assert_eq!(
        (
            count("fast-forward"),
            count("already-merged"),
            count("merge")
        ),
        (1, 1, BRANCHES - 2),
        "{kinds:?}"
    );
    assert_eq!(
        env.rev("main^{tree}"),
        git(&replay, &["rev-parse", "main^{tree}"]),
        "the merged tree differs from git's"
    );
    let first_parent = ["rev-list", "--count", "--first-parent", "main"];
    for chain in [&["rev-list", "--count", "main"][..], &first_parent] {
        assert_eq!(git(&env.repo, chain), git(&replay, chain), "{chain:?}");
    }
    assert_eq!(
        env.rev("main"),
        git(&replay, &["rev-parse", "main"]),
        "the merge commits differ from git's"
    );
    assert_clean(&env, &env.repo);
    let fsck = env
        .git_cmd(&env.repo)
        .args(["fsck", "--strict", "--no-progress"])
        .output()
        .unwrap();
    assert!(
        fsck.status.success() && fsck.stdout.is_empty(),
        "{}{}",
        String::from_utf8_lossy(&fsck.stdout),
        stderr(&fsck)
    );
}

const LINES: &[u8] = b"1\n2\n3\n4\n5\n6\n7\n8\n9\n";

/// Where a second branch meets what the first one did (renamed directories and files, deleted
/// files, files and directories at one path, edits of one file): the second merge of the run
/// ends as `git merge-tree` decides it: clean with git's tree, or in conflict at git's paths.
#[test]
fn a_second_branch_meeting_the_first_merges_as_git_does() {
    type Case<'a> = (&'a str, &'a [Op<'a>], &'a [Op<'a>]);
    let cases: &[Case] = &[
        (
            "dir renamed, file added in it",
            &[Rename("d/a.txt", "e/a.txt"), Rename("d/b.txt", "e/b.txt")],
            &[Write("d/new.txt", b"new\n")],
        ),
        (
            "their dir renamed, ours added in it",
            &[Write("d/new.txt", b"new\n")],
            &[Rename("d/a.txt", "e/a.txt"), Rename("d/b.txt", "e/b.txt")],
        ),
        (
            "file renamed, then modified",
            &[Rename("d/a.txt", "d/moved.txt")],
            &[Write("d/a.txt", b"1\n2\n3\n4\n5\n6\n7\n8\nnine\n")],
        ),
        (
            "file modified, then renamed",
            &[Write("d/a.txt", b"one\n2\n3\n4\n5\n6\n7\n8\n9\n")],
            &[Rename("d/a.txt", "d/moved.txt")],
        ),
        (
            "file deleted, then modified",
            &[Delete("top.txt")],
            &[Write("top.txt", b"changed\n")],
        ),
        (
            "file added, then a directory there",
            &[Write("x", b"x\n")],
            &[Write("x/y.txt", b"y\n")],
        ),
        (
            "directory added, then a file there",
            &[Write("x/y.txt", b"y\n")],
            &[Write("x", b"x\n")],
        ),
        (
            "same file, other lines",
            &[Write("d/a.txt", b"one\n2\n3\n4\n5\n6\n7\n8\n9\n")],
            &[Write("d/a.txt", b"1\n2\n3\n4\n5\n6\n7\n8\nnine\n")],
        ),
        (
            "same file, same line",
            &[Write("d/a.txt", b"one\n2\n3\n4\n5\n6\n7\n8\n9\n")],
            &[Write("d/a.txt", b"uno\n2\n3\n4\n5\n6\n7\n8\n9\n")],
        ),
        (
            "made executable, then modified",
            &[Exec("d/a.txt")],
            &[Write("d/a.txt", b"1\n2\n3\n4\n5\n6\n7\n8\nnine\n")],
        ),
        (
            "directory emptied by the second",
            &[Write("d/c.txt", b"c\n")],
            &[Delete("d/a.txt"), Delete("d/b.txt")],
        ),
        (
            "last file of a directory deleted",
            &[Delete("d/a.txt")],
            &[Delete("d/b.txt")],
        ),
    ];
    for (name, first, second) in cases {
        let env = with_tasks(&["a", "b"]);
        super::apply(
            &env.repo,
            &[
                Write("d/a.txt", LINES),
                Write("d/b.txt", b"b\n"),
                Write("top.txt", b"top\n"),
            ],
        );
        env.commit_all("base");
        env.git(&["branch", "-f", "feature/a"]);
        env.git(&["branch", "-f", "feature/b"]);
        commit_on(&env, "feature/a", first, "a");
        commit_on(&env, "feature/b", second, "b");

        let git = super::git_merge_tree(&env, "feature/a", "feature/b");
        let (code, report) = merge_json(&env, &["feature/a", "feature/b"]);
        let second = &report["branches"][1];
        match second["outcome"].as_str() {
            // git may still call it a conflict when it only moved a file (`file location`).
            Some("merge") => {
                assert_eq!(code, 0, "{name}: {report:#}");
                assert_eq!(
                    env.rev("main^{tree}"),
                    git.tree,
                    "{name}: the tree differs from git's"
                );
            }
            Some("conflict") => {
                assert_eq!(code, 1, "{name}: {report:#}");
                // main is feature/a now: git names our side as we do.
                let git = super::git_merge_tree(&env, "main", "feature/b");
                assert_eq!(
                    strings(&second["conflicts"]),
                    git.conflicts,
                    "{name}: conflicting paths"
                );
            }
            other => panic!("{name}: {other:?} {report:#}"),
        }
    }
}
