//! The worker: the only place the TUI reads or writes the database. It runs on its own thread so
//! that the UI never waits on storage; requests go in, `Msg`s come back.

use super::app::{Data, Msg, Request, Write, WriteError};
use super::form::FormKind;
use super::panes::import::ImportRequest;
use super::panes::pipeline::PipelineData;
use crate::api::Client;
use crate::domain::*;
use crate::services::input::*;
use crate::services::query::*;
use crate::services::ServiceError;
use crate::store::{Receipt, StoreError};
use std::sync::mpsc::{Receiver, Sender};

pub enum Job {
    Load(Request),
    Write(Write),
}

/// Serves jobs until the channel closes.
pub fn serve(crm: &Client, jobs: Receiver<Job>, out: Sender<Msg>) {
    for job in jobs {
        let msg = match job {
            Job::Load(r) => {
                let msg = match load(crm, &r) {
                    Ok(d) => Msg::Loaded(d),
                    Err(e) => Msg::Failed(e.to_string()),
                };
                if matches!(
                    r,
                    Request::Contacts | Request::Tasks | Request::Agenda | Request::Pipeline | Request::SearchIndex
                ) {
                    release_freed_memory();
                }
                msg
            }
            Job::Write(w) => {
                let result = match w {
                    Write::Import(req) => import(crm, &req, &out),
                    other => write(crm, other),
                }
                .map_err(write_error);
                // The records it touched, as they are now, keep the search index current.
                if let Ok(r) = &result {
                    let records = touched_records(crm, &r.touched);
                    if out.send(Msg::Loaded(Data::Touched(records))).is_err() {
                        break;
                    }
                }
                Msg::Written(result)
            }
        };
        if out.send(msg).is_err() {
            break;
        }
    }
}

/// Hands the memory a large load used and freed (records read, rows made on the way, sort
/// keys) back to the system. glibc keeps freed memory for reuse, but the next load's large
/// arrays (the search index) take fresh pages instead: with 100k contacts the session peaked
/// ~60 MB higher without this.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only returns free pages of glibc's heaps to the system; it has no
        // preconditions and may run while other threads allocate.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The records a write touched (and those whose search entries depend on them), as they are now.
fn touched_records(crm: &Client, touched: &[Ref]) -> Vec<(Ref, Option<Record>)> {
    // Only what the user sees (visibility); on an error, drop the touched records from the index.
    crm.search_updates(touched).unwrap_or_else(|_| touched.iter().map(|t| (t.clone(), None)).collect())
}

fn write_error(e: ServiceError) -> WriteError {
    match e {
        ServiceError::Store(StoreError::Validation(v)) => {
            WriteError { field: Some(v.field.clone()), message: v.message, theirs: None }
        }
        ServiceError::Store(StoreError::FieldConflict(c)) => {
            WriteError { message: c.to_string(), field: Some(c.field), theirs: Some(c.theirs) }
        }
        other => WriteError { field: None, message: other.to_string(), theirs: None },
    }
}

/// Reads and plans a file to import (the dry run). `progress(done, total)` as rows are checked.
fn planned(
    crm: &Client,
    req: &ImportRequest,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<crate::services::import::plan::ImportPlan, String> {
    use crate::services::import::{self, plan::ImportOptions, plan::OnDuplicate, ImportKind};
    let kind = ImportKind::parse(&req.kind)?;
    let on_duplicate = OnDuplicate::parse(&req.duplicates)?;
    let path = std::path::Path::new(&req.path);
    let parsed = import::read_file(path, kind)?;
    crm.plan_import(parsed, &req.path, ImportOptions { on_duplicate }, progress).map_err(|e| e.to_string())
}

/// The dry-run summary the confirmation shows: counts, then the first bad rows and duplicates.
fn plan_import(crm: &Client, req: &ImportRequest, progress: &mut dyn FnMut(usize, usize)) -> Result<String, String> {
    let plan = planned(crm, req, progress)?;
    let mut text = plan.summary();
    for e in plan.errors.iter().take(3) {
        text.push_str(&format!("\nline {}: {}", e.line, e.reason));
    }
    for d in plan.duplicates.iter().take(3) {
        text.push_str(&format!("\nline {}: {} ({} {}): {}", d.line, d.why, d.existing, d.existing_label, d.action));
    }
    Ok(text)
}

/// Imports a file in one change, with progress in the status line; bad rows are left out and
/// listed in a report beside the file, as `crm import` does.
fn import(crm: &Client, req: &ImportRequest, out: &Sender<Msg>) -> Result<Receipt, ServiceError> {
    let mut last = 0;
    let mut progress = |done: usize, total: usize| {
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        if pct >= last + 10 || done == total {
            last = pct;
            let _ = out.send(Msg::Loaded(Data::ImportProgress(format!(
                "Importing {}: checked {done} of {total} rows",
                req.path
            ))));
        }
    };
    let mut plan = planned(crm, req, &mut progress).map_err(ServiceError::Invalid)?;
    let _ = out.send(Msg::Loaded(Data::ImportProgress(format!(
        "Importing {}: writing {} changes…",
        req.path,
        plan.changes.len()
    ))));
    let report = if plan.errors.is_empty() && plan.duplicates.is_empty() {
        String::new()
    } else {
        let path = crate::services::import::report::default_path(std::path::Path::new(&req.path));
        crate::services::import::report::write_atomic(&path, crate::services::import::report::csv(&plan).as_bytes())
            .map_err(ServiceError::Invalid)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        format!("; {} bad, {} duplicate: see {name}", plan.errors.len(), plan.duplicates.len())
    };
    let mut receipt = crm
        .run_import(&mut plan, false)?
        .ok_or_else(|| ServiceError::Invalid(format!("nothing to import: {}", plan.summary())))?;
    // What was created and how to take it back come first: the status line is cut at the
    // terminal's width. The report is written beside the file, so its name is enough.
    let updated = if plan.update > 0 { format!(", updated {}", plan.update) } else { String::new() };
    receipt.summary = format!("Imported {}{updated} (u undoes it){report}", plan.created());
    Ok(receipt)
}

pub fn load(crm: &Client, r: &Request) -> Result<Data, ServiceError> {
    Ok(match r {
        // Compact list rows, made here rather than on the UI thread, one at a time.
        Request::Contacts => Data::Contacts(crm.contacts_as(&ContactQuery::default(), Into::into)?),
        Request::ContactCard(id) => Data::ContactCard(Box::new(crm.contact_card(*id)?)),
        Request::DealCard(id) => Data::DealCard(Box::new(crm.deal_card(*id)?)),
        Request::Pipeline => {
            let deals = crm.deals(DealQuery::default())?;
            let overdue = crm
                .tasks(TaskQuery { scope: TaskScope::Overdue, ..TaskQuery::default() })?
                .into_iter()
                .filter_map(|t| t.deal_id)
                .collect();
            Data::Pipeline(PipelineData { stages: crm.pipeline()?.stages, deals, overdue })
        }
        Request::SearchIndex => Data::SearchIndex(Box::new(crm.search_index()?)),
        Request::Filter(kind, text) => Data::Filter(
            *kind,
            text.clone(),
            crm.compile_filter_for(text, *kind).map(Box::new).map_err(|e| e.to_string()),
        ),
        Request::ContactFilter(text) => Data::ContactFilter(
            text.clone(),
            crm.compile_filter_for(text, EntityKind::Contact).map(Box::new).map_err(|e| e.to_string()),
        ),
        Request::Reports(q) => {
            Data::Reports(q.clone(), crm.reports(q.clone()).map(Box::new).map_err(|e| e.to_string()))
        }
        Request::ImportPlan(req) => Data::ImportPlan(req.clone(), plan_import(crm, req, &mut |_, _| {})),
        Request::Dupes => {
            let mut pairs = crm.duplicate_contacts()?;
            pairs.extend(crm.duplicate_companies()?);
            Data::Dupes(pairs)
        }
        Request::Audit(q) => Data::Audit(crm.audit(q.clone()).map_err(|e| e.to_string())),
        Request::MergePlan { pairs, index, keep, other } => Data::MergePlan {
            pairs: pairs.clone(),
            index: *index,
            plan: crm.merge_plan_of(keep.clone(), other.clone()).map(Box::new).map_err(|e| e.to_string()),
        },
        Request::Views => Data::Views(crm.views().map(|v| v.views.into_iter().collect()).unwrap_or_default()),
        Request::Users => Data::Users(crm.users()?.into_iter().filter(|u| !u.disabled).map(|u| u.login).collect()),
        Request::Tasks => {
            let mut rows = crm.tasks(TaskQuery::default())?;
            let week_ago = crm.now().plus_days(-7);
            rows.extend(
                crm.tasks(TaskQuery { scope: TaskScope::Done, ..TaskQuery::default() })?
                    .into_iter()
                    .filter(|t| t.done.is_some_and(|d| d >= week_ago)),
            );
            Data::Tasks(rows)
        }
        Request::JournalHead => Data::JournalHead(crm.journal_head()?),
        Request::Agenda => {
            use crate::services::agenda::{AgendaQuery, ItemKind};
            let ranked = crm.agenda_ranked(&AgendaQuery { assignee: None, due_only: false, horizon_days: None })?;
            let mut extras = Vec::new();
            let mut urgency = std::collections::HashMap::new();
            for it in ranked {
                match (&it.id, it.kind) {
                    (Ref::Task(id), ItemKind::Task) => {
                        urgency.insert(*id, (it.score, it.factors));
                    }
                    _ => extras.push(it),
                }
            }
            crm.fill_details(&mut extras)?;
            Data::Agenda(Box::new(crate::tui::panes::reminders::AgendaData {
                extras,
                urgency,
                weights: *crm.urgency_weights(),
            }))
        }
    })
}

fn get(values: &[(&'static str, String)], name: &str) -> Option<String> {
    values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
}

fn list(values: &[(&'static str, String)], name: &str) -> Vec<String> {
    get(values, name)
        .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

pub fn write(crm: &Client, w: Write) -> Result<Receipt, ServiceError> {
    match w {
        Write::Changes(c) => crm.apply(c),
        Write::Undo => crm.undo(),
        Write::Redo => crm.redo(),
        Write::Complete(id) => crm.complete_task(id),
        Write::Snooze(id, when) => {
            let until = crm.parse_instant(&when)?;
            crm.apply(vec![Change::SnoozeTask { task: id, until }])
        }
        Write::Form(kind, v) => crm.apply(form_changes(crm, &kind, &v)?),
        Write::Edit { kind, typed, shown } => {
            let changes = form_changes(crm, &kind, &typed)?;
            // What the form showed, built the same way, guards each field it changes. A shown
            // value that no longer reads (a company since deleted) guards nothing.
            let shown = form_changes(crm, &kind, &shown).unwrap_or_default();
            let guarded: Vec<Change> = changes
                .into_iter()
                .map(|c| match shown.iter().find(|s| s.target() == c.target()) {
                    Some(s) => c.guarded_by(s),
                    None => c,
                })
                .collect();
            crm.apply(guarded)
        }
        Write::Merge(plan) => crm.merge(*plan),
        // Run by `import`, which reports progress.
        Write::Import(_) => Err(ServiceError::Invalid("an import runs with its progress".into())),
    }
}

/// A submitted form's values as changes, through the same builders the CLI uses.
fn form_changes(crm: &Client, kind: &FormKind, v: &[(&'static str, String)]) -> Result<Vec<Change>, ServiceError> {
    match kind {
        FormKind::AddContact | FormKind::EditContact(_) => {
            let target = if let FormKind::EditContact(id) = kind { Some(*id) } else { None };
            let mut input = ContactInput {
                name: get(v, "name"),
                title: get(v, "title"),
                company: get(v, "company").filter(|c| target.is_some() || !c.is_empty()),
                emails: list(v, "email"),
                phones: list(v, "phone"),
                tags: list(v, "tags"),
                ..ContactInput::default()
            };
            if let Some(id) = target {
                // The form shows one email, one phone and the tags: replace those, when they were
                // edited (an edit sends only the fields that changed).
                let edited = |name: &str| get(v, name).is_some();
                if let Some(Record::Contact(mut old)) = crm.record(Ref::Contact(id))? {
                    for (name, list) in [("email", &mut old.emails), ("phone", &mut old.phones)] {
                        if !edited(name) {
                            list.clear();
                        }
                    }
                    if !edited("tags") {
                        old.tags.clear();
                    }
                    input.remove_emails = old
                        .emails
                        .iter()
                        .take(1)
                        .map(|e| e.value.clone())
                        .filter(|e| !input.emails.iter().any(|n| n.ends_with(e.as_str())))
                        .collect();
                    input.remove_phones = old
                        .phones
                        .iter()
                        .take(1)
                        .map(|p| p.value.clone())
                        .filter(|p| !input.phones.iter().any(|n| n.ends_with(p.as_str())))
                        .collect();
                    input.remove_tags = old
                        .tags
                        .iter()
                        .filter(|t| !input.tags.iter().any(|n| n.trim_start_matches('#').eq_ignore_ascii_case(t)))
                        .cloned()
                        .collect();
                }
            }
            crm.contact_changes(target, input)
        }
        FormKind::LogActivity { contact, kind } => crm.activity_changes(ActivityInput {
            kind: kind.name().into(),
            contact: contact.to_string(),
            summary: get(v, "summary").unwrap_or_default(),
            body: get(v, "body"),
            at: get(v, "time"),
            deal: None,
            outcome: get(v, "outcome"),
            duration: get(v, "duration"),
        }),
        FormKind::AddTask { contact, deal } => crm.task_changes(
            None,
            TaskInput {
                title: get(v, "title"),
                due: get(v, "due"),
                contact: contact.map(|c| c.to_string()),
                deal: deal.map(|d| d.to_string()),
                priority: get(v, "priority"),
                ..TaskInput::default()
            },
        ),
        FormKind::EditTask(id) => crm.task_changes(
            Some(*id),
            TaskInput {
                title: get(v, "title"),
                due: get(v, "due"),
                priority: get(v, "priority"),
                ..TaskInput::default()
            },
        ),
        FormKind::AddDeal | FormKind::EditDeal(_) => {
            let target = if let FormKind::EditDeal(id) = kind { Some(*id) } else { None };
            let opt = |name: &str| get(v, name).filter(|s| target.is_some() || !s.is_empty());
            let input = DealInput {
                title: get(v, "title"),
                stage: get(v, "stage"),
                value: get(v, "value"),
                company: opt("company"),
                contact: opt("contact"),
                close: opt("close"),
                ..DealInput::default()
            };
            let mut changes = crm.deal_changes(target, input)?;
            // Editing the stage field moves the deal (recorded in its history).
            if let (Some(id), Some(stage)) = (target, get(v, "stage")) {
                let st = crm.pipeline()?.find(&stage).map_err(|m| StoreError::validation("stage", m))?.key.clone();
                if let Some(Record::Deal(d)) = crm.record(Ref::Deal(id))? {
                    if d.stage != st {
                        changes.push(Change::MoveDeal { deal: id, stage: st, reason: String::new() });
                    }
                }
            }
            Ok(changes)
        }
        FormKind::Reason { deal, stage } => Ok(vec![Change::MoveDeal {
            deal: *deal,
            stage: stage.clone(),
            reason: get(v, "reason").unwrap_or_default(),
        }]),
        FormKind::PickView => Err(ServiceError::Invalid("a view is chosen, not saved".into())),
        FormKind::ReportPeriod => Err(ServiceError::Invalid("a report period is chosen, not saved".into())),
        FormKind::Import => Err(ServiceError::Invalid("an import is planned, then confirmed".into())),
        FormKind::Share(id) => Ok(vec![Change::Share {
            target: Ref::Contact(*id),
            login: get(v, "login").unwrap_or_default().trim().trim_start_matches('@').to_string(),
        }]),
        FormKind::SnoozeUntil(id) => {
            let until = crm
                .parse_instant(&get(v, "until").unwrap_or_default())
                .map_err(|e| StoreError::validation("until", e.to_string()))?;
            Ok(vec![Change::SnoozeTask { task: *id, until }])
        }
    }
}
