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
