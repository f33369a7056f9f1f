//! What the file-system monitor (`agents.fsmonitor`) lets `status` skip.
//!
//! For each worktree, `<git-common-dir>/agents/cache/monitored.v1.json` keeps the token of the
//! monitor's answer before the last scan and what that scan left ([`Earlier`]). The next
//! `status` asks with that token; the monitor names the paths changed since, and the scan looks
//! at those and the last scan's suspects only. The token is always asked for *before* the scan,
//! so a change made while a scan runs is named next time. The file is safe to delete.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::gitops::scan::{Earlier, Vouched};
use crate::monitor::Answer;

const FILE: &str = "cache/monitored.v1.json";

#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct Kept {
    token: String,
    earlier: Earlier,
}

pub(super) struct Monitored {
    agents: PathBuf,
    kept: BTreeMap<String, Kept>,
    answers: BTreeMap<String, Answer>,
    scanned: Mutex<BTreeMap<String, Option<Kept>>>,
}

impl Monitored {
    /// Ask the repository's monitor about `workspaces` (starting one when none answers: its
    /// answers count from the next `status` on). `None` when the monitor is off.
    pub fn ask(agents: &Path, on: bool, workspaces: &[&Path]) -> Option<Monitored> {
        if !on || !cfg!(target_os = "linux") || !agents.is_dir() {
            return None;
        }
        let kept: BTreeMap<String, Kept> = std::fs::read(agents.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let roots: Vec<&str> = workspaces
            .iter()
            .filter_map(|w| w.to_str())
            .filter(|w| Path::new(w).is_dir())
            .collect();
        if roots.is_empty() {
            return None;
        }
        let question: Vec<(PathBuf, Option<String>)> = roots
            .iter()
            .map(|root| {
                (
                    PathBuf::from(root),
                    kept.get(*root).map(|k| k.token.clone()),
                )
            })
            .collect();
        let answers = crate::monitor::ask(agents, &question)
            .or_else(|| {
                // Asked as soon as it listens, it watches from before this scan, so the next
                // status is answered already.
                crate::monitor::start(agents);
                crate::monitor::ask(agents, &question)
            })
            .unwrap_or_default();
        let answers = roots
            .iter()
            .map(|root| root.to_string())
            .zip(answers)
            .collect();
        Some(Monitored {
            agents: agents.to_owned(),
            kept,
            answers,
            scanned: Mutex::new(BTreeMap::new()),
        })
    }

    /// What the monitor vouches for in the worktree at `workspace`, if anything.
    pub fn vouched(&self, workspace: &Path) -> Option<Vouched<'_>> {
        let root = workspace.to_str()?;
        let changed = self.answers.get(root)?.changed.as_deref()?;
        Some(Vouched {
            earlier: &self.kept.get(root)?.earlier,
            changed,
        })
    }

    /// Keep what the scan of `workspace` left, with the token asked for before it.
    pub fn keep(&self, workspace: &Path, earlier: Option<Earlier>) {
        let Some(root) = workspace.to_str() else {
            return;
        };
        let token = self.answers.get(root).and_then(|a| a.token.clone());
        let kept = token
            .zip(earlier)
            .map(|(token, earlier)| Kept { token, earlier });
        self.scanned
            .lock()
            .expect("no panic while held")
            .insert(root.to_owned(), kept);
    }

    /// Write the cache: what this status scanned replaces what was kept of those worktrees.
    pub fn store(self) {
        let mut kept = self.kept;
        for (root, scanned) in self.scanned.into_inner().expect("no panic while held") {
            match scanned {
                Some(entry) => kept.insert(root, entry),
                None => kept.remove(&root),
            };
        }
        kept.retain(|root, _| Path::new(root).is_dir());
        if let Ok(bytes) = serde_json::to_vec(&kept) {
            let _ = crate::state::write_cache(&self.agents.join(FILE), &bytes);
        }
    }
}
