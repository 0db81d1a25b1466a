//! Alerts end to end, on a private D-Bus session bus with a test-owned notification
//! server that records every `Notify` call: a replayed stream crosses a rate threshold
//! and a daily quota, which gives exactly the expected notifications (summary, body,
//! actions); "Mute for 1 hour" mutes that rule (menu and saved state); after a restart
//! the quota does not speak again in the same day. Without a notification server nothing
//! hangs and the alert shows in the tray menu; bad rules are reported by name and key
//! while the good ones work. A program named like a link (`<a href="https://x">Update</a>`)
//! reaches a notification's body escaped where the server reads markup, as it is where
//! it does not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::Path;
use std::time::Duration;
use support::desktop::{Desktop, MenuNode};
use support::home::Home;
use support::notifications::{Call, NotificationServer};
use support::replay::{self, Talker};
use support::tray_app::{item, quit, start_tray, talkers, write_replay, HOGWATCH};
use support::{err, Result};

/// Rules for the two-device replay (about 2.09 MiB/s down in all): download above
/// 1 MiB/s for 5 s, and a daily download quota of 20 MiB warning at 25% and 100%.
const RULES: &str = r#"
[alerts]
max_per_minute = 3

[[alerts.rule]]
name = "Big download"
kind = "rate"
direction = "down"
above = "1 MiB/s"
for = "5s"

[[alerts.rule]]
name = "Daily plan"
kind = "quota"
period = "day"
direction = "down"
limit = "20 MiB"
warn_at = [25, 100]
"#;

fn write_config(dir: &Path, text: &str) -> Result<String> {
    let path = dir.join("config.toml");
    std::fs::write(&path, text)?;
    Ok(path.to_string_lossy().into_owned())
}

fn argv<'a>(config: &'a str, source: &'a str, data: &'a str) -> Vec<&'a str> {
    vec![
        HOGWATCH,
        "--config",
        config,
        "--source",
        source,
        "--replay-speed",
        "1",
        "--data-dir",
        data,
    ]
}

fn alert_lines(menu: &MenuNode) -> Vec<String> {
    menu.flatten()
        .into_iter()
        .map(MenuNode::text)
        .filter(|t| t.starts_with('⚠'))
        .collect()
}

/// The alert notifications (not hogwatch's "no tray" notice: these desktops have no
/// panel).
fn alert_calls(server: &NotificationServer) -> Vec<Call> {
    server
        .calls()
        .into_iter()
        .filter(|c| !c.summary.starts_with("hogwatch: no tray"))
        .collect()
}

#[test]
fn a_rate_and_a_quota_notify_once_and_mute_holds_across_a_restart() -> Result<()> {
    let home = Home::new("hogwatch-alerts-")?;
    let desktop = Desktop::start(&home)?;
    let server = NotificationServer::start(desktop.bus_address(), &["actions", "body"])?;
    let work = tempfile::tempdir()?;
    let config = write_config(work.path(), RULES)?;
    let source = format!("replay:{}", write_replay(work.path(), 120)?);
    let data = work.path().join("data").to_string_lossy().into_owned();
    let (mut hog, tray) = start_tray(&desktop, "alerts", &argv(&config, &source, &data))?;

    // 25% of 20 MiB after ~3 s, the rate after 5 s above, 100% after ~10 s: three
    // notifications, one at a time, in that order.
    let calls = support::wait_until("three alert notifications", Duration::from_secs(30), || {
        let c = alert_calls(&server);
        (c.len() >= 3).then_some(c)
    })?;
    let summaries: Vec<&str> = calls.iter().map(|c| c.summary.as_str()).collect();
    assert!(
        summaries[0].starts_with("Data today: 25% used (")
            && summaries[0].ends_with(" of 20.0 MiB)"),
        "{summaries:?}"
    );
    assert!(summaries[1].starts_with("Download at "), "{summaries:?}");
    assert!(
        summaries[2].starts_with("Data today: 100% reached ("),
        "{summaries:?}"
    );
    let rate = &calls[1];
    assert!(
        rate.body
            .starts_with("Total download above 1.00 MiB/s for 5 s (now ")
            && rate.body.ends_with("). Rule “Big download”."),
        "{}",
        rate.body
    );
    assert!(
        calls[0].body.contains("since ") && calls[0].body.ends_with("Rule “Daily plan”."),
        "{}",
        calls[0].body
    );
    for c in &calls {
        assert_eq!(c.app_name, "hogwatch");
        assert_eq!(
            c.action_pairs(),
            vec![
                ("open-dashboard".to_string(), "Open dashboard".to_string()),
                ("mute-1h".to_string(), "Mute for 1 hour".to_string())
            ]
        );
    }
    // The menu lists both alerts.
    let menu = tray.wait_layout(Duration::from_secs(5), |m| alert_lines(m).len() == 2)?;
    let lines = alert_lines(&menu);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("⚠ download ") && l.ends_with("(Big download)")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("⚠ Data today: ") && l.ends_with("of 20.0 MiB (Daily plan)")),
        "{lines:?}"
    );

    // "Mute for 1 hour" on the rate notification: the menu says muted, the state file too.
    server.invoke_action(rate.id, "mute-1h")?;
    tray.wait_layout(Duration::from_secs(10), |m| {
        alert_lines(m)
            .iter()
            .any(|l| l.contains("(Big download)") && l.ends_with("· muted"))
    })?;
    let state_file = Path::new(&data).join("alerts.json");
    support::wait_until("the saved mute", Duration::from_secs(10), || {
        std::fs::read_to_string(&state_file)
            .ok()
            .filter(|s| s.contains("\"Big download\""))
            .map(|_| ())
    })?;
    let state = std::fs::read_to_string(&state_file)?;
    assert!(state.contains("\"Daily plan\""), "{state}");
    assert_eq!(alert_calls(&server).len(), 3, "nothing else was sent");
    quit(&tray, &mut hog)?;

    // Restart on the same data: the day's quota levels have fired, the rate rule is
    // muted: the menu shows both, and no notification comes.
    let (mut hog, tray) = start_tray(&desktop, "alerts-again", &argv(&config, &source, &data))?;
    let menu = tray.wait_layout(Duration::from_secs(20), |m| {
        let l = alert_lines(m);
        l.iter().any(|x| x.contains("(Daily plan)"))
            && l.iter()
                .any(|x| x.contains("(Big download)") && x.ends_with("· muted"))
    })?;
    assert_eq!(alert_lines(&menu).len(), 2);
    let after = alert_calls(&server);
    assert_eq!(
        after.len(),
        3,
        "no new notification after the restart: {:?}",
        after.iter().map(Call::brief).collect::<Vec<_>>()
    );
    quit(&tray, &mut hog)
}

#[test]
fn without_a_notification_server_the_alert_is_in_the_menu_and_bad_rules_are_named() -> Result<()> {
    let home = Home::new("hogwatch-alerts-nosrv-")?;
    let desktop = Desktop::start(&home)?;
    let work = tempfile::tempdir()?;
    let config = write_config(
        work.path(),
        &format!(
            "{RULES}
[[alerts.rule]]
name = \"Typo\"
kind = \"quota\"
limit = \"5 GBB\"

[[alerts.rule]]
name = \"Volcano\"
kind = \"volcano\"

[[alerts.rule]]
name = \"Negative\"
kind = \"rate\"
above = \"-3 MB/s\"
"
        ),
    )?;
    let source = format!("replay:{}", write_replay(work.path(), 120)?);
    let data = work.path().join("data").to_string_lossy().into_owned();
    let (mut hog, tray) = start_tray(&desktop, "alerts-nosrv", &argv(&config, &source, &data))?;
    let stderr = hog.stderr_text();
    for want in [
        "alert rule \"Typo\": key `limit` = \"5 GBB\": unknown unit \"GBB\"",
        "alert rule \"Volcano\": key `kind` = \"volcano\"",
        "alert rule \"Negative\": key `above` = \"-3 MB/s\": must be more than zero",
    ] {
        support::wait_until("the rule problem on stderr", Duration::from_secs(5), || {
            hog.stderr_text().contains(want).then_some(())
        })
        .map_err(|e| err(format!("{e}: {want:?} not in:\n{stderr}")))?;
    }
    // The good rules work: their alerts are in the menu although nothing can show them.
    let menu = tray.wait_layout(Duration::from_secs(20), |m| {
        alert_lines(m).iter().any(|l| l.ends_with("(Big download)"))
    })?;
    assert!(
        alert_lines(&menu)
            .iter()
            .any(|l| l.contains("(Daily plan)")),
        "{:?}",
        alert_lines(&menu)
    );
    // Pause alerts: the item says Resume alerts afterwards.
    tray.click(item(&menu, "Pause alerts")?.id)?;
    tray.wait_layout(Duration::from_secs(5), |m| {
        m.find_text("Resume alerts").is_some()
    })?;
    quit(&tray, &mut hog)
}

#[test]
fn a_server_without_actions_gets_no_buttons_and_a_hint() -> Result<()> {
    let home = Home::new("hogwatch-alerts-noact-")?;
    let desktop = Desktop::start(&home)?;
    let server = NotificationServer::start(desktop.bus_address(), &["body"])?;
    let work = tempfile::tempdir()?;
    let config = write_config(work.path(), RULES)?;
    let source = format!("replay:{}", write_replay(work.path(), 120)?);
    let data = work.path().join("data").to_string_lossy().into_owned();
    let (mut hog, tray) = start_tray(&desktop, "alerts-noact", &argv(&config, &source, &data))?;
    let calls = support::wait_until("an alert notification", Duration::from_secs(20), || {
        let c = alert_calls(&server);
        (!c.is_empty()).then_some(c)
    })?;
    assert!(calls[0].actions.is_empty(), "{:?}", calls[0].actions);
    assert!(
        calls[0]
            .body
            .ends_with("Mute alerts from the hogwatch menu (Pause alerts)."),
        "{}",
        calls[0].body
    );
    quit(&tray, &mut hog)
}

/// A program's name that a markup-reading notification server would show as a link.
const LINK_NAME: &str = r#"<a href="https://x">Update</a>"#;
/// The same, as markup that shows it as text.
const LINK_ESCAPED: &str = "&lt;a href=&quot;https://x&quot;&gt;Update&lt;/a&gt;";
/// The new-app rule names the newcomer's executable in the body. It speaks only after a
/// minute of warm-up (what runs in the first minute is not new).
const NEW_APP_RULES: &str = r#"
[[alerts.rule]]
name = "New app"
kind = "new_app"
"#;
/// The link-named program joins the replay's talkers after this many seconds.
const LINK_AFTER_S: u64 = 65;

/// The two-device replay, plus a program whose executable is [`LINK_NAME`] from
/// [`LINK_AFTER_S`] on.
fn write_link_replay(dir: &Path) -> Result<String> {
    let path = dir.join("link-named.jsonl");
    let mut all: Vec<(Talker, u64)> = talkers().into_iter().map(|t| (t, 0)).collect();
    all.push((
        Talker {
            pid: 4646,
            exe: LINK_NAME,
            device: "eth0",
            up_per_s: 2048,
            down_per_s: 4096,
        },
        LINK_AFTER_S,
    ));
    replay::write_staggered(&path, &["eth0", "wlan0"], &all, 150, (0, 40 * 1024))?;
    Ok(path.to_string_lossy().into_owned())
}

/// Waits for the new-app notification on `server`.
fn new_app_call(server: &NotificationServer) -> Result<Call> {
    support::wait_until(
        "the new-app notification",
        Duration::from_secs(LINK_AFTER_S + 60),
        || {
            alert_calls(server)
                .into_iter()
                .find(|c| c.summary.starts_with("New on the network"))
        },
    )
}

#[test]
fn a_link_in_a_name_is_escaped_where_the_server_reads_markup_and_plain_elsewhere() -> Result<()> {
    let work = tempfile::tempdir()?;
    let config = write_config(work.path(), NEW_APP_RULES)?;
    let source = format!("replay:{}", write_link_replay(work.path())?);
    let data = |tag: &str| work.path().join(tag).to_string_lossy().into_owned();
    let (markup_data, plain_data) = (data("data-markup"), data("data-plain"));
    // Two desktops side by side (the rule's minute of warm-up is waited for once): one
    // whose server reads markup in bodies, one whose server reads plain text.
    let homes = [
        Home::new("hogwatch-alerts-markup-")?,
        Home::new("hogwatch-alerts-plain-")?,
    ];
    let markup_desktop = Desktop::start(&homes[0])?;
    let plain_desktop = Desktop::start(&homes[1])?;
    let markup_server = NotificationServer::start(
        markup_desktop.bus_address(),
        &["actions", "body", "body-markup"],
    )?;
    let plain_server =
        NotificationServer::start(plain_desktop.bus_address(), &["actions", "body"])?;
    let (mut markup_hog, markup_tray) = start_tray(
        &markup_desktop,
        "alerts-markup",
        &argv(&config, &source, &markup_data),
    )?;
    let (mut plain_hog, plain_tray) = start_tray(
        &plain_desktop,
        "alerts-plain",
        &argv(&config, &source, &plain_data),
    )?;

    let escaped = new_app_call(&markup_server)?;
    assert!(
        escaped
            .body
            .starts_with(&format!("{LINK_ESCAPED} (pid 4646, user ")),
        "the markup server got {:?}",
        escaped.body
    );
    assert!(
        !escaped.body.contains(['<', '>', '"']),
        "markup left in {:?}",
        escaped.body
    );
    let plain = new_app_call(&plain_server)?;
    assert!(
        plain
            .body
            .starts_with(&format!("{LINK_NAME} (pid 4646, user ")),
        "the plain-text server got {:?}",
        plain.body
    );
    assert!(!plain.body.contains("&lt;"), "{:?}", plain.body);
    // The rest of the body is the same on both: only the markup's characters changed.
    assert_eq!(
        escaped.body.replacen(LINK_ESCAPED, LINK_NAME, 1),
        plain.body
    );
    quit(&markup_tray, &mut markup_hog)?;
    quit(&plain_tray, &mut plain_hog)
}
