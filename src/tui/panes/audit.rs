//! The audit view: the journal newest first, one line per change (the rows of `crm audit`,
//! from the same service), scrollable, over whatever pane is showing.

use crate::domain::Ref;
use crate::services::audit::{AuditQuery, AuditRow};
use crate::tui::action::Action;
use crate::tui::app::{App, Data, Effect, Modal, Request, Tab};

/// How many lines the view loads: the recent past; `crm audit` goes further back.
pub const LIMIT: usize = 500;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditView {
    /// None while loading; the rows, or why they could not be read.
    pub rows: Option<Result<Vec<AuditRow>, String>>,
    pub selected: usize,
}

impl AuditView {
    pub fn len(&self) -> usize {
        match &self.rows {
            Some(Ok(rows)) => rows.len(),
            _ => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

pub fn open(app: &mut App) -> Vec<Effect> {
    app.modal = Some(Modal::Audit(Box::default()));
    vec![Effect::Load(Request::Audit(AuditQuery { limit: LIMIT, ..AuditQuery::default() }))]
}

pub fn loaded(app: &mut App, data: Data) -> Vec<Effect> {
    if let (Some(Modal::Audit(view)), Data::Audit(rows)) = (&mut app.modal, data) {
        view.rows = Some(rows);
        view.selected = 0;
    }
    vec![]
}

/// Keys while the view is open: move, page, open the record of the line (contacts and deals
/// have cards), close.
pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(Modal::Audit(view)) = &mut app.modal else { return vec![] };
    let last = view.len().saturating_sub(1);
    match action {
        Action::Back | Action::Audit => app.modal = None,
        Action::Up => view.selected = view.selected.saturating_sub(1),
        Action::Down => view.selected = (view.selected + 1).min(last),
        Action::PageUp => view.selected = view.selected.saturating_sub(10),
        Action::PageDown => view.selected = (view.selected + 10).min(last),
        Action::Top => view.selected = 0,
        Action::Bottom => view.selected = last,
        Action::Open => {
            let record = match &view.rows {
                Some(Ok(rows)) => rows.get(view.selected).and_then(|r| r.record.clone()),
                _ => None,
            };
            return match record {
                Some(Ref::Contact(id)) => {
                    app.modal = None;
                    app.tab = Tab::Contacts;
                    vec![Effect::Load(Request::ContactCard(id))]
                }
                Some(Ref::Deal(id)) => {
                    app.modal = None;
                    app.tab = Tab::Pipeline;
                    vec![Effect::Load(Request::DealCard(id))]
                }
                Some(other) => {
                    app.info(format!("{other} has no card; its history: crm audit --record {other}"));
                    vec![]
                }
                None => vec![],
            };
        }
        Action::Quit => {
            app.quit = true;
            return vec![Effect::Quit];
        }
        _ => {}
    }
    vec![]
}
