//! The dashboard window process (`hogwatch-window`): the only part of hogwatch that loads
//! WebKitGTK. The tray starts it on "Open dashboard" and writes the URLs to show on its
//! stdin (`window_protocol`); it shows them in one window (`view`) and exits when that
//! window is closed or its stdin ends — so WebKit's memory (the window's and its web and
//! network processes') is held only while the dashboard is on screen, and a crash of
//! WebKit takes only this process. Links that leave the dashboard go back to the tray
//! on stdout, which runs the browser. SIGTERM closes the window like its close button.
//!
//! Threads: tao's event loop (a GTK main loop) on the main thread; one thread reads stdin
//! and hands each line to the loop.

mod view;

use super::window_protocol as protocol;
use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;
use tao::event::{Event, WindowEvent};
use tao::event_loop::{ControlFlow, EventLoopBuilder, EventLoopProxy};
use tao::platform::run_return::EventLoopExtRunReturn;

/// What the stdin thread tells the event loop.
#[derive(Debug)]
enum Msg {
    /// "Open dashboard" on this URL.
    Show(String),
    /// stdin ended (the tray quit or is gone), or SIGTERM.
    End,
}

/// Runs the window process until its window closes or stdin ends. Exits with
/// [`protocol::EXIT_NO_WINDOW`] when no window can be made (the tray then opens the
/// browser).
pub fn run() -> ExitCode {
    // Before tao, which would abort on a display it cannot open.
    if let Err(e) = gtk::init() {
        tracing::warn!("dashboard window: cannot open the display: {e}");
        return ExitCode::from(protocol::EXIT_NO_WINDOW);
    }
    let mut event_loop = EventLoopBuilder::<Msg>::with_user_event().build();
    let proxy = event_loop.create_proxy();
    if let Err(e) = std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || read_stdin(&proxy))
    {
        tracing::warn!("dashboard window: cannot start its stdin reader: {e}");
        return ExitCode::from(protocol::EXIT_NO_WINDOW);
    }
    // SIGTERM closes the window as its close button would (exit 0: no crash to report).
    let on_term = event_loop.create_proxy();
    gtk::glib::unix_signal_add_local_once(libc::SIGTERM, move || {
        let _ = on_term.send_event(Msg::End);
    });
    let mut open: Option<view::Open> = None;
    let code = event_loop.run_return(|event, target, flow| {
        *flow = ControlFlow::Wait;
        match event {
            Event::UserEvent(Msg::Show(url)) => match &mut open {
                Some(window) => window.show(&url),
                None => match view::Open::create(target, &url, to_browser) {
                    Ok(window) => open = Some(window),
                    Err(e) => {
                        tracing::warn!("dashboard window: cannot show the dashboard: {e:#}");
                        *flow = ControlFlow::ExitWithCode(i32::from(protocol::EXIT_NO_WINDOW));
                    }
                },
            },
            Event::UserEvent(Msg::End) => {
                // The webview goes before the loop ends (and WebKit's processes with it).
                open = None;
                *flow = ControlFlow::Exit;
            }
            Event::WindowEvent {
                window_id,
                event: WindowEvent::CloseRequested,
                ..
            } if open.as_ref().is_some_and(|w| w.id() == window_id) => {
                open = None;
                tracing::info!("dashboard window: closed");
                *flow = ControlFlow::Exit;
            }
            _ => {}
        }
    });
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Hands each line of stdin to the event loop as a URL to show, then says it ended.
fn read_stdin(proxy: &EventLoopProxy<Msg>) {
    for line in std::io::stdin().lock().lines() {
        let Ok(url) = line else {
            break;
        };
        if url.is_empty() {
            continue;
        }
        if proxy.send_event(Msg::Show(url)).is_err() {
            return;
        }
    }
    let _ = proxy.send_event(Msg::End);
}

/// A link for the browser: to the tray, which runs it (stdout is the tray's pipe).
fn to_browser(url: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", protocol::open_url_line(url))
        .and_then(|()| out.flush())
        .is_err()
    {
        tracing::warn!("dashboard window: the tray is gone; not opening a link");
    }
}
