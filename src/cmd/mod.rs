//! Terminal front ends over the collector: `top` (live table or JSON) and `doctor`.

pub mod doctor;
pub mod top;
