//! Overrides the command line gives that its types alone cannot rule out.

use std::time::Duration;

use anyhow::Result;

use super::{Limit, Overrides};
use crate::agent::Template;
use crate::error::{Error, Fix};

/// What the command line cannot rule out by its types alone.
pub(super) fn check_overrides(overrides: &Overrides) -> Result<()> {
    if overrides.jobs == Some(0) {
        return Err(
            Error::usage("the number of parallel agents must be at least 1")
                .with_fix(Fix::AtLeastOneJob)
                .into(),
        );
    }
    if overrides
        .budget
        .is_some_and(|b| !(b > 0.0 && b.is_finite()))
    {
        return Err(
            Error::usage("a budget must be an amount above zero, like 2.50")
                .with_fix(Fix::Text(
                    "give the most a task may cost in US dollars".into(),
                ))
                .into(),
        );
    }
    if overrides
        .timeout
        .into_iter()
        .chain(overrides.idle_timeout)
        .any(|t| t == Limit::After(Duration::ZERO))
    {
        return Err(
            Error::usage("a timeout of zero would stop every agent as it starts")
                .with_fix(Fix::PositiveTimeout)
                .into(),
        );
    }
    if let Some(agent) = &overrides.agent {
        Template::preset(agent)?;
    }
    Ok(())
}
