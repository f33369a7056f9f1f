//! What a task with dependencies starts from.

use anyhow::Result;

use crate::error::Error;

/// What a task with dependencies branches from: its dependency's head, or for several the
/// merge of their heads computed as `git agents merge` computes merges (a merge commit object; no
/// ref moves). A conflict there is returned as the conflicting paths.
pub fn base_from(
    repo: &gix::Repository,
    task: &str,
    heads: &[(String, gix::ObjectId)],
) -> Result<std::result::Result<gix::ObjectId, Vec<String>>> {
    use crate::merge::plan::{merge_one, StepKind};
    use gix::bstr::ByteSlice;

    let Some(((first_name, first), rest)) = heads.split_first() else {
        return Err(
            Error::internal(format!("task '{task}' has no dependencies to start from")).into(),
        );
    };
    let options = repo.tree_merge_options()?.into();
    let names: Vec<&str> = heads.iter().map(|(n, _)| n.as_str()).collect();
    let message = format!("git-agents: base of {task}, merging {}\n", names.join(", "));
    let (mut label, mut acc) = (first_name.clone(), *first);
    for (name, head) in rest {
        let labels = gix::merge::blob::builtin_driver::text::Labels {
            ancestor: None,
            current: Some(label.as_bytes().as_bstr()),
            other: Some(name.as_bytes().as_bstr()),
        };
        match merge_one(repo, acc, *head, labels, &message, false, &options)? {
            (StepKind::AlreadyMerged, _) => continue,
            (StepKind::FastForward, Some(tip)) => (label, acc) = (name.clone(), tip),
            (StepKind::Merge, Some(tip)) => {
                acc = tip;
                label = format!("{label}+{name}");
            }
            (StepKind::Conflict(paths), _) => {
                let paths = paths.iter().map(|p| p.to_str_lossy().into_owned());
                return Ok(Err(paths.collect()));
            }
            (StepKind::Failed(why), _) => {
                return Err(Error::failed(format!("{first_name} and {name}: {why}")).into())
            }
            (kind, _) => {
                let why = format!("merging {name} gave {kind:?} and no commit");
                return Err(Error::internal(why).into());
            }
        }
    }
    Ok(Ok(acc))
}
