//! Crash consistency (issue 15): a real `hogwatch top` writing every 5 s, SIGKILLed 20
//! times at moments spread over its writes (after 3 to 11 refreshes, from a seeded
//! sequence), each run replaying into the same history. After every kill the file opens,
//! holds exactly what it held before plus what the killed run had counted at one of its
//! refreshes (nothing partial, nothing twice), and at most the last write batch — 5 s of
//! refreshes, and the one being read — is missing. (`top` runs no alerts: the quota
//! state's part of this is `quota_crash`, with `hogwatch server`.)

use super::common::HOME_PREFIX;
use super::common::{kill_and_read, library_totals, long_trace, tempdir, Totals};
use super::second_writer::{spawn_top, wait_for_lock};
use crate::support;
use std::time::Duration;
use support::home::Home;
use support::{err, wait_until, Deadline, Result};

const KILLS: u64 = 20;

#[test]
fn twenty_sigkills_lose_at_most_the_last_batch_and_count_nothing_twice() -> Result<()> {
    let deadline = Deadline::after(Duration::from_secs(300));
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-crash-")?;
    let dir = tmp.path().join("d");
    let trace = tmp.path().join("long.txt");
    long_trace(&trace, 40)?;
    let mut kept = Totals::default();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut lost_most = 0;
    for k in 0..KILLS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = 3 + (seed % 9) as usize; // 3..=11 refreshes: before, at and between writes
        let mut run = spawn_top(&home, &format!("crash-{k}"), &trace, &dir)?;
        wait_for_lock(&run, &dir, &deadline)?;
        wait_until(
            &format!("run {k}: {after} refreshes"),
            deadline.cap(Duration::from_secs(30)),
            || {
                while let Ok(Some(_)) = run.lines().next_line(Duration::from_millis(50)) {}
                (run.lines().history().len() >= after).then_some(())
            },
        )?;
        let states = kill_and_read(&mut run, &deadline)?;
        // The file opens after every kill; before the first write it holds no session.
        let now = match library_totals(&dir, &format!("after kill {k}")) {
            Ok(t) => t,
            Err(e) if k == 0 && e.to_string().contains("no session recorded") => Totals::default(),
            Err(e) => return Err(e),
        };
        // Which refresh of this run the history holds (None: none of it was written).
        let with = |t: &Totals| {
            let mut sum = kept.clone();
            sum.add(t);
            sum
        };
        let at = if now == kept {
            None
        } else {
            let found = states.iter().position(|t| {
                let sum = with(t);
                sum.apps == now.apps
                    && sum.devices == now.devices
                    && (sum.unattributed.0.max(0), sum.unattributed.1.max(0)) == now.unattributed
            });
            Some(found.ok_or_else(|| {
                err(format!(
                    "kill {k}: the history holds {now:?}: not what it held before ({kept:?}) \
                     plus one of the run's {} refreshes",
                    states.len()
                ))
            })?)
        };
        // Writes every 5 s at one refresh a second: at most 5 refreshes, the one being
        // read and one in flight are missing.
        let lost = states.len() - at.map_or(0, |a| a + 1);
        lost_most = lost_most.max(lost);
        if lost > 7 {
            return Err(err(format!(
                "kill {k} after {} refreshes: the history holds refresh {at:?}, {lost} lost",
                states.len()
            )));
        }
        kept = now;
    }
    eprintln!("{KILLS} kills: at most {lost_most} refreshes lost at one");
    Ok(())
}
