//! The Reports pane: the pipeline, the forecast and activity KPIs for a period and an owner.
//! The figures come from `services::report` through the worker; keys pick the period (this
//! week, month, quarter, or days typed into a small form) and cycle the owner.

use crate::domain::report::{shift_days, Step};
use crate::services::report::{ReportBundle, ReportQuery, Span};
use crate::tui::action::Action;
use crate::tui::app::{App, Effect, Modal, Request};
use crate::tui::form::{Field, Form, FormKind};

#[derive(Debug, Clone, PartialEq)]
pub struct ReportsPane {
    pub span: Span,
    /// How `[` and `]` move the period.
    pub step: Step,
    /// One rep's figures, or everyone's (None).
    pub owner: Option<String>,
    pub data: Option<ReportBundle>,
    /// A load for the current query is on its way.
    pub loading: bool,
}

impl Default for ReportsPane {
    fn default() -> Self {
        ReportsPane { span: Span::Month, step: Step::Months(1), owner: None, data: None, loading: false }
    }
}

impl ReportsPane {
    pub fn query(&self) -> ReportQuery {
        ReportQuery { span: self.span.clone(), owner: self.owner.clone() }
    }

    fn load(&mut self) -> Vec<Effect> {
        self.loading = true;
        vec![Effect::Load(Request::Reports(self.query()))]
    }
}

/// Entering the pane loads it the first time.
pub fn enter(app: &mut App) -> Vec<Effect> {
    if app.reports.data.is_none() && !app.reports.loading {
        app.reports.load()
    } else {
        vec![]
    }
}

/// Reloads after a write, when the pane has been shown.
pub fn reload(app: &App) -> Option<Effect> {
    app.reports.data.is_some().then(|| Effect::Load(Request::Reports(app.reports.query())))
}

pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let pane = &mut app.reports;
    match action {
        Action::ReportWeek => (pane.span, pane.step) = (Span::Week, Step::Length),
        Action::ReportMonth => (pane.span, pane.step) = (Span::Month, Step::Months(1)),
        Action::ReportQuarter => (pane.span, pane.step) = (Span::Quarter, Step::Months(3)),
        Action::PeriodPrev | Action::PeriodNext => {
            let n = if action == Action::PeriodNext { 1 } else { -1 };
            let days = pane.data.as_ref().and_then(|d| d.period.first.zip(d.period.last));
            match days.and_then(|(first, last)| shift_days(first, last, pane.step, n)) {
                Some((first, last)) => {
                    pane.span = Span::Custom { from: Some(first.to_string()), to: Some(last.to_string()) };
                }
                None => {
                    app.error("The period needs a first and a last day to move; pick one with c.");
                    return vec![];
                }
            }
        }
        Action::ReportCustom => {
            let (from, to) = match (&pane.span, &pane.data) {
                (Span::Custom { from, to }, _) => (from.clone().unwrap_or_default(), to.clone().unwrap_or_default()),
                (_, Some(d)) => (
                    d.period.first.map(|x| x.to_string()).unwrap_or_default(),
                    d.period.last.map(|x| x.to_string()).unwrap_or_default(),
                ),
                _ => (String::new(), String::new()),
            };
            app.open_form(Form::new(
                FormKind::ReportPeriod,
                "Report period",
                vec![
                    Field::new("from", "From", &from, "first day: 2026-10-01, -30d, monday; empty: no limit"),
                    Field::new("to", "To", &to, "last day (included): today, 2026-12-31; empty: no limit"),
                ],
            ));
            return vec![];
        }
        Action::NextOwner | Action::PrevOwner => {
            // Everyone, then each active user in turn.
            let mut owners: Vec<Option<String>> = vec![None];
            owners.extend(app.users.iter().cloned().map(Some));
            let i = owners.iter().position(|o| *o == pane.owner).unwrap_or(0);
            let n = owners.len();
            let next = if action == Action::NextOwner { (i + 1) % n } else { (i + n - 1) % n };
            pane.owner = owners[next].clone();
        }
        _ => return vec![],
    }
    pane.load()
}

/// The days typed into the period form, as a query.
pub fn custom_query(app: &App, values: &[(&'static str, String)]) -> ReportQuery {
    let get = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    ReportQuery { span: Span::Custom { from: get("from"), to: get("to") }, owner: app.reports.owner.clone() }
}

/// A report arrived (or failed). One asked for by the period form closes it, or shows its
/// error in the form; an answer to an older query is dropped.
pub fn loaded(app: &mut App, q: ReportQuery, result: Result<Box<ReportBundle>, String>) -> Vec<Effect> {
    if let Some(Modal::Form(form)) = &mut app.modal {
        if form.kind == FormKind::ReportPeriod && form.pending {
            match result {
                Ok(data) => {
                    app.modal = None;
                    app.reports.span = q.span;
                    app.reports.step = Step::Length;
                    app.reports.owner = q.owner;
                    app.reports.data = Some(*data);
                    app.reports.loading = false;
                }
                Err(e) => {
                    let field = if e.starts_with("to") { "to" } else { "from" };
                    form.show_error(Some(field), e);
                }
            }
            return vec![];
        }
    }
    if q != app.reports.query() {
        return vec![];
    }
    app.reports.loading = false;
    match result {
        Ok(data) => app.reports.data = Some(*data),
        Err(e) => app.error(e),
    }
    vec![]
}
