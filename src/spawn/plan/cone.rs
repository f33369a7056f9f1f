//! Which directories a sparse worktree holds: the task's scope, the contracts and the tasks
//! directory (the root's files are always in, as in git's cone mode).

use std::path::{Component, Path};

use super::survey::Survey;
use crate::config::resolve::Resolver;
use crate::config::Mode;
use crate::repo::Project;
use crate::tasks::Task;

/// The cone of the task's worktree when it is checked out sparse. Dir and branch modes work
/// in the main worktree, which stays as it is: a sparse setting there is said once and ignored.
pub fn for_task(
    survey: &Survey,
    resolver: &Resolver<'_>,
    task: &Task,
    scope: &[String],
    warnings: &mut Vec<String>,
) -> Option<Vec<String>> {
    if !resolver.sparse(task).value {
        return None;
    }
    if survey.mode != Mode::Worktree {
        let note = format!(
            "sparse checkouts are for worktree mode; {} mode works in the main worktree, which is left as it is",
            survey.mode
        );
        if !warnings.contains(&note) {
            warnings.push(note);
        }
        return None;
    }
    of(&survey.project, task, scope)
        .map_err(|why| warnings.push(why))
        .ok()
}

/// The cone of `task`'s sparse worktree over its (validated) `scope`, or why it is checked out
/// whole: a scope that is empty or the whole repository holds no cone.
pub fn of(project: &Project, task: &Task, scope: &[String]) -> Result<Vec<String>, String> {
    if scope.is_empty() || scope.iter().any(|s| s == ".") {
        let why = match scope.is_empty() {
            true => "has no scope",
            false => "has the whole repository as its scope",
        };
        return Err(format!(
            "task '{}' {why}, so its worktree is checked out whole, not sparse",
            task.name
        ));
    }
    let mut cone = Vec::new();
    for entry in scope {
        let dir = match project.root.join(entry).is_dir() {
            true => entry.as_str(),
            // A file: its directory (the root's files are in the cone anyway).
            false => entry.rsplit_once('/').map_or("", |(parent, _)| parent),
        };
        cone.push(dir.to_owned());
    }
    let contracts = &project.settings.contracts_dir.value;
    cone.extend(inside(contracts));
    cone.extend(task.rel_file.parent().and_then(inside));
    cone.retain(|d| !d.is_empty());
    cone.sort();
    cone.dedup();
    Ok(cone)
}

/// `path` as a repo-relative `/`-separated directory, if it is one inside the repository.
fn inside(path: &Path) -> Option<String> {
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(parts.join("/"))
}
