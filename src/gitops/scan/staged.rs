//! Whether anything is staged, the cheap way first.
//!
//! gix's tree-to-index status builds a whole second index from HEAD's tree and matches every
//! entry against a pathspec before it compares. Nothing staged is the common case, and proving
//! it takes one walk over HEAD's trees beside the index's entries (both are in the same order):
//! same paths, modes and blob ids, one after the other. Any difference, or anything unusual
//! (conflicts, intent-to-add, a sparse directory entry), sends the caller to gix's full
//! comparison for the exact paths.

use anyhow::Result;
use gix::bstr::{BString, ByteSlice};
use gix::index::entry::{Flags, Mode};
use gix::objs::tree::EntryRef;
use gix::ObjectId;

/// `true` when the entries of `index` are exactly the files of `tree`: then nothing is
/// staged. `false` when something differs or might.
pub(super) fn index_is_tree(
    repo: &gix::Repository,
    tree: ObjectId,
    index: &gix::index::State,
) -> Result<bool> {
    let mut walk = Walk {
        repo,
        entries: index.entries(),
        backing: index.path_backing(),
        next: 0,
        path: BString::default(),
    };
    Ok(walk.tree(tree)? && walk.next == walk.entries.len())
}

struct Walk<'a> {
    repo: &'a gix::Repository,
    entries: &'a [gix::index::Entry],
    backing: &'a gix::index::PathStorageRef,
    /// The index entry the next file of the tree must be.
    next: usize,
    path: BString,
}

impl Walk<'_> {
    fn tree(&mut self, id: ObjectId) -> Result<bool> {
        let data = self.repo.find_object(id)?.detach().data;
        for entry in gix::objs::TreeRefIter::from_bytes(&data, self.repo.object_hash()) {
            let entry = entry?;
            let len = self.path.len();
            if len != 0 {
                self.path.push(b'/');
            }
            self.path.extend_from_slice(entry.filename);
            let same = if entry.mode.is_tree() {
                self.tree(entry.oid.to_owned())?
            } else {
                self.file(&entry)
            };
            self.path.truncate(len);
            if !same {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn file(&mut self, file: &EntryRef<'_>) -> bool {
        let Some(entry) = self.entries.get(self.next) else {
            return false;
        };
        self.next += 1;
        entry.stage_raw() == 0
            && !entry.flags.contains(Flags::INTENT_TO_ADD)
            && entry.mode != Mode::DIR
            && entry.mode == Mode::from(file.mode)
            && entry.id.as_ref() == file.oid
            && entry.path_in(self.backing) == self.path.as_bstr()
    }
}
