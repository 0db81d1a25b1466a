//! The state machine of a rate rule (one per rule, or per rule × app): it fires when the
//! condition has held for `hold`, stays active while it holds, and re-arms only after
//! the figure has stayed below the clear level (90% of the threshold) for `rearm`, so a
//! rate hovering around the threshold gives one alert, not a stream. A cooldown spaces
//! two firings apart however the condition moves. Pure: time comes in as `Mono`.

use crate::clock::Mono;

/// Below this share of the threshold a rate counts as clear (hysteresis on the value).
pub const CLEAR_RATIO: f64 = 0.9;
/// Least time clear before the rule can fire again, whatever its hold time.
pub const MIN_REARM_MS: u64 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Armed, condition false.
    Idle,
    /// Condition true since then, not yet for long enough.
    Pending(Mono),
    /// Fired (or would have, but for the cooldown); condition still true.
    Active,
    /// Was active; below the clear level since then.
    Clearing(Mono),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub state: State,
    hold_ms: u64,
    rearm_ms: u64,
    cooldown_ms: u64,
    last_fired: Option<Mono>,
    /// When the current episode began (for "for 2 min" in the message).
    since: Option<Mono>,
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Nothing,
    /// The condition has held for the hold time: notify (since = when it began).
    Fire {
        since: Mono,
    },
    /// It would fire, but the cooldown since the last firing has not passed.
    Suppressed,
    /// Back to idle (re-armed).
    Cleared,
}

impl Machine {
    pub fn new(hold_s: u64, cooldown_s: u64) -> Self {
        let hold_ms = hold_s.saturating_mul(1000);
        Machine {
            state: State::Idle,
            hold_ms,
            rearm_ms: hold_ms.max(MIN_REARM_MS),
            cooldown_ms: cooldown_s.saturating_mul(1000),
            last_fired: None,
            since: None,
        }
    }

    /// Active or clearing: the alert is current (the menu lists it).
    pub fn is_active(&self) -> bool {
        matches!(self.state, State::Active | State::Clearing(_))
    }

    pub fn since(&self) -> Option<Mono> {
        self.since
    }

    /// Feeds the figure `value` against `threshold` at `now`.
    pub fn step(&mut self, value: f64, threshold: f64, now: Mono) -> Step {
        let above = value > threshold;
        // NaN is not above and counts as clear.
        let clear = value.is_nan() || value < threshold * CLEAR_RATIO;
        match self.state {
            State::Idle => {
                if above {
                    self.state = State::Pending(now);
                    self.since = Some(now);
                    return self.held(now);
                }
                Step::Nothing
            }
            State::Pending(_) => {
                if above {
                    self.held(now)
                } else {
                    self.state = State::Idle;
                    self.since = None;
                    Step::Nothing
                }
            }
            State::Active => {
                if clear {
                    self.state = State::Clearing(now);
                }
                Step::Nothing
            }
            State::Clearing(since) => {
                if !clear {
                    self.state = State::Active;
                    Step::Nothing
                } else if now.since(since) >= self.rearm_ms {
                    self.state = State::Idle;
                    self.since = None;
                    Step::Cleared
                } else {
                    Step::Nothing
                }
            }
        }
    }

    /// A break in time (frozen, asleep, clock set) at `now`: what held before it is not
    /// known to have held through it, so a pending hold and a clearing wait start over
    /// from `now`. An active alert stays active.
    pub fn interrupt(&mut self, now: Mono) {
        match self.state {
            State::Pending(_) => {
                self.state = State::Pending(now);
                self.since = Some(now);
            }
            State::Clearing(_) => self.state = State::Clearing(now),
            State::Idle | State::Active => {}
        }
    }

    /// In `Pending`: fire once the hold time is reached (unless cooling down).
    fn held(&mut self, now: Mono) -> Step {
        let State::Pending(since) = self.state else {
            return Step::Nothing;
        };
        if now.since(since) < self.hold_ms {
            return Step::Nothing;
        }
        self.state = State::Active;
        let cooling = self
            .last_fired
            .is_some_and(|t| now.since(t) < self.cooldown_ms);
        if cooling {
            return Step::Suppressed;
        }
        self.last_fired = Some(now);
        Step::Fire { since }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> Mono {
        Mono(s * 1000)
    }

    /// Steps once a second from `from` to `to` (inclusive) with `value`; the steps taken.
    fn run(m: &mut Machine, from: u64, to: u64, value: f64) -> Vec<(u64, Step)> {
        (from..=to)
            .map(|s| (s, m.step(value, 100.0, at(s))))
            .filter(|(_, st)| *st != Step::Nothing)
            .collect()
    }

    #[test]
    fn fires_after_the_hold_time_not_before() {
        let mut m = Machine::new(30, 3600);
        assert_eq!(run(&mut m, 0, 29, 150.0), vec![]);
        assert_eq!(m.state, State::Pending(at(0)));
        assert_eq!(m.step(150.0, 100.0, at(30)), Step::Fire { since: at(0) });
        assert!(m.is_active());
        // Still above: no second notification.
        assert_eq!(run(&mut m, 31, 300, 150.0), vec![]);
    }

    #[test]
    fn a_dip_before_the_hold_time_starts_over() {
        let mut m = Machine::new(30, 3600);
        run(&mut m, 0, 20, 150.0);
        m.step(50.0, 100.0, at(21));
        assert_eq!(m.state, State::Idle);
        assert_eq!(run(&mut m, 22, 51, 150.0), vec![]);
        assert_eq!(m.step(150.0, 100.0, at(52)), Step::Fire { since: at(22) });
    }

    #[test]
    fn hovering_around_the_threshold_fires_once() {
        let mut m = Machine::new(10, 0);
        let mut fired = 0;
        for s in 0..600 {
            // 95..105: never below the clear level (90).
            let v = if s % 2 == 0 { 105.0 } else { 95.0 };
            if let Step::Fire { .. } = m.step(v, 100.0, at(s)) {
                fired += 1;
            }
        }
        // 105 on even seconds only: the condition never holds for 10 s in a row.
        assert_eq!(fired, 0);
        let mut m = Machine::new(10, 0);
        let steps = run(&mut m, 0, 20, 150.0);
        assert_eq!(steps, vec![(10, Step::Fire { since: at(0) })]);
        // Between the clear level and the threshold: stays active, no new firing.
        assert_eq!(run(&mut m, 21, 400, 95.0), vec![]);
        assert!(m.is_active());
    }

    #[test]
    fn rearms_only_after_being_clear_for_a_while() {
        let mut m = Machine::new(10, 0);
        run(&mut m, 0, 10, 150.0);
        // Clear for 29 s (re-arm needs 30 s), then above again: still the same episode.
        assert_eq!(run(&mut m, 11, 39, 10.0), vec![]);
        assert!(matches!(m.state, State::Clearing(_)));
        assert_eq!(run(&mut m, 40, 100, 150.0), vec![]);
        // Clear for 30 s: re-armed, and the next episode fires after its hold.
        assert_eq!(run(&mut m, 101, 131, 10.0), vec![(131, Step::Cleared)]);
        assert_eq!(
            run(&mut m, 132, 142, 150.0),
            vec![(142, Step::Fire { since: at(132) })]
        );
    }

    #[test]
    fn the_cooldown_spaces_firings() {
        let mut m = Machine::new(5, 600);
        assert_eq!(
            run(&mut m, 0, 5, 150.0),
            vec![(5, Step::Fire { since: at(0) })]
        );
        run(&mut m, 6, 40, 0.0);
        assert_eq!(m.state, State::Idle);
        // A new episode 41..46 s: within 600 s of the last firing.
        assert_eq!(run(&mut m, 41, 46, 150.0), vec![(46, Step::Suppressed)]);
        run(&mut m, 47, 80, 0.0);
        // After the cooldown it fires again.
        assert_eq!(
            run(&mut m, 700, 705, 150.0),
            vec![(705, Step::Fire { since: at(700) })]
        );
    }

    #[test]
    fn a_break_in_time_restarts_the_hold_and_the_rearm_wait() {
        let mut m = Machine::new(30, 0);
        run(&mut m, 0, 20, 150.0);
        // Frozen for five minutes: the hold does not count them.
        m.interrupt(at(320));
        assert_eq!(run(&mut m, 320, 349, 150.0), vec![]);
        assert_eq!(m.step(150.0, 100.0, at(350)), Step::Fire { since: at(320) });
        run(&mut m, 351, 360, 10.0);
        assert!(matches!(m.state, State::Clearing(_)));
        m.interrupt(at(1000));
        assert_eq!(run(&mut m, 1000, 1029, 10.0), vec![]);
        assert_eq!(m.step(10.0, 100.0, at(1030)), Step::Cleared);
    }

    #[test]
    fn nan_is_clear_and_never_fires() {
        let mut m = Machine::new(0, 0);
        assert_eq!(m.step(f64::NAN, 100.0, at(0)), Step::Nothing);
        assert_eq!(m.state, State::Idle);
        assert_eq!(m.step(101.0, 100.0, at(1)), Step::Fire { since: at(1) });
        m.step(f64::NAN, 100.0, at(2));
        assert!(matches!(m.state, State::Clearing(_)));
    }
}
