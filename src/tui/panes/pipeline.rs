//! The pipeline pane: a kanban board with one column per stage, and a deal's card.

use crate::domain::{Change, DealId, Stage, StageKind};
use crate::domain::{EntityKind, Money};
use crate::services::query::{DealCard, DealRow};
use crate::tui::action::Action;
use crate::tui::app::{company_choices, contact_choices, step, task_form, App, Effect, Modal, Request, Write};
use crate::tui::form::{Field, Form, FormKind};
use crate::tui::keymap::Key;
use crate::tui::panes::filter_line::{FilterLine, Outcome};
use std::collections::HashSet;

/// Everything the board shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineData {
    pub stages: Vec<Stage>,
    /// Every live deal, in stage order then by value.
    pub deals: Vec<DealRow>,
    /// Deals with an overdue open task.
    pub overdue: HashSet<DealId>,
}

#[derive(Debug)]
pub struct PipelinePane {
    pub data: Option<PipelineData>,
    /// Selected column (stage index) and the selected deal in each column.
    pub column: usize,
    pub rows: Vec<usize>,
    pub card: Option<DealCard>,
    pub card_scroll: u16,
    /// The board's filter line (`f`): `value>5000 owner:me acme`.
    pub filter: FilterLine,
    /// Indexes into `data.deals` that pass the filter (computed when data or filter change).
    pub shown: Vec<usize>,
    /// The same, per column (stage), so that drawing and moving look at one column only.
    columns: Vec<Vec<usize>>,
    /// Per column, per currency: the total and the weighted total of its deals.
    totals: Vec<Vec<(Money, Money)>>,
}

impl Default for PipelinePane {
    fn default() -> Self {
        PipelinePane {
            data: None,
            column: 0,
            rows: Vec::new(),
            card: None,
            card_scroll: 0,
            filter: FilterLine::new(EntityKind::Deal),
            shown: Vec::new(),
            columns: Vec::new(),
            totals: Vec::new(),
        }
    }
}

impl PipelinePane {
    pub fn set_data(&mut self, data: PipelineData) {
        let keep = self.selected_deal().map(|d| d.id);
        self.rows.resize(data.stages.len(), 0);
        self.column = self.column.min(data.stages.len().saturating_sub(1));
        self.data = Some(data);
        self.refilter();
        // Follow a moved deal to its new column.
        if let Some(id) = keep {
            for (c, _) in self.data.as_ref().map(|d| d.stages.clone()).unwrap_or_default().iter().enumerate() {
                if let Some(pos) = self.column_deals(c).iter().position(|d| d.id == id) {
                    self.column = c;
                    self.rows[c] = pos;
                }
            }
        }
        for c in 0..self.rows.len() {
            let n = self.column_deals(c).len();
            self.rows[c] = self.rows[c].min(n.saturating_sub(1));
        }
    }

    pub fn set_card(&mut self, card: DealCard) {
        if self.card.as_ref().is_none_or(|c| c.deal.id != card.deal.id) {
            self.card_scroll = 0;
        }
        self.card = Some(card);
    }

    /// The deals of column `c` that pass the filter.
    pub fn column_deals(&self, c: usize) -> Vec<&DealRow> {
        let Some(data) = &self.data else { return vec![] };
        self.columns.get(c).map(|col| col.iter().map(|&i| &data.deals[i]).collect()).unwrap_or_default()
    }

    /// A column's totals per currency (never summed across currencies), in currency order.
    pub fn column_totals(&self, c: usize) -> &[(Money, Money)] {
        self.totals.get(c).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Recomputes which deals pass the filter line, keeping each column's selection in range.
    fn refilter(&mut self) {
        let Some(data) = &self.data else { return };
        let mut test = self.filter.rows();
        self.shown = data
            .deals
            .iter()
            .enumerate()
            .filter(|(_, d)| test.keeps(*d, |c, d| c.deal(d), &[&d.title, &d.company, &d.contact, &d.owner]))
            .map(|(i, _)| i)
            .collect();
        let column_of: std::collections::HashMap<&str, usize> =
            data.stages.iter().enumerate().map(|(c, s)| (s.key.as_str(), c)).collect();
        self.columns = vec![Vec::new(); data.stages.len()];
        for &i in &self.shown {
            if let Some(&c) = column_of.get(data.deals[i].stage.as_str()) {
                self.columns[c].push(i);
            }
        }
        self.totals = self
            .columns
            .iter()
            .map(|col| {
                let mut by: std::collections::BTreeMap<crate::domain::Currency, (Money, Money)> = Default::default();
                for &i in col {
                    let d = &data.deals[i];
                    let e = by
                        .entry(d.value.currency)
                        .or_insert((Money::new(0, d.value.currency), Money::new(0, d.weighted.currency)));
                    e.0.minor += d.value.minor;
                    e.1.minor += d.weighted.minor;
                }
                by.into_values().collect()
            })
            .collect();
        for c in 0..self.rows.len() {
            let n = self.column_deals(c).len();
            self.rows[c] = self.rows[c].min(n.saturating_sub(1));
        }
    }

    /// The worker resolved the filter line.
    pub fn set_compiled(&mut self, text: &str, result: Result<Box<crate::services::filter::Compiled>, String>) {
        if self.filter.set_compiled(text, result) {
            self.refilter();
        }
    }

    /// A key while the filter line is typed.
    pub fn filter_key(&mut self, key: Key, action: Option<Action>) -> Outcome {
        let outcome = self.filter.key(key, action);
        if matches!(outcome, Outcome::Changed(_)) {
            self.rows.iter_mut().for_each(|r| *r = 0);
            self.refilter();
        }
        outcome
    }

    pub fn selected_deal(&self) -> Option<&DealRow> {
        let row = *self.rows.get(self.column)?;
        self.column_deals(self.column).get(row).copied()
    }
}

pub fn deal_form(kind: FormKind, title: &str, v: [&str; 6]) -> Form {
    Form::new(
        kind,
        title,
        vec![
            Field::new("title", "Title", v[0], "what is being sold"),
            Field::new("value", "Value", v[1], "12000, \"12,500 EUR\", €12.5k"),
            Field::new("stage", "Stage", v[2], "Lead, Qualified, Proposal, Negotiation, Won, Lost"),
            Field::new("contact", "Contact", v[3], "a contact's name or id"),
            Field::new("company", "Company", v[4], "a company's name or id (default: the contact's)"),
            Field::new("close", "Expected close", v[5], "\"+30d\", \"2026-12-31\", \"eom\""),
        ],
    )
}

fn with_deal_choices(app: &App, form: Form) -> Form {
    let stages =
        app.pipeline.data.as_ref().map(|d| d.stages.iter().map(|s| s.name.clone()).collect()).unwrap_or_default();
    form.choices("stage", stages).choices("contact", contact_choices(app)).choices("company", company_choices(app))
}

fn reason_form(deal: &DealRow, stage: &Stage) -> Form {
    let title = match stage.kind {
        StageKind::Won => format!("Won: {} — why?", deal.title),
        _ => format!("Lost: {} — why?", deal.title),
    };
    Form::new(
        FormKind::Reason { deal: deal.id, stage: stage.key.clone() },
        title,
        vec![Field::new("reason", "Reason", "", "price, timing, competitor, …")],
    )
}

pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let pane = &mut app.pipeline;
    let columns = pane.data.as_ref().map(|d| d.stages.len()).unwrap_or(0);
    if pane.card.is_some() {
        match action {
            Action::Back => {
                pane.card = None;
                return vec![];
            }
            Action::Up => pane.card_scroll = pane.card_scroll.saturating_sub(1),
            Action::Down => pane.card_scroll = pane.card_scroll.saturating_add(1),
            Action::PageUp => pane.card_scroll = pane.card_scroll.saturating_sub(10),
            Action::PageDown => pane.card_scroll = pane.card_scroll.saturating_add(10),
            _ => {}
        }
    } else {
        match action {
            Action::Filter => {
                pane.filter.editing = true;
                return vec![];
            }
            Action::Back if !pane.filter.is_empty() => {
                pane.filter.set("");
                pane.refilter();
                return vec![];
            }
            Action::Left => {
                pane.column = pane.column.saturating_sub(1);
                return vec![];
            }
            Action::Right => {
                pane.column = (pane.column + 1).min(columns.saturating_sub(1));
                return vec![];
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                let n = pane.column_deals(pane.column).len();
                if let Some(r) = pane.rows.get_mut(pane.column) {
                    *r = step(*r, n, action, 5);
                }
                return vec![];
            }
            Action::Open => {
                return pane.selected_deal().map(|d| vec![Effect::Load(Request::DealCard(d.id))]).unwrap_or_default();
            }
            Action::Add => {
                let form = deal_form(FormKind::AddDeal, "Add a deal", ["", "", "Lead", "", "", ""]);
                app.open_form(with_deal_choices(app, form));
                return vec![];
            }
            _ => {}
        }
    }
    // The deal an action is about: the open card, or the selected one.
    let deal = match &app.pipeline.card {
        Some(c) => Some(c.deal.clone()),
        None => app.pipeline.selected_deal().cloned(),
    };
    let Some(deal) = deal else { return vec![] };
    let stages = app.pipeline.data.as_ref().map(|d| d.stages.clone()).unwrap_or_default();
    let pos = stages.iter().position(|s| s.key == deal.stage);
    let target = match action {
        Action::StageNext => pos.and_then(|p| stages.get(p + 1)),
        Action::StagePrev => pos.and_then(|p| p.checked_sub(1)).and_then(|p| stages.get(p)),
        Action::MarkWon => stages.iter().find(|s| s.kind == StageKind::Won),
        Action::MarkLost => stages.iter().find(|s| s.kind == StageKind::Lost),
        _ => None,
    };
    if let Some(stage) = target {
        if stage.key == deal.stage {
            app.info(format!("{} is already in {}", deal.title, stage.name));
            return vec![];
        }
        // Won and lost ask why.
        if stage.kind != StageKind::Open {
            app.open_form(reason_form(&deal, stage));
            return vec![];
        }
        return vec![Effect::Write(Write::Changes(vec![Change::MoveDeal {
            deal: deal.id,
            stage: stage.key.clone(),
            reason: String::new(),
        }]))];
    }
    match action {
        Action::StageNext | Action::StagePrev => app.info(format!("{} is at the end of the pipeline", deal.title)),
        Action::Edit => {
            let value = deal.value.plain() + " " + deal.value.currency.code();
            let close = deal.close.map(|c| c.to_string()).unwrap_or_default();
            let contact = deal.contact_id.map(|c| c.to_string()).unwrap_or_default();
            let company = deal.company_id.map(|c| c.to_string()).unwrap_or_default();
            app.open_form(deal_form(
                FormKind::EditDeal(deal.id),
                &format!("Edit {}", deal.title),
                [&deal.title, &value, &deal.stage_name, &contact, &company, &close],
            ));
        }
        Action::EditNotes => {
            return match &app.pipeline.card {
                Some(c) => {
                    vec![Effect::EditNotes { target: crate::domain::Ref::Deal(deal.id), current: c.notes.clone() }]
                }
                None => vec![Effect::Load(Request::DealCard(deal.id))],
            };
        }
        Action::AddTask => {
            let title = format!("Follow up: {}", deal.title);
            app.open_form(task_form(
                FormKind::AddTask { contact: deal.contact_id, deal: Some(deal.id) },
                format!("Task for {}", deal.title),
                [&title, "tomorrow morning", "normal"],
            ));
        }
        Action::Delete => {
            app.modal = Some(Modal::Confirm {
                question: format!("Move deal \"{}\" ({}) to the trash? (undo brings it back)", deal.title, deal.id),
                then: Write::Changes(vec![Change::Trash { target: crate::domain::Ref::Deal(deal.id) }]),
            });
        }
        _ => {}
    }
    vec![]
}
