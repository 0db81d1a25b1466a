//! nethogs' stdout as records: a `SOCK_SEQPACKET` socket, so that each write(2) of
//! nethogs — one record, flushed by `std::endl` — arrives whole, and is forwarded as one
//! escaped `rec` line (or, at 1 KiB and more, a `long` line with its length and first
//! bytes); a refresh's lines go out together, followed by `quiet`. Why that makes records
//! unforgeable: the module comment of the helper.

use super::{emit_all, LONG_HEAD, MAX_RECORD, RECORD_SNDBUF};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;

/// A connected `SOCK_SEQPACKET` pair: ours (close-on-exec) and nethogs' stdout.
#[allow(unsafe_code)]
pub fn record_socket() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [-1 as libc::c_int; 2];
    let kind = libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC;
    // SAFETY: `fds` is a valid array of two ints for socketpair(2) to fill.
    if unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, fds.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: socketpair succeeded, so both are open descriptors that nothing else owns.
    let (ours, theirs) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let size = RECORD_SNDBUF;
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    for opt in [libc::SO_SNDBUFFORCE, libc::SO_SNDBUF] {
        // SAFETY: a valid socket and a pointer to a c_int of the given length.
        let set = unsafe {
            libc::setsockopt(
                theirs.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&size as *const libc::c_int).cast(),
                len,
            )
        };
        if set == 0 {
            break; // FORCE needs CAP_NET_ADMIN (not there when nethogs has file capabilities)
        }
    }
    Ok((ours, theirs))
}

/// After a message, nethogs has finished its refresh once this long passes without
/// another: it writes a refresh as one burst of records microseconds apart, at most every
/// second. The helper says so (`quiet`), so that hogwatch needs no timer of its own to
/// know a block is complete — one wakeup per refresh instead of two or three.
const QUIET_MS: libc::c_int = 50;
/// Lines of a burst are written to stdout together once nethogs is quiet, or at this size.
const BATCH: usize = 64 << 10;

/// Forwards each message of nethogs' stdout as one `rec` (or `long`) line, from a new
/// thread: a burst's lines in one write, followed by `quiet <dev>`.
/// Each message also sets `heard` to the ms since `since` (how the supervision loop sees a
/// silent nethogs).
pub fn forward_records(
    dev: String,
    sock: OwnedFd,
    heard: Arc<AtomicU64>,
    since: Instant,
) -> Option<JoinHandle<()>> {
    let body = move || {
        let mut buf = [0u8; MAX_RECORD];
        let mut batch = Vec::with_capacity(BATCH + 8 + dev.len() + 4 * MAX_RECORD);
        loop {
            if !batch.is_empty() {
                match readable(&sock, QUIET_MS) {
                    Ok(true) => {}
                    Ok(false) => {
                        batch.extend_from_slice(format!("quiet {dev}\n").as_bytes());
                        emit_all(&mut batch);
                        continue;
                    }
                    Err(_) => break,
                }
            }
            let got = recv_message(&sock, &mut buf);
            let ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
            heard.store(ms, Ordering::SeqCst);
            match got {
                Ok(0) => break, // nethogs closed its stdout (exited)
                Ok(n) if n >= MAX_RECORD => {
                    batch.extend_from_slice(format!("long {dev} {n} ").as_bytes());
                    escape_into(&buf[..LONG_HEAD], &mut batch);
                }
                Ok(n) => {
                    batch.extend_from_slice(format!("rec {dev} ").as_bytes());
                    escape_into(&buf[..n], &mut batch);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            batch.push(b'\n');
            if batch.len() >= BATCH {
                emit_all(&mut batch);
            }
        }
        emit_all(&mut batch); // what came before the end, so it precedes the `exit`
    };
    thread::Builder::new().spawn(body).ok()
}

/// Whether `sock` has a message (or its end) within `ms` milliseconds.
#[allow(unsafe_code)]
fn readable(sock: &OwnedFd, ms: libc::c_int) -> io::Result<bool> {
    let mut fd = libc::pollfd {
        fd: sock.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        // SAFETY: `fd` is one valid pollfd, and we pass a count of 1.
        match unsafe { libc::poll(&mut fd, 1, ms) } {
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            -1 => return Err(io::Error::last_os_error()),
            n => return Ok(n > 0),
        }
    }
}

/// Receives one message into `buf`; returns its whole length (MSG_TRUNC), which may be more
/// than `buf` holds. 0 is the end of the stream.
#[allow(unsafe_code)]
fn recv_message(sock: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the duration of the call.
    let n = unsafe {
        libc::recv(
            sock.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_TRUNC,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Printable ASCII other than `\\` as is; every other byte as `\\xHH`.
pub fn escape_into(raw: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in raw {
        if (0x20..=0x7e).contains(&b) && b != b'\\' {
            out.push(b);
        } else {
            out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        }
    }
}
