//! macOS: no parent-death signal, so a thread waits on kqueue for the parent's exit.

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::sys::event::{EvFlags, EventFilter, FilterFlag, KEvent, Kqueue};
use nix::unistd::{getppid, Pid};

use super::poll;

pub fn watch(parent: Pid) -> bool {
    match register(parent) {
        Ok(queue) => {
            std::thread::spawn(move || wait(&queue, parent));
        }
        // No such process: the parent is gone already.
        Err(Errno::ESRCH) => return false,
        Err(_) => {
            std::thread::spawn(move || poll::wait(parent));
        }
    }
    // Checked after registering: a parent that exited before it would never be reported.
    getppid() == parent
}

/// A kqueue that reports the exit of `parent`.
fn register(parent: Pid) -> nix::Result<Kqueue> {
    let queue = Kqueue::new()?;
    fcntl(&queue, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
    let pid = usize::try_from(parent.as_raw()).map_err(|_| Errno::ESRCH)?;
    let change = exit_event(pid, EvFlags::EV_ADD | EvFlags::EV_ONESHOT);
    let now = nix::libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    queue.kevent(&[change], &mut [], Some(now))?;
    Ok(queue)
}

fn exit_event(pid: usize, flags: EvFlags) -> KEvent {
    KEvent::new(
        pid,
        EventFilter::EVFILT_PROC,
        flags,
        FilterFlag::NOTE_EXIT,
        0,
        0,
    )
}

/// Block until the parent exits, then signal this process; poll if kqueue stops working.
fn wait(queue: &Kqueue, parent: Pid) {
    let mut events = [exit_event(0, EvFlags::empty())];
    loop {
        match queue.kevent(&[], &mut events, None) {
            Ok(0) | Err(Errno::EINTR) => continue,
            Ok(_) if !events[0].flags().contains(EvFlags::EV_ERROR) => return poll::notify(),
            Ok(_) | Err(_) => return poll::wait(parent),
        }
    }
}
