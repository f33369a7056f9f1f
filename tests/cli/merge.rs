//! Merge tests (filled in by the merge work).
