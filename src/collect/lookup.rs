//! What the accountant may learn about a process besides what its source reports: its
//! start time (pid reuse), executable and command line, and user names. Live sources look
//! in /proc (`procfs::ProcFs`); a replay answers with what was recorded; tests with fakes.

pub use super::sample::ProcDetails;

/// Facts about processes, asked when a process is first seen.
pub trait ProcLookup: Send {
    /// Start time of the process (clock ticks after boot), `None` when it is gone.
    fn start_time(&mut self, pid: u32) -> Option<u64>;
    /// Executable, argv and start time; `None` when unreadable or gone.
    fn details(&mut self, pid: u32) -> Option<ProcDetails>;
    /// User name for a uid, `None` when unknown.
    fn user_name(&mut self, uid: u32) -> Option<String>;
    /// A source that carries /proc facts itself (a replay) teaches them here.
    fn learn(&mut self, _pid: u32, _details: ProcDetails) {}
}

/// A lookup that knows nothing: for tests and benchmarks.
#[derive(Debug, Default)]
pub struct NoProcs;

impl ProcLookup for NoProcs {
    fn start_time(&mut self, _: u32) -> Option<u64> {
        None
    }
    fn details(&mut self, _: u32) -> Option<ProcDetails> {
        None
    }
    fn user_name(&mut self, _: u32) -> Option<String> {
        None
    }
}
