//! What a branch measures against the target, remembered between runs of `status`.
//!
//! Ahead, behind and files changed depend on nothing but three commits (the tip, the target,
//! the task's base), and commits never change: a measure taken once holds for good. So each
//! status keeps the measures it used in `<git-common-dir>/agents/cache/facts.v1.json` and the
//! next one measures only branches that moved.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use gix::ObjectId;

use crate::ids::CommitId;

/// The commits a measure depends on: tip, target, base (when the state knows it).
type Key = (ObjectId, Option<ObjectId>, Option<ObjectId>);

/// Ahead, behind, files changed.
pub type Measure = (Option<u32>, Option<u32>, u32);

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    tip: CommitId,
    target: Option<CommitId>,
    base: Option<CommitId>,
    ahead: Option<u32>,
    behind: Option<u32>,
    files: u32,
}

/// The measures known from the last status, and those this one used.
pub struct Facts {
    path: PathBuf,
    known: HashMap<Key, Measure>,
    used: Mutex<Vec<(Key, Measure)>>,
}

impl Facts {
    /// What the last status left in the cache under `state_dir`; nothing when it cannot be read.
    pub fn load(state_dir: &Path) -> Facts {
        let path = state_dir.join("cache/facts.v1.json");
        let entries: Vec<Entry> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let known = entries
            .into_iter()
            .map(|e| {
                let key = (
                    e.tip.to_gix(),
                    e.target.map(|t| t.to_gix()),
                    e.base.map(|b| b.to_gix()),
                );
                (key, (e.ahead, e.behind, e.files))
            })
            .collect();
        Facts {
            path,
            known,
            used: Mutex::new(Vec::new()),
        }
    }

    /// The measure of `tip` against `target` from `base`: known, or taken by `measure`.
    pub fn get<E>(
        &self,
        (tip, target, base): Key,
        measure: impl FnOnce() -> Result<Measure, E>,
    ) -> Result<Measure, E> {
        let key = (tip, target, base);
        let found = match self.known.get(&key) {
            Some(known) => *known,
            None => measure()?,
        };
        self.used.lock().unwrap().push((key, found));
        Ok(found)
    }

    /// Keep the measures this status used for the next one, when they are not what the cache
    /// holds already; with `all_tasks` false (a status of some tasks) the others' measures are
    /// kept too. Best effort: without the cache the next status measures again.
    pub fn store(self, all_tasks: bool) {
        let mut used = self.used.into_inner().unwrap_or_default();
        let nothing_new = used.iter().all(|(k, _)| self.known.contains_key(k));
        if nothing_new && (!all_tasks || used.len() == self.known.len()) {
            return;
        }
        if !all_tasks {
            let fresh: std::collections::HashSet<Key> = used.iter().map(|(k, _)| *k).collect();
            used.extend(self.known.into_iter().filter(|(k, _)| !fresh.contains(k)));
        }
        let entries: Vec<Entry> = used
            .into_iter()
            .map(|((tip, target, base), (ahead, behind, files))| Entry {
                tip: tip.into(),
                target: target.map(Into::into),
                base: base.map(Into::into),
                ahead,
                behind,
                files,
            })
            .collect();
        if let Ok(bytes) = serde_json::to_vec(&entries) {
            let _ = crate::state::write_cache(&self.path, &bytes);
        }
    }
}
