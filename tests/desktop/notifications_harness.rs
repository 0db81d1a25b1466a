//! Self-test of the test notification server (tests/support/notifications.rs), without
//! the app, on a private desktop bus: `Notify` calls from gdbus and from notify-rust (the
//! app's client library, run in a child process of this test binary) are recorded with
//! their actions and hints; `GetCapabilities`, `GetServerInformation` and
//! `CloseNotification` answer as the spec says; `invoke_action` is seen by a subscriber
//! (dbus-monitor) as `ActionInvoked` then `NotificationClosed(id, 2)`; a second server is
//! refused while the first owns the name; after `stop()` the name has no owner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::time::Duration;
use support::desktop::Desktop;
use support::home::Home;
use support::notifications::{action_pairs, NotificationServer, NAME, PATH};
use support::{err, Child, Deadline, Result};

/// Budget of a whole test.
const TEST_BUDGET: Duration = Duration::from_secs(60);
/// Bound of one gdbus call, of one wait for a signal or a call.
const STEP: Duration = Duration::from_secs(10);
/// Set for the child run of [`notify_rust_client`].
const CHILD_ENV: &str = "HOGWATCH_NOTIFY_RUST_CHILD";

/// `gdbus call` of `method` (`Interface.Member`) on `dest` at `path`; stdout on success.
fn gdbus(
    desktop: &Desktop<'_>,
    deadline: &Deadline,
    dest: &str,
    path: &str,
    method: &str,
    args: &[&str],
) -> Result<std::result::Result<String, String>> {
    let mut argv = vec![
        "gdbus",
        "call",
        "--address",
        desktop.bus_address(),
        "--dest",
        dest,
        "--object-path",
        path,
        "--method",
        method,
        // The arguments follow: a negative number (expire_timeout -1) is not an option.
        "--",
    ];
    argv.extend_from_slice(args);
    let out = desktop.run(&argv, deadline.cap(STEP))?;
    Ok(if out.status.success() {
        Ok(out.stdout.trim().to_owned())
    } else {
        Err(out.stderr.trim().to_owned())
    })
}

/// A method of the notification server through gdbus, which must succeed.
fn notifications_call(
    desktop: &Desktop<'_>,
    deadline: &Deadline,
    member: &str,
    args: &[&str],
) -> Result<String> {
    let method = format!("org.freedesktop.Notifications.{member}");
    gdbus(desktop, deadline, NAME, PATH, &method, args)?
        .map_err(|e| err(format!("gdbus {method} {args:?} failed: {e}")))
}

fn name_has_owner(desktop: &Desktop<'_>, deadline: &Deadline) -> Result<String> {
    gdbus(
        desktop,
        deadline,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus.NameHasOwner",
        &[NAME],
    )?
    .map_err(|e| err(format!("NameHasOwner failed: {e}")))
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(err(format!("{what}: got {got:?}, want {want:?}")))
    }
}

/// dbus-monitor of the notification interface's signals, started (it prints NameLost
/// once the bus has made it a monitor, and only then sees traffic).
fn start_monitor(desktop: &Desktop<'_>, deadline: &Deadline) -> Result<Child> {
    let mut monitor = desktop.spawn(
        "dbus-monitor",
        &[
            "dbus-monitor",
            "--address",
            desktop.bus_address(),
            "type='signal',interface='org.freedesktop.Notifications'",
        ],
    )?;
    monitor
        .lines()
        .wait_for("dbus-monitor to start", deadline.cap(STEP), |l| {
            l.contains("member=NameLost")
        })?;
    Ok(monitor)
}

/// The next `member` signal dbus-monitor prints: its header line and its `nargs`
/// argument lines (trimmed, e.g. `uint32 1`, `string "mute-1h"`).
fn next_signal(
    monitor: &mut Child,
    deadline: &Deadline,
    member: &str,
    nargs: usize,
) -> Result<(String, Vec<String>)> {
    let marker = format!("member={member}");
    let header =
        monitor
            .lines()
            .wait_for(&format!("a {member} signal"), deadline.cap(STEP), |l| {
                l.starts_with("signal ") && l.contains(&marker)
            })?;
    let mut args = Vec::new();
    for _ in 0..nargs {
        let line = monitor
            .lines()
            .next_line(deadline.cap(STEP))?
            .ok_or_else(|| err(format!("dbus-monitor ended inside the {member} signal")))?;
        args.push(line.trim().to_owned());
    }
    Ok((header, args))
}

#[test]
fn server_records_calls_and_emits_action_signals() -> Result<()> {
    let deadline = Deadline::after(TEST_BUDGET);
    let home = Home::new("hogwatch-notify-")?;
    let desktop = Desktop::start(&home)?;
    let mut server = NotificationServer::start(desktop.bus_address(), &["actions", "body"])?;
    let mut monitor = start_monitor(&desktop, &deadline)?;

    // The call of the brief: one action pair, no hints.
    let reply = notifications_call(
        &desktop,
        &deadline,
        "Notify",
        &[
            "hogwatch",
            "0",
            "icon",
            "sum",
            "body",
            r#"["mute-1h","Mute for 1 hour"]"#,
            "{}",
            "5000",
        ],
    )?;
    expect_eq("Notify reply", reply.as_str(), "(uint32 1,)")?;
    let calls = server.wait_calls(1, deadline.cap(STEP))?;
    let call = &calls[0];
    expect_eq("id", call.id, 1)?;
    expect_eq("app_name", call.app_name.as_str(), "hogwatch")?;
    expect_eq("replaces_id", call.replaces_id, 0)?;
    expect_eq("app_icon", call.app_icon.as_str(), "icon")?;
    expect_eq("summary", call.summary.as_str(), "sum")?;
    expect_eq("body", call.body.as_str(), "body")?;
    expect_eq(
        "actions",
        action_pairs(call),
        vec![("mute-1h".to_owned(), "Mute for 1 hour".to_owned())],
    )?;
    expect_eq("hints", call.hints.len(), 0)?;
    expect_eq("expire_timeout", call.expire_timeout, 5000)?;
    if !call.sender.starts_with(':') {
        return Err(err(format!("sender is not a unique name: {call:?}")));
    }

    // Replacing keeps the id; hints are rendered readably.
    let reply = notifications_call(
        &desktop,
        &deadline,
        "Notify",
        &[
            "hogwatch",
            "1",
            "",
            "sum 2",
            "",
            r#"["mute-1h","Mute for 1 hour","open-dashboard","Open dashboard"]"#,
            "{'urgency': <byte 2>, 'category': <'network'>, 'resident': <true>}",
            "-1",
        ],
    )?;
    expect_eq("replacing Notify reply", reply.as_str(), "(uint32 1,)")?;
    let call = server.wait_calls(2, deadline.cap(STEP))?[1].clone();
    expect_eq("replaced id", (call.id, call.replaces_id), (1, 1))?;
    expect_eq(
        "action keys",
        call.action_pairs().into_iter().map(|(k, _)| k).collect(),
        vec!["mute-1h".to_owned(), "open-dashboard".to_owned()],
    )?;
    for (key, want) in [
        ("urgency", "2"),
        ("category", "network"),
        ("resident", "true"),
    ] {
        expect_eq(
            &format!("hint {key}"),
            call.hints.get(key).map(String::as_str),
            Some(want),
        )?;
    }

    expect_eq(
        "GetCapabilities",
        notifications_call(&desktop, &deadline, "GetCapabilities", &[])?.as_str(),
        "(['actions', 'body'],)",
    )?;
    expect_eq(
        "GetServerInformation",
        notifications_call(&desktop, &deadline, "GetServerInformation", &[])?.as_str(),
        "('hogwatch-test', 'hogwatch', '1', '1.2')",
    )?;

    // The user clicks "Mute for 1 hour": a subscriber sees the action, then the close.
    server.invoke_action(1, "mute-1h")?;
    let (header, args) = next_signal(&mut monitor, &deadline, "ActionInvoked", 2)?;
    expect_eq(
        "ActionInvoked arguments",
        args,
        vec!["uint32 1".to_owned(), r#"string "mute-1h""#.to_owned()],
    )?;
    for want in [
        format!("sender={}", server.unique_name()),
        format!("path={PATH};"),
        "(null destination)".to_owned(),
    ] {
        if !header.contains(&want) {
            return Err(err(format!(
                "ActionInvoked header lacks {want:?}: {header}"
            )));
        }
    }
    let (_, args) = next_signal(&mut monitor, &deadline, "NotificationClosed", 2)?;
    expect_eq(
        "NotificationClosed after the action",
        args,
        vec!["uint32 1".to_owned(), "uint32 2".to_owned()],
    )?;
    expect_eq("open ids after the action", server.open_ids(), vec![])?;

    // Actions that the notification did not offer, or of a closed one, are refused.
    let e = server
        .invoke_action(1, "mute-1h")
        .expect_err("action of a closed notification");
    if !e.0.contains("is closed") {
        return Err(err(format!("unexpected refusal: {e}")));
    }
    let reply = notifications_call(
        &desktop,
        &deadline,
        "Notify",
        &["hogwatch", "0", "", "third", "", "[]", "{}", "0"],
    )?;
    expect_eq("third Notify reply", reply.as_str(), "(uint32 2,)")?;
    let e = server
        .invoke_action(2, "mute-1h")
        .expect_err("action not offered");
    if !e.0.contains("offers no action") {
        return Err(err(format!("unexpected refusal: {e}")));
    }

    // CloseNotification: NotificationClosed(id, 3); a second close is an error.
    notifications_call(&desktop, &deadline, "CloseNotification", &["2"])?;
    let (_, args) = next_signal(&mut monitor, &deadline, "NotificationClosed", 2)?;
    expect_eq(
        "NotificationClosed after CloseNotification",
        args,
        vec!["uint32 2".to_owned(), "uint32 3".to_owned()],
    )?;
    let again = gdbus(
        &desktop,
        &deadline,
        NAME,
        PATH,
        "org.freedesktop.Notifications.CloseNotification",
        &["2"],
    )?;
    if again.is_ok() {
        return Err(err("a second CloseNotification(2) succeeded"));
    }
    expect_eq("close calls", server.close_calls(), vec![2, 2])?;

    // Waiting for more calls than arrived fails in time and says what did arrive.
    let e = server
        .wait_calls(4, Duration::from_millis(100))
        .expect_err("only 3 calls");
    if !e.0.contains("3 arrived") || !e.0.contains("\"third\"") {
        return Err(err(format!(
            "wait_calls error does not list the calls: {e}"
        )));
    }

    expect_eq(
        "NameHasOwner while running",
        name_has_owner(&desktop, &deadline)?.as_str(),
        "(true,)",
    )?;
    server.stop()?;
    expect_eq(
        "NameHasOwner after stop",
        name_has_owner(&desktop, &deadline)?.as_str(),
        "(false,)",
    )?;
    if notifications_call(&desktop, &deadline, "GetCapabilities", &[]).is_ok() {
        return Err(err("GetCapabilities answered after stop"));
    }
    if server.invoke_action(1, "mute-1h").is_ok() {
        return Err(err("invoke_action succeeded after stop"));
    }
    server.stop()?;
    Ok(())
}

#[test]
fn second_server_is_refused_and_a_server_without_actions_has_no_buttons() -> Result<()> {
    let deadline = Deadline::after(TEST_BUDGET);
    let home = Home::new("hogwatch-notify-")?;
    let desktop = Desktop::start(&home)?;
    let first = NotificationServer::start(desktop.bus_address(), &["actions", "body"])?;
    let e = match NotificationServer::start(desktop.bus_address(), &[]) {
        Ok(_) => return Err(err("a second server got the name")),
        Err(e) => e,
    };
    let pid = std::process::id();
    if !e.0.contains("already owned") || !e.0.contains(first.unique_name()) {
        return Err(err(format!("refusal does not name the owner: {e}")));
    }
    if !e.0.contains(&format!("pid {pid}")) {
        return Err(err(format!(
            "refusal does not name the owner's pid {pid}: {e}"
        )));
    }
    // The refused server left the first one alone.
    expect_eq(
        "GetCapabilities of the first server",
        notifications_call(&desktop, &deadline, "GetCapabilities", &[])?.as_str(),
        "(['actions', 'body'],)",
    )?;
    drop(first);
    expect_eq(
        "NameHasOwner after drop",
        name_has_owner(&desktop, &deadline)?.as_str(),
        "(false,)",
    )?;

    // The name is free again: a server without actions takes it.
    let server = NotificationServer::start(desktop.bus_address(), &[])?;
    expect_eq(
        "GetCapabilities without actions",
        notifications_call(&desktop, &deadline, "GetCapabilities", &[])?.as_str(),
        "(@as [],)",
    )?;
    let reply = notifications_call(
        &desktop,
        &deadline,
        "Notify",
        &[
            "hogwatch",
            "0",
            "",
            "sum",
            "",
            r#"["mute-1h","Mute for 1 hour"]"#,
            "{}",
            "-1",
        ],
    )?;
    expect_eq("Notify reply", reply.as_str(), "(uint32 1,)")?;
    let e = server
        .invoke_action(1, "mute-1h")
        .expect_err("no actions capability");
    if !e.0.contains("no \"actions\" capability") {
        return Err(err(format!("unexpected refusal: {e}")));
    }
    Ok(())
}

/// notify-rust 4.19, as the app uses it (session bus from DBUS_SESSION_BUS_ADDRESS,
/// zbus), sends a notification with two actions and the hints the app sets; the server
/// records them as sent. The client runs as a child process (this binary, running
/// [`notify_rust_client`]) so the environment of this process is never changed.
#[test]
fn notify_rust_client_is_recorded() -> Result<()> {
    let deadline = Deadline::after(TEST_BUDGET);
    let home = Home::new("hogwatch-notify-")?;
    let desktop = Desktop::start(&home)?;
    let server = NotificationServer::start(desktop.bus_address(), &["actions", "body"])?;
    let exe = std::env::current_exe()?;
    let exe = exe.display().to_string();
    // libtest names a test by its module path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let mut client = desktop.spawn(
        "notify-rust",
        &[
            "/usr/bin/env",
            &format!("{CHILD_ENV}=1"),
            &exe,
            "--exact",
            &format!("{module}::notify_rust_client"),
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ],
    )?;
    // libtest prints the test's name on the same line, before the output.
    let line = client
        .lines()
        .wait_for("the id notify-rust got", deadline.cap(STEP), |l| {
            l.contains("notify-rust id=")
        })?;
    let reported = line.split_once("notify-rust id=").map(|(_, id)| id.trim());
    client.wait_success(deadline.cap(STEP))?;
    let calls = server.wait_calls(1, deadline.cap(STEP))?;
    let call = &calls[0];
    expect_eq("id notify-rust got", reported, Some("1"))?;
    expect_eq("app_name", call.app_name.as_str(), "hogwatch")?;
    expect_eq("summary", call.summary.as_str(), "eth0: 12 MiB/s")?;
    expect_eq(
        "actions",
        call.actions.clone(),
        [
            "mute-1h",
            "Mute for 1 hour",
            "open-dashboard",
            "Open dashboard",
        ]
        .map(String::from)
        .to_vec(),
    )?;
    expect_eq("expire_timeout", call.expire_timeout, 5000)?;
    for (key, want) in [("urgency", "2"), ("category", "network")] {
        expect_eq(
            &format!("hint {key} (all: {:?})", call.hints),
            call.hints.get(key).map(String::as_str),
            Some(want),
        )?;
    }
    Ok(())
}

/// The notify-rust client of [`notify_rust_client_is_recorded`]; does nothing unless
/// run by it.
#[test]
#[ignore = "child process of notify_rust_client_is_recorded"]
fn notify_rust_client() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let handle = notify_rust::Notification::new()
        .appname("hogwatch")
        .summary("eth0: 12 MiB/s")
        .body("firefox is above the alert threshold")
        .action("mute-1h", "Mute for 1 hour")
        .action("open-dashboard", "Open dashboard")
        .urgency(notify_rust::Urgency::Critical)
        .hint(notify_rust::Hint::Category("network".to_owned()))
        .timeout(5000)
        .show()
        .expect("notify-rust show");
    println!("notify-rust id={}", handle.id());
}
