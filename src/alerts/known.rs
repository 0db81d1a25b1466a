//! The apps the new-app rule knows — history's and this run's — bounded. Any local user
//! can start thousands of uniquely named processes, and each would stay in the set for
//! as long as hogwatch runs. At most `MAX_KNOWN` keys are kept; past that, the quarter
//! seen longest ago is forgotten. Every sighting renews an app, so the apps of this
//! machine stay known and a flood forgets mostly its own one-off names. An app forgotten
//! that way is "new" once more when it next moves bytes. Pure.
//!
//! Keys are kept as 64-bit hashes, not strings: 10,000 full paths were 2 MiB of a
//! long-running core's memory (the soak, BENCHMARKS.md). The hash is SipHash with this
//! process's random keys, so no one can make a new app collide with a known one on
//! purpose; by chance, among 10,000 keys, about one in 10^11.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// App keys known at most.
pub const MAX_KNOWN: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct KnownApps {
    /// Key's hash → when it was last seen (a counter of sightings).
    last_seen: HashMap<u64, u64>,
    clock: u64,
    hasher: RandomState,
}

impl KnownApps {
    /// Starts from `keys` (history's); beyond `MAX_KNOWN` of them, any `MAX_KNOWN`.
    pub fn new(keys: impl IntoIterator<Item = String>) -> Self {
        let hasher = RandomState::new();
        KnownApps {
            last_seen: keys
                .into_iter()
                .take(MAX_KNOWN)
                .map(|k| (hasher.hash_one(k.as_str()), 0))
                .collect(),
            clock: 0,
            hasher,
        }
    }

    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    pub fn len(&self) -> usize {
        self.last_seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last_seen.is_empty()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.last_seen.contains_key(&self.hash(key))
    }

    /// Records a sighting of `key`; true when it was not known.
    pub fn see(&mut self, key: &str) -> bool {
        self.clock += 1;
        let h = self.hash(key);
        if let Some(t) = self.last_seen.get_mut(&h) {
            *t = self.clock;
            return false;
        }
        self.last_seen.insert(h, self.clock);
        if self.last_seen.len() > MAX_KNOWN {
            self.forget_oldest_quarter();
        }
        true
    }

    fn forget_oldest_quarter(&mut self) {
        let mut times: Vec<u64> = self.last_seen.values().copied().collect();
        let nth = times.len() / 4;
        let (_, cut, _) = times.select_nth_unstable(nth);
        let cut = *cut;
        // Ties at the cut (history's keys are all at 0) may remove a little more.
        self.last_seen.retain(|_, t| *t > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_the_apps_seen_lately_stay() {
        let mut k = KnownApps::new(["/usr/bin/curl".to_string()]);
        assert!(!k.see("/usr/bin/curl"));
        assert!(k.see("/usr/lib/firefox/firefox"));
        for i in 0..5 * MAX_KNOWN {
            k.see(&format!("/tmp/flood/{i}"));
            if i % 1000 == 0 {
                k.see("/usr/lib/firefox/firefox");
            }
            assert!(k.len() <= MAX_KNOWN);
        }
        assert!(
            k.contains("/usr/lib/firefox/firefox"),
            "renewed by its sightings"
        );
        assert!(!k.contains("/usr/bin/curl"), "not seen since the start");
        assert!(k.len() > MAX_KNOWN / 2);
    }
}
