//! `depends_on`: which tasks a run needs, in which order, and what each one starts from.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::error::{Error, Fix};
use crate::tasks::Task;

/// The selected tasks plus the unfinished tasks they depend on, dependencies first
/// (ties in task-name order). Unknown names and cycles are usage errors that name them.
pub fn order(
    all: &[Task],
    selected: Vec<Task>,
    is_finished: &dyn Fn(&Task) -> bool,
) -> Result<Vec<Task>> {
    let by_name: BTreeMap<&str, &Task> = all.iter().map(|t| (t.name.as_str(), t)).collect();
    for task in all {
        for dep in &task.meta.depends_on {
            if !by_name.contains_key(dep.as_str()) {
                return Err(Error::usage(format!(
                    "task '{}' depends on '{dep}', which is not a task",
                    task.name
                ))
                .with_fix(Fix::Text(
                    "fix depends_on in its front matter (names are task file stems)".into(),
                ))
                .into());
            }
        }
    }
    if let Some(cycle) = find_cycle(all, &by_name) {
        return Err(Error::usage(format!(
            "tasks depend on each other in a cycle: {}",
            cycle.join(" -> ")
        ))
        .with_fix(Fix::Text("remove one of those depends_on entries".into()))
        .into());
    }

    // Pull in unfinished dependencies of what was selected.
    let mut wanted: BTreeSet<String> = selected.iter().map(|t| t.name.clone()).collect();
    let mut stack: Vec<String> = wanted.iter().cloned().collect();
    while let Some(name) = stack.pop() {
        for dep in &by_name[name.as_str()].meta.depends_on {
            let dep_task = by_name[dep.as_str()];
            if !wanted.contains(dep) && !is_finished(dep_task) {
                wanted.insert(dep.clone());
                stack.push(dep.clone());
            }
        }
    }

    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    while placed.len() < wanted.len() {
        let next = wanted
            .iter()
            .find(|name| {
                !placed.contains(*name)
                    && by_name[name.as_str()]
                        .meta
                        .depends_on
                        .iter()
                        .all(|d| placed.contains(d) || !wanted.contains(d))
            })
            .expect("no cycles, so some task is always ready")
            .clone();
        ordered.push(by_name[next.as_str()].clone());
        placed.insert(next);
    }
    Ok(ordered)
}

/// What a task with dependencies branches from: its dependency's head, or for several the
/// merge of their heads computed in memory (a merge commit object; no ref moves). A conflict
/// there is returned as the conflicting paths.
pub fn base_from(
    repo: &gix::Repository,
    task: &str,
    heads: &[(String, gix::ObjectId)],
) -> Result<std::result::Result<gix::ObjectId, Vec<String>>> {
    use gix::bstr::ByteSlice;
    use gix::merge::tree::TreatAsUnresolved;

    let Some(((first_name, first), rest)) = heads.split_first() else {
        return Err(
            Error::internal(format!("task '{task}' has no dependencies to start from")).into(),
        );
    };
    let (mut label, mut acc) = (first_name.clone(), *first);
    for (name, head) in rest {
        let base = repo
            .merge_base(acc, *head)
            .ok()
            .flatten()
            .map(|id| id.detach());
        if base == Some(*head) {
            continue;
        }
        if base == Some(acc) {
            (label, acc) = (name.clone(), *head);
            continue;
        }
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: None,
            current: Some(label.as_bytes().as_bstr()),
            other: Some(name.as_bytes().as_bstr()),
        };
        let options = repo.tree_merge_options()?.into();
        let mut outcome = repo.merge_commits(acc, *head, labels, options)?;
        if outcome
            .tree_merge
            .has_unresolved_conflicts(TreatAsUnresolved::git())
        {
            let mut paths: Vec<String> = outcome
                .tree_merge
                .conflicts
                .iter()
                .filter(|c| c.is_unresolved(TreatAsUnresolved::git()))
                .map(|c| c.ours.location().to_str_lossy().into_owned())
                .collect();
            paths.sort();
            paths.dedup();
            return Ok(Err(paths));
        }
        let tree = outcome.tree_merge.tree.write()?.detach();
        let names: Vec<&str> = heads.iter().map(|(n, _)| n.as_str()).collect();
        let message = format!("git-agents: base of {task}, merging {}\n", names.join(", "));
        acc = repo.new_commit(message, tree, [acc, *head])?.id;
        label = format!("{label}+{name}");
    }
    Ok(Ok(acc))
}

fn find_cycle(all: &[Task], by_name: &BTreeMap<&str, &Task>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        name: &str,
        by_name: &BTreeMap<&str, &Task>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(name) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let start = path.iter().position(|p| p == name).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(name.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(name.to_owned(), Mark::Visiting);
        path.push(name.to_owned());
        for dep in &by_name[name].meta.depends_on {
            if let Some(cycle) = visit(dep, by_name, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(name.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    all.iter()
        .find_map(|task| visit(&task.name, by_name, &mut marks, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::FrontMatter;

    fn task(name: &str, deps: &[&str]) -> Task {
        Task {
            name: name.into(),
            slug: name.into(),
            file: name.into(),
            rel_file: name.into(),
            meta: FrontMatter {
                depends_on: deps.iter().map(|d| d.to_string()).collect(),
                ..FrontMatter::default()
            },
        }
    }

    fn names(tasks: &[Task]) -> Vec<&str> {
        tasks.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn dependencies_come_first_and_are_pulled_in() {
        let all = vec![
            task("api", &["auth", "db"]),
            task("auth", &["db"]),
            task("db", &[]),
            task("ui", &[]),
        ];
        let ordered = order(&all, vec![all[0].clone()], &|_| false).unwrap();
        assert_eq!(names(&ordered), ["db", "auth", "api"]);
        let ordered = order(&all, vec![all[0].clone()], &|t| t.name == "db").unwrap();
        assert_eq!(names(&ordered), ["auth", "api"]);
        let ordered = order(&all, all.clone(), &|_| false).unwrap();
        assert_eq!(names(&ordered), ["db", "auth", "api", "ui"]);
    }

    #[test]
    fn cycles_and_unknown_names_are_named() {
        let all = vec![task("a", &["b"]), task("b", &["c"]), task("c", &["a"])];
        let err = order(&all, all.clone(), &|_| false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a -> b -> c -> a"), "{err}");
        let all = vec![task("a", &["ghost"])];
        let err = order(&all, all.clone(), &|_| false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("'ghost'"), "{err}");
    }
}
