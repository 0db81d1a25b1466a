//! The user's browser, for the tray: `xdg-open URL`, and the dashboard opened there with a
//! one-time code in place of its key. On the tokio runtime (the bridge's side).

/// Opens the dashboard's `url` in the browser with a one-time code in place of its key:
/// xdg-open's (and the browser's) command line is readable by every local user, and a
/// code is short-lived, single-use and taken only from this user's programs (`web::code`).
pub fn browse_dashboard(url: &str) {
    let Some(key) = crate::web::links::fragment_value(url, "key") else {
        tracing::warn!("the dashboard's URL has no key; not opening it");
        return;
    };
    match crate::web::code::mint_now(key) {
        Ok(code) => open_url(&crate::web::links::with_code(url, &code)),
        Err(e) => tracing::warn!("cannot make a code to open the dashboard: {e}"),
    }
}

/// Opens `url` with xdg-open (reaped by tokio; failures logged).
pub fn open_url(url: &str) {
    match tokio::process::Command::new("xdg-open")
        .arg(url)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false)
        .spawn()
    {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => tracing::warn!("cannot open the dashboard in a browser (xdg-open: {e})"),
    }
}
