//! The core socket's lines, as both of its ends read them: the per-user core and its
//! front ends (`app::protocol`), and a user's collector reading the system service's
//! stream (`collect::upstream`). One JSON value or request word per line, each bounded, so
//! neither side can make the other grow a buffer without end.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// The request that asks for the live stream: `attach ROLE`.
pub const ATTACH: &str = "attach";
/// Longest line the core may send (a snapshot of tens of thousands of processes).
pub const MAX_MESSAGE: u64 = 64 * 1024 * 1024;

/// Reads one line of at most `max` bytes (without its newline); `None` at the end of the
/// stream, an error for a longer line or one that is not UTF-8.
pub async fn read_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    max: u64,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = tokio::io::AsyncReadExt::take(&mut *r, max + 1)
        .read_until(b'\n', &mut buf)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "a line longer than {max} bytes"
        )));
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| std::io::Error::other("a line that is not UTF-8"))
}
