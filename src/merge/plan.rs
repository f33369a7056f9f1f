//! The merge sequence, computed in memory: nothing here touches a ref, the index or a file, and
//! every object it creates stays in the object memory of the repository it is given.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use gix::bstr::{BString, ByteSlice};
use gix::merge::blob::builtin_driver::text::Labels;
use gix::merge::tree::TreatAsUnresolved;
use gix::ObjectId;

use super::select::Selection;

/// How to compute the sequence.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Always create a merge commit, even where a fast-forward is possible.
    pub no_ff: bool,
    /// After a conflict, go on with the remaining branches as if the conflicting one were left
    /// out (a forecast); otherwise the rest is not attempted.
    pub keep_going: bool,
    /// Target branch globs for which git leaves " into `<target>`" out of the merge message.
    pub suppress_dest: Vec<String>,
}

/// What happened to one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    FastForward,
    /// A clean merge commit.
    Merge,
    AlreadyMerged,
    /// Unresolved conflicts at these paths (as git would leave them in the index).
    Conflict(Vec<BString>),
    /// Conflicts at these paths, resolved by an agent (`merge --resolve`): a merge commit.
    Resolved(Vec<BString>),
    /// The merge could not be computed (unrelated histories).
    Failed(String),
    /// Not computed: an earlier branch stopped the sequence.
    NotAttempted,
}

/// One branch of the sequence.
#[derive(Debug, Clone)]
pub struct Step {
    pub branch: String,
    pub kind: StepKind,
    /// The target's tip after this step, when it is clean.
    pub tip_after: Option<ObjectId>,
    /// Files the branch changed since it forked from the target (renames count twice).
    pub touched: BTreeSet<BString>,
}

/// The computed sequence.
#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Index of the first step that conflicted or failed.
    pub stop: Option<usize>,
}

impl Plan {
    pub fn stopped(&self) -> bool {
        self.stop.is_some()
    }

    /// The last clean tip before the first stop, if it differs from `before`.
    pub fn landing_tip(&self, before: ObjectId) -> Option<ObjectId> {
        let end = self.stop.unwrap_or(self.steps.len());
        self.steps[..end]
            .iter()
            .rev()
            .find_map(|s| s.tip_after)
            .filter(|tip| *tip != before)
    }

    /// The reflog message for the single move of the target: git's own for a single branch.
    pub fn reflog_message(&self) -> String {
        let end = self.stop.unwrap_or(self.steps.len());
        let moved: Vec<&Step> = self.steps[..end]
            .iter()
            .filter(|s| s.kind.moves())
            .collect();
        match moved.as_slice() {
            [one] if one.kind == StepKind::FastForward => {
                format!("merge {}: Fast-forward", one.branch)
            }
            [one] => format!("merge {}: Merge made by git agents.", one.branch),
            many => {
                let names: Vec<&str> = many.iter().map(|s| s.branch.as_str()).collect();
                format!("merge {}: Merged by git agents.", names.join(", "))
            }
        }
    }
}

impl StepKind {
    /// The target's tip moves for this step: a fast-forward or a merge commit.
    pub fn moves(&self) -> bool {
        matches!(
            self,
            StepKind::FastForward | StepKind::Merge | StepKind::Resolved(_)
        )
    }
}

/// A conflicting step handed to a resolver (`merge --resolve`).
pub struct Conflicted<'a> {
    /// The step's position in the sequence.
    pub index: usize,
    pub branch: &'a str,
    pub task: Option<&'a str>,
    /// The target's tip the merge goes into (in the object memory if an earlier step made it).
    pub ours: ObjectId,
    pub theirs: ObjectId,
    pub paths: &'a [BString],
    /// git's merge message for this branch.
    pub message: &'a str,
    /// The steps before it.
    pub earlier: &'a [Step],
}

/// Resolves a conflicting step: the resolution's merge commit, or `None` when it failed.
pub type Resolver<'r> = dyn FnMut(&Conflicted<'_>) -> Result<Option<ObjectId>> + 'r;

/// Merge every selected branch in turn into the target, in `repo`, which should hold its objects
/// in memory (`with_object_memory`) unless they are meant to be written.
pub fn compute(
    repo: &gix::Repository,
    selection: &Selection,
    options: &PlanOptions,
) -> Result<Plan> {
    compute_resolving(repo, selection, options, None)
}

/// [`compute`], handing each conflict to `resolver` when there is one: a resolved step is a
/// merge commit and the sequence goes on from it.
pub fn compute_resolving(
    repo: &gix::Repository,
    selection: &Selection,
    options: &PlanOptions,
    mut resolver: Option<&mut Resolver<'_>>,
) -> Result<Plan> {
    let target = &selection.target;
    let merge_options: gix::merge::plumbing::tree::Options = repo
        .tree_merge_options()
        .context("could not read the merge configuration")?
        .into();
    let mut sequence =
        super::sequence::Sequence::new(repo, target.tip, &merge_options, options.no_ff)?;
    let mut tip = target.tip;
    let mut plan = Plan {
        steps: Vec::with_capacity(selection.branches.len()),
        stop: None,
    };
    for candidate in &selection.branches {
        let touched = touched_paths(repo, target.tip, candidate.tip).with_context(|| {
            format!("could not list the files changed on '{}'", candidate.branch)
        })?;
        let mut step = Step {
            branch: candidate.branch.clone(),
            kind: StepKind::NotAttempted,
            tip_after: None,
            touched,
        };
        if plan.stop.is_none() || options.keep_going {
            let message = merge_message(&candidate.branch, &target.name, &options.suppress_dest);
            let labels = Labels {
                ancestor: None,
                current: Some(target.name.as_bytes().as_bstr()),
                other: Some(candidate.branch.as_bytes().as_bstr()),
            };
            let (mut kind, mut tip_after) = sequence
                .step(tip, candidate.tip, &step.touched, labels, &message)
                .with_context(|| format!("could not merge '{}' in memory", candidate.branch))?;
            let resolved = match (&kind, resolver.as_mut()) {
                (StepKind::Conflict(paths), Some(resolve)) => {
                    let conflicted = Conflicted {
                        index: plan.steps.len(),
                        branch: &candidate.branch,
                        task: candidate.task.as_deref(),
                        ours: tip,
                        theirs: candidate.tip,
                        paths,
                        message: &message,
                        earlier: &plan.steps,
                    };
                    resolve(&conflicted)?.map(|commit| (paths.clone(), commit))
                }
                _ => None,
            };
            if let Some((paths, commit)) = resolved {
                sequence.resolved(candidate.tip, commit)?;
                (kind, tip_after) = (StepKind::Resolved(paths), Some(commit));
            }
            if let Some(next) = tip_after {
                tip = next;
            }
            if matches!(kind, StepKind::Conflict(_) | StepKind::Failed(_)) && plan.stop.is_none() {
                plan.stop = Some(plan.steps.len());
            }
            step.kind = kind;
            step.tip_after = tip_after
                .or(Some(tip))
                .filter(|_| step_is_clean(&step.kind));
        }
        plan.steps.push(step);
    }
    Ok(plan)
}

fn step_is_clean(kind: &StepKind) -> bool {
    kind.moves() || *kind == StepKind::AlreadyMerged
}

/// Merge `theirs` into `ours` as git's ort does it: the outcome and, when clean, the new tip.
pub(crate) fn merge_one(
    repo: &gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
    labels: Labels<'_>,
    message: &str,
    no_ff: bool,
    options: &gix::merge::plumbing::tree::Options,
) -> Result<(StepKind, Option<ObjectId>)> {
    let bases = merge_bases(repo, ours, theirs)?;
    if let Some(done) = settled(repo, ours, theirs, &bases, message, no_ff)? {
        return Ok(done);
    }
    let merged = three_way(repo, ours, theirs, &bases, labels, options)?;
    commit_merge(repo, merged, ours, theirs, message)
}

/// Every merge base of `ours` and `theirs`.
pub(crate) fn merge_bases(
    repo: &gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
) -> Result<Vec<ObjectId>> {
    Ok(repo
        .merge_bases_many(ours, &[theirs])?
        .into_iter()
        .map(gix::Id::detach)
        .collect())
}

/// The outcome the merge bases decide alone: unrelated histories, already merged, a
/// fast-forward (or, with `no_ff`, its merge commit); `None` when the trees must be merged.
pub(crate) fn settled(
    repo: &gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
    bases: &[ObjectId],
    message: &str,
    no_ff: bool,
) -> Result<Option<(StepKind, Option<ObjectId>)>> {
    Ok(Some(match bases {
        [] => (
            StepKind::Failed("unrelated histories: no common ancestor with the target".into()),
            None,
        ),
        [base] if *base == theirs => (StepKind::AlreadyMerged, None),
        [base] if *base == ours && !no_ff => (StepKind::FastForward, Some(theirs)),
        [base] if *base == ours => {
            let tree = repo.find_commit(theirs)?.tree_id()?.detach();
            let commit = repo.new_commit(message, tree, [ours, theirs])?;
            (StepKind::Merge, Some(commit.id))
        }
        _ => return Ok(None),
    }))
}

/// What merging two trees gave.
pub(crate) enum Merged {
    Clean(ObjectId),
    /// Unresolved conflicts at these paths (as git would leave them in the index).
    Conflict(Vec<BString>),
}

/// The full three-way merge of the commits' trees over all their merge `bases`.
pub(crate) fn three_way(
    repo: &gix::Repository,
    ours: ObjectId,
    theirs: ObjectId,
    bases: &[ObjectId],
    labels: Labels<'_>,
    options: &gix::merge::plumbing::tree::Options,
) -> Result<Merged> {
    let mut outcome = super::recursive::merge_commits(repo, ours, theirs, bases, labels, options)?;
    let tree = outcome.tree.write()?.detach();
    if !outcome.has_unresolved_conflicts(TreatAsUnresolved::git()) {
        return Ok(Merged::Clean(tree));
    }
    let mut index = repo.index_from_tree(&tree)?;
    outcome.index_changed_after_applying_conflicts(
        &mut index,
        TreatAsUnresolved::git(),
        gix::merge::tree::apply_index_entries::RemovalMode::Prune,
    );
    let paths: BTreeSet<BString> = index
        .entries()
        .iter()
        .filter(|e| e.stage_raw() != 0)
        .map(|e| e.path(&index).to_owned())
        .collect();
    Ok(Merged::Conflict(paths.into_iter().collect()))
}

/// The merge commit of a clean merge; the conflict otherwise.
pub(crate) fn commit_merge(
    repo: &gix::Repository,
    merged: Merged,
    ours: ObjectId,
    theirs: ObjectId,
    message: &str,
) -> Result<(StepKind, Option<ObjectId>)> {
    match merged {
        Merged::Clean(tree) => {
            let commit = repo.new_commit(message, tree, [ours, theirs])?;
            Ok((StepKind::Merge, Some(commit.id)))
        }
        Merged::Conflict(paths) => Ok((StepKind::Conflict(paths), None)),
    }
}

/// git's merge message: `Merge branch 'x'`, plus ` into <target>` unless the target matches
/// `merge.suppressDest` (by default `main` and `master`).
pub fn merge_message(branch: &str, target: &str, suppress_dest: &[String]) -> String {
    let suppressed = suppress_dest.iter().any(|pattern| {
        gix::glob::wildmatch(
            pattern.as_bytes().as_bstr(),
            target.as_bytes().as_bstr(),
            gix::glob::wildmatch::Mode::NO_MATCH_SLASH_LITERAL,
        )
    });
    if suppressed {
        format!("Merge branch '{branch}'\n")
    } else {
        format!("Merge branch '{branch}' into {target}\n")
    }
}

/// The values of `merge.suppressDest` as git reads them: an empty value clears the list, and
/// without any value the list is `main`, `master`.
pub fn suppress_dest_patterns(repo: &gix::Repository) -> Vec<String> {
    let snapshot = repo.config_snapshot();
    let Some(values) = snapshot.plumbing().strings("merge.suppressDest") else {
        return vec!["main".into(), "master".into()];
    };
    let mut patterns = Vec::new();
    for value in values {
        if value.is_empty() {
            patterns.clear();
        } else {
            patterns.push(value.to_str_lossy().into_owned());
        }
    }
    patterns
}

/// Files changed on `branch` since it forked from `target` (no rename tracking: both sides count).
pub fn touched_paths(
    repo: &gix::Repository,
    target: ObjectId,
    branch: ObjectId,
) -> Result<BTreeSet<BString>> {
    match repo.merge_base(target, branch)?.map(gix::Id::detach) {
        Some(base) if base != branch => crate::gitops::diff::files_between(repo, base, branch),
        _ => Ok(BTreeSet::new()),
    }
}

/// Give `repo` a stand-in identity when none is configured, so a forecast can make its in-memory
/// commits; a real merge refuses earlier instead.
pub fn ensure_identity(repo: &mut gix::Repository) -> Result<()> {
    let author_missing = !matches!(repo.author(), Some(Ok(_)));
    if author_missing {
        use gix::config::tree::gitoxide;
        let mut config = repo.config_snapshot_mut();
        config.set_value(&gitoxide::Author::NAME_FALLBACK, "git agents")?;
        config.set_value(&gitoxide::Author::EMAIL_FALLBACK, "git-agents@localhost")?;
    }
    repo.committer_or_set_fallback("git agents", "git-agents@localhost")?;
    Ok(())
}

#[cfg(test)]
mod tests;
