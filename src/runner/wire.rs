//! The messages between git-agents and its supervisor over a unix socket: each a list of byte
//! strings (`u32` length-prefixed, the whole frame too), optionally carrying one file
//! descriptor (SCM_RIGHTS), which the receiver takes in the order the frames come.

use std::collections::VecDeque;
use std::io::{self, IoSlice, IoSliceMut, Write};
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;

use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

/// A frame's fields.
pub type Fields = Vec<Vec<u8>>;

/// Send one frame, with `fd` attached to its first byte.
pub fn send<F: AsRef<[u8]>>(
    socket: &UnixStream,
    fields: &[F],
    fd: Option<BorrowedFd<'_>>,
) -> io::Result<()> {
    let fields = fields.iter().map(AsRef::as_ref);
    let mut frame = Vec::with_capacity(256);
    frame.extend_from_slice(&[0; 4]);
    for field in fields {
        frame.extend_from_slice(&len(field.len())?.to_le_bytes());
        frame.extend_from_slice(field);
    }
    let total = len(frame.len() - 4)?;
    frame[..4].copy_from_slice(&total.to_le_bytes());
    let fds: Vec<BorrowedFd<'_>> = fd.into_iter().collect();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        control.push(SendAncillaryMessage::ScmRights(&fds));
    }
    let sent = loop {
        match sendmsg(
            socket,
            &[IoSlice::new(&frame)],
            &mut control,
            SendFlags::empty(),
        ) {
            Err(rustix::io::Errno::INTR) => continue,
            result => break result?,
        }
    };
    // A stream socket may take part of a long frame; the descriptor went with the first part.
    let mut socket = socket;
    socket.write_all(&frame[sent..])
}

fn len(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::other("a message too long for the supervisor"))
}

/// Reads frames, and the descriptors sent with them, from one socket.
pub struct Receiver {
    socket: UnixStream,
    buf: Vec<u8>,
    fds: VecDeque<OwnedFd>,
}

impl Receiver {
    pub fn new(socket: UnixStream) -> Receiver {
        Receiver {
            socket,
            buf: Vec::new(),
            fds: VecDeque::new(),
        }
    }

    /// The next frame; `None` once the other side closed the socket.
    pub fn next(&mut self) -> io::Result<Option<Fields>> {
        loop {
            if let Some(fields) = self.complete()? {
                return Ok(Some(fields));
            }
            let mut chunk = [0u8; 16 * 1024];
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
            let mut control = RecvAncillaryBuffer::new(&mut space);
            let got = match recvmsg(
                &self.socket,
                &mut [IoSliceMut::new(&mut chunk)],
                &mut control,
                cloexec(),
            ) {
                Err(rustix::io::Errno::INTR) => continue,
                result => result?,
            };
            for message in control.drain() {
                if let RecvAncillaryMessage::ScmRights(fds) = message {
                    for fd in fds {
                        keep_from_children(&fd)?;
                        self.fds.push_back(fd);
                    }
                }
            }
            if got.bytes == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..got.bytes]);
        }
    }

    /// The descriptor sent with the oldest frame that had one and was not yet asked for.
    pub fn take_fd(&mut self) -> Option<OwnedFd> {
        self.fds.pop_front()
    }

    fn complete(&mut self) -> io::Result<Option<Fields>> {
        let Some(total) = self.buf.get(..4).map(read_u32) else {
            return Ok(None);
        };
        if self.buf.len() < 4 + total {
            return Ok(None);
        }
        let frame: Vec<u8> = self.buf.drain(..4 + total).skip(4).collect();
        let mut fields = Vec::new();
        let mut at = 0;
        while at < frame.len() {
            let bad = || io::Error::new(io::ErrorKind::InvalidData, "a malformed frame");
            let n = frame.get(at..at + 4).map(read_u32).ok_or_else(bad)?;
            fields.push(frame.get(at + 4..at + 4 + n).ok_or_else(bad)?.to_vec());
            at += 4 + n;
        }
        Ok(Some(fields))
    }
}

fn read_u32(bytes: &[u8]) -> usize {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize
}

/// Received descriptors must not leak into the agents started later.
#[cfg(target_os = "linux")]
fn cloexec() -> RecvFlags {
    RecvFlags::CMSG_CLOEXEC
}
#[cfg(not(target_os = "linux"))]
fn cloexec() -> RecvFlags {
    RecvFlags::empty()
}

#[cfg(target_os = "linux")]
fn keep_from_children(_fd: &OwnedFd) -> io::Result<()> {
    Ok(())
}
#[cfg(not(target_os = "linux"))]
fn keep_from_children(fd: &OwnedFd) -> io::Result<()> {
    // Agents are started by the thread that receives, so none starts before this is set.
    Ok(rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::CLOEXEC)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn frames_and_their_descriptor_arrive_whole_and_in_order() {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut reader, writer) = std::io::pipe().unwrap();
        let long = vec![b'x'; 100_000];
        send(
            &a,
            &[b"one".as_slice(), b"", &long],
            Some(std::os::fd::AsFd::as_fd(&writer)),
        )
        .unwrap();
        send(&a, &[b"two".as_slice()], None).unwrap();
        drop(writer);
        drop(a);
        let mut rx = Receiver::new(b);
        let first = rx.next().unwrap().unwrap();
        assert_eq!(first, vec![b"one".to_vec(), Vec::new(), long]);
        let fd = rx.take_fd().unwrap();
        std::io::Write::write_all(&mut std::fs::File::from(fd), b"through").unwrap();
        let mut got = String::new();
        reader.read_to_string(&mut got).unwrap();
        assert_eq!(got, "through");
        assert_eq!(rx.next().unwrap().unwrap(), vec![b"two".to_vec()]);
        assert!(rx.take_fd().is_none());
        assert!(rx.next().unwrap().is_none());
    }
}
