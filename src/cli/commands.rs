//! One function per command: turn arguments into service calls and print the result.

use super::args::*;
use super::cards;
use super::output::Out;
use crate::domain::*;
use crate::services::query::*;
use crate::services::{Crm, ServiceError};
use anyhow::Result;

pub fn run(crm: &Crm, cmd: Command, out: &Out) -> Result<()> {
    match cmd {
        Command::Contact(c) => contact(crm, c, out),
        Command::Company(c) => company(crm, c, out),
        Command::Deal(c) => deal(crm, c, out),
        Command::Task(c) => task(crm, c, out),
        Command::Log(a) => log(crm, a, out),
        Command::Activity(c) => activity(crm, c, out),
        Command::Undo => out.receipt(&crm.undo()?),
        Command::Redo => out.receipt(&crm.redo()?),
        Command::History { id, limit } => {
            let target = match id {
                Some(t) => Some(crm.resolve_ref(&t)?),
                None => None,
            };
            out.list(&crm.history(target.as_ref(), limit)?)
        }
        Command::Trash(TrashCmd::List) => out.list(&crm.trash_rows()?),
        Command::Trash(TrashCmd::Restore { id }) => {
            let target: Ref =
                id.parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string()))?;
            out.receipt(&crm.apply(vec![Change::Restore { target }])?)
        }
        Command::User(UserCmd::List) => out.list(&crm.users()?),
        Command::User(UserCmd::Add { login, name, role }) => {
            let role = Role::parse(&role).map_err(ServiceError::Invalid)?;
            let user = User { name: name.unwrap_or_else(|| login.clone()), login, role, ..User::default() };
            out.receipt(&crm.apply(vec![Change::Create(Record::User(user))])?)
        }
        Command::Demo { contacts, seed } => demo(crm, contacts, seed, out),
        Command::Doctor { repair } => doctor(crm, repair, out),
        Command::Stress { changes } => stress(crm, changes),
        Command::Migrate { .. } | Command::Bench(_) => Ok(()),
    }
}

/// `crm` without a subcommand, until the TUI lands: what needs attention today.
pub fn overview(crm: &Crm, out: &Out) -> Result<()> {
    let overdue =
        crm.tasks(&TaskQuery { scope: TaskScope::Overdue, assignee: Some(crm.user().into()), ..TaskQuery::default() })?;
    let today =
        crm.tasks(&TaskQuery { scope: TaskScope::Today, assignee: Some(crm.user().into()), ..TaskQuery::default() })?;
    let contacts = crm.store().count(crate::store::Tree::Contacts)?;
    out.message(&format!("crm — {} on {} ({} contacts)", crm.user(), crm.store().dir().display(), contacts))?;
    if contacts == 0 {
        out.message("The database is empty. Try `crm demo` for sample data, or `crm contact add \"Name\"`. `crm --help` lists every command.")?;
    }
    if !overdue.is_empty() {
        out.message(&format!("\nOverdue ({}):", overdue.len()))?;
        out.list(&overdue)?;
    }
    if !today.is_empty() {
        out.message(&format!("\nDue today ({}):", today.len()))?;
        out.list(&today)?;
    }
    if overdue.is_empty() && today.is_empty() && contacts > 0 {
        out.message("Nothing overdue or due today.")?;
    }
    Ok(())
}

fn split_kv(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(ServiceError::Invalid(format!("\"{text}\" is not key=value")).into()),
    }
}

fn is_none(text: &str) -> bool {
    matches!(text.trim().to_lowercase().as_str(), "none" | "-" | "")
}

/// A company by id or name; a new name creates the company in the same batch.
fn company_link(crm: &Crm, text: &str, changes: &mut Vec<Change>) -> Result<CompanyId> {
    match crm.resolve_company(text) {
        Ok(id) => Ok(id),
        Err(ServiceError::NotFound(_))
            if !text.trim().starts_with("co") || !text.trim()[2..].chars().all(|c| c.is_ascii_digit()) =>
        {
            let id = CompanyId::placeholder(changes.len() as u64);
            changes.push(Change::Create(Record::Company(Company {
                id,
                name: text.trim().to_string(),
                ..Company::default()
            })));
            Ok(id)
        }
        Err(e) => Err(e.into()),
    }
}

fn contact_edits(crm: &Crm, f: ContactFields, changes: &mut Vec<Change>) -> Result<Vec<Edit>> {
    let mut e = Vec::new();
    if let Some(t) = f.title {
        e.push(Edit::JobTitle(t));
    }
    if let Some(c) = f.company {
        e.push(Edit::Company(if is_none(&c) { None } else { Some(company_link(crm, &c, changes)?) }));
    }
    e.extend(f.emails.iter().map(|x| Edit::AddEmail(Labeled::parse(x, "work"))));
    e.extend(f.phones.iter().map(|x| Edit::AddPhone(Labeled::parse(x, "work"))));
    e.extend(f.tags.into_iter().map(Edit::AddTag));
    for kv in f.fields {
        let (k, v) = split_kv(&kv)?;
        e.push(Edit::SetField(k, v));
    }
    if let Some(a) = f.address {
        e.push(Edit::Address(Address::parse(&a)));
    }
    if let Some(n) = f.notes {
        e.push(Edit::Notes(n));
    }
    if let Some(o) = f.owner {
        e.push(Edit::Owner(o));
    }
    if let Some(c) = f.cadence {
        e.push(Edit::Cadence(if is_none(&c) {
            None
        } else {
            Some(
                c.trim()
                    .trim_end_matches('d')
                    .parse()
                    .map_err(|_| ServiceError::Invalid(format!("cadence \"{c}\" is not a number of days")))?,
            )
        }));
    }
    Ok(e)
}

/// Builds a new record by applying edits to an empty one, so that add and edit share one path.
fn with_edits(mut rec: Record, edits: &[Edit]) -> Result<Record> {
    for e in edits {
        e.apply_to(&mut rec).map_err(|m| ServiceError::Invalid(format!("{}: {m}", e.field())))?;
    }
    Ok(rec)
}

fn contact(crm: &Crm, cmd: ContactCmd, out: &Out) -> Result<()> {
    match cmd {
        ContactCmd::Add { name, fields } => {
            let mut changes = Vec::new();
            let edits = contact_edits(crm, fields, &mut changes)?;
            let rec = with_edits(
                Record::Contact(Contact { id: ContactId::placeholder(99), name, ..Contact::default() }),
                &edits,
            )?;
            changes.push(Change::Create(rec));
            out.receipt(&crm.apply(changes)?)
        }
        ContactCmd::List { search, tag, owner, company, sort, limit } => {
            let company = match company {
                Some(c) => Some(crm.resolve_company(&c)?),
                None => None,
            };
            let sort = match sort {
                ContactSortArg::Name => ContactSort::Name,
                ContactSortArg::Company => ContactSort::Company,
                ContactSortArg::Last => ContactSort::Last,
                ContactSortArg::Owner => ContactSort::Owner,
            };
            out.list(&crm.contacts(&ContactQuery { text: search, tag, owner, company, sort, limit })?)
        }
        ContactCmd::Show { contact } => {
            let card = crm.contact_card(crm.resolve_contact(&contact)?)?;
            out.card(&card, &card.contact.id.to_string(), || cards::contact(&card, &crm.now_local()))
        }
        ContactCmd::Edit { contact, name, fields, remove } => {
            let id = crm.resolve_contact(&contact)?;
            let mut changes = Vec::new();
            let mut edits = Vec::new();
            if let Some(n) = name {
                edits.push(Edit::Name(n));
            }
            edits.extend(contact_edits(crm, fields, &mut changes)?);
            edits.extend(remove.rm_emails.into_iter().map(Edit::RemoveEmail));
            edits.extend(remove.rm_phones.into_iter().map(Edit::RemovePhone));
            edits.extend(remove.rm_tags.into_iter().map(Edit::RemoveTag));
            edits.extend(remove.rm_fields.into_iter().map(Edit::RemoveField));
            changes.push(Change::Edit { target: Ref::Contact(id), edits });
            out.receipt(&crm.apply(changes)?)
        }
        ContactCmd::Rm { contact } => {
            let id = crm.resolve_contact(&contact)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Contact(id) }])?)
        }
    }
}

fn company_edits(f: CompanyFields) -> Result<Vec<Edit>> {
    let mut e = Vec::new();
    if let Some(w) = f.website {
        e.push(Edit::Website(w));
    }
    if let Some(i) = f.industry {
        e.push(Edit::Industry(i));
    }
    if let Some(a) = f.address {
        e.push(Edit::Address(Address::parse(&a)));
    }
    e.extend(f.tags.into_iter().map(Edit::AddTag));
    for kv in f.fields {
        let (k, v) = split_kv(&kv)?;
        e.push(Edit::SetField(k, v));
    }
    if let Some(n) = f.notes {
        e.push(Edit::Notes(n));
    }
    if let Some(o) = f.owner {
        e.push(Edit::Owner(o));
    }
    Ok(e)
}

fn company(crm: &Crm, cmd: CompanyCmd, out: &Out) -> Result<()> {
    match cmd {
        CompanyCmd::Add { name, fields } => {
            let rec = with_edits(
                Record::Company(Company { id: CompanyId::placeholder(0), name, ..Company::default() }),
                &company_edits(fields)?,
            )?;
            out.receipt(&crm.apply(vec![Change::Create(rec)])?)
        }
        CompanyCmd::List { search, tag, limit } => {
            out.list(&crm.companies(search.as_deref(), tag.as_deref(), limit)?)
        }
        CompanyCmd::Show { company } => {
            let card = crm.company_card(crm.resolve_company(&company)?)?;
            out.card(&card, &card.company.id.to_string(), || cards::company(&card))
        }
        CompanyCmd::Edit { company, name, fields, rm_tags, rm_fields } => {
            let id = crm.resolve_company(&company)?;
            let mut edits: Vec<Edit> = name.into_iter().map(Edit::Name).collect();
            edits.extend(company_edits(fields)?);
            edits.extend(rm_tags.into_iter().map(Edit::RemoveTag));
            edits.extend(rm_fields.into_iter().map(Edit::RemoveField));
            out.receipt(&crm.apply(vec![Change::Edit { target: Ref::Company(id), edits }])?)
        }
        CompanyCmd::Rm { company } => {
            let id = crm.resolve_company(&company)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Company(id) }])?)
        }
    }
}

fn deal_edits(crm: &Crm, f: DealFields, changes: &mut Vec<Change>) -> Result<Vec<Edit>> {
    let mut e = Vec::new();
    if let Some(v) = f.value {
        e.push(Edit::Value(crm.parse_money(&v)?));
    }
    if let Some(c) = f.company {
        e.push(Edit::Company(if is_none(&c) { None } else { Some(company_link(crm, &c, changes)?) }));
    }
    if let Some(c) = f.contact {
        e.push(Edit::Contact(if is_none(&c) { None } else { Some(crm.resolve_contact(&c)?) }));
    }
    if let Some(c) = f.close {
        e.push(Edit::Close(if is_none(&c) { None } else { Some(crm.parse_day(&c)?) }));
    }
    if let Some(p) = f.probability {
        let t = p.trim().trim_end_matches('%');
        e.push(Edit::Probability(if t == "default" || is_none(t) {
            None
        } else {
            Some(
                t.parse()
                    .map_err(|_| ServiceError::Invalid(format!("probability \"{p}\" is not a percentage (0–100)")))?,
            )
        }));
    }
    if let Some(o) = f.owner {
        e.push(Edit::Owner(o));
    }
    if let Some(n) = f.notes {
        e.push(Edit::Notes(n));
    }
    Ok(e)
}

fn deal(crm: &Crm, cmd: DealCmd, out: &Out) -> Result<()> {
    match cmd {
        DealCmd::Add { title, stage, fields } => {
            let pipeline = crm.store().pipeline();
            let stage = match stage {
                Some(s) => pipeline.find(&s).map_err(ServiceError::Invalid)?.key.clone(),
                None => pipeline.first().map(|s| s.key.clone()).unwrap_or_default(),
            };
            let mut changes = Vec::new();
            let mut edits = deal_edits(crm, fields, &mut changes)?;
            // A deal with a contact but no company belongs to the contact's company.
            let has_company = edits.iter().any(|e| matches!(e, Edit::Company(_)));
            if let (false, Some(Edit::Contact(Some(c)))) =
                (has_company, edits.iter().find(|e| matches!(e, Edit::Contact(_))))
            {
                if let Some(Record::Contact(ct)) = crm.store().get(&Ref::Contact(*c))? {
                    edits.push(Edit::Company(ct.company));
                }
            }
            let base = Deal {
                id: DealId::placeholder(99),
                title,
                stage,
                value: Money::new(0, crm.currency()),
                ..Deal::default()
            };
            changes.push(Change::Create(with_edits(Record::Deal(base), &edits)?));
            out.receipt(&crm.apply(changes)?)
        }
        DealCmd::List { stage, owner, open, company, contact, limit } => {
            let company = match company {
                Some(c) => Some(crm.resolve_company(&c)?),
                None => None,
            };
            let contact = match contact {
                Some(c) => Some(crm.resolve_contact(&c)?),
                None => None,
            };
            out.list(&crm.deals(&DealQuery { stage, owner, open_only: open, company, contact, limit })?)
        }
        DealCmd::Show { deal } => {
            let card = crm.deal_card(crm.resolve_deal(&deal)?)?;
            out.card(&card, &card.deal.id.to_string(), || cards::deal(&card, crm.store().pipeline()))
        }
        DealCmd::Edit { deal, title, fields } => {
            let id = crm.resolve_deal(&deal)?;
            let mut changes = Vec::new();
            let mut edits: Vec<Edit> = title.into_iter().map(Edit::Name).collect();
            edits.extend(deal_edits(crm, fields, &mut changes)?);
            changes.push(Change::Edit { target: Ref::Deal(id), edits });
            out.receipt(&crm.apply(changes)?)
        }
        DealCmd::Move { deal, stage, reason } => {
            let id = crm.resolve_deal(&deal)?;
            out.receipt(&crm.apply(vec![Change::MoveDeal { deal: id, stage, reason }])?)
        }
        DealCmd::Rm { deal } => {
            let id = crm.resolve_deal(&deal)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Deal(id) }])?)
        }
    }
}

fn task_edits(crm: &Crm, f: TaskFields, due: Option<Due>) -> Result<Vec<Edit>> {
    let mut e = Vec::new();
    if let Some(c) = f.contact {
        e.push(Edit::Contact(if is_none(&c) { None } else { Some(crm.resolve_contact(&c)?) }));
    }
    if let Some(d) = f.deal {
        e.push(Edit::Deal(if is_none(&d) { None } else { Some(crm.resolve_deal(&d)?) }));
    }
    if let Some(p) = f.priority {
        e.push(Edit::Priority(Priority::parse(&p).map_err(ServiceError::Invalid)?));
    }
    if let Some(r) = f.repeat {
        let anchor = due.map(|d| crate::domain::agenda::due_day(d, &chrono::Local)).unwrap_or_else(|| crm.today());
        e.push(Edit::Recurrence(Recurrence::parse(&r, anchor).map_err(ServiceError::Invalid)?));
    }
    if let Some(a) = f.assignee {
        e.push(Edit::Owner(a));
    }
    if let Some(n) = f.notes {
        e.push(Edit::Notes(n));
    }
    Ok(e)
}

fn task(crm: &Crm, cmd: TaskCmd, out: &Out) -> Result<()> {
    match cmd {
        TaskCmd::Add { title, due, fields } => {
            let due = match due {
                Some(d) => crm.parse_due(&d)?,
                None => Due::Day(Day(crm.today())),
            };
            let edits = task_edits(crm, fields, Some(due))?;
            let rec =
                with_edits(Record::Task(Task { id: TaskId::placeholder(0), title, due, ..Task::default() }), &edits)?;
            out.receipt(&crm.apply(vec![Change::Create(rec)])?)
        }
        TaskCmd::List { overdue, today, upcoming, done, all, mine, assignee, contact, limit } => {
            let scope = match (overdue, today, upcoming, done, all) {
                (true, ..) => TaskScope::Overdue,
                (_, true, ..) => TaskScope::Today,
                (_, _, true, ..) => TaskScope::Upcoming,
                (_, _, _, true, _) => TaskScope::Done,
                (.., true) => TaskScope::All,
                _ => TaskScope::Open,
            };
            let assignee = if mine { Some(crm.user().to_string()) } else { assignee };
            let contact = match contact {
                Some(c) => Some(crm.resolve_contact(&c)?),
                None => None,
            };
            out.list(&crm.tasks(&TaskQuery { scope, assignee, contact, deal: None, limit })?)
        }
        TaskCmd::Show { task } => {
            let row = crm.task_row_by_id(crm.resolve_task(&task)?)?;
            let Some(Record::Task(full)) = crm.store().get(&Ref::Task(row.id))? else {
                return Err(ServiceError::NotFound(format!("{} does not exist", row.id)).into());
            };
            out.card(&full, &row.id.to_string(), || cards::task(&row, &full))
        }
        TaskCmd::Edit { task, title, due, fields } => {
            let id = crm.resolve_task(&task)?;
            let due = match due {
                Some(d) => Some(crm.parse_due(&d)?),
                None => None,
            };
            let mut edits: Vec<Edit> = title.into_iter().map(Edit::Name).collect();
            edits.extend(due.map(Edit::Due));
            edits.extend(task_edits(crm, fields, due)?);
            out.receipt(&crm.apply(vec![Change::Edit { target: Ref::Task(id), edits }])?)
        }
        TaskCmd::Done { tasks } => {
            for t in tasks {
                out.receipt(&crm.complete_task(crm.resolve_task(&t)?)?)?;
            }
            Ok(())
        }
        TaskCmd::Reopen { task } => {
            let id = crm.resolve_task(&task)?;
            out.receipt(&crm.apply(vec![Change::ReopenTask { task: id }])?)
        }
        TaskCmd::Snooze { task, until } => {
            let id = crm.resolve_task(&task)?;
            let until = crm.parse_instant(&until)?;
            out.receipt(&crm.apply(vec![Change::SnoozeTask { task: id, until }])?)
        }
        TaskCmd::Rm { task } => {
            let id = crm.resolve_task(&task)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Task(id) }])?)
        }
    }
}

fn log(crm: &Crm, a: LogArgs, out: &Out) -> Result<()> {
    let kind = ActivityKind::parse(&a.kind).map_err(ServiceError::Invalid)?;
    let contact = crm.resolve_contact(&a.contact)?;
    let company = match crm.store().get(&Ref::Contact(contact))? {
        Some(Record::Contact(c)) => c.company,
        _ => None,
    };
    let at = match a.at {
        Some(t) => crm.parse_instant(&t)?,
        None => crm.now(),
    };
    let deal = match a.deal {
        Some(d) => Some(crm.resolve_deal(&d)?),
        None => None,
    };
    let duration_min = match a.duration {
        Some(d) => Some(crm.parse_minutes(&d)?),
        None => None,
    };
    let act = Activity {
        id: ActivityId::placeholder(0),
        kind,
        at,
        contact: Some(contact),
        company,
        deal,
        summary: a.summary,
        body: a.body.unwrap_or_default(),
        outcome: a.outcome.unwrap_or_default(),
        duration_min,
        ..Activity::default()
    };
    out.receipt(&crm.apply(vec![Change::Create(Record::Activity(act))])?)
}

fn activity(crm: &Crm, cmd: ActivityCmd, out: &Out) -> Result<()> {
    match cmd {
        ActivityCmd::List { contact, deal, kind, limit } => {
            let q = ActivityQuery {
                contact: contact.map(|c| crm.resolve_contact(&c)).transpose()?,
                deal: deal.map(|d| crm.resolve_deal(&d)).transpose()?,
                kind: kind.map(|k| ActivityKind::parse(&k).map_err(ServiceError::Invalid)).transpose()?,
                limit: Some(limit),
            };
            out.list(&crm.activities(&q)?)
        }
        ActivityCmd::Rm { activity } => {
            let id: ActivityId =
                activity.parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string()))?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Activity(id) }])?)
        }
    }
}

fn demo(crm: &Crm, contacts: usize, seed: u64, out: &Out) -> Result<()> {
    let started = std::time::Instant::now();
    let interactive = out.format == super::output::Format::Table && !out.quiet;
    let summary =
        crate::services::demo::generate(crm.store(), crm.user(), crm.now(), contacts, seed, &mut |done, total| {
            if interactive && total >= 5_000 {
                eprint!("\r{done}/{total} contacts");
            }
        })?;
    if interactive && contacts >= 5_000 {
        eprintln!();
    }
    out.card(&summary, "", || {
        format!(
            "Demo data in {:.1}s: {} companies, {} contacts, {} deals, {} activities, {} tasks, {} users.\n",
            started.elapsed().as_secs_f64(),
            summary.companies,
            summary.contacts,
            summary.deals,
            summary.activities,
            summary.tasks,
            summary.users
        )
    })
}

fn doctor(crm: &Crm, repair: bool, out: &Out) -> Result<()> {
    let report = crate::store::doctor::check(crm.store(), repair)?;
    out.card(&report, "", || report.to_string())?;
    if report.healthy() || (repair && report.repaired) {
        Ok(())
    } else {
        Err(super::Exit(super::exit::STORAGE).into())
    }
}

pub fn migrate(cli: &super::args::Cli, to: &str, out: &Out) -> Result<()> {
    let to = crate::store::EngineKind::parse(to).map_err(ServiceError::Invalid)?;
    let dir = match &cli.db {
        Some(d) => d.clone(),
        None => crate::services::config::default_db_dir()
            .ok_or_else(|| ServiceError::Invalid("no database directory; pass --db".into()))?,
    };
    let report = crate::store::convert::migrate(&dir, to)?;
    out.card(&report, "", || report.to_string())
}

pub fn bench(args: &BenchArgs, out: &Out) -> Result<()> {
    let engines = args
        .engines
        .iter()
        .map(|e| crate::store::EngineKind::parse(e).map_err(ServiceError::Invalid))
        .collect::<Result<Vec<_>, _>>()?;
    let report = crate::services::bench::run(args.contacts, &engines, args.dir.as_deref())?;
    out.card(&report, "", || report.to_string())
}

/// Creates a contact, then edits and logs against it, acknowledging each durable change on
/// stdout. Used by the crash tests, which kill it at random moments.
fn stress(crm: &Crm, changes: u64) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    for i in 0..changes {
        let contact = Contact {
            id: ContactId::placeholder(0),
            name: format!("Stress {i}"),
            tags: vec![format!("n{i}")],
            ..Contact::default()
        };
        let task = Task {
            id: TaskId::placeholder(1),
            title: format!("Call back {i}"),
            due: Due::At(crm.now().plus_minutes(i as i64)),
            contact: Some(ContactId::placeholder(0)),
            ..Task::default()
        };
        let note = Activity {
            id: ActivityId::placeholder(2),
            kind: ActivityKind::Note,
            at: crm.now(),
            contact: Some(ContactId::placeholder(0)),
            summary: format!("note {i}"),
            ..Activity::default()
        };
        let r = crm.apply(vec![
            Change::Create(Record::Contact(contact)),
            Change::Create(Record::Task(task)),
            Change::Create(Record::Activity(note)),
        ])?;
        writeln!(stdout, "ack {i} {}", r.created.first().map(|c| c.to_string()).unwrap_or_default())?;
        stdout.flush()?;
    }
    Ok(())
}
