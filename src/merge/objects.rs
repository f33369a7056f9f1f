//! Writing the objects a merge made so that none is ever reachable before everything it points to
//! is stored: children before parents, each level of the object graph durable (file and directory
//! fsync'd) before the next one is written. A killed merge therefore leaves only objects whose
//! whole closure exists, plus `tmp_obj_*` files that git's own prune removes.
//!
//! A merge run after a killed one may find its objects already there (gix skips writing an object
//! that exists), so presence proves nothing: every object the new tip reaches that is not
//! identical, at the same path, to an object of a parent commit (complete by git's invariant) is
//! looked at, a stored loose copy is decoded and hash-checked, and whatever it points to is
//! checked the same way.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use gix::bstr::BString;
use gix::objs::Kind;
use gix::ObjectId;

use crate::error::Error;

/// Write every object of `memory` that `tip` needs into `repo`'s object database, and check that
/// everything else it needs is stored and whole. `known` are commits reachable from refs (the
/// target's tip, the merged branches): they and all they reach are taken as stored. Returns the
/// number of objects written.
pub fn persist(
    repo: &gix::Repository,
    memory: &gix::odb::memory::Storage,
    tip: ObjectId,
    known: &HashSet<ObjectId>,
) -> Result<usize> {
    let mut walk = Walk {
        repo,
        memory,
        loose: gix::odb::loose::Store::at(repo.objects.store_ref().path(), repo.object_hash()),
        known,
        seen: HashMap::new(),
        pending: Vec::new(),
    };
    walk.commits(tip)?;
    let mut levels: Vec<Vec<ObjectId>> = Vec::new();
    for (level, id) in std::mem::take(&mut walk.pending) {
        let level = level as usize;
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(id);
    }
    let mut written = 0;
    for ids in &levels {
        written += walk.write_level(ids)?;
    }
    Ok(written)
}

/// The traversal: which objects need writing, and at which level (0: nothing of theirs pending).
struct Walk<'a> {
    repo: &'a gix::Repository,
    memory: &'a gix::odb::memory::Storage,
    loose: gix::odb::loose::Store,
    known: &'a HashSet<ObjectId>,
    /// Objects already looked at: the level an object pointing to them must wait for, if any.
    seen: HashMap<ObjectId, Option<u32>>,
    pending: Vec<(u32, ObjectId)>,
}

struct Loaded<'a> {
    kind: Kind,
    data: Cow<'a, [u8]>,
    in_memory: bool,
}

impl Loaded<'_> {
    fn expect(self, kind: Kind, id: ObjectId) -> Result<Self> {
        if self.kind == kind {
            Ok(self)
        } else {
            Err(Error::failed(format!("object {id} is a {}, not a {kind}", self.kind)).into())
        }
    }
}

type Entries = HashMap<BString, ObjectId>;

fn above(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    a.max(b)
}

impl<'a> Walk<'a> {
    /// Every commit from `tip` down to known ones, parents before children (no recursion: the
    /// chain of a long merge sequence is as deep as it is long).
    fn commits(&mut self, tip: ObjectId) -> Result<Option<u32>> {
        let mut stack = vec![(tip, false)];
        while let Some((id, expanded)) = stack.pop() {
            if self.known.contains(&id) || self.seen.contains_key(&id) {
                continue;
            }
            let object = self.load(id)?.expect(Kind::Commit, id)?;
            let commit = gix::objs::CommitRef::from_bytes(&object.data, self.repo.object_hash())
                .with_context(|| format!("commit {id} cannot be decoded"))?;
            let parents: Vec<ObjectId> = commit.parents().collect();
            let tree = commit.tree();
            if !expanded {
                stack.push((id, true));
                stack.extend(parents.iter().map(|p| (*p, false)));
                continue;
            }
            let mut level = None;
            let mut parent_trees = Vec::new();
            for parent in &parents {
                level = above(level, self.seen.get(parent).copied().flatten());
                parent_trees.push(self.tree_of(*parent)?);
            }
            level = above(level, self.tree(tree, &parent_trees)?);
            self.finish(id, object.in_memory, level);
        }
        Ok(self.seen.get(&tip).copied().flatten())
    }

    fn tree_of(&self, commit: ObjectId) -> Result<ObjectId> {
        let object = self.load(commit)?;
        gix::objs::CommitRefIter::from_bytes(&object.data, self.repo.object_hash())
            .tree_id()
            .with_context(|| format!("commit {commit} names no tree"))
    }

    /// `id` at a path where the parent commits have `same` (one per parent having that path).
    fn tree(&mut self, id: ObjectId, same: &[ObjectId]) -> Result<Option<u32>> {
        // Seen first: a parent commit may be new too, with this very object still to be written.
        if let Some(level) = self.seen.get(&id) {
            return Ok(*level);
        }
        if same.contains(&id) {
            return Ok(None);
        }
        let object = self.load(id)?.expect(Kind::Tree, id)?;
        let parents: Vec<Entries> = same
            .iter()
            .map(|p| self.entries(*p))
            .collect::<Result<_>>()?;
        let mut level = None;
        for entry in gix::objs::TreeRefIter::from_bytes(&object.data, self.repo.object_hash()) {
            let entry = entry.with_context(|| format!("tree {id} cannot be decoded"))?;
            let at_path: Vec<ObjectId> = parents
                .iter()
                .filter_map(|p| p.get(entry.filename).copied())
                .collect();
            let child = entry.oid.to_owned();
            level = above(
                level,
                match entry.mode.kind() {
                    gix::objs::tree::EntryKind::Tree => self.tree(child, &at_path)?,
                    gix::objs::tree::EntryKind::Commit => None,
                    _ => self.blob(child, &at_path)?,
                },
            );
        }
        self.finish(id, object.in_memory, level);
        Ok(self.seen[&id])
    }

    fn blob(&mut self, id: ObjectId, same: &[ObjectId]) -> Result<Option<u32>> {
        if let Some(level) = self.seen.get(&id) {
            return Ok(*level);
        }
        if same.contains(&id) {
            return Ok(None);
        }
        let in_memory = self.memory.get(&id).is_some();
        if !in_memory {
            self.check_stored(id)?;
        }
        self.finish(id, in_memory, None);
        Ok(self.seen[&id])
    }

    /// Record `id`: to be written once `below` is durable when it is only in memory; a stored
    /// object passes on what it waits for.
    fn finish(&mut self, id: ObjectId, in_memory: bool, below: Option<u32>) {
        let level = if in_memory {
            let level = below.map_or(0, |l| l + 1);
            self.pending.push((level, id));
            Some(level)
        } else {
            below
        };
        self.seen.insert(id, level);
    }

    fn entries(&self, tree: ObjectId) -> Result<Entries> {
        let object = self.load(tree)?;
        gix::objs::TreeRefIter::from_bytes(&object.data, self.repo.object_hash())
            .map(|e| {
                let e = e.with_context(|| format!("tree {tree} cannot be decoded"))?;
                Ok((e.filename.to_owned(), e.oid.to_owned()))
            })
            .collect()
    }

    /// The object from memory, else from the database; a loose copy must decode to its own id.
    fn load(&self, id: ObjectId) -> Result<Loaded<'a>> {
        if let Some((kind, data)) = self.memory.get(&id) {
            return Ok(Loaded {
                kind: *kind,
                data: Cow::Borrowed(data.as_slice()),
                in_memory: true,
            });
        }
        let mut buf = Vec::new();
        if let Some(kind) = self.verified_loose(id, &mut buf)? {
            return Ok(Loaded {
                kind,
                data: Cow::Owned(buf),
                in_memory: false,
            });
        }
        let object = self
            .repo
            .find_object(id)
            .map_err(|err| missing(id).caused_by(err))?;
        Ok(Loaded {
            kind: object.kind,
            data: Cow::Owned(object.detach().data),
            in_memory: false,
        })
    }

    /// A stored object the merge relies on: whole when loose, or present in a pack.
    fn check_stored(&self, id: ObjectId) -> Result<()> {
        if self.verified_loose(id, &mut Vec::new())?.is_some() || self.repo.has_object(id) {
            Ok(())
        } else {
            Err(missing(id).into())
        }
    }

    /// `Some(kind)` when a loose copy of `id` exists and is whole; `None` when there is none.
    fn verified_loose(&self, id: ObjectId, buf: &mut Vec<u8>) -> Result<Option<Kind>> {
        match loose_state(&self.loose, id, buf) {
            LooseState::Whole(kind) => Ok(Some(kind)),
            LooseState::Absent => Ok(None),
            LooseState::Damaged => Err(Error::failed(format!(
                "the object database holds a damaged copy of {id} ({}), and this merge cannot write it again",
                self.loose.object_path(&id).display()
            ))
            .into()),
        }
    }

    /// Write `ids` in parallel, then make them and their directories durable.
    fn write_level(&self, ids: &[ObjectId]) -> Result<usize> {
        use rayon::prelude::*;
        let (memory, loose) = (self.memory, &self.loose);
        let write = |id: &ObjectId| {
            let (kind, data) = memory.get(id).expect("pending objects are in memory");
            write_loose(loose, *id, *kind, data)
                .with_context(|| format!("could not write object {id}"))
        };
        // Most levels of a merge sequence hold a commit or two: not worth a thread pool.
        let results: Vec<Option<(PathBuf, bool)>> = if ids.len() < 8 {
            ids.iter().map(write).collect::<Result<_>>()?
        } else {
            ids.par_iter().map(write).collect::<Result<_>>()?
        };
        let mut dirs = BTreeSet::new();
        let mut created = false;
        for (dir, new_dir) in results.iter().flatten() {
            dirs.insert(dir.clone());
            created |= new_dir;
        }
        if created {
            dirs.insert(self.loose.path().to_owned());
        }
        for dir in &dirs {
            crate::gitops::sync_dir(dir)?;
        }
        Ok(results.iter().flatten().count())
    }
}

fn missing(id: ObjectId) -> Error {
    Error::failed(format!(
        "object {id}, which the merge needs, is missing from the object database"
    ))
}

enum LooseState {
    Absent,
    Whole(Kind),
    Damaged,
}

fn loose_state(loose: &gix::odb::loose::Store, id: ObjectId, buf: &mut Vec<u8>) -> LooseState {
    match loose.try_find(&id, buf) {
        Ok(None) => LooseState::Absent,
        Ok(Some(data)) => {
            let kind = data.kind;
            match gix::objs::compute_hash(id.kind(), kind, data.data) {
                Ok(actual) if actual == id => LooseState::Whole(kind),
                _ => LooseState::Damaged,
            }
        }
        Err(_) => LooseState::Damaged,
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Write one loose object through a temporary file in its fan-out directory (fsync'd, then renamed
/// over whatever damaged copy may be there). `None` when a whole copy was already stored; else its
/// directory and whether that directory was created.
fn write_loose(
    loose: &gix::odb::loose::Store,
    id: ObjectId,
    kind: Kind,
    data: &[u8],
) -> Result<Option<(PathBuf, bool)>> {
    if let LooseState::Whole(_) = loose_state(loose, id, &mut Vec::new()) {
        return Ok(None);
    }
    let path = loose.object_path(&id);
    let dir = path
        .parent()
        .expect("loose objects live in a fan-out directory");
    let created = match std::fs::create_dir(dir) {
        Ok(()) => true,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(err) => return Err(err).with_context(|| format!("could not create {}", dir.display())),
    };
    let mut compressed =
        gix::zlib::stream::deflate::Write::new(Vec::new(), gix::zlib::Compression::BEST_SPEED);
    compressed.write_all(&gix::objs::encode::loose_header(kind, data.len() as u64))?;
    compressed.write_all(data)?;
    compressed.flush()?;
    let compressed = compressed.into_inner();
    // git's prune removes `tmp_obj_*` files it finds in fan-out directories; fsck ignores them.
    let temp = dir.join(format!(
        "tmp_obj_agents_{}_{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = write_synced(&temp, &compressed).and_then(|()| std::fs::rename(&temp, &path));
    if let Err(err) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(err).with_context(|| format!("could not write {}", path.display()));
    }
    Ok(Some((dir.to_owned(), created)))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o444)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Remove the temporary object files a killed merge of process `pid` left behind.
pub fn remove_temporaries(repo: &gix::Repository, pid: u32) {
    let prefix = format!("tmp_obj_agents_{pid}_");
    let Ok(fanouts) = std::fs::read_dir(repo.objects.store_ref().path()) else {
        return;
    };
    for fanout in fanouts.flatten() {
        let Ok(files) = std::fs::read_dir(fanout.path()) else {
            continue;
        };
        for file in files.flatten() {
            if file.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(file.path());
            }
        }
    }
}
