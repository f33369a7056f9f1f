//! The crate's own identifiers, so no dependency's types appear in records or the public API.

use std::fmt;
use std::str::FromStr;

/// A commit's full object id, written as hex (as git prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommitId(gix::ObjectId);

impl CommitId {
    pub(crate) fn to_gix(self) -> gix::ObjectId {
        self.0
    }
}

impl From<gix::ObjectId> for CommitId {
    fn from(id: gix::ObjectId) -> CommitId {
        CommitId(id)
    }
}

impl fmt::Display for CommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A string that is not a full hexadecimal object id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotACommitId(pub String);

impl fmt::Display for NotACommitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a full commit id", self.0)
    }
}

impl std::error::Error for NotACommitId {}

impl FromStr for CommitId {
    type Err = NotACommitId;
    fn from_str(text: &str) -> Result<CommitId, NotACommitId> {
        gix::ObjectId::from_hex(text.as_bytes())
            .map(CommitId)
            .map_err(|_| NotACommitId(text.to_owned()))
    }
}

impl serde::Serialize for CommitId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CommitId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<CommitId, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::CommitId;

    #[test]
    fn round_trips_as_hex_and_refuses_anything_else() {
        let hex = "0123456789abcdef0123456789abcdef01234567";
        let id: CommitId = hex.parse().unwrap();
        assert_eq!(id.to_string(), hex);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{hex}\""));
        let back: CommitId = serde_json::from_str(&format!("\"{hex}\"")).unwrap();
        assert_eq!(back, id);
        assert!("main".parse::<CommitId>().is_err());
        assert!(serde_json::from_str::<CommitId>("\"0123\"").is_err());
    }
}
