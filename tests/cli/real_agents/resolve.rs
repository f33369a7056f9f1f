//! Claude Code resolving a merge conflict: `git agents merge --resolve --agent claude` against
//! the fake model API, which reads the conflicted file the prompt names and writes it back with
//! both sides kept.

use std::time::Instant;

use super::{agent_dir, claude_vars, real_agents_cmd, start_api};
use crate::common::{stderr, stdout, Env};
use crate::fake_api::Step;

#[test]
fn claude_code_resolves_a_conflict_that_merge_then_commits() {
    let Some(dir) = agent_dir("claude") else {
        return;
    };
    let started = Instant::now();
    let env = Env::new();
    env.write("f.txt", "base\n");
    env.task("a", "# a\n");
    env.task("b", "# b\n");
    env.commit_all("tasks and f.txt");
    for (task, line) in [("a", "from a\n"), ("b", "from b\n")] {
        env.git(&["switch", "-q", "-c", &format!("feature/{task}"), "main"]);
        env.write("f.txt", line);
        env.commit_all(task);
    }
    env.git(&["switch", "-q", "main"]);
    let api = start_api("claude-resolve");
    let vars = claude_vars(api.base_url(), Some("test-key"));
    let out = real_agents_cmd(&env, &dir, &vars)
        .args(["merge", "--resolve", "--agent", "claude", "--json"])
        .output()
        .unwrap();
    let why = format!(
        "--- stdout\n{}--- stderr\n{}--- fake API\n{}",
        stdout(&out),
        stderr(&out),
        api.summary()
    );
    assert_eq!(out.status.code(), Some(0), "{why}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["branches"][1]["outcome"], "resolved", "{why}");
    let read_write = matches!(
        api.steps().as_slice(),
        [Step::Read(read), Step::Write { path, .. }, Step::Finish(_)]
            if read == "f.txt" && path == "f.txt"
    );
    assert!(read_write, "read f.txt, write it, finish: {why}");
    assert_eq!(
        env.git(&["show", "main:f.txt"]),
        "from a\nfrom b\n",
        "{why}"
    );
    assert_eq!(
        env.git(&["log", "-1", "--format=%s%n%P", "main"]),
        format!(
            "Merge branch 'feature/b'\n{} {}\n",
            env.rev("feature/a"),
            env.rev("feature/b")
        )
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    eprintln!("claude resolve end to end: {:?}", started.elapsed());
}
