//! The rows' order across refreshes: hysteresis so the menu does not jump under the
//! pointer, with an injected clock.

use super::{Group, RowId, Sort, OVERTAKE_AFTER_MS, OVERTAKE_RATIO};
use crate::clock::Mono;
use std::collections::HashMap;

/// What the order was computed under: sort, grouping, device filter and N.
pub(super) type Context = (Sort, Group, Option<String>, usize);

/// Remembers the rows' order between refreshes so the menu does not jump: a row passes
/// the one above it only when its sort key is at least 20% larger, or has been larger
/// for 3 s without a break. Rows new to the top N enter at their value's place; rows
/// that fall out of it leave. Changing the sort, grouping, filter or N starts afresh.
#[derive(Debug, Clone, Default)]
pub struct Ordering {
    context: Option<Context>,
    order: Vec<RowId>,
    /// (a, b) → since when a's key has been larger than b's, continuously.
    ahead_since: HashMap<(RowId, RowId), Mono>,
}

impl Ordering {
    pub fn new() -> Self {
        Ordering::default()
    }

    /// Starts afresh when the view changed (sort, grouping, filter or N): the old order
    /// and leads mean nothing under another key.
    pub(super) fn restart_if_changed(&mut self, context: Context) {
        if self.context.as_ref() != Some(&context) {
            *self = Ordering {
                context: Some(context),
                ..Ordering::default()
            };
        }
    }

    /// The rows' order after the last `build`.
    pub fn order(&self) -> &[RowId] {
        &self.order
    }

    /// Orders the top `n` of `ranked` (sorted by key, largest first).
    pub(super) fn arrange(&mut self, ranked: &[(RowId, f64)], n: usize, now: Mono) -> Vec<RowId> {
        let members = &ranked[..n.min(ranked.len())];
        let key: HashMap<&RowId, f64> = members.iter().map(|(id, k)| (id, *k)).collect();

        let mut ahead = HashMap::new();
        for (a, ka) in members {
            for (b, kb) in members {
                if ka > kb {
                    let pair = (a.clone(), b.clone());
                    let since = self.ahead_since.get(&pair).copied().unwrap_or(now);
                    ahead.insert(pair, since);
                }
            }
        }
        self.ahead_since = ahead;

        let mut order: Vec<RowId> = self
            .order
            .iter()
            .filter(|id| key.contains_key(id))
            .cloned()
            .collect();
        for (id, k) in members {
            if !order.contains(id) {
                let at = order
                    .iter()
                    .position(|o| key.get(o).is_some_and(|ko| ko < k))
                    .unwrap_or(order.len());
                order.insert(at, id.clone());
            }
        }

        let overtakes = |lower: &RowId, upper: &RowId| -> bool {
            let k = |id: &RowId| key.get(id).copied().unwrap_or(0.0);
            let (kl, ku) = (k(lower), k(upper));
            kl > ku
                && (kl >= ku * OVERTAKE_RATIO
                    || self
                        .ahead_since
                        .get(&(lower.clone(), upper.clone()))
                        .is_some_and(|since| now.since(*since) >= OVERTAKE_AFTER_MS))
        };
        // Each swap removes one inversion, so this ends.
        loop {
            let mut swapped = false;
            for i in 1..order.len() {
                if overtakes(&order[i], &order[i - 1]) {
                    order.swap(i, i - 1);
                    swapped = true;
                }
            }
            if !swapped {
                break;
            }
        }
        self.order = order.clone();
        order
    }
}
