//! The search palette: `/` from any pane, results on every keystroke, Enter opens the record
//! in its pane. Prefixes restrict the type: `@` companies, `$` deals, `!` tasks, `#tag`.

use crate::domain::{EntityKind, Ref};
use crate::services::search::{narrows, Candidates, Hit, Query};
use crate::tui::action::Action;
use crate::tui::app::{step, App, Effect, Modal, Request, Tab};
use crate::tui::form::Field;
use crate::tui::keymap::Key;

/// How many results the palette shows.
pub const LIMIT: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub input: Field,
    pub hits: Vec<Hit>,
    pub selected: usize,
    /// The query of the last search and what it left to search: a query that extends it only
    /// rescans those.
    last: Option<(Query, Candidates)>,
}

impl Palette {
    pub fn new() -> Palette {
        Palette { input: Field::new("query", "Search", "", ""), hits: Vec::new(), selected: 0, last: None }
    }
}

impl Default for Palette {
    fn default() -> Self {
        Palette::new()
    }
}

fn run(app: &mut App) {
    let Some(Modal::Search(p)) = &mut app.modal else { return };
    let Some(index) = &app.search_index else { return };
    let query = Query::parse(&p.input.value);
    let candidates = p.last.as_ref().filter(|(q, _)| narrows(q, &query)).map(|(_, m)| m);
    let (hits, matched) = index.search_within(&query, candidates, LIMIT);
    p.hits = hits;
    p.selected = 0;
    p.last = Some((query, matched));
}

pub fn open(app: &mut App) -> Vec<Effect> {
    app.modal = Some(Modal::Search(Palette::new()));
    vec![]
}

/// Keys in the palette: text goes to the query; moving, opening and closing come from the keymap.
pub fn key(app: &mut App, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(Modal::Search(p)) = &mut app.modal else { return vec![] };
    if p.input.edit(&key) {
        run(app);
        return vec![];
    }
    match action {
        Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown)) => {
            p.selected = step(p.selected, p.hits.len(), a, 10);
            vec![]
        }
        Some(Action::Back) => {
            app.modal = None;
            vec![]
        }
        Some(Action::Open) => {
            let hit = p.hits.get(p.selected).cloned();
            app.modal = None;
            match hit {
                Some(h) => open_hit(app, &h),
                None => vec![],
            }
        }
        _ => vec![],
    }
}

/// Opens a record in its pane.
fn open_hit(app: &mut App, hit: &Hit) -> Vec<Effect> {
    match &hit.id {
        Ref::Contact(id) => {
            app.tab = Tab::Contacts;
            vec![Effect::Load(Request::ContactCard(*id))]
        }
        Ref::Deal(id) => {
            app.tab = Tab::Pipeline;
            vec![Effect::Load(Request::DealCard(*id))]
        }
        Ref::Company(_) => {
            // Companies have no pane of their own: show their people.
            app.tab = Tab::Contacts;
            app.contacts.card = None;
            app.info(format!("Contacts of {}", hit.label));
            app.contacts.set_filter(&format!("company:\"{}\"", hit.label.replace('"', "\\\"")))
        }
        Ref::Task(id) => {
            app.tab = Tab::Reminders;
            if !super::reminders::select(app, *id) {
                app.info(format!("{} is not among the reminders shown ({})", id, hit.detail));
            }
            vec![]
        }
        _ => vec![],
    }
}

/// A short name for a result's type.
pub fn kind_label(k: EntityKind) -> &'static str {
    match k {
        EntityKind::Contact => "contact",
        EntityKind::Company => "company",
        EntityKind::Deal => "deal",
        EntityKind::Task => "task",
        EntityKind::Activity => "activity",
        EntityKind::User => "user",
    }
}
