// Many small short-lived allocations (records, keys, index entries): glibc's malloc spent a
// third of a large import freeing and consolidating them (docs/performance.md, "Import").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's option table (`mi_option_purge_delay` in its mimalloc.h, v3); the Rust crate
// declares `mi_option_set` only with its "extended" feature, the C library always has it.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

fn main() {
    // Memory freed goes back to the system at once rather than 10 ms later: the TUI's large
    // loads free as much as they keep, and with the default delay its peak memory at 100k
    // contacts was 214 MB instead of 163 (docs/performance.md, "TUI").
    // SAFETY: sets one of mimalloc's global options; no precondition, any time, any thread.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    // The zero of `CRM_FRAME_LOG` times (launch to first frame).
    crm::services::bench::mark_process_start();
    let code = crm::cli::run();
    // For `crm bench`: a child reports its peak memory.
    if std::env::var_os("CRM_REPORT_PEAK_RSS").is_some() {
        if let Some(kb) = crm::services::bench::peak_rss_kb() {
            eprintln!("crm: peak rss {kb} kB");
        }
    }
    std::process::exit(code);
}
