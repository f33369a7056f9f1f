//! `depends_on`: which tasks a run needs, and in which order.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use super::Task;
use crate::error::{Error, Fix};

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
