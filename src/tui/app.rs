//! The application state and `update`: messages (keys, loaded data, write results) in,
//! effects out. Nothing here touches the terminal or the store; the runtime performs effects.

use super::action::Action;
use super::form::{Field, Form, FormKind};
use super::keymap::{Chord, Key, Keymap, Lookup, Mode};
use super::panes::{contacts::ContactsPane, pipeline::PipelinePane, reminders::RemindersPane};
use super::theme::Theme;
use crate::domain::*;
use crate::services::query::{ContactCard, DealCard, TaskRow};
use crate::store::Receipt;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Contacts,
    Pipeline,
    Reminders,
    Reports,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Contacts, Tab::Pipeline, Tab::Reminders, Tab::Reports];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Contacts => "Contacts",
            Tab::Pipeline => "Pipeline",
            Tab::Reminders => "Reminders",
            Tab::Reports => "Reports",
        }
    }
}

/// What the runtime should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Contacts,
    ContactCard(ContactId),
    Pipeline,
    DealCard(DealId),
    Tasks,
    /// Follow-ups, stale deals and the urgency of tasks, for the reminders pane.
    Agenda,
    /// The journal's head: has anything (another crm included) written since the last look?
    JournalHead,
    Users,
    /// Build the search index (once, at startup).
    SearchIndex,
    /// Resolve a filter typed into the contacts filter line (dates, `me`, stages…).
    ContactFilter(String),
    /// Resolve the filter line of the pipeline (deals) or the reminders (tasks).
    Filter(EntityKind, String),
    /// The saved views (names and filters).
    Views,
    /// Every report for a period and an owner (the Reports pane).
    Reports(crate::services::report::ReportQuery),
    /// The dry run of an import (nothing is written).
    ImportPlan(super::panes::import::ImportRequest),
    /// Pairs of contacts that look like the same person.
    Dupes,
    /// The audit log (the journal, one line per change).
    Audit(crate::services::audit::AuditQuery),
    /// What merging `other` into `keep` would do; `pairs` and `index` say which pair it is.
    MergePlan {
        pairs: Vec<crate::services::dupes::DupePair>,
        index: usize,
        /// Two contacts or two companies.
        keep: Ref,
        other: Ref,
    },
}

/// What the runtime should write.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    Changes(Vec<Change>),
    /// A submitted form with its field values.
    Form(FormKind, Vec<(&'static str, String)>),
    /// A submitted edit form: the values typed, and what those fields showed when it opened
    /// (a field changed meanwhile by someone else is then a conflict, not overwritten).
    Edit {
        kind: FormKind,
        typed: Vec<(&'static str, String)>,
        shown: Vec<(&'static str, String)>,
    },
    Complete(TaskId),
    /// Snooze to a time given in words ("in 1h", "tomorrow morning").
    Snooze(TaskId, String),
    Undo,
    Redo,
    /// Import a file in one change (progress in the status line).
    Import(super::panes::import::ImportRequest),
    Merge(Box<crate::services::merge::MergePlan>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Load(Request),
    Write(Write),
    /// Open the notes of a record in the user's $EDITOR; save them if they changed.
    EditNotes {
        target: Ref,
        current: String,
    },
    /// A desktop notification, where a notifier (notify-send) exists; nothing otherwise.
    Notify(String),
    Quit,
}

/// Data the runtime loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Contacts(Vec<super::panes::contacts::ListRow>),
    ContactCard(Box<ContactCard>),
    Pipeline(super::panes::pipeline::PipelineData),
    DealCard(Box<DealCard>),
    Tasks(Vec<TaskRow>),
    Agenda(Box<super::panes::reminders::AgendaData>),
    JournalHead(u64),
    /// Logins of the active users, for the assignee picker.
    Users(Vec<String>),
    SearchIndex(Box<crate::services::search::SearchIndex>),
    /// A filter line resolved by the worker: the text it was for, and the filter or the error.
    ContactFilter(String, Result<Box<crate::services::filter::Compiled>, String>),
    /// A pane's filter line resolved: for what kind of record, the text, the filter or the error.
    Filter(EntityKind, String, Result<Box<crate::services::filter::Compiled>, String>),
    Views(Vec<(String, String)>),
    /// The reports for a query, or why they could not be made (a bad date in the period form).
    Reports(crate::services::report::ReportQuery, Result<Box<crate::services::report::ReportBundle>, String>),
    /// Records a write touched, as they are now (None: gone), to keep the search index current.
    Touched(Vec<(Ref, Option<Record>)>),
    /// The dry-run summary of an import, or why the file cannot be imported.
    ImportPlan(super::panes::import::ImportRequest, Result<String, String>),
    /// How far an import is, for the status line.
    ImportProgress(String),
    Dupes(Vec<crate::services::dupes::DupePair>),
    Audit(Result<Vec<crate::services::audit::AuditRow>, String>),
    MergePlan {
        pairs: Vec<crate::services::dupes::DupePair>,
        index: usize,
        plan: Result<Box<crate::services::merge::MergePlan>, String>,
    },
}

/// A write that failed: the message, and the field it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    pub field: Option<String>,
    pub message: String,
    /// A conflict: what the field holds now, saved by someone else since the form opened.
    pub theirs: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Loaded(Data),
    Failed(String),
    Written(Result<Receipt, WriteError>),
    /// Time passes: re-evaluate what is due.
    Tick,
    /// A few seconds passed: look whether another crm wrote to the database.
    Watch,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    /// The overdue reminder shown at startup.
    Overdue {
        selected: usize,
    },
    Confirm {
        question: String,
        then: Write,
    },
    Form(Form),
    Search(super::panes::search::Palette),
    /// The command palette: run any action by name.
    Palette(super::panes::palette::CommandPalette),
    /// Two duplicate contacts side by side, to merge.
    Merge(Box<super::panes::import::MergeView>),
    /// The audit log.
    Audit(Box<super::panes::audit::AuditView>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

pub struct App {
    pub tab: Tab,
    pub user: String,
    pub db_path: String,
    /// `--db PATH` for the commands the TUI suggests (the welcome screen's `crm demo`), when
    /// the database open is not the default one; None otherwise.
    pub db_arg: Option<String>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub contacts: ContactsPane,
    pub pipeline: PipelinePane,
    pub reminders: RemindersPane,
    pub reports: super::panes::reports::ReportsPane,
    pub modal: Option<Modal>,
    pub message: Option<(String, MessageKind)>,
    /// The startup overdue modal has been decided (shown or not needed).
    pub startup_checked: bool,
    pub quit: bool,
    /// The current time, set by the runtime (pinned in tests).
    pub now: Timestamp,
    /// Logins of the active users (assignee picker).
    pub users: Vec<String>,
    /// None while it is being built.
    pub search_index: Option<crate::services::search::SearchIndex>,
    /// Saved views: name and filter.
    pub views: Vec<(String, String)>,
    /// The current user's open tasks that were not yet overdue at the last load: one of them
    /// falling due while crm is open is announced once.
    pub due_seen: std::collections::HashSet<TaskId>,
    /// The keys of a chord typed so far (`g` of `g g`), shown in the status line.
    pub pending: Vec<Key>,
    /// A count typed before a movement (`5` of `5 j`).
    pub count: Option<u32>,
    /// The journal head at the last look; None until known (and after our own writes).
    pub journal_head: Option<u64>,
}

impl App {
    pub fn new(user: String, db_path: String, keymap: Keymap, theme: Theme) -> App {
        App {
            tab: Tab::Contacts,
            user,
            db_path,
            db_arg: None,
            keymap,
            theme,
            contacts: ContactsPane::default(),
            pipeline: PipelinePane::default(),
            reminders: RemindersPane::default(),
            reports: super::panes::reports::ReportsPane::default(),
            modal: None,
            message: None,
            startup_checked: false,
            quit: false,
            now: Timestamp(0),
            users: Vec::new(),
            search_index: None,
            views: Vec::new(),
            due_seen: std::collections::HashSet::new(),
            pending: Vec::new(),
            count: None,
            journal_head: None,
        }
    }

    /// What to load first: everything the three panes and the status line show.
    pub fn startup(&mut self) -> Vec<Effect> {
        vec![
            // Tasks first: the overdue reminder should not wait for 100k contacts.
            Effect::Load(Request::Tasks),
            Effect::Load(Request::Agenda),
            Effect::Load(Request::Contacts),
            Effect::Load(Request::Pipeline),
            Effect::Load(Request::Users),
            Effect::Load(Request::SearchIndex),
            Effect::Load(Request::Views),
            Effect::Load(Request::JournalHead),
        ]
    }

    /// The keymap modes that apply now, most specific first.
    pub fn modes(&self) -> Vec<Mode> {
        match &self.modal {
            Some(Modal::Help { .. }) => return vec![Mode::Help, Mode::Global],
            Some(Modal::Overdue { .. }) => return vec![Mode::Overdue, Mode::Global],
            Some(Modal::Confirm { .. }) => return vec![Mode::Confirm],
            Some(Modal::Form(_)) => return vec![Mode::Form],
            Some(Modal::Search(_)) => return vec![Mode::Search],
            Some(Modal::Palette(_)) => return vec![Mode::Palette],
            // Fields up and down, enter to merge, esc to cancel; sides by arrow keys.
            Some(Modal::Merge(_)) => return vec![Mode::Form],
            Some(Modal::Audit(_)) => return vec![Mode::List, Mode::Global],
            None => {}
        }
        match self.tab {
            Tab::Contacts if self.contacts.card.is_some() => vec![Mode::Card, Mode::List, Mode::Global],
            Tab::Contacts => vec![Mode::Contacts, Mode::List, Mode::Global],
            Tab::Pipeline if self.pipeline.card.is_some() => vec![Mode::Deal, Mode::List, Mode::Global],
            Tab::Pipeline => vec![Mode::Pipeline, Mode::List, Mode::Global],
            Tab::Reminders => vec![Mode::Reminders, Mode::List, Mode::Global],
            Tab::Reports => vec![Mode::Reports, Mode::Global],
        }
    }

    /// Whether keys are text now (a form, the search, the palette, the filter line): a plain
    /// character is typed, not looked up, unless it finishes a chord.
    pub fn typing(&self) -> bool {
        match &self.modal {
            Some(Modal::Form(_) | Modal::Search(_) | Modal::Palette(_)) => true,
            Some(_) => false,
            None => self.filter_editing(),
        }
    }

    /// Whether the shown pane's filter line is being typed.
    pub fn filter_editing(&self) -> bool {
        match self.tab {
            Tab::Contacts => self.contacts.filtering,
            Tab::Pipeline => self.pipeline.card.is_none() && self.pipeline.filter.editing,
            Tab::Reminders => self.reminders.filter.editing,
            _ => false,
        }
    }

    /// The count and chord typed so far, for the status line (`5 g…`); None when there is none.
    pub fn pending_text(&self) -> Option<String> {
        if self.pending.is_empty() && self.count.is_none() {
            return None;
        }
        let mut parts = Vec::new();
        if let Some(n) = self.count {
            parts.push(n.to_string());
        }
        if !self.pending.is_empty() {
            parts.push(format!("{}…", Chord(self.pending.clone())));
        }
        Some(parts.join(" "))
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), MessageKind::Info));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some((text.into(), MessageKind::Error));
    }

    /// The current user's overdue tasks and follow-ups, most overdue first.
    pub fn my_overdue(&self) -> Vec<super::panes::reminders::Entry<'_>> {
        super::panes::reminders::my_overdue(self)
    }

    /// The current user's overdue and due-today tasks and follow-ups, for the status line.
    pub fn counts(&self) -> (usize, usize) {
        super::panes::reminders::my_counts(self)
    }

    /// Loads for what is on screen after a write.
    fn reload(&self) -> Vec<Effect> {
        let mut out = vec![
            Effect::Load(Request::Tasks),
            Effect::Load(Request::Agenda),
            Effect::Load(Request::Contacts),
            Effect::Load(Request::Pipeline),
            Effect::Load(Request::JournalHead),
        ];
        if let Some(card) = &self.contacts.card {
            out.push(Effect::Load(Request::ContactCard(card.contact.id)));
        }
        if let Some(card) = &self.pipeline.card {
            out.push(Effect::Load(Request::DealCard(card.deal.id)));
        }
        out.extend(super::panes::reports::reload(self));
        out
    }

    pub fn open_form(&mut self, form: Form) {
        let form = form.choices("assignee", self.users.clone());
        self.modal = Some(Modal::Form(form));
    }
}

/// The form that logs an activity of `kind` with a contact.
pub fn log_form(contact: ContactId, name: &str, kind: ActivityKind) -> Form {
    let mut fields = vec![
        Field::new("summary", "Summary", "", "what it was about"),
        Field::new("body", "Details", "", "optional"),
        Field::new("time", "When", "now", "now, \"today 9:30\", \"yesterday 15:00\""),
    ];
    if kind == ActivityKind::Call {
        fields.push(Field::new("outcome", "Outcome", "reached", "reached, voicemail, no answer"));
        fields.push(Field::new("duration", "Duration", "", "15m, 1h"));
    }
    Form::new(FormKind::LogActivity { contact, kind }, format!("Log {kind} with {name}"), fields)
}

pub fn task_form(kind: FormKind, title: String, values: [&str; 3]) -> Form {
    let priorities = Priority::ALL.iter().map(|p| p.name().to_string()).collect();
    Form::new(
        kind,
        title,
        vec![
            Field::new("title", "Title", values[0], "what to do"),
            Field::new("due", "Due", values[1], "\"fri 10:00\", \"+3d\", \"tomorrow morning\""),
            Field::new("priority", "Priority", values[2], "low, normal, high, urgent").with_choices(priorities),
            Field::new("assignee", "Assignee", "", "a login; empty: you"),
        ],
    )
}

/// Company names known from the loaded contacts, for pickers.
pub fn company_choices(app: &App) -> Vec<String> {
    let mut names: Vec<String> = app
        .contacts
        .rows
        .iter()
        .flatten()
        .filter(|r| !r.company().is_empty())
        .map(|r| r.company().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Contact names (with ids, so that namesakes stay apart), for pickers.
pub fn contact_choices(app: &App) -> Vec<String> {
    app.contacts.rows.iter().flatten().map(|r| format!("{} {}", r.id, r.name())).collect()
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(app, key),
        Msg::Loaded(data) => on_loaded(app, data),
        Msg::Failed(e) => {
            app.error(e);
            vec![]
        }
        Msg::Written(result) => on_written(app, result),
        Msg::Tick => vec![Effect::Load(Request::Tasks), Effect::Load(Request::Agenda)],
        Msg::Watch => vec![Effect::Load(Request::JournalHead)],
    }
}

fn on_loaded(app: &mut App, data: Data) -> Vec<Effect> {
    match data {
        Data::Contacts(rows) => app.contacts.set_rows(rows),
        Data::ContactCard(card) => app.contacts.set_card(*card),
        Data::Pipeline(p) => app.pipeline.set_data(p),
        Data::DealCard(card) => app.pipeline.set_card(*card),
        Data::Users(users) => app.users = users,
        Data::SearchIndex(index) => app.search_index = Some(*index),
        Data::ContactFilter(text, result) => app.contacts.set_compiled(&text, result),
        Data::Filter(kind, text, result) => match kind {
            EntityKind::Deal => app.pipeline.set_compiled(&text, result),
            _ => app.reminders.set_compiled(&text, result, &app.user, app.now),
        },
        Data::Views(views) => app.views = views,
        Data::ImportPlan(req, result) => return super::panes::import::planned(app, req, result),
        d @ (Data::ImportProgress(_) | Data::Dupes(_) | Data::MergePlan { .. }) => {
            return super::panes::import::loaded(app, d)
        }
        Data::Reports(q, result) => return super::panes::reports::loaded(app, q, result),
        d @ Data::Audit(_) => return super::panes::audit::loaded(app, d),
        Data::Touched(records) => {
            if let Some(index) = &mut app.search_index {
                for (r, rec) in records {
                    match rec {
                        Some(rec) => index.upsert(&rec),
                        None => index.remove(&r),
                    }
                }
            }
        }
        Data::JournalHead(head) => {
            let seen = app.journal_head.replace(head);
            // Written by someone else since the last look (our own writes reset `seen`).
            if seen.is_some_and(|s| s != head) {
                app.info("Updated with changes made in another crm.");
                return app.reload();
            }
        }
        Data::Agenda(agenda) => {
            app.reminders.set_agenda(*agenda, &app.user, app.now);
            check_overdue_modal(app);
        }
        Data::Tasks(rows) => {
            app.reminders.set_rows(rows, &app.user, app.now);
            // Announce tasks that were waiting at the last load and are overdue now (not the
            // ones crm started with, nor ones just added already late).
            let mine = app.reminders.rows.iter().filter(|t| t.assignee == app.user && t.done.is_none());
            let (late, waiting): (Vec<_>, Vec<_>) = mine.partition(|t| t.state == agenda::TaskState::Overdue);
            let fresh: Vec<String> =
                late.iter().filter(|t| app.due_seen.contains(&t.id)).map(|t| t.title.clone()).collect();
            let waiting: std::collections::HashSet<TaskId> = waiting.iter().map(|t| t.id).collect();
            let mut effects = Vec::new();
            if let Some(first) = fresh.first() {
                let more = if fresh.len() > 1 { format!(" (and {} more)", fresh.len() - 1) } else { String::new() };
                let text = format!("Now due: {first}{more}");
                app.info(text.clone());
                effects.push(Effect::Notify(text));
            }
            app.due_seen = waiting;
            check_overdue_modal(app);
            return effects;
        }
    }
    vec![]
}

/// Opens the startup reminder once tasks and agenda are both in (if anything of the user's is
/// overdue), and keeps an open one consistent with what is still overdue.
fn check_overdue_modal(app: &mut App) {
    if !app.reminders.loaded || app.reminders.agenda.is_none() {
        return;
    }
    let n = app.my_overdue().len();
    if !app.startup_checked {
        app.startup_checked = true;
        if n > 0 && app.modal.is_none() {
            app.modal = Some(Modal::Overdue { selected: 0 });
        }
    }
    if let Some(Modal::Overdue { selected, .. }) = &mut app.modal {
        if n == 0 {
            app.modal = None;
        } else if *selected >= n {
            *selected = n - 1;
        }
    }
}

fn on_written(app: &mut App, result: Result<Receipt, WriteError>) -> Vec<Effect> {
    match result {
        Ok(r) => {
            // Our own write moves the journal head: look again without taking it for another's.
            app.journal_head = None;
            if matches!(app.modal, Some(Modal::Form(_)) | Some(Modal::Merge(_))) {
                app.modal = None;
            }
            app.info(r.summary.clone());
            // A contact moved to the trash leaves its card.
            if let Some(card) = &app.contacts.card {
                if r.summary.contains("moved to the trash") && r.touched.contains(&Ref::Contact(card.contact.id)) {
                    app.contacts.card = None;
                }
            }
            if let Some(card) = &app.pipeline.card {
                if r.summary.contains("moved to the trash") && r.touched.contains(&Ref::Deal(card.deal.id)) {
                    app.pipeline.card = None;
                }
            }
            app.reload()
        }
        Err(e) => {
            match &mut app.modal {
                Some(Modal::Form(form)) => match (e.theirs, e.field) {
                    (Some(theirs), Some(field)) => {
                        let key = |a: Action| {
                            app.keymap
                                .key_for(&[Mode::Form], a)
                                .map(|k| k.to_string())
                                .unwrap_or_else(|| a.name().into())
                        };
                        form.show_conflict(&field, theirs, &key(Action::Submit), &key(Action::TakeTheirs))
                    }
                    (_, field) => form.show_error(field.as_deref(), e.message),
                },
                _ => app.error(e.message),
            }
            vec![]
        }
    }
}

/// The largest count a movement takes (`9999 j`); more would only burn time.
const MAX_COUNT: u32 = 9999;

/// Resolves a key through the keymap's chords: Ok(action or None for an unbound key), or
/// Err(()) when the key was taken (a chord goes on, a count grows, a chord was cancelled).
fn resolve(app: &mut App, key: Key) -> Result<Option<Action>, ()> {
    let modes = app.modes();
    let plain_char =
        matches!(key.code, KeyCode::Char(_)) && !key.mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if app.pending.is_empty() {
        if app.typing() && plain_char {
            return Ok(None);
        }
        // Digits that nothing binds make a count (vim's `5 j`); a leading 0 is not one.
        if let KeyCode::Char(d @ '0'..='9') = key.code {
            if !app.typing()
                && key.mods.is_empty()
                && (d != '0' || app.count.is_some())
                && app.keymap.lookup(&modes, &[key]) == Lookup::Unbound
            {
                let n = app.count.unwrap_or(0).saturating_mul(10).saturating_add(d as u32 - '0' as u32);
                app.count = Some(n.min(MAX_COUNT));
                return Err(());
            }
        }
        if app.count.is_some() && key.code == KeyCode::Esc {
            app.count = None;
            return Err(());
        }
    }
    let mut seq = std::mem::take(&mut app.pending);
    seq.push(key);
    match app.keymap.lookup(&modes, &seq) {
        Lookup::Action(a) => Ok(Some(a)),
        Lookup::Pending => {
            app.pending = seq;
            Err(())
        }
        Lookup::Unbound if seq.len() > 1 => {
            app.count = None;
            // esc (or ctrl-g) just forgets the chord; anything else says it leads nowhere.
            if key.code != KeyCode::Esc && key != Key::new(KeyCode::Char('g'), KeyModifiers::CONTROL) {
                app.info(format!("{} is not bound here", Chord(seq)));
            }
            Err(())
        }
        Lookup::Unbound => Ok(None),
    }
}

fn on_key(app: &mut App, event: KeyEvent) -> Vec<Effect> {
    let key = Key::from_event(&event);
    // ctrl-c always quits, whatever is open.
    if key == Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    let Ok(action) = resolve(app, key) else { return vec![] };
    let count = app.count.take();
    if let Some(Modal::Merge(_)) = app.modal {
        return super::panes::import::merge_key(app, key, action);
    }
    if let Some(Modal::Palette(_)) = app.modal {
        return super::panes::palette::key(app, key, action);
    }
    if let Some(Modal::Form(_)) = app.modal {
        return form_key(app, action, key);
    }
    if let Some(Modal::Search(_)) = app.modal {
        return super::panes::search::key(app, key, action);
    }
    if app.modal.is_none() && app.tab == Tab::Contacts && app.contacts.filtering {
        if let Some(effects) = app.contacts.filter_key(key, action) {
            return effects;
        }
    }
    if app.modal.is_none() && app.filter_editing() {
        let outcome = match app.tab {
            Tab::Pipeline => app.pipeline.filter_key(key, action),
            _ => app.reminders.filter_key(key, action, &app.user, app.now),
        };
        match outcome {
            super::panes::filter_line::Outcome::Changed(effects) => return effects,
            super::panes::filter_line::Outcome::Closed => return vec![],
            super::panes::filter_line::Outcome::Pass => {}
        }
    }
    match action {
        Some(a) => counted(app, a, count),
        None => vec![],
    }
}

/// Runs `action` `count` times where repeating makes sense (movements); `5 G` goes to row 5.
fn counted(app: &mut App, action: Action, count: Option<u32>) -> Vec<Effect> {
    let n = count.unwrap_or(1).max(1);
    match action {
        Action::Up
        | Action::Down
        | Action::Left
        | Action::Right
        | Action::PageUp
        | Action::PageDown
        | Action::NextTab
        | Action::PrevTab => (0..n).flat_map(|_| on_action(app, action)).collect(),
        Action::Top | Action::Bottom if count.is_some() => {
            let mut out = on_action(app, Action::Top);
            for _ in 1..n {
                out.extend(on_action(app, Action::Down));
            }
            out
        }
        _ => on_action(app, action),
    }
}

/// Runs an action as if its key had been pressed (the command palette).
pub fn run_action(app: &mut App, action: Action) -> Vec<Effect> {
    on_action(app, action)
}

fn form_key(app: &mut App, action: Option<Action>, key: Key) -> Vec<Effect> {
    let Some(Modal::Form(form)) = &mut app.modal else { return vec![] };
    if form.pending {
        return vec![];
    }
    match action {
        Some(Action::NextField) => form.next(),
        Some(Action::PrevField) => form.prev(),
        Some(Action::PickNext) | Some(Action::PickPrev) => {
            if let Some(field) = form.focused() {
                field.pick(action == Some(Action::PickNext));
            }
        }
        Some(Action::Back) => {
            app.modal = None;
            app.info("Cancelled; nothing was saved.");
        }
        Some(Action::Submit) if form.kind == FormKind::ReportPeriod => {
            // Nothing is written: the worker makes the reports, or says what is wrong.
            form.pending = true;
            let values: Vec<(&'static str, String)> =
                form.fields.iter().map(|f| (f.name, f.value.trim().to_string())).collect();
            return vec![Effect::Load(Request::Reports(super::panes::reports::custom_query(app, &values)))];
        }
        Some(Action::Submit) if form.kind == FormKind::Import => {
            form.pending = true;
            let values: Vec<(&'static str, String)> =
                form.fields.iter().map(|f| (f.name, f.value.trim().to_string())).collect();
            return super::panes::import::submit(&values);
        }
        Some(Action::Submit) if form.kind == FormKind::PickView => {
            let name = form.value("view").unwrap_or_default();
            match app.views.iter().find(|(n, _)| *n == name).map(|(_, f)| f.clone()) {
                Some(filter) => {
                    app.modal = None;
                    app.tab = Tab::Contacts;
                    app.info(format!("View {name}: {filter}"));
                    return app.contacts.set_filter(&filter);
                }
                None => form.show_error(Some("view"), format!("there is no view \"{name}\"")),
            }
        }
        Some(Action::Submit) => {
            let values = form.submitted();
            if values.is_empty() {
                app.modal = None;
                app.info("Nothing changed; nothing was saved.");
                return vec![];
            }
            form.pending = true;
            if form.is_edit() {
                return vec![Effect::Write(Write::Edit {
                    kind: form.kind.clone(),
                    typed: values,
                    shown: form.shown(),
                })];
            }
            return vec![Effect::Write(Write::Form(form.kind.clone(), values))];
        }
        Some(Action::TakeTheirs) => {
            if !form.take_theirs() {
                form.error = Some("Nothing to take: no field was changed by someone else.".into());
            }
        }
        _ => {
            if let Some(field) = form.focused() {
                field.edit(&key);
            }
        }
    }
    vec![]
}

fn on_action(app: &mut App, action: Action) -> Vec<Effect> {
    // The palette opens over whatever is showing (help, the overdue reminder).
    if action == Action::CommandPalette && !app.typing() {
        return super::panes::palette::open(app);
    }
    // Modals first.
    match &mut app.modal {
        Some(Modal::Help { scroll }) => {
            match action {
                Action::Back | Action::Help => app.modal = None,
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::Down => *scroll = scroll.saturating_add(1),
                Action::PageUp => *scroll = scroll.saturating_sub(10),
                Action::PageDown => *scroll = scroll.saturating_add(10),
                Action::Quit => {
                    app.quit = true;
                    return vec![Effect::Quit];
                }
                _ => {}
            }
            return vec![];
        }
        Some(Modal::Confirm { then, .. }) => {
            let then = then.clone();
            app.modal = None;
            return match action {
                Action::Confirm => vec![Effect::Write(then)],
                _ => {
                    app.info("Cancelled.");
                    vec![]
                }
            };
        }
        Some(Modal::Overdue { .. }) => return super::panes::reminders::overdue_action(app, action),
        Some(Modal::Audit(_)) => return super::panes::audit::action(app, action),
        Some(Modal::Form(_)) | Some(Modal::Search(_)) | Some(Modal::Palette(_)) | Some(Modal::Merge(_)) => {
            return vec![]
        }
        None => {}
    }
    match action {
        Action::Quit => {
            app.quit = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            app.modal = Some(Modal::Help { scroll: 0 });
            vec![]
        }
        Action::Search => super::panes::search::open(app),
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            app.tab = Tab::ALL[if action == Action::NextTab { (i + 1) % n } else { (i + n - 1) % n }];
            if app.tab == Tab::Reports {
                return super::panes::reports::enter(app);
            }
            vec![]
        }
        Action::ShowContacts => {
            app.tab = Tab::Contacts;
            vec![]
        }
        Action::ShowPipeline => {
            app.tab = Tab::Pipeline;
            vec![]
        }
        Action::ShowReminders => {
            app.tab = Tab::Reminders;
            vec![]
        }
        Action::ShowReports => {
            app.tab = Tab::Reports;
            super::panes::reports::enter(app)
        }
        Action::Undo => vec![Effect::Write(Write::Undo)],
        Action::Audit => super::panes::audit::open(app),
        Action::Import => super::panes::import::open(app),
        Action::Duplicates => super::panes::import::find_duplicates(app),
        Action::Redo => vec![Effect::Write(Write::Redo)],
        other => match app.tab {
            Tab::Contacts => super::panes::contacts::action(app, other),
            Tab::Pipeline => super::panes::pipeline::action(app, other),
            Tab::Reminders => super::panes::reminders::action(app, other),
            Tab::Reports => super::panes::reports::action(app, other),
        },
    }
}

/// Moves a selection index within `len` items.
pub fn step(selected: usize, len: usize, action: Action, page: usize) -> usize {
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::PageUp => selected.saturating_sub(page),
        Action::PageDown => (selected + page).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => selected.min(last),
    }
}
