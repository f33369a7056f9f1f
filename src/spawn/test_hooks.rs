//! Faults the integration tests inject, named by environment variables no user sets.

/// Panic while running `task` when `GIT_AGENTS_TEST_PANIC_TASK` names it: the scheduler must
/// fail the task with the panic's message and block its dependents, never hang.
pub fn maybe_panic(task: &str) {
    if std::env::var_os("GIT_AGENTS_TEST_PANIC_TASK").is_some_and(|name| name == task) {
        panic!("injected by GIT_AGENTS_TEST_PANIC_TASK while running '{task}'");
    }
}
