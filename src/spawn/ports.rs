//! A port of its own for each running task (`GIT_AGENTS_PORT`, `{port}`), from
//! `agents.portRange`: unique among the run's tasks, and free when handed out (nothing on
//! 127.0.0.1 holds it). It is the agent's to bind; between the check and its bind another
//! program could take it, as with any port picked ahead of time.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Mutex;

use anyhow::Result;

use super::execute::Context;
use super::plan::TaskPlan;
use crate::config::{keys, PortRange};
use crate::error::{Error, Fix};

/// The ports the run's tasks hold.
pub struct Ports {
    range: PortRange,
    held: Mutex<BTreeSet<u16>>,
}

/// A port a task holds until this is dropped.
pub struct Lease<'a> {
    ports: &'a Ports,
    pub port: u16,
}

impl Ports {
    pub fn new(range: PortRange) -> Ports {
        Ports {
            range,
            held: Mutex::new(BTreeSet::new()),
        }
    }

    pub fn range(&self) -> PortRange {
        self.range
    }

    /// The lowest port of the range no task of the run holds and nothing else listens on;
    /// `None` when every one is taken.
    pub fn take(&self) -> Option<Lease<'_>> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let port = (self.range.first..=self.range.last)
            .find(|port| !held.contains(port) && free(*port))?;
        held.insert(port);
        Some(Lease { ports: self, port })
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut held = self.ports.held.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(&self.port);
    }
}

/// A port of the task's own while it runs, recorded in its state.
pub fn lease<'a>(cx: &Context<'a>, task: &TaskPlan) -> Result<Lease<'a>> {
    let Some(lease) = cx.ports.take() else {
        let range = cx.ports.range();
        return Err(Error::failed(format!(
            "no free port in {} {range} for task '{}'",
            keys::PORT_RANGE,
            task.task.name
        ))
        .with_fix(Fix::Text(format!(
            "free a port of the range, or widen it: git config {} {}-{}",
            keys::PORT_RANGE,
            range.first,
            range.last.saturating_add(100)
        )))
        .into());
    };
    let port = lease.port;
    cx.store.update(&task.task.name, move |old| {
        let mut record = old.unwrap_or_else(|| crate::spawn::queued_record(task, None));
        record.port = Some(port);
        record
    })?;
    Ok(lease)
}

fn free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_unique_skip_taken_ones_and_come_back() {
        let busy = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let first = busy.local_addr().unwrap().port();
        if first > u16::MAX - 2 {
            return;
        }
        let ports = Ports::new(PortRange {
            first,
            last: first + 2,
        });
        let a = ports.take().expect("a free port");
        assert_ne!(a.port, first, "a port something listens on is skipped");
        let b = ports.take();
        if let Some(b) = &b {
            assert_ne!(a.port, b.port);
        }
        let again = a.port;
        drop(a);
        let c = ports.take().expect("a released port is handed out again");
        assert!(c.port == again || b.is_none_or(|b| b.port != c.port));
    }
}
