//! What planning reads before it decides anything: the tasks, the base, the worktrees, the
//! state, and the untracked files each workspace needs.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Result;
use gix::bstr::BString;

use super::SpawnOptions;
use crate::config::Resolver;
use crate::error::{Error, Fix};
use crate::gitops::worktree::{self, Registered};
use crate::repo::{self, Project};
use crate::spawn::include::{self, Include};
use crate::spawn::Mode;
use crate::state::{State, Store};
use crate::tasks::{self, Task};

pub struct Survey {
    pub project: Project,
    /// Every task file.
    pub all: Vec<Task>,
    /// The tasks asked for, before dependencies are pulled in.
    pub selected: Vec<Task>,
    pub warnings: Vec<String>,
    pub base: gix::ObjectId,
    pub registered: Vec<Registered>,
    pub state: State,
    pub mode: Mode,
    /// Contracts and CLAUDE.md untracked at the base: copied into every worktree.
    pub shared_copies: Vec<PathBuf>,
    /// Worktree mode: the ignored files `.worktreeinclude` and `agents.copy` select, copied into
    /// each new worktree.
    pub includes: Vec<Include>,
    /// Those plus the untracked task files: kept out of commits made in the main worktree.
    pub untracked_material: Vec<PathBuf>,
    /// The main worktree's branch (full name), `None` when detached.
    pub main_branch: Option<String>,
    at_base: AtBase,
}

impl Survey {
    pub fn take(cwd: &Path, options: &SpawnOptions) -> Result<Survey> {
        let project = Project::open(cwd, &options.overrides)?;
        let mode = Resolver::new(&project.settings, &project.root).mode().value;
        super::places::check(&project, mode)?;
        let (all, warnings) = tasks::discover(&project.root, project.tasks_dir())?;
        let mut warnings: Vec<String> = warnings.into_iter().map(|w| w.0).collect();
        // Debris of killed git-agents processes (their locks, removals they began) would stand
        // in the way of the plan; only what dead processes left is touched.
        warnings.extend(worktree::sweep(&project.common_dir, &project.state_dir()));
        if mode == Mode::Branch {
            warnings.extend(crate::spawn::mode::branch::recover(&project)?);
        }
        let selected = tasks::select(all.clone(), &options.tasks)?;
        repo::check_identity(&project.repo)?;
        let base = repo::resolve_base(&project.repo, options.base.as_deref())?;
        let registered = worktree::list(&project.repo)?;
        let state = Store::new(project.state_dir()).load()?;
        let at_base = AtBase::new(base);
        let shared_copies = shared_copies(&project, &at_base)?;
        let mut untracked_material = shared_copies.clone();
        for task in &all {
            if !at_base.tracked(&project.repo, &task.rel_file)? {
                untracked_material.push(task.rel_file.clone());
            }
        }
        let main_branch = crate::gitops::head::read(&project.repo)?.branch;
        if mode == Mode::Worktree && options.base.is_none() {
            warnings.extend(unseen_changes(&project, &untracked_material));
        }
        let includes = match mode {
            Mode::Worktree => {
                include::select(&project.repo, &project.root, &project.settings.copy)?
            }
            Mode::Dir | Mode::Branch => Vec::new(),
        };
        Ok(Survey {
            warnings,
            project,
            all,
            selected,
            base,
            registered,
            state,
            mode,
            shared_copies,
            includes,
            untracked_material,
            main_branch,
            at_base,
        })
    }

    /// The commit a finished task's dependents start from; `None` while it is not finished.
    pub fn finished_head(&self, task: &Task) -> Option<gix::ObjectId> {
        let record = self.state.tasks.get(&task.name)?;
        if !record.state.is_finished() {
            return None;
        }
        if self.mode == Mode::Dir {
            // In place: there is no task branch, work lands on the current one.
            return Some(self.base);
        }
        let branch = format!("refs/heads/{}", self.project.branch_for(&task.slug));
        let tip = worktree::branch_tip(&self.project.repo, &branch)
            .ok()
            .flatten();
        // Merged and cleaned: its work is in the commit it was merged at.
        tip.or_else(|| record.merged.as_ref().map(|m| m.commit.to_gix()))
    }

    /// Whether `rel` is tracked at the base.
    pub fn tracked(&self, rel: &Path) -> Result<bool> {
        self.at_base.tracked(&self.project.repo, rel)
    }

    /// The branch in-place modes commit on: the main worktree's, shortened (or `HEAD`).
    pub fn in_place_branch(&self) -> String {
        crate::gitops::head::Head {
            branch: self.main_branch.clone(),
            commit: None,
        }
        .name()
    }
}

/// The contracts and CLAUDE.md files that are not tracked at the base, to copy into every workspace.
fn shared_copies(project: &Project, at_base: &AtBase) -> Result<Vec<PathBuf>> {
    let mut candidates = Vec::new();
    collect_files(
        &project.root,
        &project.settings.contracts_dir.value,
        &mut candidates,
    )?;
    if project.root.join("CLAUDE.md").is_file() {
        candidates.push(PathBuf::from("CLAUDE.md"));
    }
    let mut copies = Vec::new();
    for rel in candidates {
        if !at_base.tracked(&project.repo, &rel)? {
            copies.push(rel);
        }
    }
    Ok(copies)
}

/// A link that leads to a file or directory (not a FIFO, socket or device, nor nowhere).
fn regular_target(link: &Path) -> bool {
    std::fs::metadata(link).is_ok_and(|m| m.is_file() || m.is_dir())
}

fn collect_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let child = rel.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect_files(root, &child, out)?;
        } else if kind.is_file() || (kind.is_symlink() && regular_target(&entry.path())) {
            out.push(child);
        } else {
            // A FIFO or device would block or never end when copied or compared.
            return Err(Error::usage(format!(
                "the contract {} is not a regular file or directory",
                child.display()
            ))
            .with_fix(Fix::Text(
                "contracts must be files (or links to files); move it out of the contracts directory".into(),
            ))
            .into());
        }
    }
    out.sort();
    Ok(())
}

/// What the base commit tracks, read a directory at a time: every task asks about a file in
/// the same few directories.
struct AtBase {
    base: gix::ObjectId,
    /// The names in each directory asked about; `None` where the base has no such tree.
    dirs: RefCell<HashMap<PathBuf, Option<HashSet<BString>>>>,
}

impl AtBase {
    fn new(base: gix::ObjectId) -> AtBase {
        AtBase {
            base,
            dirs: RefCell::default(),
        }
    }

    /// Whether the base has an entry (of any kind) at `rel`.
    fn tracked(&self, repo: &gix::Repository, rel: &Path) -> Result<bool> {
        let (Some(dir), Some(name)) = (rel.parent(), rel.file_name()) else {
            let tree = repo.find_commit(self.base)?.tree()?;
            return Ok(tree.lookup_entry_by_path(rel)?.is_some());
        };
        let name = gix::path::os_str_into_bstr(name)?;
        let mut dirs = self.dirs.borrow_mut();
        if !dirs.contains_key(dir) {
            dirs.insert(dir.to_owned(), self.names_in(repo, dir)?);
        }
        Ok(dirs[dir].as_ref().is_some_and(|names| names.contains(name)))
    }

    fn names_in(&self, repo: &gix::Repository, dir: &Path) -> Result<Option<HashSet<BString>>> {
        let mut tree = repo.find_commit(self.base)?.tree()?;
        if dir.components().next().is_some() {
            match tree.lookup_entry_by_path(dir)? {
                Some(entry) if entry.mode().is_tree() => tree = entry.object()?.into_tree(),
                _ => return Ok(None),
            }
        }
        let names = tree
            .iter()
            .map(|entry| entry.map(|entry| entry.filename().to_owned()))
            .collect::<Result<_, _>>()?;
        Ok(Some(names))
    }
}

/// Uncommitted changes in the main worktree, which agents starting from its HEAD do not see
/// (the untracked task files and contracts aside: those are copied in; and `init`'s sample,
/// which is no task). A warning, not a refusal: they may be meant to stay out.
fn unseen_changes(project: &Project, copied: &[PathBuf]) -> Option<String> {
    let copied: Vec<String> = copied
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    let tasks_dir = crate::repo::relative_to(project.tasks_dir(), &project.root);
    let sample = tasks_dir.join(crate::init::SAMPLE_TASK);
    let sample = sample.to_string_lossy().replace('\\', "/");
    let mut paths =
        crate::gitops::scan::uncommitted(&project.repo, &project.root, &copied, false).ok()?;
    paths.retain(|p| *p != sample);
    let first = paths.first()?;
    let more = match paths.len() {
        1 => String::new(),
        n => format!(" and {} more", n - 1),
    };
    Some(format!(
        "the main worktree has uncommitted changes ({first}{more}) that the agents will not see: they start from its last commit; commit them first for the agents to have them"
    ))
}
