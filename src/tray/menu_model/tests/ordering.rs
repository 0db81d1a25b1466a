//! Row order across refreshes: hysteresis, sustained and big leads, rows entering and
//! leaving, a changed view, ties.

use super::*;

#[test]
fn small_fluctuations_do_not_reshuffle() {
    let settings = MenuSettings::default();
    let mut ord = Ordering::new();
    let m = build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
        &settings,
        &mut ord,
        0,
    );
    assert_eq!(names(&m), ["a", "b"]);
    // b edges past a by 5–15%, but never for 3 s without a break.
    let wobble = [105.0, 95.0, 115.0, 98.0, 110.0, 99.0, 112.0];
    for (i, b) in wobble.iter().enumerate() {
        let t = 1000 * (i as u64 + 1);
        let s = talkers(&[("a", 100.0 * KIB), ("b", b * KIB)]);
        let m = build_at(&s, &settings, &mut ord, t);
        assert_eq!(names(&m), ["a", "b"], "at {t} ms with b = {b}");
    }
    assert_eq!(
        ord.order(),
        [
            RowId::App("/usr/bin/a".into()),
            RowId::App("/usr/bin/b".into())
        ]
    );
}

#[test]
fn a_sustained_lead_wins_after_three_seconds() {
    let settings = MenuSettings::default();
    let mut ord = Ordering::new();
    build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
        &settings,
        &mut ord,
        0,
    );
    let lead = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
    for t in [1000, 2000, 3000, 3999] {
        let m = build_at(&lead, &settings, &mut ord, t);
        assert_eq!(names(&m), ["a", "b"], "at {t} ms");
    }
    // Ahead since 1000 ms: at 4000 ms that is 3 s.
    let m = build_at(&lead, &settings, &mut ord, 4000);
    assert_eq!(names(&m), ["b", "a"]);
    // And it stays, even though a is back ahead by a little.
    let back = talkers(&[("a", 105.0 * KIB), ("b", 100.0 * KIB)]);
    let m = build_at(&back, &settings, &mut ord, 5000);
    assert_eq!(names(&m), ["b", "a"]);
}

#[test]
fn a_break_restarts_the_clock() {
    let settings = MenuSettings::default();
    let mut ord = Ordering::new();
    let behind = talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]);
    let lead = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
    build_at(&behind, &settings, &mut ord, 0);
    build_at(&lead, &settings, &mut ord, 1000);
    build_at(&lead, &settings, &mut ord, 2000);
    build_at(&behind, &settings, &mut ord, 3000);
    let m = build_at(&lead, &settings, &mut ord, 4000);
    assert_eq!(names(&m), ["a", "b"]);
    let m = build_at(&lead, &settings, &mut ord, 6999);
    assert_eq!(names(&m), ["a", "b"]);
    let m = build_at(&lead, &settings, &mut ord, 7000);
    assert_eq!(names(&m), ["b", "a"]);
}

#[test]
fn a_big_jump_overtakes_at_once() {
    let settings = MenuSettings::default();
    let mut ord = Ordering::new();
    let m = build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 80.0 * KIB)]),
        &settings,
        &mut ord,
        0,
    );
    assert_eq!(names(&m), ["a", "b", "c"]);
    // c is 20% above b and 20% above a: straight to the top.
    let m = build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 120.0 * KIB)]),
        &settings,
        &mut ord,
        500,
    );
    assert_eq!(names(&m), ["c", "a", "b"]);
    // 19% is not enough.
    let m = build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 119.0 * KIB), ("c", 150.0 * KIB)]),
        &settings,
        &mut ord,
        1000,
    );
    assert_eq!(names(&m), ["c", "a", "b"]);
}

#[test]
fn new_rows_enter_by_value_and_dropped_rows_leave() {
    let settings = MenuSettings {
        top_n: 3,
        ..MenuSettings::default()
    };
    let mut ord = Ordering::new();
    build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB), ("c", 50.0 * KIB)]),
        &settings,
        &mut ord,
        0,
    );
    // b wobbles above a (kept below: hysteresis); d arrives between b and c by value;
    // c falls out of the top 3.
    let m = build_at(
        &talkers(&[
            ("a", 100.0 * KIB),
            ("b", 101.0 * KIB),
            ("c", 50.0 * KIB),
            ("d", 60.0 * KIB),
        ]),
        &settings,
        &mut ord,
        1000,
    );
    assert_eq!(names(&m), ["a", "b", "d"]);
    // A newcomer bigger than everyone enters at the top; the smallest leaves.
    let m = build_at(
        &talkers(&[
            ("a", 100.0 * KIB),
            ("b", 101.0 * KIB),
            ("d", 60.0 * KIB),
            ("e", 99.0 * MIB),
        ]),
        &settings,
        &mut ord,
        1500,
    );
    assert_eq!(names(&m), ["e", "a", "b"]);
    // A process that ended is gone at the next refresh.
    let m = build_at(
        &talkers(&[("b", 101.0 * KIB), ("e", 99.0 * MIB)]),
        &settings,
        &mut ord,
        2000,
    );
    assert_eq!(names(&m), ["e", "b"]);
}

#[test]
fn changing_the_view_starts_afresh() {
    let mut ord = Ordering::new();
    let rate = MenuSettings::default();
    build_at(
        &talkers(&[("a", 100.0 * KIB), ("b", 90.0 * KIB)]),
        &rate,
        &mut ord,
        0,
    );
    let s = talkers(&[("a", 100.0 * KIB), ("b", 110.0 * KIB)]);
    assert_eq!(names(&build_at(&s, &rate, &mut ord, 1000)), ["a", "b"]);
    let procs = MenuSettings {
        group: Group::Processes,
        ..MenuSettings::default()
    };
    assert_eq!(
        names(&build_at(&s, &procs, &mut ord, 1100)),
        ["b (101)", "a (100)"]
    );
    assert_eq!(names(&build_at(&s, &rate, &mut ord, 1200)), ["b", "a"]);
}

#[test]
fn ties_are_ordered_deterministically() {
    let s = talkers(&[("b", KIB), ("a", KIB), ("c", KIB)]);
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["a", "b", "c"]);
}
