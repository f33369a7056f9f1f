//! git as the oracle: for each constructed case the tree we land equals `git merge-tree
//! --write-tree`, conflicting paths equal git's, a sequence equals git's sequential `git merge`
//! commit for commit, and the checked-out worktree ends up clean.

use super::*;
use Op::*;

const LINES: &[u8] = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";
const LINES_TOP: &[u8] = b"ONE\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";
const LINES_BOTTOM: &[u8] = b"one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nTEN\n";
const LINES_TOP_OTHER: &[u8] = b"uno\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n";

// Where the diff algorithm decides the outcome: git's ort diffs with histogram, and a Myers diff
// merges the first pair with a conflict and the second cleanly, the other way round from git.
const PARSE_BASE: &[u8] =
    b"int parse(void)\n{\n\tif (x)\n\t\treturn 0;\n\treturn 1;\n}\n\nint legacy(void)\n{\n\treturn 1;\n}\n";
/// A new function on top, the last one dropped.
const PARSE_OURS: &[u8] =
    b"int init(void)\n{\n\treturn 0;\n}\n\nint parse(void)\n{\n\tif (x)\n\t\treturn 0;\n\treturn 1;\n}\n";
/// One return value changed.
const PARSE_THEIRS: &[u8] =
    b"int parse(void)\n{\n\tif (x)\n\t\treturn 0;\n\treturn 2;\n}\n\nint legacy(void)\n{\n\treturn 1;\n}\n";
const COUNT_BASE: &[u8] = b"int one(void)\n{\n\tcount++;\n\treturn 0;\n}\n\n\
int two(void)\n{\n\tcount++;\n\treturn 0;\n}\n\nint three(void)\n{\n\treturn 0;\n}\n\n";
/// A new function on top, the last one dropped.
const COUNT_OURS: &[u8] = b"int zero(void)\n{\n\tcount++;\n\treturn 0;\n}\n\n\
int one(void)\n{\n\tcount++;\n\treturn 0;\n}\n\nint two(void)\n{\n\tcount++;\n\treturn 0;\n}\n\n";
/// A new function at the end.
const COUNT_THEIRS: &[u8] = b"int one(void)\n{\n\tcount++;\n\treturn 0;\n}\n\n\
int two(void)\n{\n\tcount++;\n\treturn 0;\n}\n\nint three(void)\n{\n\treturn 0;\n}\n\n\
int four(void)\n{\n\tcount++;\n\treturn 0;\n}\n\n";

struct Case {
    name: &'static str,
    base: &'static [Op<'static>],
    ours: &'static [Op<'static>],
    theirs: &'static [Op<'static>],
}

const CASES: &[Case] = &[
    Case {
        name: "clean edits in different files",
        base: &[Write("a.txt", LINES), Write("b.txt", LINES)],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Write("b.txt", LINES_BOTTOM)],
    },
    Case {
        name: "clean edits in one file",
        base: &[Write("a.txt", LINES)],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Write("a.txt", LINES_BOTTOM)],
    },
    Case {
        name: "adds",
        base: &[Write("a.txt", LINES)],
        ours: &[Write("ours/new.txt", b"ours\n")],
        theirs: &[
            Write("theirs/deep/new.txt", b"theirs\n"),
            Write("top.txt", b"top\n"),
        ],
    },
    Case {
        name: "deletes",
        base: &[
            Write("a.txt", LINES),
            Write("dir/b.txt", LINES),
            Write("dir/c.txt", b"c\n"),
        ],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Delete("dir/b.txt"), Delete("dir/c.txt")],
    },
    Case {
        name: "rename",
        base: &[Write("a.txt", LINES), Write("old/name.txt", LINES)],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Rename("old/name.txt", "new/place.txt")],
    },
    Case {
        name: "rename + modify",
        base: &[Write("name.txt", LINES)],
        ours: &[Write("name.txt", LINES_TOP)],
        theirs: &[
            Rename("name.txt", "renamed.txt"),
            Write("renamed.txt", LINES_BOTTOM),
        ],
    },
    Case {
        name: "mode change",
        base: &[
            Write("run.sh", b"#!/bin/sh\necho hi\n"),
            Write("a.txt", LINES),
        ],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Exec("run.sh")],
    },
    Case {
        name: "directory becomes a file, file becomes a symlink",
        base: &[
            Write("a.txt", LINES),
            Write("dir/inner.txt", b"inner\n"),
            Write("link", b"file\n"),
        ],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[
            Delete("dir/inner.txt"),
            Write("dir", b"now a file\n"),
            Delete("link"),
            Symlink("link", "a.txt"),
        ],
    },
    Case {
        name: "delete/modify conflict",
        base: &[Write("a.txt", LINES)],
        ours: &[Write("a.txt", LINES_TOP)],
        theirs: &[Delete("a.txt")],
    },
    Case {
        name: "content conflict",
        base: &[Write("a.txt", LINES), Write("b.txt", LINES)],
        ours: &[Write("a.txt", LINES_TOP), Write("b.txt", LINES_BOTTOM)],
        theirs: &[Write("a.txt", LINES_TOP_OTHER)],
    },
    Case {
        name: "binary conflict",
        base: &[Write("blob.bin", b"\0\x01\x02base")],
        ours: &[Write("blob.bin", b"\0\x01\x02ours")],
        theirs: &[Write("blob.bin", b"\0\x01\x02theirs")],
    },
    Case {
        name: "file/directory conflict",
        base: &[Write("a.txt", LINES), Write("thing", b"file\n")],
        ours: &[Write("thing", b"changed file\n")],
        theirs: &[
            Delete("thing"),
            Write("thing/inside.txt", b"now a directory\n"),
        ],
    },
    Case {
        name: "add/add conflict",
        base: &[Write("a.txt", LINES)],
        ours: &[Write("new.txt", b"ours\n")],
        theirs: &[Write("new.txt", b"theirs\n")],
    },
    Case {
        name: "histogram diff: clean where Myers conflicts",
        base: &[Write("parse.c", PARSE_BASE)],
        ours: &[Write("parse.c", PARSE_OURS)],
        theirs: &[Write("parse.c", PARSE_THEIRS)],
    },
    Case {
        name: "histogram diff: conflict where Myers is clean",
        base: &[Write("count.c", COUNT_BASE)],
        ours: &[Write("count.c", COUNT_OURS)],
        theirs: &[Write("count.c", COUNT_THEIRS)],
    },
];

/// Build `case` on a fresh repository: base on main, then `theirs` on feature/x and `ours` on main.
fn build(case: &Case) -> Env {
    let env = with_tasks(&["x"]);
    apply(&env.repo, case.base);
    env.commit_all("base");
    env.git(&["branch", "-f", "feature/x"]);
    commit_on(&env, "feature/x", case.theirs, "theirs");
    apply(&env.repo, case.ours);
    env.commit_all("ours");
    env
}

#[test]
fn each_case_matches_git_merge_tree() {
    for case in CASES {
        let env = build(case);
        let before = env.rev("main");
        let expected = git_merge_tree(&env, "main", "feature/x");

        let (code, dry) = merge_json(&env, &["--dry-run"]);
        let dry_conflicts = strings(&dry["branches"][0]["conflicts"]);
        assert_eq!(
            dry_conflicts, expected.conflicts,
            "{}: dry-run conflicting paths",
            case.name
        );
        assert_eq!(
            code,
            if expected.conflicts.is_empty() { 0 } else { 1 },
            "{}",
            case.name
        );

        let (code, report) = merge_json(&env, &[]);
        assert_clean(&env, &env.repo);
        if expected.conflicts.is_empty() {
            assert_eq!(code, 0, "{}: {report:#}", case.name);
            assert_eq!(
                outcomes(&report),
                [("feature/x".into(), "merge".into())],
                "{}",
                case.name
            );
            assert_eq!(
                env.rev("main^{tree}"),
                expected.tree,
                "{}: merged tree differs from git's",
                case.name
            );
            assert_eq!(env.rev("main^1"), before, "{}", case.name);
            assert_eq!(env.rev("main^2"), env.rev("feature/x"), "{}", case.name);
        } else {
            assert_eq!(code, 1, "{}: {report:#}", case.name);
            assert_eq!(
                strings(&report["branches"][0]["conflicts"]),
                expected.conflicts,
                "{}",
                case.name
            );
            assert_eq!(
                env.rev("main"),
                before,
                "{}: a conflict must not move main",
                case.name
            );
        }
    }
}

/// Criss-cross histories (two merge bases). The bases' own merge may conflict; git keeps that
/// conflict in the virtual base, so sides that resolved it differently still conflict (where
/// gix's `merge_commits` would silently pick one), and identical resolutions merge cleanly.
#[test]
fn criss_cross_history_with_two_merge_bases_matches_git() {
    const TOP_AND_BOTTOM: &[u8] = b"ONE\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nTEN\n";
    struct Variant {
        name: &'static str,
        m1: &'static [u8],
        x1: &'static [u8],
        /// How each side resolves a conflicting cross-merge (None: keep git's clean result).
        resolutions: Option<(&'static [u8], &'static [u8])>,
        x3: &'static [Op<'static>],
        conflicts: bool,
    }
    let variants = [
        Variant {
            name: "clean bases",
            m1: LINES_TOP,
            x1: LINES_BOTTOM,
            resolutions: None,
            x3: &[Write("c.txt", LINES_BOTTOM)],
            conflicts: false,
        },
        Variant {
            name: "bases conflict, sides resolve differently",
            m1: LINES_TOP,
            x1: LINES_TOP_OTHER,
            resolutions: Some((LINES_TOP, LINES_TOP_OTHER)),
            x3: &[Write("c.txt", LINES_BOTTOM)],
            conflicts: true,
        },
        Variant {
            name: "bases conflict, sides resolve alike, then edit near the markers",
            m1: LINES_TOP,
            x1: LINES_TOP_OTHER,
            resolutions: Some((LINES_TOP, LINES_TOP)),
            x3: &[Write("a.txt", TOP_AND_BOTTOM)],
            conflicts: false,
        },
    ];
    for v in &variants {
        let env = with_tasks(&["x"]);
        apply(
            &env.repo,
            &[
                Write("a.txt", LINES),
                Write("b.txt", LINES),
                Write("c.txt", LINES),
            ],
        );
        env.commit_all("base");
        env.git(&["branch", "-f", "feature/x"]);
        commit_on(&env, "feature/x", &[Write("a.txt", v.x1)], "x1");
        apply(&env.repo, &[Write("a.txt", v.m1)]);
        env.commit_all("m1");
        let m1 = env.rev("main");
        let x1 = env.rev("feature/x");
        for (branch, other, side) in [("main", &x1, 0), ("feature/x", &m1, 1)] {
            env.git(&["switch", "-q", branch]);
            let _ = env
                .git_cmd(&env.repo)
                .args(["merge", "-q", "--no-commit", other])
                .output()
                .unwrap();
            if let Some((ours, theirs)) = v.resolutions {
                apply(
                    &env.repo,
                    &[Write("a.txt", if side == 0 { ours } else { theirs })],
                );
            }
            env.git(&["add", "-A"]);
            env.git(&["commit", "-q", "--no-edit"]);
        }
        env.git(&["switch", "-q", "main"]);
        commit_on(&env, "feature/x", v.x3, "x3");
        apply(&env.repo, &[Write("b.txt", LINES_TOP)]);
        env.commit_all("m3");
        let bases = env.git(&["merge-base", "--all", "main", "feature/x"]);
        assert_eq!(
            bases.lines().count(),
            2,
            "{}: must have two merge bases",
            v.name
        );

        let expected = git_merge_tree(&env, "main", "feature/x");
        assert_eq!(
            !expected.conflicts.is_empty(),
            v.conflicts,
            "{}: git disagrees with the fixture",
            v.name
        );
        let (code, report) = merge_json(&env, &[]);
        assert_eq!(
            strings(&report["branches"][0]["conflicts"]),
            expected.conflicts,
            "{}",
            v.name
        );
        if v.conflicts {
            assert_eq!(code, 1, "{}: {report:#}", v.name);
        } else {
            assert_eq!(code, 0, "{}: {report:#}", v.name);
            assert_eq!(env.rev("main^{tree}"), expected.tree, "{}", v.name);
        }
        assert_clean(&env, &env.repo);
    }
}

/// Four branches (fast-forward, merges, a rename), replayed with `git merge --no-edit` in a copy:
/// every commit, and so the final tip, is identical.
#[test]
fn a_sequence_equals_git_sequential_merges_commit_for_commit() {
    let env = with_tasks(&["a", "b", "c", "d"]);
    apply(
        &env.repo,
        &[Write("shared.txt", LINES), Write("mv/me.txt", LINES)],
    );
    env.commit_all("base");
    for t in ["a", "b", "c", "d"] {
        env.git(&["branch", "-f", &format!("feature/{t}")]);
    }
    commit_on(&env, "feature/a", &[Write("a/new.txt", b"a\n")], "a");
    commit_on(&env, "feature/b", &[Write("shared.txt", LINES_TOP)], "b");
    commit_on(
        &env,
        "feature/c",
        &[Write("shared.txt", LINES_BOTTOM), Exec("shared.txt")],
        "c",
    );
    commit_on(
        &env,
        "feature/d",
        &[Rename("mv/me.txt", "moved/me.txt"), Write("d.txt", b"d\n")],
        "d",
    );

    let replay = copy_repo(&env, "replay");
    for t in ["a", "b", "c", "d"] {
        env.git_in(
            &replay,
            &["merge", "-q", "--no-edit", &format!("feature/{t}")],
        );
    }
    let expected = env.git_in(&replay, &["rev-parse", "main"]);

    let (code, report) = merge_json(&env, &[]);
    assert_eq!(code, 0, "{report:#}");
    let kinds: Vec<String> = outcomes(&report).into_iter().map(|(_, o)| o).collect();
    assert_eq!(kinds, ["fast-forward", "merge", "merge", "merge"]);
    assert_eq!(
        env.rev("main"),
        expected.trim(),
        "the merge commits differ from git's"
    );
    assert_clean(&env, &env.repo);
    assert!(env.repo.join("moved/me.txt").exists() && !env.repo.join("mv").exists());
    let fsck = env
        .git_cmd(&env.repo)
        .args(["fsck", "--strict"])
        .output()
        .unwrap();
    assert!(fsck.status.success(), "{}", stderr(&fsck));
}

/// `--no-ff` and a target other than main/master: git's message says "into <target>".
#[test]
fn no_ff_and_into_match_git() {
    let env = with_tasks(&["a"]);
    env.git(&["branch", "release"]);
    commit_on(&env, "feature/a", &[Write("a.txt", b"a\n")], "a");

    let replay = copy_repo(&env, "replay");
    env.git_in(&replay, &["switch", "-q", "release"]);
    env.git_in(
        &replay,
        &["merge", "-q", "--no-ff", "--no-edit", "feature/a"],
    );
    let expected = env.git_in(&replay, &["rev-parse", "release"]);

    let (code, report) = merge_json(&env, &["a", "--into", "release", "--no-ff"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.rev("release"), expected.trim());
    assert_eq!(
        env.git(&["log", "-1", "--format=%s", "release"]).trim(),
        "Merge branch 'feature/a' into release"
    );
}

/// The two histogram cases pin the diff algorithm only as long as git decides them this way.
#[test]
fn git_decides_the_histogram_cases_as_expected() {
    for (name, conflicts) in [
        ("histogram diff: clean where Myers conflicts", false),
        ("histogram diff: conflict where Myers is clean", true),
    ] {
        let case = CASES.iter().find(|c| c.name == name).unwrap();
        let env = build(case);
        let expected = git_merge_tree(&env, "main", "feature/x");
        assert_eq!(!expected.conflicts.is_empty(), conflicts, "{name}");
    }
}

/// ort diffs with histogram whatever `diff.algorithm` says (git merge-tree never reads it).
#[test]
fn diff_algorithm_config_does_not_change_a_merge() {
    let case = CASES
        .iter()
        .find(|c| c.name == "histogram diff: clean where Myers conflicts")
        .unwrap();
    let env = build(case);
    env.git(&["config", "diff.algorithm", "myers"]);
    let expected = git_merge_tree(&env, "main", "feature/x");
    assert!(expected.conflicts.is_empty());
    let (code, report) = merge_json(&env, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.rev("main^{tree}"), expected.tree);
}

/// Criss-cross where one merge base modified a file and the other deleted it: git keeps the older
/// version in the virtual base, so one side deleting and the other keeping the modification is a
/// modify/delete conflict (seen replaying git.git's history, where git agents merged cleanly).
#[test]
fn criss_cross_modify_delete_between_the_bases_matches_git() {
    for main_keeps in [false, true] {
        let env = with_tasks(&["x"]);
        apply(&env.repo, &[Write("f.txt", LINES), Write("g.txt", LINES)]);
        env.commit_all("base");
        env.git(&["branch", "-f", "feature/x"]);
        commit_on(&env, "feature/x", &[Write("f.txt", LINES_TOP)], "x1");
        apply(&env.repo, &[Delete("f.txt")]);
        env.commit_all("m1");
        let m1 = env.rev("main");
        let x1 = env.rev("feature/x");
        for (branch, other, keep) in [("main", &x1, main_keeps), ("feature/x", &m1, !main_keeps)] {
            env.git(&["switch", "-q", branch]);
            let _ = env
                .git_cmd(&env.repo)
                .args(["merge", "-q", "--no-commit", other])
                .output()
                .unwrap();
            if !keep {
                apply(&env.repo, &[Delete("f.txt")]);
            }
            env.git(&["add", "-A"]);
            env.git(&["commit", "-q", "--no-edit"]);
        }
        env.git(&["switch", "-q", "main"]);
        commit_on(&env, "feature/x", &[Write("g.txt", LINES_BOTTOM)], "x3");
        let bases = env.git(&["merge-base", "--all", "main", "feature/x"]);
        assert_eq!(bases.lines().count(), 2, "must have two merge bases");

        let expected = git_merge_tree(&env, "main", "feature/x");
        assert_eq!(
            expected.conflicts,
            ["f.txt"],
            "git disagrees with the fixture"
        );
        let (code, report) = merge_json(&env, &[]);
        assert_eq!(code, 1, "main keeps f.txt: {main_keeps}: {report:#}");
        assert_eq!(
            strings(&report["branches"][0]["conflicts"]),
            expected.conflicts
        );
        assert_clean(&env, &env.repo);
    }
}

/// Three merge bases, with a commit-graph whose generation order is not their date order: git
/// merges the bases oldest first by date, and so must git agents (in gix's generation order the
/// virtual base differs and this merge conflicts). Found replaying git.git's history.
#[test]
fn three_merge_bases_are_merged_in_git_date_order() {
    fn lines(words: &str) -> Vec<u8> {
        words
            .split(' ')
            .flat_map(|w| [w, "\n"])
            .collect::<String>()
            .into_bytes()
    }
    fn commit_at(env: &Env, message: &str, date: &str) {
        env.git(&["add", "-A"]);
        let out = env
            .git_cmd(&env.repo)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    fn merge_as(env: &Env, other: &str, f: &str, date: &str) {
        let _ = env
            .git_cmd(&env.repo)
            .args(["merge", "-q", "--no-commit", other])
            .output()
            .unwrap();
        apply(&env.repo, &[Write("f.txt", &lines(f))]);
        commit_at(env, &format!("merge {other}"), date);
    }
    let env = with_tasks(&["x"]);
    apply(&env.repo, &[Write("f.txt", &lines("b y b y"))]);
    commit_at(&env, "root", "2000-01-01T00:00:00Z");
    // Generations 3, 1, 2; dates oldest, newest, middle.
    for (name, f, commits, year) in [
        ("X", "b y b y y", 3, 2001),
        ("Y", "b y c y a", 1, 2005),
        ("Z", "b y x y", 2, 2003),
    ] {
        env.git(&["switch", "-q", "-c", &format!("base/{name}"), "main"]);
        apply(&env.repo, &[Write("f.txt", &lines(f))]);
        for k in 0..commits {
            let pad = format!("pad{name}");
            apply(&env.repo, &[Write(&pad, k.to_string().as_bytes())]);
            commit_at(
                &env,
                &format!("{name}{k}"),
                &format!("{year}-01-0{}T00:00:00Z", k + 1),
            );
        }
    }
    env.git(&["switch", "-q", "main"]);
    env.git(&["merge", "-q", "--ff-only", "base/X"]);
    merge_as(&env, "base/Y", "b y y", "2006-01-01T00:00:00Z");
    merge_as(&env, "base/Z", "b y a b y", "2006-01-01T00:00:00Z");
    env.git(&["switch", "-q", "feature/x"]);
    env.git(&["reset", "-q", "--hard", "base/Z"]);
    merge_as(&env, "base/Y", "b y b y c", "2006-01-02T00:00:00Z");
    merge_as(&env, "base/X", "b y b a", "2006-01-02T00:00:00Z");
    apply(&env.repo, &[Write("f.txt", &lines("b y a"))]);
    commit_at(&env, "tip", "2007-01-02T00:00:00Z");
    env.git(&["switch", "-q", "main"]);
    env.git(&["commit-graph", "write", "--reachable"]);
    let bases = env.git(&["merge-base", "--all", "main", "feature/x"]);
    assert_eq!(bases.lines().count(), 3, "must have three merge bases");

    let expected = git_merge_tree(&env, "main", "feature/x");
    assert!(
        expected.conflicts.is_empty(),
        "git disagrees with the fixture"
    );
    let (code, report) = merge_json(&env, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(env.rev("main^{tree}"), expected.tree);
    assert_clean(&env, &env.repo);
}
