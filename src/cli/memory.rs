//! How soon this process hands memory it freed back to the system (mimalloc's purge delay):
//! each kind of process has its own trade of memory for time, set once at start.

// mimalloc's option table (`mi_option_purge_delay` in its mimalloc.h, v3); the Rust crate
// declares `mi_option_set` only with its "extended" feature, the C library always has it.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
// The C library that defines `mi_option_set` is linked through the allocator crate.
use mimalloc as _;

/// Freed memory goes back to the system `ms` milliseconds after it was freed, unless reused
/// meanwhile (0: at once).
pub fn return_freed_after(ms: u32) {
    // SAFETY: sets one of mimalloc's global options; no precondition, any time, any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, ms.into()) };
}
