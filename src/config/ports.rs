//! `agents.portRange`: the ports running tasks are given, like `4000-4999`.

use std::fmt;

use anyhow::Result;

use super::{keys, read, Setting};

/// `agents.portRange`, or the default range; a value that is not a range is refused.
pub(super) fn read(config: &gix::config::File) -> Result<Setting<PortRange>> {
    let problem = "is not a range of ports like 4000-4999 (from 1 to 65535, the first no higher than the last)";
    Ok(read::parsed(
        config,
        keys::PORT_RANGE,
        problem,
        "4000-4999",
        PortRange::parse,
    )?
    .unwrap_or_else(|| Setting::default(PortRange::default())))
}

/// A range of ports, both ends included, never port 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    /// `FIRST-LAST` (or one port), with `0 < FIRST <= LAST`.
    pub fn parse(raw: &str) -> Option<PortRange> {
        let (first, last) = raw
            .trim()
            .split_once('-')
            .unwrap_or((raw.trim(), raw.trim()));
        let first: u16 = first.trim().parse().ok()?;
        let last: u16 = last.trim().parse().ok()?;
        (first > 0 && first <= last).then_some(PortRange { first, last })
    }
}

impl Default for PortRange {
    fn default() -> Self {
        let (first, last) = super::defaults::PORT_RANGE;
        PortRange { first, last }
    }
}

impl serde::Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

#[cfg(test)]
mod tests {
    use super::PortRange;

    #[test]
    fn ranges() {
        assert_eq!(
            PortRange::parse("4000-4002"),
            Some(PortRange {
                first: 4000,
                last: 4002
            })
        );
        assert_eq!(
            PortRange::parse("8080"),
            Some(PortRange {
                first: 8080,
                last: 8080
            })
        );
        for bad in ["abc", "5-1", "0-10", "1-70000", "", "-"] {
            assert_eq!(PortRange::parse(bad), None, "{bad}");
        }
    }
}
