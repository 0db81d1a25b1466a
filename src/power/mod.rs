//! The machine's power as the rest of hogwatch sees it: on battery or on mains, and when
//! the system is about to sleep. Where it comes from (UPower, /sys/class/power_supply,
//! logind) lives beside this; consumers only read a `PowerWatch`.

/// One reading of the machine's power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PowerState {
    /// Running on battery: the refresh may stretch and history batches grow.
    pub on_battery: bool,
    /// Goes up by one each time the system is about to sleep (logind's
    /// `PrepareForSleep(true)`): whoever holds data in memory writes it out when it changes.
    pub sleeps: u64,
}

/// The current power state and its changes; `PowerState::default()` (on mains, never
/// slept) where nothing tells hogwatch otherwise.
pub type PowerWatch = tokio::sync::watch::Receiver<PowerState>;
