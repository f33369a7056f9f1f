//! A time limit that can be turned off: `agents.timeout` and `agents.idleTimeout`.

use std::time::Duration;

/// A time limit, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No limit (`off`).
    Off,
    /// Stop after this long; never zero.
    After(Duration),
}

impl Limit {
    /// The duration, or `None` when off.
    pub fn duration(self) -> Option<Duration> {
        match self {
            Limit::Off => None,
            Limit::After(d) => Some(d),
        }
    }

    /// `off`, `none`, `never`, or a duration above zero like `90s`, `30m`, `1h`.
    pub fn parse(raw: &str) -> Option<Limit> {
        let raw = raw.trim();
        if ["off", "none", "never", "false"].contains(&raw.to_ascii_lowercase().as_str()) {
            return Some(Limit::Off);
        }
        super::read::parse_duration(raw)
            .filter(|d| !d.is_zero())
            .map(Limit::After)
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Off => f.write_str("off"),
            Limit::After(d) => write!(f, "{}", humantime::format_duration(*d)),
        }
    }
}

impl serde::Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<Duration> for Limit {
    fn from(d: Duration) -> Limit {
        Limit::After(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_show() {
        assert_eq!(Limit::parse("off"), Some(Limit::Off));
        assert_eq!(
            Limit::parse("90s"),
            Some(Limit::After(Duration::from_secs(90)))
        );
        assert_eq!(Limit::parse("0"), None);
        assert_eq!(Limit::parse("abc"), None);
        assert_eq!(Limit::After(Duration::from_secs(3600)).to_string(), "1h");
    }
}
