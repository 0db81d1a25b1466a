//! What `hogwatch doctor` reports: one finding a line, with its level and fix.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Ok,
    Info,
    Warn,
    Fail,
}

/// One finding: what was checked, what was seen, and the fix when something is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub level: Level,
    pub what: String,
    pub fix: Option<String>,
}

pub fn check(level: Level, what: impl Into<String>, fix: Option<String>) -> Check {
    Check {
        level,
        what: what.into(),
        fix,
    }
}
