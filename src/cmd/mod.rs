//! Terminal front ends: `top` (live table or JSON), `server` (the dashboard for a
//! browser), `doctor`, `history`; and `service`, the machine's collector under systemd. Like the tray, `top` and `server` run the core
//! (`app`) or attach to the one that runs.

pub mod check;
pub mod doctor;
pub mod doctor_ebpf;
pub mod history;
pub mod server;
pub mod service;
pub mod top;
