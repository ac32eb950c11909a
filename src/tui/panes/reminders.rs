//! The reminders pane (Overdue / Today / Next 7 days / Later / Done recently) and the overdue
//! reminder shown at startup.

use crate::domain::agenda::TaskState;
use crate::domain::{Due, Timestamp};
use crate::services::query::TaskRow;
use crate::tui::action::Action;
use crate::tui::app::{step, task_form, App, Effect, Modal, Request, Tab, Write};
use crate::tui::form::{Field, Form, FormKind};

#[derive(Debug, Default)]
pub struct RemindersPane {
    /// Open tasks of everyone and tasks done recently, most urgent first.
    pub rows: Vec<TaskRow>,
    pub loaded: bool,
    pub selected: usize,
    /// Show everyone's tasks, not only the current user's.
    pub all_users: bool,
    /// Bumped whenever `rows` change, to invalidate `order`.
    pub generation: u64,
    /// The sorted sections of the last `visible` call, with what they were computed for.
    #[allow(clippy::type_complexity)]
    pub order: std::cell::RefCell<Option<((u64, bool, Timestamp), Vec<(Section, usize)>)>>,
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
    let due = match t.due {
        Due::At(ts) => ts.0,
        Due::Day(d) => d.0.and_hms_opt(0, 0, 0).map(|x| x.and_utc().timestamp_millis()).unwrap_or(0),
    };
    t.snoozed_until.map_or(due, |s| due.max(s.0))
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

impl RemindersPane {
    pub fn set_rows(&mut self, rows: Vec<TaskRow>) {
        let keep = self.visible_ids(&self.rows).get(self.selected).copied();
        self.rows = rows;
        self.generation += 1;
        self.loaded = true;
        if let Some(id) = keep {
            if let Some(pos) = self.visible_ids(&self.rows).iter().position(|x| *x == id) {
                self.selected = pos;
            }
        }
        self.selected = self.selected.min(self.len_for_selection().saturating_sub(1));
    }

    fn visible_ids(&self, rows: &[TaskRow]) -> Vec<crate::domain::TaskId> {
        rows.iter().map(|r| r.id).collect()
    }

    fn len_for_selection(&self) -> usize {
        self.rows.len()
    }
}

/// The rows shown for `user`, grouped by section in order. The order is computed once per
/// change of the rows, the "everyone" switch or the time, not on every frame and key.
pub fn visible(app: &App, now: Timestamp) -> Vec<(Section, &TaskRow)> {
    let pane = &app.reminders;
    let key = (pane.generation, pane.all_users, now);
    let mut cache = pane.order.borrow_mut();
    if cache.as_ref().is_none_or(|(k, _)| *k != key) {
        let mut out: Vec<(Section, usize)> = pane
            .rows
            .iter()
            .enumerate()
            .filter(|(_, t)| pane.all_users || t.assignee == app.user)
            .map(|(i, t)| (section(t, now), i))
            .collect();
        out.sort_by_key(|(s, i)| {
            let t = &pane.rows[*i];
            (*s as u8, if *s == Section::Done { -(t.done.map(|d| d.0).unwrap_or(0)) } else { due_ms(t) }, t.id)
        });
        *cache = Some((key, out));
    }
    cache.as_ref().map(|(_, order)| order.iter().map(|(s, i)| (*s, &pane.rows[*i])).collect()).unwrap_or_default()
}

fn selected_task(app: &App, now: Timestamp) -> Option<TaskRow> {
    visible(app, now).get(app.reminders.selected).map(|(_, t)| (*t).clone())
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
        Action::ToggleAllUsers => {
            app.reminders.all_users = !app.reminders.all_users;
            app.reminders.selected = 0;
            let text = if app.reminders.all_users { "Showing everyone's tasks" } else { "Showing your tasks" };
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
    let Some(task) = selected_task(app, now) else { return vec![] };
    if let Some(effects) = task_action(app, &task, action) {
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
    match visible(app, app.now).iter().position(|(_, t)| t.id == id) {
        Some(pos) => {
            app.reminders.selected = pos;
            true
        }
        None => false,
    }
}

/// Keys in the startup overdue modal.
pub fn overdue_action(app: &mut App, action: Action) -> Vec<Effect> {
    let overdue: Vec<TaskRow> = app.my_overdue().into_iter().cloned().collect();
    let Some(Modal::Overdue { selected, .. }) = &mut app.modal else { return vec![] };
    match action {
        Action::Up | Action::Down => {
            *selected = step(*selected, overdue.len(), action, 10);
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
            let Some(task) = overdue.get(*selected).cloned() else {
                app.modal = None;
                return vec![];
            };
            if other == Action::Open {
                app.modal = None;
            }
            task_action(app, &task, other).unwrap_or_default()
        }
    }
}
