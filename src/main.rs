fn main() {
    let code = crm::cli::run();
    // For `crm bench`: a child reports its peak memory.
    if std::env::var_os("CRM_REPORT_PEAK_RSS").is_some() {
        if let Some(kb) = crm::services::bench::peak_rss_kb() {
            eprintln!("crm: peak rss {kb} kB");
        }
    }
    std::process::exit(code);
}
