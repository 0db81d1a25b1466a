//! The dashboard page, embedded in the binary.

pub const INDEX: &str = include_str!("../../web/index.html");
