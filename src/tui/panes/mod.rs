//! State and actions of each pane (one file each); drawing lives in `tui/ui/`.

pub mod audit;
pub mod contacts;
pub mod filter_line;
pub mod import;
pub mod palette;
pub mod pipeline;
pub mod reminders;
pub mod reports;
pub mod search;
