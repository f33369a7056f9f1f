//! Stores of the same state file, as separate git-agents processes hold them.

use super::*;

fn record(task: &str, attempts: u32) -> TaskState {
    serde_json::from_value(serde_json::json!({
        "task": task,
        "state": "queued",
        "attempts": attempts,
        "workspace": "/w",
        "branch": "b",
        "log": "/l",
    }))
    .expect("a minimal record")
}

fn attempts(dir: &Path, task: &str) -> Option<u32> {
    Store::new(dir)
        .load()
        .unwrap()
        .tasks
        .get(task)
        .map(|r| r.attempts)
}

#[test]
fn a_write_after_another_stores_keeps_what_that_one_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let (ours, theirs) = (Store::new(dir.path()), Store::new(dir.path()));
    ours.update("a", |_| record("a", 1)).unwrap();
    ours.flush().unwrap();
    theirs.update("b", |_| record("b", 1)).unwrap();
    theirs.flush().unwrap();
    // Our last write is not the file any more: it is read again, and b stays.
    ours.update("a", |_| record("a", 2)).unwrap();
    ours.flush().unwrap();
    assert_eq!(attempts(dir.path(), "a"), Some(2));
    assert_eq!(attempts(dir.path(), "b"), Some(1));
    // Nor is it after a removal by the other store.
    theirs.remove("b").unwrap();
    ours.update("a", |_| record("a", 3)).unwrap();
    ours.flush().unwrap();
    assert_eq!(attempts(dir.path(), "a"), Some(3));
    assert_eq!(attempts(dir.path(), "b"), None);
}

#[test]
fn a_file_replaced_by_hand_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path());
    store.update("a", |_| record("a", 1)).unwrap();
    store.flush().unwrap();
    let mut edited = Store::new(dir.path()).load().unwrap();
    edited.tasks.insert("c".into(), record("c", 7));
    write_atomically(&store.path(), &serde_json::to_vec_pretty(&edited).unwrap()).unwrap();
    store.update("a", |_| record("a", 2)).unwrap();
    store.flush().unwrap();
    assert_eq!(attempts(dir.path(), "c"), Some(7));
    assert_eq!(attempts(dir.path(), "a"), Some(2));
}
