//! Front ends without the tray: `top` (live table or JSON), `doctor`, `history`, and
//! `headless` (plain `hogwatch` where no tray can be shown).

pub mod doctor;
pub mod headless;
pub mod history;
pub mod top;
