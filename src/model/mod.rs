//! The data every consumer reads, one concern a file:
//! - `snapshot` — one refresh's rates and cumulative bytes: totals, devices, processes
//!   (the public JSON shape of `top --json` and `GET /api/snapshot`);
//! - `moved` — what moved since the previous refresh, published with the snapshot so no
//!   consumer derives it again (`Refresh` = both);
//! - `totals` — bytes per period (today, a billing month, since start) added up from what
//!   moved.

pub mod moved;
pub mod snapshot;
pub mod totals;

pub use moved::{AppMoved, DeviceMoved, Moved, ProcessMoved, Refresh};
pub use snapshot::{DeviceUsage, Health, Mode, ProcessUsage, Snapshot, Usage};
pub use totals::{PeriodTotals, Totals, UpDown, MAX_APPS, OTHER_APPS};
