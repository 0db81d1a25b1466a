//! Caps glibc malloc's arenas, for the programs that run for months. glibc gives each
//! thread that allocates while another holds the lock an arena of its own (up to 8 per
//! core), and memory freed in one is not reused by another: the soak's RSS crept 28% over a
//! week with the default and 6% with one arena, flat from day 5 (BENCHMARKS.md, "Soak").
//! hogwatch allocates little, on one runtime thread and a few blocking ones, so one arena
//! costs no measurable contention. An explicit `MALLOC_ARENA_MAX` (or glibc tunable) wins.
#![allow(unsafe_code)]

/// Arenas for the long-running programs.
const ARENAS: i32 = 1;

/// Caps the arenas unless the environment already chose. Call first in `main`, before
/// any thread is started (arenas made before it stay).
pub fn limit() {
    let chose = std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("arena_max"));
    if chose {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and changes only malloc's own tunables; it is
    // documented as safe to call at any time (it takes malloc's lock), holds no pointer of
    // ours, and M_ARENA_MAX with a positive value is a documented, valid request. Its
    // result (0 on failure) only means the default stays.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}
