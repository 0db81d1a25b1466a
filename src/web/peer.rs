//! Whose program is at the other end of a TCP connection made on this machine: the uid
//! that owns the peer's socket, from the kernel's socket tables (`/proc/net/tcp`,
//! `/proc/net/tcp6`), where the peer's socket is the row whose local address is our
//! peer's and whose remote address is our own.
//!
//! Why: a one-time code (`code`) travels in a command line that other users can read.
//! The server takes a code only from a connection of its own user (or root), so a code
//! read from `/proc/PID/cmdline` by someone else opens nothing. A connection from another
//! machine has no row here, and gets no answer but "not yours" either.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The address and port of a table's `ADDR:PORT` field (addresses as the kernel prints
/// them: 32-bit words in the machine's byte order).
fn parse_addr(field: &str) -> Option<SocketAddr> {
    let (addr, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let w = addr.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(w, 16).ok()?.to_ne_bytes())
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip.to_canonical(), port))
}

fn canonical(a: SocketAddr) -> SocketAddr {
    SocketAddr::new(a.ip().to_canonical(), a.port())
}

/// The uid of the socket in `table` (the text of /proc/net/tcp or tcp6) whose local
/// address is `peer` and remote address is `local`.
pub fn uid_in(table: &str, peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    let (peer, local) = (canonical(peer), canonical(local));
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // sl local rem st tx:rx tr:when retrnsmt uid …
        let (l, r, uid) = (f.get(1)?, f.get(2)?, f.get(7)?);
        (parse_addr(l)? == peer && parse_addr(r)? == local)
            .then(|| uid.parse().ok())
            .flatten()
    })
}

/// The uid that owns the peer's end of our connection `local` ⇐ `peer`, if the peer is a
/// socket on this machine (in this network namespace).
pub fn uid_of(peer: SocketAddr, local: SocketAddr) -> Option<u32> {
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().find_map(|p| {
        let table = std::fs::read_to_string(p).ok()?;
        uid_in(&table, peer, local)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1920 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:D431 0100007F:1920 01 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 20 4 30 10 -1
   2: 0100007F:1920 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
";

    #[test]
    fn finds_the_peers_row_not_ours() {
        let server: SocketAddr = "127.0.0.1:6432".parse().unwrap_or_else(|_| unreachable!());
        let client: SocketAddr = "127.0.0.1:54321".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(uid_in(TCP, client, server), Some(1000));
        assert_eq!(uid_in(TCP, server, client), Some(0));
        let other: SocketAddr = "127.0.0.1:54322".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(uid_in(TCP, other, server), None);
        assert_eq!(uid_in("junk\n1: zz:zz yy:yy", client, server), None);
    }

    #[test]
    fn v6_rows_and_v4_mapped_addresses() {
        // ::1 port 6432, and ::ffff:127.0.0.1 port 0xD431.
        let table = "header
 0: 00000000000000000000000001000000:D431 00000000000000000000000001000000:1920 01 0:0 0:0 0 1001 0 9
 1: 0000000000000000FFFF00000100007F:D431 0000000000000000FFFF00000100007F:1920 01 0:0 0:0 0 1002 0 9
";
        let v6: SocketAddr = "[::1]:54321".parse().unwrap_or_else(|_| unreachable!());
        let v6s: SocketAddr = "[::1]:6432".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(uid_in(table, v6, v6s), Some(1001));
        let c: SocketAddr = "127.0.0.1:54321".parse().unwrap_or_else(|_| unreachable!());
        let s: SocketAddr = "[::ffff:127.0.0.1]:6432"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(uid_in(table, c, s), Some(1002));
    }

    #[test]
    fn a_real_connection_is_ours() -> std::io::Result<()> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let client = std::net::TcpStream::connect(listener.local_addr()?)?;
        let (conn, peer) = listener.accept()?;
        let me = crate::collect::procfs::effective_uid();
        assert!(me.is_some());
        assert_eq!(uid_of(peer, conn.local_addr()?), me);
        drop(client);
        Ok(())
    }
}
