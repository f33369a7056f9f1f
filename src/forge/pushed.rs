//! `<git-common-dir>/agents/pushed.json`: the commit git-agents last pushed per remote and
//! branch, the value a later push's lease expects the remote to still have.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct File {
    /// Remote name → branch (short name) → commit id, in hex.
    #[serde(default)]
    remotes: BTreeMap<String, BTreeMap<String, String>>,
}

pub struct Pushed {
    path: PathBuf,
}

impl Pushed {
    /// `state_dir` is `<git-common-dir>/agents`.
    pub fn new(state_dir: &Path) -> Pushed {
        Pushed {
            path: state_dir.join("pushed.json"),
        }
    }

    fn read(&self) -> Result<File> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is not valid; move it aside to start afresh",
                    self.path.display()
                )
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(err) => Err(err).with_context(|| format!("reading {}", self.path.display())),
        }
    }

    /// What git-agents last pushed of `branch` to `remote`.
    pub fn get(&self, remote: &str, branch: &str) -> Result<Option<gix::ObjectId>> {
        let file = self.read()?;
        Ok(file
            .remotes
            .get(remote)
            .and_then(|b| b.get(branch))
            .and_then(|hex| gix::ObjectId::from_hex(hex.as_bytes()).ok()))
    }

    /// Remember that `remote` now has `branch` at these commits.
    pub fn record(&self, remote: &str, branches: &[(String, gix::ObjectId)]) -> Result<()> {
        if branches.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut file = self.read()?;
        let entry = file.remotes.entry(remote.to_owned()).or_default();
        for (branch, id) in branches {
            entry.insert(branch.clone(), id.to_string());
        }
        crate::state::write_atomically(&self.path, &serde_json::to_vec_pretty(&file)?)
    }
}
