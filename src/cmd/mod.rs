//! Front ends without the tray: `top` (live table or JSON), `doctor`, `history`,
//! `server` (the dashboard for a browser), and `headless` (what `server` and plain
//! `hogwatch` without a tray run).

pub mod doctor;
pub mod headless;
pub mod history;
pub mod server;
pub mod top;
