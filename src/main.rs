// Many small short-lived allocations (records, keys, index entries): glibc's malloc spent a
// third of a large import freeing and consolidating them (docs/performance.md, "Import").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
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
