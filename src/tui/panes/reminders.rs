//! The reminders pane (Overdue / Today / Next 7 days / Later / Done recently) and the overdue
//! reminder shown at startup.

use crate::domain::agenda::TaskState;
use crate::domain::urgency::{self, Factors, Weights};
use crate::domain::{ActivityKind, Due, Ref, TaskId, Timestamp};
use crate::services::agenda::{AgendaItem, ItemKind};
use crate::services::query::TaskRow;
use crate::tui::action::Action;
use crate::tui::app::{log_form, step, task_form, App, Effect, Modal, Request, Tab, Write};
use crate::tui::form::{Field, Form, FormKind};
use crate::tui::keymap::Key;
use crate::tui::panes::filter_line::{FilterLine, Outcome};
use std::collections::HashMap;

/// What the agenda adds to the tasks: follow-ups due by cadence, stale deals, and the urgency
/// of each task (the pane orders by it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AgendaData {
    /// Follow-ups and stale deals of everyone, named and explained.
    pub extras: Vec<AgendaItem>,
    /// Score and what it was computed from, per open task due within the agenda's horizon.
    pub urgency: HashMap<TaskId, (f64, Factors)>,
    pub weights: Weights,
}

/// One line of the pane: a task, or a follow-up / stale deal from the agenda.
#[derive(Debug, Clone, Copy)]
pub enum Entry<'a> {
    Task(&'a TaskRow),
    Item(&'a AgendaItem),
}

impl<'a> Entry<'a> {
    pub fn reference(&self) -> Ref {
        match self {
            Entry::Task(t) => Ref::Task(t.id),
            Entry::Item(i) => i.id.clone(),
        }
    }

    pub fn title(&self) -> &'a str {
        match self {
            Entry::Task(t) => &t.title,
            Entry::Item(i) => &i.title,
        }
    }

    pub fn assignee(&self) -> &'a str {
        match self {
            Entry::Task(t) => &t.assignee,
            Entry::Item(i) => &i.assignee,
        }
    }

    pub fn state(&self) -> TaskState {
        match self {
            Entry::Task(t) => t.state,
            Entry::Item(i) => i.state,
        }
    }
}

/// Where a pane line comes from: an index into the tasks or into the agenda's extras.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Task(usize),
    Item(usize),
}

#[derive(Debug)]
pub struct RemindersPane {
    /// Open tasks of everyone and tasks done recently, most urgent first.
    pub rows: Vec<TaskRow>,
    pub loaded: bool,
    pub selected: usize,
    /// Show everyone's tasks, not only the current user's.
    pub all_users: bool,
    /// Bumped whenever `rows` change, to invalidate `order`.
    pub generation: u64,
    /// Follow-ups, stale deals and task urgency; None until the first agenda load.
    pub agenda: Option<AgendaData>,
    /// The sorted sections of the last `visible` call, with what they were computed for.
    #[allow(clippy::type_complexity)]
    pub order: std::cell::RefCell<Option<((u64, bool, Timestamp), Vec<(Section, Source)>)>>,
    /// The current user's overdue lines of the last `my_overdue` call, for the generation.
    #[allow(clippy::type_complexity)]
    pub overdue: std::cell::RefCell<Option<(u64, Vec<Source>)>>,
    /// The counts of the last `my_counts` call, for the generation.
    pub counts: std::cell::Cell<Option<(u64, (usize, usize))>>,
    /// The filter line (`f`): tasks by field terms (`due.before:fri priority:high`) and free
    /// text; follow-ups and stale deals by free text (field terms are about tasks).
    pub filter: FilterLine,
}

impl Default for RemindersPane {
    fn default() -> Self {
        RemindersPane {
            rows: Vec::new(),
            loaded: false,
            selected: 0,
            all_users: false,
            generation: 0,
            agenda: None,
            order: Default::default(),
            overdue: Default::default(),
            counts: Default::default(),
            filter: FilterLine::new(crate::domain::EntityKind::Task),
        }
    }
}

/// The sections of the pane, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overdue,
    Today,
    Week,
    Later,
    Done,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Overdue => "Overdue",
            Section::Today => "Today",
            Section::Week => "Next 7 days",
            Section::Later => "Later",
            Section::Done => "Done recently",
        }
    }
}

/// When the task is next due: its due time, or later if it was snoozed past it.
fn due_ms(t: &TaskRow) -> i64 {
    t.due.attention_ms(t.snoozed_until)
}

/// Which section a task belongs in, `now` being the current time.
pub fn section(t: &TaskRow, now: Timestamp) -> Section {
    match t.state {
        TaskState::Overdue => Section::Overdue,
        TaskState::Today => Section::Today,
        TaskState::Done => Section::Done,
        TaskState::Upcoming | TaskState::Hidden => {
            if due_ms(t) < now.plus_days(7).0 {
                Section::Week
            } else {
                Section::Later
            }
        }
    }
}

/// Which section an agenda item belongs in.
fn item_section(i: &AgendaItem, now: Timestamp) -> Section {
    match i.state {
        TaskState::Overdue => Section::Overdue,
        TaskState::Today => Section::Today,
        TaskState::Done => Section::Done,
        TaskState::Upcoming | TaskState::Hidden => {
            let soon = i.due.is_none_or(|d| match d {
                Due::At(t) => t.0 < now.plus_days(7).0,
                Due::Day(d) => d.0 < now.plus_days(7).to_datetime().date_naive(),
            });
            if soon {
                Section::Week
            } else {
                Section::Later
            }
        }
    }
}

impl RemindersPane {
    pub fn set_rows(&mut self, rows: Vec<TaskRow>, user: &str, now: Timestamp) {
        self.update(|pane| pane.rows = rows, user, now);
        self.loaded = true;
    }

    pub fn set_agenda(&mut self, agenda: AgendaData, user: &str, now: Timestamp) {
        self.update(|pane| pane.agenda = Some(agenda), user, now);
    }

    /// The worker resolved the filter line.
    pub fn set_compiled(
        &mut self,
        text: &str,
        result: Result<Box<crate::services::filter::Compiled>, String>,
        user: &str,
        now: Timestamp,
    ) {
        if self.filter.set_compiled(text, result) {
            self.refiltered(user, now);
        }
    }

    /// A key while the filter line is typed.
    pub fn filter_key(&mut self, key: Key, action: Option<Action>, user: &str, now: Timestamp) -> Outcome {
        let outcome = self.filter.key(key, action);
        if matches!(outcome, Outcome::Changed(_)) {
            self.selected = 0;
            self.refiltered(user, now);
        }
        outcome
    }

    pub(crate) fn refiltered(&mut self, user: &str, now: Timestamp) {
        self.reorder(None, user, now);
    }

    /// After a change of the data or the filter: orders the lines again (once, cached for
    /// `visible`), moving the selection to `keep` if it is still listed.
    fn reorder(&mut self, keep: Option<Ref>, user: &str, now: Timestamp) {
        self.generation += 1;
        let order = order(self, user, now);
        if let Some(pos) =
            keep.and_then(|k| order.iter().position(|(_, src)| self.reference(*src).as_ref() == Some(&k)))
        {
            self.selected = pos;
        }
        self.selected = self.selected.min(order.len().saturating_sub(1));
        *self.order.borrow_mut() = Some(((self.generation, self.all_users, now), order));
    }

    /// Changes the data, keeping the selection on the same line (task, follow-up or deal) when
    /// it is still listed.
    fn update(&mut self, change: impl FnOnce(&mut Self), user: &str, now: Timestamp) {
        // Until both tasks and agenda are in, the list is still filling: stay at the top.
        let complete = self.loaded && self.agenda.is_some();
        let keep = self
            .order
            .borrow()
            .as_ref()
            .filter(|_| complete)
            .and_then(|(_, order)| order.get(self.selected).and_then(|(_, src)| self.reference(*src)));
        change(self);
        self.reorder(keep, user, now);
    }

    fn reference(&self, src: Source) -> Option<Ref> {
        match src {
            Source::Task(i) => self.rows.get(i).map(|t| Ref::Task(t.id)),
            Source::Item(i) => self.agenda.as_ref().and_then(|a| a.extras.get(i)).map(|x| x.id.clone()),
        }
    }

    fn entry(&self, src: Source) -> Option<Entry<'_>> {
        match src {
            Source::Task(i) => self.rows.get(i).map(Entry::Task),
            Source::Item(i) => self.agenda.as_ref().and_then(|a| a.extras.get(i)).map(Entry::Item),
        }
    }

    /// The urgency score of a line (0 for what the agenda did not rank).
    pub fn score(&self, e: &Entry<'_>) -> f64 {
        match e {
            Entry::Task(t) => self.agenda.as_ref().and_then(|a| a.urgency.get(&t.id)).map_or(0.0, |(s, _)| *s),
            Entry::Item(i) => i.score,
        }
    }

    /// Why a line ranks where it does: its score and each factor's points.
    pub fn explain(&self, e: &Entry<'_>) -> (f64, Vec<(String, f64)>) {
        match e {
            Entry::Task(t) => match self.agenda.as_ref().and_then(|a| a.urgency.get(&t.id).map(|u| (a, u))) {
                Some((a, (_, f))) => urgency::score(f, &a.weights),
                None => (0.0, Vec::new()),
            },
            Entry::Item(i) => (i.score, i.why.clone()),
        }
    }
}

fn entry_due_ms(e: &Entry<'_>, section: Section) -> i64 {
    match e {
        Entry::Task(t) if section == Section::Done => -(t.done.map(|d| d.0).unwrap_or(0)),
        Entry::Task(t) => due_ms(t),
        Entry::Item(i) => i.due.map_or(0, Due::ms),
    }
}

/// The lines for `user` (or everyone), grouped by section in order; within a section the most
/// urgent first, then by due time ("Done recently": latest first).
fn order(pane: &RemindersPane, user: &str, now: Timestamp) -> Vec<(Section, Source)> {
    let mine = |who: &str| pane.all_users || who == user;
    let mut test = pane.filter.rows();
    let mut out: Vec<(Section, Source)> = pane
        .rows
        .iter()
        .enumerate()
        .filter(|(_, t)| mine(&t.assignee))
        .filter(|(_, t)| test.keeps(*t, |c, t| c.task(t), &[&t.title, &t.contact, &t.deal]))
        .map(|(i, t)| (section(t, now), Source::Task(i)))
        .collect();
    // Field terms are about tasks: with some, follow-ups and stale deals are left out.
    let terms = pane.filter.current().is_some_and(|c| c.has_terms()) || pane.filter.error.is_some();
    if let Some(a) = pane.agenda.as_ref().filter(|_| !terms) {
        out.extend(
            a.extras
                .iter()
                .enumerate()
                .filter(|(_, x)| mine(&x.assignee))
                .filter(|(_, x)| test.matches(&[&x.title, &x.about]))
                .map(|(i, x)| (item_section(x, now), Source::Item(i))),
        );
    }
    out.sort_by_cached_key(|(s, src)| {
        let Some(e) = pane.entry(*src) else { return (*s as u8, 0, i64::MAX, None) };
        // Scores are sums of a few weights: hundredths are enough to order them.
        let score = if *s == Section::Done { 0 } else { -(pane.score(&e) * 100.0).round() as i64 };
        (*s as u8, score, entry_due_ms(&e, *s), Some(e.reference()))
    });
    out
}

/// The lines shown, grouped by section in order (see [`order`]). Computed once per change of
/// the data, the "everyone" switch or the time, not on every frame and key.
pub fn visible(app: &App, now: Timestamp) -> Vec<(Section, Entry<'_>)> {
    let pane = &app.reminders;
    let key = (pane.generation, pane.all_users, now);
    let mut cache = pane.order.borrow_mut();
    if cache.as_ref().is_none_or(|(k, _)| *k != key) {
        *cache = Some((key, order(pane, &app.user, now)));
    }
    cache
        .as_ref()
        .map(|(_, order)| order.iter().filter_map(|(s, src)| pane.entry(*src).map(|e| (*s, e))).collect())
        .unwrap_or_default()
}

/// A line of the pane, owned (so that actions can change the app while holding it).
#[derive(Debug, Clone)]
pub enum Owned {
    Task(TaskRow),
    Item(AgendaItem),
}

impl From<Entry<'_>> for Owned {
    fn from(e: Entry<'_>) -> Owned {
        match e {
            Entry::Task(t) => Owned::Task(t.clone()),
            Entry::Item(i) => Owned::Item(i.clone()),
        }
    }
}

fn selected(app: &App, now: Timestamp) -> Option<Owned> {
    visible(app, now).get(app.reminders.selected).map(|(_, e)| Owned::from(*e))
}

/// The current user's overdue tasks and follow-ups (what the startup reminder lists), most
/// overdue first.
/// Computed once per change of the data (the startup reminder asks on every frame and key).
pub fn my_overdue(app: &App) -> Vec<Entry<'_>> {
    let pane = &app.reminders;
    let mut cache = pane.overdue.borrow_mut();
    if cache.as_ref().is_none_or(|(g, _)| *g != pane.generation) {
        let tasks = pane.rows.iter().enumerate().map(|(i, t)| (Source::Task(i), Entry::Task(t)));
        let follow_ups = pane.agenda.iter().flat_map(|a| a.extras.iter().enumerate());
        let follow_ups =
            follow_ups.filter(|(_, x)| x.kind == ItemKind::FollowUp).map(|(i, x)| (Source::Item(i), Entry::Item(x)));
        let mut mine: Vec<(Source, Entry<'_>)> = tasks
            .chain(follow_ups)
            .filter(|(_, e)| e.assignee() == app.user && e.state() == TaskState::Overdue)
            .collect();
        mine.sort_by_cached_key(|(_, e)| (entry_due_ms(e, Section::Overdue), e.reference()));
        *cache = Some((pane.generation, mine.into_iter().map(|(s, _)| s).collect()));
    }
    cache.as_ref().map(|(_, srcs)| srcs.iter().filter_map(|s| pane.entry(*s)).collect()).unwrap_or_default()
}

/// The current user's overdue and due-today tasks and follow-ups (the status line shows them on
/// every frame, so they are counted once per change of the data).
pub fn my_counts(app: &App) -> (usize, usize) {
    let pane = &app.reminders;
    if let Some((g, counts)) = pane.counts.get() {
        if g == pane.generation {
            return counts;
        }
    }
    let follow_ups = pane.agenda.iter().flat_map(|a| a.extras.iter()).filter(|i| i.kind == ItemKind::FollowUp);
    let all = pane.rows.iter().map(Entry::Task).chain(follow_ups.map(Entry::Item));
    let (mut overdue, mut today) = (0, 0);
    for e in all.filter(|e| e.assignee() == app.user) {
        match e.state() {
            TaskState::Overdue => overdue += 1,
            TaskState::Today => today += 1,
            _ => {}
        }
    }
    pane.counts.set(Some((pane.generation, (overdue, today))));
    (overdue, today)
}

/// Says in the status line why a line ranks where it does.
fn explain(app: &mut App, e: &Owned) {
    let entry = match e {
        Owned::Task(t) => Entry::Task(t),
        Owned::Item(i) => Entry::Item(i),
    };
    let (score, why) = app.reminders.explain(&entry);
    let reasons: Vec<String> = why.iter().map(|(r, p)| format!("{r} {p:+.1}")).collect();
    let text = if reasons.is_empty() {
        format!("{}: urgency 0 (not due within the next days, normal priority)", entry.reference())
    } else {
        format!("{}: urgency {score:.1} = {}", entry.reference(), reasons.join(", "))
    };
    app.info(text);
}

/// Actions on a follow-up or a stale deal (they are not tasks: done means getting in touch).
fn item_action(app: &mut App, item: &AgendaItem, action: Action) -> Option<Vec<Effect>> {
    Some(match (item.kind, &item.id, action) {
        (ItemKind::FollowUp, Ref::Contact(c), Action::Done) => {
            app.open_form(log_form(*c, &item.about, ActivityKind::Call));
            vec![]
        }
        (_, Ref::Contact(c), Action::Open) => {
            app.tab = Tab::Contacts;
            vec![Effect::Load(Request::ContactCard(*c))]
        }
        (_, Ref::Deal(d), Action::Open) => {
            app.tab = Tab::Pipeline;
            vec![Effect::Load(Request::DealCard(*d))]
        }
        (
            ItemKind::FollowUp,
            _,
            Action::SnoozeHour | Action::SnoozeTomorrow | Action::SnoozeMonday | Action::SnoozePick,
        ) => {
            app.info("A follow-up moves on when you log a call or meeting with the contact: press done to log one.");
            vec![]
        }
        (
            ItemKind::Stale,
            _,
            Action::Done | Action::SnoozeHour | Action::SnoozeTomorrow | Action::SnoozeMonday | Action::SnoozePick,
        ) => {
            app.info("A stale deal clears when it moves on or gets an activity: open it to move it or log one.");
            vec![]
        }
        _ => return None,
    })
}

pub fn snooze_form(task: &TaskRow) -> Form {
    Form::new(
        FormKind::SnoozeUntil(task.id),
        format!("Snooze \"{}\" until", task.title),
        vec![Field::new("until", "Until", "tomorrow morning", "\"in 2h\", \"mon 9:00\", \"2026-12-01\"")],
    )
}

/// Actions shared by the pane and the startup modal, on one task.
fn task_action(app: &mut App, task: &TaskRow, action: Action) -> Option<Vec<Effect>> {
    Some(match action {
        Action::Done if task.done.is_none() => vec![Effect::Write(Write::Complete(task.id))],
        Action::SnoozeHour => vec![Effect::Write(Write::Snooze(task.id, "in 1h".into()))],
        Action::SnoozeTomorrow => vec![Effect::Write(Write::Snooze(task.id, "tomorrow morning".into()))],
        Action::SnoozeMonday => vec![Effect::Write(Write::Snooze(task.id, "next mon morning".into()))],
        Action::SnoozePick => {
            app.open_form(snooze_form(task));
            vec![]
        }
        Action::Open => {
            if let Some(c) = task.contact_id {
                app.tab = Tab::Contacts;
                vec![Effect::Load(Request::ContactCard(c))]
            } else if let Some(d) = task.deal_id {
                app.tab = Tab::Pipeline;
                vec![Effect::Load(Request::DealCard(d))]
            } else {
                app.info("This task is not linked to a contact or a deal.");
                vec![]
            }
        }
        _ => return None,
    })
}

pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let now = app.now;
    let n = visible(app, now).len();
    match action {
        Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
            app.reminders.selected = step(app.reminders.selected, n, action, 10);
            return vec![];
        }
        Action::Filter => {
            app.reminders.filter.editing = true;
            return vec![];
        }
        Action::Back if !app.reminders.filter.is_empty() => {
            app.reminders.filter.set("");
            app.reminders.refiltered(&app.user, now);
            return vec![];
        }
        Action::ToggleAllUsers => {
            app.reminders.all_users = !app.reminders.all_users;
            app.reminders.selected = 0;
            let text = if app.reminders.all_users { "Showing everyone's reminders" } else { "Showing your reminders" };
            app.info(text);
            return vec![];
        }
        Action::Add => {
            app.open_form(task_form(
                FormKind::AddTask { contact: None, deal: None },
                "Add a task".into(),
                ["", "tomorrow morning", "normal"],
            ));
            return vec![];
        }
        _ => {}
    }
    let Some(line) = selected(app, now) else { return vec![] };
    if action == Action::Explain {
        explain(app, &line);
        return vec![];
    }
    let task = match &line {
        Owned::Task(t) => t,
        Owned::Item(i) => return item_action(app, i, action).unwrap_or_default(),
    };
    if let Some(effects) = task_action(app, task, action) {
        return effects;
    }
    match action {
        Action::Edit => {
            let due = crate::services::format::due(task.due);
            app.open_form(task_form(
                FormKind::EditTask(task.id),
                format!("Edit {}", task.id),
                [&task.title, &due, task.priority.name()],
            ));
        }
        Action::Delete => {
            app.modal = Some(Modal::Confirm {
                question: format!("Move task \"{}\" ({}) to the trash? (undo brings it back)", task.title, task.id),
                then: Write::Changes(vec![crate::domain::Change::Trash { target: crate::domain::Ref::Task(task.id) }]),
            });
        }
        _ => {}
    }
    vec![]
}

/// Selects task `id` in the pane (showing everyone's tasks if it is someone else's); false when
/// it is not listed.
pub fn select(app: &mut App, id: crate::domain::TaskId) -> bool {
    if let Some(t) = app.reminders.rows.iter().find(|t| t.id == id) {
        if t.assignee != app.user {
            app.reminders.all_users = true;
        }
    }
    match visible(app, app.now).iter().position(|(_, e)| e.reference() == Ref::Task(id)) {
        Some(pos) => {
            app.reminders.selected = pos;
            true
        }
        None => false,
    }
}

/// Keys in the startup overdue modal.
pub fn overdue_action(app: &mut App, action: Action) -> Vec<Effect> {
    let at = match &app.modal {
        Some(Modal::Overdue { selected }) => *selected,
        _ => return vec![],
    };
    let (count, chosen) = {
        let overdue = my_overdue(app);
        (overdue.len(), overdue.get(at).map(|e| Owned::from(*e)))
    };
    let Some(Modal::Overdue { selected, .. }) = &mut app.modal else { return vec![] };
    match action {
        Action::Up | Action::Down => {
            *selected = step(*selected, count, action, 10);
            vec![]
        }
        Action::Back | Action::Quit => {
            app.modal = None;
            if action == Action::Quit {
                app.quit = true;
                return vec![Effect::Quit];
            }
            vec![]
        }
        other => {
            let Some(line) = chosen else {
                app.modal = None;
                return vec![];
            };
            // Opening a record, or logging the call a follow-up asks for, leaves the reminder.
            let leaves = other == Action::Open || (other == Action::Done && matches!(line, Owned::Item(_)));
            if leaves {
                app.modal = None;
            }
            match &line {
                Owned::Task(t) => task_action(app, t, other).unwrap_or_default(),
                Owned::Item(i) => item_action(app, i, other).unwrap_or_default(),
            }
        }
    }
}
