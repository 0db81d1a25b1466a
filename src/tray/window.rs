//! The dashboard window: "Open dashboard" (the menu item, a second `hogwatch`, or "Show in
//! dashboard" of a row) shows the dashboard in a window of hogwatch's own — one tao window
//! holding a wry webview (WebKitGTK) — instead of a browser tab. GUI thread only.
//!
//! - One window at most: opening again raises the open one, and loads the new URL only
//!   when it differs (another app's "Show in dashboard"), so the page keeps its state.
//! - Closing the window drops the webview and the window at once. WebKit then ends its
//!   web and network processes, so the memory they take (a few hundred MiB between them)
//!   is held only while the dashboard is on screen; the tray itself never needs it.
//! - When the window or the webview cannot be made (the display refuses the window,
//!   WebKit cannot start…), and always with `--browser`, the URL goes to the browser
//!   (`Request::BrowseDashboard`, xdg-open run by the bridge with a one-time code instead
//!   of the key); the log says why. The window itself loads the URL with the key: no
//!   command line sees it.
//! - The webview shows the dashboard only: an http(s) address elsewhere (a link on the
//!   page) opens in the browser, and any other scheme nowhere (`links`). Its web context
//!   is ephemeral (cookies and storage in memory), so nothing is written to the user's
//!   directories and the key the page keeps ends with the window.

use super::bridge::Request;
use super::icon;
use super::links;
use std::rc::Rc;
use tao::dpi::LogicalSize;
use tao::event::WindowEvent;
use tao::event_loop::EventLoopWindowTarget;
use tao::platform::unix::WindowExtUnix;
use tao::window::{Icon, Window, WindowBuilder, WindowId};
use tokio::sync::mpsc::UnboundedSender;
use webkit2gtk::{WebContextExt as _, WebViewExt as _};
use wry::{
    NewWindowResponse, PageLoadEvent, WebView, WebViewBuilder, WebViewBuilderExtUnix,
    WebViewExtUnix as _,
};

/// The window's title until the page sets its own.
pub const TITLE: &str = "hogwatch";
/// Room for the dashboard's table and charts side by side; fits a 1280×800 screen.
const SIZE: (f64, f64) = (1100.0, 750.0);
/// Below this the dashboard's layout stops working.
const MIN_SIZE: (f64, f64) = (480.0, 360.0);
/// Edge of the window's icon (the tray icon's drawing, idle).
const ICON_SIZE: u32 = 64;

/// The dashboard window, closed or open.
pub struct DashboardWindow {
    open: Option<Open>,
    /// `--browser`: never open a window.
    browser_only: bool,
    /// To the backend: the browser fallback and links that leave the dashboard.
    requests: UnboundedSender<Request>,
}

/// An open window. The webview is declared before the window so it is dropped first:
/// WebKit's widget goes before the GTK window that holds it.
struct Open {
    webview: WebView,
    window: Rc<Window>,
    /// The URL last asked for (what "Open dashboard" compares against).
    url: String,
}

impl DashboardWindow {
    pub fn new(browser_only: bool, requests: UnboundedSender<Request>) -> Self {
        DashboardWindow {
            open: None,
            browser_only,
            requests,
        }
    }

    /// Shows `url` (the dashboard's, with its token): raises the open window (loading
    /// `url` if it shows another), or opens one, or — with `--browser`, or when no window
    /// can be made — hands it to the browser.
    pub fn show<T: 'static>(&mut self, target: &EventLoopWindowTarget<T>, url: &str) {
        if self.browser_only {
            self.browser(url);
            return;
        }
        if let Some(open) = &mut self.open {
            if open.url != url {
                match open.webview.load_url(url) {
                    Ok(()) => open.url = url.to_owned(),
                    Err(e) => tracing::warn!("dashboard window: cannot load {}: {e}", redact(url)),
                }
            }
            // Un-minimize and raise; a window manager may still refuse the focus.
            open.window.set_minimized(false);
            open.window.set_visible(true);
            open.window.set_focus();
            let _ = open.webview.focus();
            tracing::info!("dashboard window: raised");
            return;
        }
        match self.create(target, url) {
            Ok(open) => {
                tracing::info!("dashboard window: opened on {}", redact(url));
                self.open = Some(open);
            }
            Err(e) => {
                tracing::warn!(
                    "cannot show the dashboard in a window ({e:#}); opening it in the browser"
                );
                self.browser(url);
            }
        }
    }

    /// Handles an event of window `id`. Closing this one drops the webview and the window
    /// (and with them WebKit's processes); the rest is GTK's and WebKit's business.
    pub fn on_event(&mut self, id: WindowId, event: &WindowEvent<'_>) {
        let ours = self.open.as_ref().is_some_and(|o| o.window.id() == id);
        if ours && matches!(event, WindowEvent::CloseRequested) {
            self.close();
        }
    }

    /// Closes the window if open (also on Quit, so it disappears at once).
    pub fn close(&mut self) {
        if let Some(open) = self.open.take() {
            drop(open);
            tracing::info!("dashboard window: closed");
        }
    }

    /// The dashboard in the browser: the bridge swaps the key for a one-time code, since
    /// xdg-open's command line is there for every user to read.
    fn browser(&self, url: &str) {
        let _ = self.requests.send(Request::BrowseDashboard(url.to_owned()));
    }

    fn create<T: 'static>(
        &self,
        target: &EventLoopWindowTarget<T>,
        url: &str,
    ) -> anyhow::Result<Open> {
        let window = Rc::new(
            WindowBuilder::new()
                .with_title(TITLE)
                .with_inner_size(LogicalSize::new(SIZE.0, SIZE.1))
                .with_min_inner_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1))
                .with_window_icon(window_icon())
                .build(target)?,
        );
        // tao gives every window a vertical box (unless told otherwise): the webview
        // fills it. Without it there is nowhere to attach the webview (and the window,
        // dropped on return, closes).
        let vbox = window
            .default_vbox()
            .ok_or_else(|| anyhow::anyhow!("the window has no GTK box for the webview"))?;
        let origin = links::origin(url).unwrap_or_default().to_owned();
        let popup_origin = origin.clone();
        let requests = self.requests.clone();
        let popups = self.requests.clone();
        // Weak: the webview (and these handlers) must not keep the window alive.
        let titled = Rc::downgrade(&window);
        // No URL yet: the page's language is settled first.
        let webview = WebViewBuilder::new()
            .with_incognito(true)
            // Elsewhere on the web: the browser, not this window; other schemes: nowhere.
            .with_navigation_handler(move |to| links::on_navigation(&to, &origin, &requests))
            .with_new_window_req_handler(move |to, _| {
                links::on_new_window(&to, &popup_origin, &popups);
                NewWindowResponse::Deny
            })
            .with_document_title_changed_handler(move |title| {
                // The page's <title> (it may carry live figures); ours until it has one.
                if let Some(w) = titled.upgrade() {
                    w.set_title(if title.trim().is_empty() {
                        TITLE
                    } else {
                        title.as_str()
                    });
                }
            })
            .with_on_page_load_handler(|event, to| {
                if matches!(event, PageLoadEvent::Finished) {
                    tracing::info!("dashboard window: loaded {}", redact(&to));
                }
            })
            .build_gtk(vbox)?;
        if c_locale(|k| std::env::var(k).ok()) {
            if let Some(context) = webview.webview().context() {
                context.set_preferred_languages(&["en-US"]);
            }
        }
        webview.load_url(url)?;
        Ok(Open {
            webview,
            window,
            url: url.to_owned(),
        })
    }
}

/// The tray icon's drawing, idle, as the window's icon (taskbars, Alt-Tab).
fn window_icon() -> Option<Icon> {
    let img = icon::render(
        &icon::IconState {
            up_rate: 0.0,
            down_rate: 0.0,
            mode: icon::IconMode::Idle,
        },
        ICON_SIZE,
    );
    let (w, h) = img.dimensions();
    Icon::from_rgba(img.into_raw(), w, h).ok()
}

/// Whether the process runs under the C (or POSIX) locale, in any encoding: LC_ALL, else
/// LC_CTYPE, else LANG, as `setlocale` reads them (`get` reads the environment).
///
/// Why: WebKit takes the page's language (`navigator.language`, Accept-Language) from the
/// LC_CTYPE locale and turns plain C into "en-US", but C.UTF-8 — the default of many
/// minimal systems and containers — into "C", which is no language tag: every `Intl`
/// formatter the page makes with it throws (the chart library does, and the dashboard
/// stays empty). Under C the window then asks for "en-US" itself.
fn c_locale(get: impl Fn(&str) -> Option<String>) -> bool {
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| get(k).filter(|v| !v.is_empty()))
        .unwrap_or_default();
    let name = locale.split(['.', '@']).next().unwrap_or_default();
    matches!(name, "" | "C" | "POSIX")
}

/// `url` without its query and fragment: the token stays out of the log.
fn redact(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_locales_in_any_encoding() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(name, _)| *name == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert!(c_locale(env(&[])));
        assert!(c_locale(env(&[("LANG", "C.UTF-8")])));
        assert!(c_locale(env(&[("LANG", "C.utf8")])));
        assert!(c_locale(env(&[("LANG", "POSIX")])));
        assert!(!c_locale(env(&[("LANG", "de_DE.UTF-8")])));
        assert!(!c_locale(env(&[("LANG", "en_US")])));
        // LC_ALL wins, then LC_CTYPE; empty ones do not count.
        assert!(!c_locale(env(&[
            ("LC_ALL", "fr_FR.UTF-8"),
            ("LANG", "C.UTF-8")
        ])));
        assert!(c_locale(env(&[
            ("LC_ALL", "C.UTF-8"),
            ("LANG", "fr_FR.UTF-8")
        ])));
        assert!(!c_locale(env(&[
            ("LC_CTYPE", "sv_SE.UTF-8"),
            ("LANG", "C")
        ])));
        assert!(c_locale(env(&[("LC_ALL", ""), ("LANG", "C.UTF-8")])));
    }

    #[test]
    fn the_token_stays_out_of_the_log() {
        assert_eq!(
            redact("http://127.0.0.1:6432/?token=secret&app=x"),
            "http://127.0.0.1:6432/"
        );
        assert_eq!(redact("http://h/p#token=s"), "http://h/p");
        assert_eq!(redact("http://h/p"), "http://h/p");
    }
}
