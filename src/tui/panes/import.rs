//! Import and merge in the TUI. Import: a form asks for the file; the worker plans it and the
//! dry-run summary is shown first; on confirm the worker imports it in one change (progress in
//! the status line). Merge: duplicate pairs are found by the worker and shown side by side; the
//! user picks each differing field, then merges in one change (`u` undoes it).

use super::super::app::{App, Data, Effect, Modal, Request, Write};
use super::super::form::{Field, Form, FormKind};
use super::super::keymap::Key;
use crate::domain::Ref;
use crate::services::dupes::DupePair;
use crate::services::merge::{MergePlan, Side};
use crate::tui::action::Action;
use ratatui::crossterm::event::KeyCode;

/// What to import, as the form gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRequest {
    pub path: String,
    pub kind: String,
    pub duplicates: String,
}

/// The side-by-side merge of one pair of duplicates.
#[derive(Debug, Clone)]
pub struct MergeView {
    /// Every pair found, and which one is shown.
    pub pairs: Vec<DupePair>,
    pub index: usize,
    pub plan: MergePlan,
    /// The differing field the cursor is on.
    pub selected: usize,
}

impl PartialEq for MergeView {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.selected == other.selected && self.plan.keep == other.plan.keep
    }
}

pub fn import_form() -> Form {
    let kinds = ["contacts", "companies", "deals", "tasks"].map(String::from).to_vec();
    let dup = ["update", "skip", "create"].map(String::from).to_vec();
    Form::new(
        FormKind::Import,
        "Import from a file (a dry run comes first)",
        vec![
            Field::new("file", "File", "", "path of a .csv or .vcf file; ~ is your home"),
            Field::new("type", "Rows are", "contacts", "for CSV: contacts, companies, deals, tasks")
                .with_choices(kinds),
            Field::new("duplicates", "Duplicates", "update", "update the record, skip the row, or create anyway")
                .with_choices(dup),
        ],
    )
}

/// Opens the import form.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.modal = Some(Modal::Form(import_form()));
    vec![]
}

/// The form was submitted: plan it (the dry run) before anything is written.
pub fn submit(values: &[(&'static str, String)]) -> Vec<Effect> {
    let get = |n: &str| values.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut path = get("file");
    if let (Some(rest), Some(home)) = (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        path = std::path::Path::new(&home).join(rest).display().to_string();
    }
    vec![Effect::Load(Request::ImportPlan(ImportRequest { path, kind: get("type"), duplicates: get("duplicates") }))]
}

/// The dry run is back: ask before importing, or show what is wrong in the form.
pub fn planned(app: &mut App, req: ImportRequest, result: Result<String, String>) -> Vec<Effect> {
    match result {
        Ok(summary) => {
            app.modal = Some(Modal::Confirm {
                question: format!("{summary}\nImport {} now? (one change: u undoes it)", req.path),
                then: Write::Import(req),
            });
        }
        Err(e) => match &mut app.modal {
            Some(Modal::Form(form)) if form.kind == FormKind::Import => {
                form.pending = false;
                form.show_error(Some("file"), e);
            }
            _ => app.error(e),
        },
    }
    vec![]
}

/// Looks for duplicate contacts and companies.
pub fn find_duplicates(app: &mut App) -> Vec<Effect> {
    app.info("Looking for duplicate contacts and companies…");
    vec![Effect::Load(Request::Dupes)]
}

/// The pair to show first: one with the contact on screen, else the first.
fn first_pair(app: &App, pairs: &[DupePair]) -> usize {
    let current = app.contacts.card.as_ref().map(|c| Ref::Contact(c.contact.id));
    current.and_then(|id| pairs.iter().position(|p| p.a == id || p.b == id)).unwrap_or(0)
}

fn load_pair(pairs: Vec<DupePair>, index: usize) -> Vec<Effect> {
    match pairs.get(index) {
        Some(p) => {
            let (a, b) = (p.a.clone(), p.b.clone());
            vec![Effect::Load(Request::MergePlan { pairs, index, keep: a, other: b })]
        }
        None => vec![],
    }
}

pub fn loaded(app: &mut App, data: Data) -> Vec<Effect> {
    match data {
        Data::Dupes(pairs) if pairs.is_empty() => {
            app.info("No duplicate contacts or companies found.");
            vec![]
        }
        Data::Dupes(pairs) => {
            let i = first_pair(app, &pairs);
            load_pair(pairs, i)
        }
        Data::MergePlan { pairs, index, plan } => match plan {
            Ok(plan) => {
                let why = pairs.get(index).map(|p| p.why.join("; ")).unwrap_or_default();
                app.info(format!("Duplicates {} of {}: {why}", index + 1, pairs.len()));
                app.modal = Some(Modal::Merge(Box::new(MergeView { pairs, index, plan: *plan, selected: 0 })));
                vec![]
            }
            Err(e) => {
                app.error(e);
                vec![]
            }
        },
        Data::ImportProgress(text) => {
            app.info(text);
            vec![]
        }
        _ => vec![],
    }
}

/// Keys of the merge view: ↑/↓ a field, ←/→ (h/l, space) the side it comes from, n/p the next
/// or previous pair, s swaps which contact is kept, enter merges, esc closes.
pub fn merge_key(app: &mut App, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(Modal::Merge(view)) = &mut app.modal else { return vec![] };
    let n = view.plan.choices.len();
    match (action, key.code) {
        (Some(Action::Back), _) | (_, KeyCode::Esc) => {
            app.modal = None;
            app.info("Merge cancelled; nothing changed.");
        }
        (Some(Action::Submit), _) | (_, KeyCode::Enter) => {
            let plan = view.plan.clone();
            return vec![Effect::Write(Write::Merge(Box::new(plan)))];
        }
        (Some(Action::NextField), _) | (_, KeyCode::Down) | (_, KeyCode::Char('j')) => {
            view.selected = (view.selected + 1).min(n.saturating_sub(1));
        }
        (Some(Action::PrevField), _) | (_, KeyCode::Up) | (_, KeyCode::Char('k')) => {
            view.selected = view.selected.saturating_sub(1);
        }
        (_, KeyCode::Left) | (_, KeyCode::Char('h')) => pick(view, Side::Keep),
        (_, KeyCode::Right) | (_, KeyCode::Char('l')) => pick(view, Side::Other),
        (_, KeyCode::Char(' ')) | (Some(Action::PickNext | Action::PickPrev), _) => {
            let side = match view.plan.choices.get(view.selected).map(|c| c.pick) {
                Some(Side::Keep) => Side::Other,
                _ => Side::Keep,
            };
            pick(view, side);
        }
        (_, KeyCode::Char('n')) | (_, KeyCode::Char('p')) => {
            let len = view.pairs.len();
            let next =
                if key.code == KeyCode::Char('n') { (view.index + 1) % len } else { (view.index + len - 1) % len };
            let pairs = view.pairs.clone();
            return load_pair(pairs, next);
        }
        (_, KeyCode::Char('s')) => {
            let pairs = view.pairs.clone();
            let (keep, other) = (view.plan.other.clone(), view.plan.keep.clone());
            return vec![Effect::Load(Request::MergePlan { pairs, index: view.index, keep, other })];
        }
        _ => {}
    }
    vec![]
}

fn pick(view: &mut MergeView, side: Side) {
    if let Some(c) = view.plan.choices.get_mut(view.selected) {
        c.pick = side;
    }
}
