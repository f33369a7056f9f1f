//! Reading a job's output pipe without waiting on whoever else holds it open. Once the job's
//! process has exited, what still holds the write end (a daemon that escaped the supervisor,
//! or anything at all when there is no supervisor) gets [`DRAIN`] more to say its last; then
//! the reading stops, as at the end of the output.

use std::io::{PipeReader, Read};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

/// Long enough for output already written to be read, short enough to go unnoticed.
pub const DRAIN: Duration = Duration::from_secs(1);

pub struct Output<'a> {
    pipe: PipeReader,
    /// Reports the exit of the job's process: its write end is dropped then. `None` once seen.
    exited: Option<PipeReader>,
    deadline: Option<Instant>,
    /// Called once the exit is seen.
    on_exit: Option<Box<dyn FnOnce() + Send + 'a>>,
}

impl<'a> Output<'a> {
    pub fn new(pipe: PipeReader, exited: PipeReader) -> Output<'a> {
        Output {
            pipe,
            exited: Some(exited),
            deadline: None,
            on_exit: None,
        }
    }

    /// Have `hook` called as soon as the exit is seen (if it is, before the output ends).
    pub fn on_exit(mut self, hook: impl FnOnce() + Send + 'a) -> Output<'a> {
        self.on_exit = Some(Box::new(hook));
        self
    }

    /// Wait until the pipe can be read without blocking (true), or the drain is over (false).
    fn ready(&mut self) -> std::io::Result<bool> {
        loop {
            let timeout = match self.deadline {
                None => PollTimeout::NONE,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    // Rounded up: a timeout of 0 ms would spin until the deadline.
                    let millis = left.as_millis().saturating_add(1);
                    PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX)
                }
            };
            let readable = PollFlags::POLLIN;
            let mut fds = [
                Some(self.pipe.as_fd()),
                self.exited.as_ref().map(|e| e.as_fd()),
            ]
            .into_iter()
            .flatten()
            .map(|fd| PollFd::new(fd, readable))
            .collect::<Vec<_>>();
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(err) => return Err(err.into()),
            }
            let woke = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
            let (output, exit) = (woke(&fds[0]), fds.get(1).is_some_and(woke));
            if output {
                return Ok(true);
            }
            if exit {
                self.exited = None;
                self.deadline = Some(Instant::now() + DRAIN);
                if let Some(hook) = self.on_exit.take() {
                    hook();
                }
            }
        }
    }
}

impl Read for Output<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ready()? {
            self.pipe.read(buf)
        } else {
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn everything_written_is_read_to_the_end() {
        let (pipe, mut writer) = std::io::pipe().unwrap();
        let (exited, _job) = std::io::pipe().unwrap();
        writer.write_all(b"all of it\n").unwrap();
        drop(writer);
        let mut text = String::new();
        Output::new(pipe, exited).read_to_string(&mut text).unwrap();
        assert_eq!(text, "all of it\n");
    }

    #[test]
    fn a_pipe_held_open_after_the_exit_is_read_until_the_drain_ends() {
        let (pipe, mut writer) = std::io::pipe().unwrap();
        let (exited, job) = std::io::pipe().unwrap();
        writer.write_all(b"before the exit\n").unwrap();
        drop(job);
        let mut text = String::new();
        Output::new(pipe, exited).read_to_string(&mut text).unwrap();
        assert_eq!(text, "before the exit\n");
        drop(writer);
    }
}
