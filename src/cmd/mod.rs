//! Terminal front ends: `top` (live table or JSON), `doctor`, `history`.

pub mod doctor;
pub mod history;
pub mod top;
