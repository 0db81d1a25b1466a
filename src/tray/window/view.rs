//! The dashboard window itself, in the window process: one tao window holding a wry
//! webview (WebKitGTK) that shows the dashboard. GUI thread only.
//!
//! - Opening again raises the window, and loads the new URL only when it differs (another
//!   app's "Show in dashboard"), so the page keeps its state.
//! - The webview shows the dashboard only: an http(s) address elsewhere (a link on the
//!   page) goes to the browser (through the tray), and any other scheme nowhere (`links`).
//!   Its web context is ephemeral (cookies and storage in memory), so nothing is written to
//!   the user's directories and the key the page keeps ends with the window.
//! - Dropping it drops the webview before the window; WebKit then ends its web and network
//!   processes (and they end anyway with this process).

use super::super::icon;
use super::super::links;
use std::rc::Rc;
use tao::dpi::LogicalSize;
use tao::event_loop::EventLoopWindowTarget;
use tao::platform::unix::WindowExtUnix;
use tao::window::{Icon, Window, WindowBuilder, WindowId};
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

/// The open window. The webview is declared before the window so it is dropped first:
/// WebKit's widget goes before the GTK window that holds it.
pub struct Open {
    webview: WebView,
    window: Rc<Window>,
    /// The URL last asked for (what "Open dashboard" compares against).
    url: String,
}

impl Open {
    /// Opens a window on `url` (the dashboard's, with its key). Links that leave the
    /// dashboard go to `browser`.
    pub fn create<T: 'static>(
        target: &EventLoopWindowTarget<T>,
        url: &str,
        browser: fn(&str),
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
        // Weak: the webview (and these handlers) must not keep the window alive.
        let titled = Rc::downgrade(&window);
        // No URL yet: the page's language is settled first.
        let webview = WebViewBuilder::new()
            .with_incognito(true)
            // Elsewhere on the web: the browser, not this window; other schemes: nowhere.
            .with_navigation_handler(move |to| links::on_navigation(&to, &origin, &browser))
            .with_new_window_req_handler(move |to, _| {
                links::on_new_window(&to, &popup_origin, &browser);
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
        tracing::info!("dashboard window: opened on {}", redact(url));
        Ok(Open {
            webview,
            window,
            url: url.to_owned(),
        })
    }

    /// Shows `url` again: loads it if the window shows another, and raises the window.
    pub fn show(&mut self, url: &str) {
        if self.url != url {
            match self.webview.load_url(url) {
                Ok(()) => self.url = url.to_owned(),
                Err(e) => tracing::warn!("dashboard window: cannot load {}: {e}", redact(url)),
            }
        }
        // Un-minimize and raise; a window manager may still refuse the focus.
        self.window.set_minimized(false);
        self.window.set_visible(true);
        self.window.set_focus();
        let _ = self.webview.focus();
        tracing::info!("dashboard window: raised");
    }

    /// The tao id of the window (to tell its events apart).
    pub fn id(&self) -> WindowId {
        self.window.id()
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
