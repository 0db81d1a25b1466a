//! The `hogwatch-window` binary: the dashboard in a window of its own (tao + wry's
//! WebKitGTK webview), started by the tray, which sends it the URLs to show on stdin —
//! never on the command line, where every user could read the key. It exits when its
//! window closes or its stdin ends; a crash of it (or of WebKit) leaves the tray running.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    hogwatch::startup::init_logging();
    hogwatch::tray::window::run()
}
