//! A task's logs, run by run. The latest run writes `<slug>.log`, `<slug>.raw.jsonl` (the raw
//! agent stream) and `<slug>.verify.log` in the log directory, so `tail -f` and status read
//! it where they always did; when the next run starts they move to
//! `<slug>.runs/run-<N>.log`, `run-<N>.raw.jsonl` and `run-<N>.verify.log`, where the last
//! [`KEPT`] earlier runs are kept. Run 0 is a log from before runs were numbered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// How many earlier runs a task keeps besides its latest one.
pub const KEPT: usize = 20;

/// Which of a run's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The readable log: the agent's output with a header per attempt.
    Log,
    /// The raw lines of the agent's machine-readable stream.
    Raw,
    /// The output of the task's checks.
    Verify,
}

const KINDS: [Kind; 3] = [Kind::Log, Kind::Raw, Kind::Verify];

impl Kind {
    fn suffix(self) -> &'static str {
        match self {
            Kind::Log => "log",
            Kind::Raw => "raw.jsonl",
            Kind::Verify => "verify.log",
        }
    }
}

fn stem(log: &Path) -> String {
    log.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The latest run's file of `kind`, beside the task's log `<slug>.log`.
pub fn latest(log: &Path, kind: Kind) -> PathBuf {
    log.with_file_name(format!("{}.{}", stem(log), kind.suffix()))
}

/// Where earlier runs' files are kept: `<slug>.runs/` beside the log.
pub fn runs_dir(log: &Path) -> PathBuf {
    log.with_file_name(format!("{}.runs", stem(log)))
}

/// The file of `kind` of the earlier run `run`.
pub fn earlier(log: &Path, run: u32, kind: Kind) -> PathBuf {
    runs_dir(log).join(format!("run-{run}.{}", kind.suffix()))
}

/// The earlier runs kept with a file of `kind`, oldest first.
pub fn earlier_runs(log: &Path, kind: Kind) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(runs_dir(log)) else {
        return Vec::new();
    };
    let suffix = format!(".{}", kind.suffix());
    let mut runs: Vec<u32> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            name.strip_prefix("run-")?
                .strip_suffix(suffix.as_str())?
                .parse()
                .ok()
        })
        .collect();
    runs.sort_unstable();
    runs
}

/// Every run with a file of `kind`, oldest first, with that file: the earlier ones kept and
/// the latest, `current`, when it wrote one.
pub fn logged(log: &Path, kind: Kind, current: u32) -> Vec<(u32, PathBuf)> {
    let mut runs: BTreeMap<u32, PathBuf> = earlier_runs(log, kind)
        .into_iter()
        .map(|run| (run, earlier(log, run, kind)))
        .collect();
    let latest = latest(log, kind);
    if latest.exists() {
        runs.insert(current, latest);
    }
    runs.into_iter().collect()
}

/// Before a new run writes: move the latest run's files (run `previous`) among the earlier
/// runs, then drop the oldest beyond [`KEPT`]. A file whose place is already taken stays
/// where it is, and the new run appends to it: nothing is overwritten. So does a log that is
/// no plain file (a link someone made to put it elsewhere, a device).
pub fn set_aside(log: &Path, previous: u32) -> Result<()> {
    let present: Vec<Kind> = KINDS
        .into_iter()
        .filter(|k| std::fs::symlink_metadata(latest(log, *k)).is_ok_and(|m| m.is_file()))
        .collect();
    if present.is_empty() {
        return Ok(());
    }
    let dir = runs_dir(log);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for kind in present {
        let (from, to) = (latest(log, kind), earlier(log, previous, kind));
        if to.exists() {
            continue;
        }
        std::fs::rename(&from, &to)
            .with_context(|| format!("moving {} to {}", from.display(), to.display()))?;
    }
    prune(log)
}

/// Remove the files of all but the last [`KEPT`] earlier runs.
fn prune(log: &Path) -> Result<()> {
    let mut runs: Vec<u32> = KINDS
        .into_iter()
        .flat_map(|kind| earlier_runs(log, kind))
        .collect();
    runs.sort_unstable();
    runs.dedup();
    let extra = runs.len().saturating_sub(KEPT);
    for run in &runs[..extra] {
        for kind in KINDS {
            let path = earlier(log, *run, kind);
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).with_context(|| format!("removing {}", path.display()));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_set_aside_numbered_and_the_oldest_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("t.log");
        set_aside(&log, 1).unwrap();
        assert!(!runs_dir(&log).exists(), "nothing to set aside");
        for run in 1..=(KEPT as u32 + 2) {
            std::fs::write(&log, format!("run {run}\n")).unwrap();
            if run % 2 == 0 {
                std::fs::write(latest(&log, Kind::Raw), "{}\n").unwrap();
            }
            set_aside(&log, run).unwrap();
        }
        assert!(!log.exists());
        let kept = earlier_runs(&log, Kind::Log);
        assert_eq!(kept, (3..=KEPT as u32 + 2).collect::<Vec<_>>());
        assert_eq!(earlier_runs(&log, Kind::Raw)[0], 4);
        let text = std::fs::read_to_string(earlier(&log, 5, Kind::Log)).unwrap();
        assert_eq!(text, "run 5\n");

        std::fs::write(&log, "latest\n").unwrap();
        let all = logged(&log, Kind::Log, 30);
        assert_eq!(all.last().unwrap(), &(30, log.clone()));
        assert_eq!(all.len(), KEPT + 1);
    }

    #[test]
    fn a_taken_place_is_never_overwritten_nor_a_link_moved() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("t.log");
        let raw = latest(&log, Kind::Raw);
        std::os::unix::fs::symlink("/dev/null", &raw).unwrap();
        std::fs::create_dir(runs_dir(&log)).unwrap();
        std::fs::write(earlier(&log, 0, Kind::Log), "kept\n").unwrap();
        std::fs::write(&log, "current\n").unwrap();
        set_aside(&log, 0).unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "current\n");
        let kept = std::fs::read_to_string(earlier(&log, 0, Kind::Log)).unwrap();
        assert_eq!(kept, "kept\n");
        assert!(raw.symlink_metadata().unwrap().is_symlink());
        assert!(!earlier(&log, 0, Kind::Raw).exists());
    }
}
