//! Untrusted text made safe to show and bounded to keep: process names and command lines
//! come from arbitrary programs, other users' included, and may carry terminal escapes,
//! newlines or bidirectional overrides, and be as long as the kernel allows (argv[0] alone
//! may be 128 KiB, a command line megabytes). Names and app keys are kept to
//! [`MAX_NAME`] bytes, command lines to [`MAX_CMDLINE`]; where text was cut it ends in
//! [`CUT`], so a cut name never passes for a whole one.

use std::borrow::Cow;

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Longest process name, app key or app display name kept, in bytes (the cut included).
pub const MAX_NAME: usize = 256;
/// Longest command line kept (its arguments joined by spaces), in bytes (the cut included).
pub const MAX_CMDLINE: usize = 4096;
/// Ends text that was cut.
pub const CUT: char = '…';

/// `s` if it fits in `max` bytes, else its longest prefix that ends on a char boundary and
/// leaves room for [`CUT`], with [`CUT`] appended: at most `max` bytes either way (for
/// `max` ≥ 3). Cutting again changes nothing.
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(mark_cut(s, max))
    }
}

/// `s` marked as cut: its longest prefix that leaves room for [`CUT`] within `max` bytes
/// (on a char boundary), then [`CUT`]. For text known to be incomplete already (a file
/// read only in part), even when what is left would fit.
pub fn mark_cut(s: &str, max: usize) -> String {
    let mut end = max.saturating_sub(CUT.len_utf8()).min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + CUT.len_utf8());
    out.push_str(&s[..end]);
    out.push(CUT);
    out
}

/// A process name or an app key (or display name) as kept: [`cut`] to [`MAX_NAME`].
pub fn bound_name(s: &str) -> Cow<'_, str> {
    cut(s, MAX_NAME)
}

/// Replaces control and bidi-control characters with `�`.
pub fn printable(s: &str) -> Cow<'_, str> {
    if s.chars().any(unsafe_char) {
        Cow::Owned(
            s.chars()
                .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// `printable`, cut to at most `max` characters with an ellipsis.
pub fn truncate(s: &str, max: usize) -> String {
    let p = printable(s);
    if p.chars().count() <= max {
        return p.into_owned();
    }
    let mut out: String = p.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Undoes hogwatch-helper's escaping (nethogs `rec` lines, eBPF comms): `\\xHH` is a byte, other printable ASCII is itself.
/// None for anything the helper would never write (a bare `\\`, a control character).
pub fn unescape(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => {
                if bytes.next()? != b'x' {
                    return None;
                }
                let digit = |b: u8| {
                    char::from(b)
                        .to_digit(16)
                        .and_then(|d| u8::try_from(d).ok())
                };
                let (hi, lo) = (digit(bytes.next()?)?, digit(bytes.next()?)?);
                out.push(hi << 4 | lo);
            }
            0x20..=0x7e => out.push(b),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_escapes() {
        assert_eq!(printable("firefox"), "firefox");
        assert_eq!(
            printable("x\x1b[2Jy\nz\u{202E}"),
            "x\u{FFFD}[2Jy\u{FFFD}z\u{FFFD}"
        );
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ab", 4), "ab");
    }

    #[test]
    fn cuts_at_a_char_boundary_and_marks_the_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("0123456789", 10), "0123456789");
        assert_eq!(cut("0123456789a", 10), "0123456…");
        // "é" is two bytes: it fits whole, or the cut goes before it.
        let fits = format!("{}é{}", "a".repeat(251), "b".repeat(100));
        assert_eq!(bound_name(&fits), format!("{}é…", "a".repeat(251)));
        let inside = format!("{}é{}", "a".repeat(252), "b".repeat(100));
        let c = bound_name(&inside);
        assert_eq!(c, format!("{}…", "a".repeat(252)));
        assert!(c.len() <= MAX_NAME);
        // Idempotent, so a name cut once compares equal to itself cut again.
        assert_eq!(bound_name(&c), c);
        // Marked although it would fit: the text is known to be incomplete.
        assert_eq!(mark_cut("abc", 10), "abc…");
        assert_eq!(mark_cut("abcdefghij", 10), "abcdefg…");
        // Every length of a multi-byte string: valid, bounded, marked.
        let wide = "ü€😀".repeat(40);
        for max in 3..wide.len() {
            let c = cut(&wide, max);
            assert!(c.len() <= max, "{max}: {c:?}");
            assert!(c.ends_with(CUT), "{max}: {c:?}");
        }
    }
}
