//! A pull request's title and body: the task file, the contract check, the files changed
//! (a diffstat against the merge base) and what the agent spent.

use std::fmt::Write as _;

use anyhow::Result;
use gix::bstr::ByteSlice;
use gix::diff::blob::{diff_with_slider_heuristics, Algorithm, InternedInput};
use gix::object::tree::diff::ChangeDetached as Change;
use gix::ObjectId;

use super::select::Ready;

/// The task file's first `# ` heading, else the task's name.
pub fn title(ready: &Ready, text: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| ready.task.name.clone())
}

/// The task file's text without its front matter block.
pub fn task_text(ready: &Ready) -> String {
    let Some(file) = &ready.task.file else {
        return String::new();
    };
    let text = std::fs::read_to_string(&file.file).unwrap_or_default();
    match text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
    {
        Some((_, body)) => body.trim_start_matches('\n').to_owned(),
        None => text,
    }
}

/// The body, in Markdown; `since` is the merge base with the branch the request goes into.
pub fn body(repo: &gix::Repository, ready: &Ready, since: Option<ObjectId>) -> Result<String> {
    let mut out = task_text(ready).trim_end().to_owned();
    out.push_str("\n\n---\n\n");
    let record = ready.task.record.as_ref();
    let check = match record.and_then(|r| r.verify.as_ref()) {
        Some(v) if v.passed => "passed".to_owned(),
        Some(v) => format!("failed: {}", v.message.as_deref().unwrap_or("see its log")),
        None => "not run".to_owned(),
    };
    let _ = writeln!(
        out,
        "**Task** `{}` on branch `{}`  ",
        ready.task.name, ready.task.branch
    );
    let _ = writeln!(out, "**Contract check** {check}  ");
    if let Some(agent) = record.map(|r| &r.agent) {
        let tokens = agent.tokens;
        let cost = agent
            .cost_usd
            .map_or("not reported".to_owned(), |c| format!("${c:.4}"));
        let _ = writeln!(
            out,
            "**Tokens** in {} (cached {}), out {}; **cost** {cost}",
            tokens.input, tokens.cached, tokens.output
        );
    }
    if let Some(since) = since.or(ready.base) {
        let stat = diffstat(repo, since, ready.tip)?;
        let _ = writeln!(
            out,
            "\n**Files changed** ({}):\n\n```\n{stat}```",
            stat.lines().count().saturating_sub(1)
        );
    }
    out.push_str("\n_Opened by git-agents._\n");
    Ok(out)
}

/// `git diff --stat`'s numbers, one line per file and a total: ` path | +A -D`.
fn diffstat(repo: &gix::Repository, old: ObjectId, new: ObjectId) -> Result<String> {
    let old = repo.find_commit(old)?.tree()?;
    let new = repo.find_commit(new)?.tree()?;
    let changes = repo.diff_tree_to_tree(
        &old,
        &new,
        gix::diff::Options::default().with_rewrites(None),
    )?;
    let mut rows = Vec::new();
    for change in &changes {
        if change.entry_mode().is_tree() {
            continue;
        }
        let (before, after) = match change {
            Change::Addition { id, .. } => (None, Some(*id)),
            Change::Deletion { id, .. } => (Some(*id), None),
            Change::Modification {
                previous_id, id, ..
            } => (Some(*previous_id), Some(*id)),
            Change::Rewrite { source_id, id, .. } => (Some(*source_id), Some(*id)),
        };
        let data = |id: Option<ObjectId>| -> Result<Vec<u8>> {
            Ok(match id {
                Some(id) => repo.find_object(id)?.detach().data,
                None => Vec::new(),
            })
        };
        let (a, b) = (data(before)?, data(after)?);
        let counts = if a.contains(&0) || b.contains(&0) {
            None
        } else {
            let input = InternedInput::new(a.as_slice(), b.as_slice());
            let diff = diff_with_slider_heuristics(Algorithm::Myers, &input);
            Some((diff.count_additions(), diff.count_removals()))
        };
        rows.push((change.location().to_str_lossy().into_owned(), counts));
    }
    let width = rows
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let (mut added, mut removed) = (0, 0);
    for (path, counts) in &rows {
        let numbers = match counts {
            Some((a, r)) => {
                added += a;
                removed += r;
                format!("+{a} -{r}")
            }
            None => "binary".to_owned(),
        };
        let _ = writeln!(out, " {path:width$} | {numbers}");
    }
    let _ = writeln!(out, " {} files changed, +{added} -{removed}", rows.len());
    Ok(out)
}
