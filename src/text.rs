//! Untrusted text made safe to show: process names and command lines come from
//! arbitrary programs, other users' included, and may carry terminal escapes,
//! newlines or bidirectional overrides.

use std::borrow::Cow;

fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
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
}
