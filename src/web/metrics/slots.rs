//! A bounded set of series (apps, users): the first `cap` keys to be among a refresh's
//! busiest get a series of their own and keep it; everything else adds up in one "other".
//! The state is a counter per series and one for "other" — nothing per key without a
//! series, however many keys come and go. Pure.

use crate::model::UpDown;
use std::collections::BTreeMap;

/// Longest label value (characters): a display name past it is cut with an ellipsis, a
/// key cut short. Names are untrusted text; a fleet's label index should not hold essays.
pub const MAX_LABEL: usize = 60;
/// Longest key label (an app's key is an executable's path).
pub const MAX_KEY: usize = 200;

/// One refresh's bytes of one key: (key, display name, up, down).
pub type Moved<'a> = (&'a str, &'a str, u64, u64);

/// `key` as a label value: itself up to `MAX_KEY` characters; past that cut, with a hash of
/// the whole key, so that two long keys alike at the start still make two series (two
/// series with the same labels would fail the whole scrape).
pub fn key_label(key: &str) -> String {
    if key.chars().count() <= MAX_KEY {
        return key.to_owned();
    }
    // FNV-1a: stable across runs and builds, unlike std's hasher.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let head: String = key.chars().take(MAX_KEY - 18).collect();
    format!("{head}…{hash:016x}")
}

#[derive(Debug)]
pub struct Slots {
    cap: usize,
    /// Keys with their own series: key → (display name, bytes since start).
    exported: BTreeMap<String, (String, UpDown)>,
    /// Bytes of the keys without a series of their own.
    other: UpDown,
}

fn add(to: &mut UpDown, up: u64, down: u64) {
    *to = (to.0.saturating_add(up), to.1.saturating_add(down));
}

impl Slots {
    pub fn new(cap: usize) -> Self {
        Slots {
            cap,
            exported: BTreeMap::new(),
            other: UpDown::default(),
        }
    }

    /// Adds one refresh's bytes (each key at most once in `moved`).
    pub fn observe(&mut self, moved: &[Moved<'_>]) {
        // Fill free slots with this refresh's busiest keys not yet exported. (Slots are
        // free only until `cap` keys have moved bytes: a key not exported then never was,
        // so "other" holds all of its bytes and none is counted twice.)
        if self.exported.len() < self.cap {
            let mut busiest: Vec<&Moved<'_>> = moved
                .iter()
                .filter(|m| !self.exported.contains_key(m.0))
                .collect();
            busiest.sort_by(|a, b| {
                b.2.saturating_add(b.3)
                    .cmp(&a.2.saturating_add(a.3))
                    .then(a.0.cmp(b.0))
            });
            let free = self.cap - self.exported.len();
            for m in busiest.into_iter().take(free) {
                self.exported.insert(
                    m.0.to_owned(),
                    (crate::text::truncate(m.1, MAX_LABEL), UpDown::default()),
                );
            }
        }
        for &(key, _, up, down) in moved {
            match self.exported.get_mut(key) {
                Some((_, v)) => add(v, up, down),
                None => add(&mut self.other, up, down),
            }
        }
    }

    /// (key label, display name, bytes) of each series, by key.
    pub fn series(&self) -> impl Iterator<Item = (String, &str, UpDown)> {
        self.exported
            .iter()
            .map(|(k, (name, v))| (key_label(k), name.as_str(), *v))
    }

    /// The bytes of every key without a series.
    pub fn other(&self) -> UpDown {
        self.other
    }
}
