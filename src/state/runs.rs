//! Run numbers: every spawn (and `continue`) takes the next one from `<state dir>/last-run`.

use std::path::Path;

use anyhow::{Context, Result};

use super::{lock, read, write_atomically, Store};

/// The counter's file in the state directory.
const FILE: &str = "last-run";

impl Store {
    /// Take the next run number. It is read, raised and written under the state lock, so two
    /// spawns never get the same one; it is never below a number a task's record holds, so a
    /// lost counter cannot hand out a number again.
    pub fn next_run(&self) -> Result<u32> {
        std::fs::create_dir_all(self.dir())
            .with_context(|| format!("creating {}", self.dir().display()))?;
        let _lock = lock(self.dir())?;
        let path = self.dir().join(FILE);
        let counted = last(&path)?;
        let recorded = read(&self.path())?
            .tasks
            .values()
            .map(|r| r.run)
            .max()
            .unwrap_or(0);
        let next = counted.max(recorded) + 1;
        write_atomically(&path, format!("{next}\n").as_bytes())?;
        Ok(next)
    }
}

fn last(path: &Path) -> Result<u32> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim().parse().with_context(|| {
            format!(
                "{} is not a run number; move it aside to count afresh",
                path.display()
            )
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_each_other_and_never_fall_below_a_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        assert_eq!(store.next_run().unwrap(), 1);
        assert_eq!(store.next_run().unwrap(), 2);
        std::fs::remove_file(dir.path().join(FILE)).unwrap();
        let state = r#"{"version": 2, "tasks": {"t": {"task": "t", "state": "done",
            "attempts": 1, "run": 7, "exit_code": 0, "started": 1.0, "ended": 2.0,
            "workspace": "/w", "branch": "feature/t", "log": "/l"}}}"#;
        std::fs::write(store.path(), state).unwrap();
        assert_eq!(store.next_run().unwrap(), 8);
    }
}
