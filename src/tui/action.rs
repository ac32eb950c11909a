//! `Action`: the bindable vocabulary of the TUI. Each action has the name used in keymap files
//! and a one-line description used by the help overlay, the hint line and the docs.

macro_rules! actions {
    ($($variant:ident => $name:literal, $desc:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name in keymap files (`next_tab`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// One line for people.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $desc,)*
                }
            }

            /// A short label for the hint line: the name in words (`snooze hour`).
            pub fn label(self) -> String {
                self.name().replace('_', " ")
            }

            pub fn from_name(name: &str) -> Option<Action> {
                match name {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

actions! {
    Quit => "quit", "Quit crm";
    Help => "help", "Show every key binding";
    NextTab => "next_tab", "Go to the next pane";
    PrevTab => "prev_tab", "Go to the previous pane";
    ShowContacts => "show_contacts", "Go to the contacts pane";
    ShowPipeline => "show_pipeline", "Go to the pipeline pane";
    ShowReminders => "show_reminders", "Go to the reminders pane";
    ShowReports => "show_reports", "Go to the reports pane";
    Undo => "undo", "Undo your last change";
    Import => "import", "Import contacts (or companies, deals, tasks) from a CSV or vCard file, dry run first";
    Duplicates => "duplicates", "Find duplicate contacts and merge them side by side";
    Redo => "redo", "Redo what you last undid";
    Audit => "audit", "Show the audit log: who created, changed, merged, exported what, and when";
    Up => "up", "Move up";
    Down => "down", "Move down";
    Left => "left", "Move left (previous column)";
    Right => "right", "Move right (next column)";
    PageUp => "page_up", "Move up a page";
    PageDown => "page_down", "Move down a page";
    Top => "top", "Go to the first item";
    Bottom => "bottom", "Go to the last item";
    Open => "open", "Open the selected item";
    Back => "back", "Close, go back or cancel";
    Search => "search", "Search every contact, company, deal and task";
    CommandPalette => "command_palette", "Run any action by name (fuzzy), with its key";
    Filter => "filter", "Filter the list by typing";
    PickView => "pick_view", "Filter the list with a saved view";
    Sort => "sort", "Change the sort order";
    Add => "add", "Add a record here (contact, deal)";
    Edit => "edit", "Edit the selected record";
    Delete => "delete", "Move the selected record to the trash";
    LogCall => "log_call", "Log a call with the contact";
    LogMeeting => "log_meeting", "Log a meeting with the contact";
    LogEmail => "log_email", "Log an email with the contact";
    LogNote => "log_note", "Add a note to the contact";
    AddTask => "add_task", "Add a follow-up task";
    EditNotes => "edit_notes", "Edit the notes in your $EDITOR";
    Share => "share", "Share the contact with a user (private visibility: they see and edit it)";
    StageNext => "stage_next", "Move the deal to the next stage";
    StagePrev => "stage_prev", "Move the deal to the previous stage";
    MarkWon => "mark_won", "Mark the deal won (asks for a reason)";
    MarkLost => "mark_lost", "Mark the deal lost (asks for a reason)";
    Done => "done", "Mark the task done (a follow-up: log the call)";
    SnoozeHour => "snooze_hour", "Snooze the task for an hour";
    SnoozeTomorrow => "snooze_tomorrow", "Snooze the task to tomorrow morning";
    SnoozeMonday => "snooze_monday", "Snooze the task to next Monday morning";
    SnoozePick => "snooze_pick", "Snooze the task to a time you type";
    ToggleAllUsers => "toggle_all_users", "Show everyone's reminders or only yours";
    Explain => "explain", "Say why the reminder ranks where it does (its urgency)";
    NextField => "next_field", "Go to the next field";
    PrevField => "prev_field", "Go to the previous field";
    Submit => "submit", "Save";
    PickNext => "pick_next", "Fill in the next matching choice";
    PickPrev => "pick_prev", "Fill in the previous matching choice";
    TakeTheirs => "take_theirs", "After a conflict: take the value someone else saved meanwhile";
    Confirm => "confirm", "Yes, do it";
    ReportWeek => "report_week", "Reports for this week";
    ReportMonth => "report_month", "Reports for this month";
    ReportQuarter => "report_quarter", "Reports for this quarter";
    ReportCustom => "report_custom", "Reports for days you type (from, to)";
    PeriodPrev => "period_prev", "Reports for the period before (last month, last week, …)";
    PeriodNext => "period_next", "Reports for the period after";
    NextOwner => "next_owner", "Reports of the next rep (everyone, then each user)";
    PrevOwner => "prev_owner", "Reports of the previous rep";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.name()), "{} twice", a.name());
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.description().is_empty());
        }
    }
}
