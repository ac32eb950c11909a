//! State and actions of each pane (one file each); drawing lives in `tui/ui/`.

pub mod contacts;
pub mod pipeline;
pub mod reminders;
pub mod search;
