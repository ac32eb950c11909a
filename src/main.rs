// Many small short-lived allocations (records, keys, index entries): glibc's malloc spent a
// third of a large import freeing and consolidating them (docs/performance.md, "Import").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Memory freed goes back to the system at once rather than 10 ms later: the TUI's large
    // loads free as much as they keep, and with the default delay its peak memory at 100k
    // contacts was 214 MB instead of 163 (docs/performance.md, "TUI").
    crm::cli::memory::return_freed_after(0);
    // The zero of `CRM_FRAME_LOG` times (launch to first frame).
    crm::services::bench::mark_process_start();
    let code = crm::cli::run();
    // For `crm bench`: a child reports its peak memory.
    if std::env::var_os("CRM_REPORT_PEAK_RSS").is_some() {
        if let Some(kb) = crm::services::bench::peak_rss_kb() {
            eprintln!("crm: peak rss {kb} kB");
        }
    }
    if crm::store::bulk::exits_after_write() {
        // `crm import`: the database is closed and the answer printed; what is left is
        // mimalloc's exit handler handing every page back one madvise at a time (a hundredth
        // of a second after a 100k-row import). Flush what Rust buffers, then leave.
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // SAFETY: ends the process; nothing of Rust's is left to run (the flushes above).
        unsafe { _exit(code) }
    }
    std::process::exit(code);
}

extern "C" {
    fn _exit(code: std::ffi::c_int) -> !;
}
