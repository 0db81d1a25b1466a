//! One-time codes: what a browser is started with instead of the dashboard's key.
//!
//! `xdg-open URL` puts the URL in a command line, which every local user can read in
//! `/proc/PID/cmdline`. So the URL handed to it carries a code that is worth little to
//! anyone else: it lasts [`TTL_SECS`], opens one page once, and (see `peer`) the server
//! takes it only from a connection of its own user. The page trades it for the key
//! (`POST /api/session`).
//!
//! A code is `EXPIRY.NONCE.MAC`: the Unix second it expires, 16 random bytes, and
//! HMAC-SHA256 over both keyed with the server's per-run key. Whoever holds the key (the
//! server itself, a tray attached to it, which learnt the key over the owner-only socket)
//! can make one without asking the server; nobody else can, and a code dies with the run
//! whose key made it. The server remembers the nonces it took until they expire, so each
//! is taken once. Pure: the clock is a parameter.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// How long a code lasts: enough for a browser to start cold, short for a thief.
pub const TTL_SECS: u64 = 60;
/// Nonces remembered at most (codes taken within one TTL); more are refused, not kept.
const MAX_SPENT: usize = 4096;
const NONCE_BYTES: usize = 16;

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.map(|x| x ^ b);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn mac(key: &str, expiry: u64, nonce: &str) -> String {
    hex(&hmac(
        key.as_bytes(),
        format!("hogwatch-code\0{expiry}\0{nonce}").as_bytes(),
    ))
}

/// A new code under `key`, valid from `now` (Unix seconds) for [`TTL_SECS`];
/// `random` gives the nonce's bytes.
pub fn mint(key: &str, now: u64, random: [u8; NONCE_BYTES]) -> String {
    let expiry = now.saturating_add(TTL_SECS);
    let nonce = hex(&random);
    let mac = mac(key, expiry, &nonce);
    format!("{expiry}.{nonce}.{mac}")
}

/// [`mint`] with a nonce from the kernel's random source.
pub fn mint_now(key: &str) -> std::io::Result<String> {
    let mut random = [0u8; NONCE_BYTES];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut random)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(mint(key, now, random))
}

/// Why a code was not taken (what the page tells the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("this link is not a dashboard code of this server (or hogwatch restarted since)")]
    Forged,
    #[error("this link has expired: open the dashboard again")]
    Expired,
    #[error("this link was used already: open the dashboard again")]
    Spent,
    #[error("too many dashboard links at once: try again in a minute")]
    Busy,
}

/// The nonces taken and when each expires.
#[derive(Debug, Default)]
pub struct Spent {
    taken: HashMap<String, u64>,
}

/// Checks that `code` was made under `key` and is valid at `now`, without taking it;
/// its nonce and expiry. Cheap: a forged code costs the server one HMAC.
pub fn verify<'a>(key: &str, code: &'a str, now: u64) -> Result<(&'a str, u64), Refused> {
    let mut parts = code.split('.');
    let (Some(expiry), Some(nonce), Some(given), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Forged);
    };
    let Ok(expiry) = expiry.parse::<u64>() else {
        return Err(Refused::Forged);
    };
    if nonce.len() != NONCE_BYTES * 2 || !super::auth::same(&mac(key, expiry, nonce), given) {
        return Err(Refused::Forged);
    }
    // Made by a key holder, but never one that outlives the TTL from now (a clock
    // that jumped back, or a holder minting far ahead).
    if expiry <= now || expiry > now.saturating_add(TTL_SECS + 5) {
        return Err(Refused::Expired);
    }
    Ok((nonce, expiry))
}

impl Spent {
    /// Takes `code` (made under `key`) at `now`, once.
    pub fn take(&mut self, key: &str, code: &str, now: u64) -> Result<(), Refused> {
        let (nonce, expiry) = verify(key, code, now)?;
        self.taken.retain(|_, e| *e > now);
        if self.taken.contains_key(nonce) {
            return Err(Refused::Spent);
        }
        if self.taken.len() >= MAX_SPENT {
            return Err(Refused::Busy);
        }
        self.taken.insert(nonce.to_owned(), expiry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a1b2c3";

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_code_is_taken_once() {
        let mut spent = Spent::default();
        let code = mint(KEY, 1000, [7; 16]);
        assert_eq!(spent.take(KEY, &code, 1000), Ok(()));
        assert_eq!(spent.take(KEY, &code, 1001), Err(Refused::Spent));
        // Another nonce is another code.
        assert_eq!(spent.take(KEY, &mint(KEY, 1000, [8; 16]), 1001), Ok(()));
    }

    #[test]
    fn a_code_expires() {
        let mut spent = Spent::default();
        let code = mint(KEY, 1000, [1; 16]);
        assert_eq!(
            spent.take(KEY, &code, 1000 + TTL_SECS),
            Err(Refused::Expired)
        );
        let code = mint(KEY, 1000, [2; 16]);
        assert_eq!(spent.take(KEY, &code, 1000 + TTL_SECS - 1), Ok(()));
        // One minted for far in the future is no better.
        let ahead = mint(KEY, 5000, [3; 16]);
        assert_eq!(spent.take(KEY, &ahead, 1000), Err(Refused::Expired));
    }

    #[test]
    fn only_the_key_makes_codes() {
        let mut spent = Spent::default();
        let other = mint("another run", 1000, [4; 16]);
        assert_eq!(spent.take(KEY, &other, 1000), Err(Refused::Forged));
        let good = mint(KEY, 1000, [5; 16]);
        // A later expiry under the same MAC, a changed nonce, junk.
        let (_, rest) = good.split_once('.').unwrap_or_default();
        let bumped = format!("{}.{rest}", 1000 + TTL_SECS + 1);
        let flipped = good.replacen("05", "06", 1);
        for bad in [
            bumped.as_str(),
            flipped.as_str(),
            "",
            "1.2",
            "1.2.3.4",
            "x.y.z",
            "99999999999999999999999.00.00",
        ] {
            assert_eq!(spent.take(KEY, bad, 1000), Err(Refused::Forged), "{bad:?}");
        }
        assert_eq!(spent.take(KEY, &good, 1000), Ok(()));
    }

    #[test]
    fn spent_nonces_are_forgotten_when_they_expire_and_bounded() {
        let mut spent = Spent::default();
        for i in 0..MAX_SPENT {
            let mut n = [0u8; 16];
            n[..8].copy_from_slice(&(i as u64).to_le_bytes());
            assert_eq!(spent.take(KEY, &mint(KEY, 1000, n), 1000), Ok(()));
        }
        assert_eq!(
            spent.take(KEY, &mint(KEY, 1000, [0xff; 16]), 1000),
            Err(Refused::Busy)
        );
        // A TTL later the old ones are gone.
        let later = 1000 + TTL_SECS;
        assert_eq!(
            spent.take(KEY, &mint(KEY, later, [0xff; 16]), later),
            Ok(())
        );
        assert_eq!(spent.taken.len(), 1);
    }
}
