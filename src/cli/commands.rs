//! One function per command: turn arguments into service calls and print the result.

use super::args::*;
use super::cards;
use super::output::Out;
use crate::api::Client;
use crate::domain::*;
use crate::services::agenda::{AgendaItem, AgendaQuery};
use crate::services::input::*;
use crate::services::query::*;
use crate::services::ServiceError;
use anyhow::Result;

pub fn run(crm: &Client, cmd: Command, out: &Out) -> Result<()> {
    match cmd {
        Command::Contact(c) => contact(crm, c, out),
        Command::Company(c) => company(crm, c, out),
        Command::Deal(c) => deal(crm, c, out),
        Command::Task(c) => task(crm, c, out),
        Command::Log(a) => log(crm, a, out),
        Command::Activity(c) => activity(crm, c, out),
        Command::Agenda { all, explain, days } => {
            let q = AgendaQuery {
                assignee: (!all).then(|| crm.user().to_string()),
                due_only: false,
                horizon_days: Some(days),
            };
            let items = crm.agenda(q)?;
            if explain && out.format == super::output::Format::Table && !out.quiet {
                return out.message(&explain_table(&items));
            }
            out.list(&items)
        }
        Command::Remind { count, all } => remind(crm, count, all, out),
        Command::Search { query, kind, limit } => search(crm, &query, kind.as_deref(), limit, out),
        Command::Undo => out.receipt(&crm.undo()?),
        Command::Redo => out.receipt(&crm.redo()?),
        Command::History { id, limit } => {
            let target = match id {
                Some(t) => Some(crm.resolve_ref(&t)?),
                None => None,
            };
            out.list(&crm.history(target, limit)?)
        }
        Command::View(ViewCmd::Save { name, filter }) => {
            let canonical = crm.save_view(&name, &filter.join(" "))?;
            out.message(&format!("Saved view {name}: {canonical}"))
        }
        Command::View(ViewCmd::List) => {
            let rows: Vec<Vec<String>> = crm.views()?.views.into_iter().map(|(n, f)| vec![n, f]).collect();
            out.rows(&["view", "filter"], &rows)
        }
        Command::View(ViewCmd::Rm { name }) => {
            crm.remove_view(&name)?;
            out.message(&format!("Removed view {name}"))
        }
        Command::Trash(TrashCmd::List) => out.list(&crm.trash_rows()?),
        Command::Trash(TrashCmd::Restore { id }) => {
            let target: Ref =
                id.parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string()))?;
            out.receipt(&crm.apply(vec![Change::Restore { target }])?)
        }
        Command::User(c) => super::users::run(crm, c, out),
        Command::Share { id, logins } => super::share::share(crm, &id, &logins, out),
        Command::Unshare { id, logins } => super::share::unshare(crm, &id, &logins, out),
        Command::Visibility { to } => super::share::visibility(crm, to.as_deref(), out),
        Command::Audit { by, since, record, limit } => super::users::audit(crm, by, since, record, limit, out),
        Command::Demo { contacts, seed } => demo(crm, contacts, seed, out),
        Command::Doctor { repair } => doctor(crm, repair, out),
        Command::Hold => hold(crm, out),
        Command::Stress { changes } => stress(crm, changes),
        Command::Export(ExportCmd::Ics { out: file, all_users, done, events }) => {
            export_ics(crm, file.as_deref(), crate::services::ics::IcsOptions { all_users, done, events }, out)
        }
        Command::Report(a) => super::report::run(crm, a, out),
        Command::Export(ExportCmd::Csv { kind, filter }) => super::import::export_csv(crm, &kind, filter, out),
        Command::Export(ExportCmd::Vcard { filter, vcard_version }) => {
            super::import::export_vcard(crm, filter, &vcard_version, out)
        }
        Command::Export(ExportCmd::Json { out: file }) => super::import::export_json(crm, file.as_deref(), out),
        Command::Import(c) => super::import::import(crm, c, out),
        Command::Backup => super::import::backup(crm, out),
        Command::Dupes { limit } => super::import::dupes(crm, limit, out),
        Command::Merge(a) => super::import::merge(crm, a, out),
        Command::Keys { .. } | Command::Config(_) => Ok(()),
        Command::Migrate { .. } | Command::Bench(_) | Command::Serve(_) => Ok(()),
    }
}

/// `crm` without a subcommand, until the TUI lands: what needs attention today.
pub fn overview(crm: &Client, out: &Out) -> Result<()> {
    let overdue =
        crm.tasks(TaskQuery { scope: TaskScope::Overdue, assignee: Some(crm.user().into()), ..TaskQuery::default() })?;
    let today =
        crm.tasks(TaskQuery { scope: TaskScope::Today, assignee: Some(crm.user().into()), ..TaskQuery::default() })?;
    let info = crm.db_info()?;
    let contacts = info.contacts;
    out.message(&format!("crm — {} on {} ({} contacts)", crm.user(), info.dir, contacts))?;
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

fn contact_input(name: Option<String>, f: ContactFields, r: RemoveFields) -> ContactInput {
    ContactInput {
        name,
        title: f.title,
        company: f.company,
        emails: f.emails,
        phones: f.phones,
        tags: f.tags,
        fields: f.fields,
        address: f.address,
        notes: f.notes,
        owner: f.owner,
        cadence: f.cadence,
        remove_emails: r.rm_emails,
        remove_phones: r.rm_phones,
        remove_tags: r.rm_tags,
        remove_fields: r.rm_fields,
    }
}

fn contact(crm: &Client, cmd: ContactCmd, out: &Out) -> Result<()> {
    match cmd {
        ContactCmd::Add { name, fields } => {
            let changes = crm.contact_changes(None, contact_input(Some(name), fields, RemoveFields::default()))?;
            out.receipt(&crm.apply(changes)?)
        }
        ContactCmd::List { filter, view, search, tag, owner, company, sort, limit } => {
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
            let f = crm.compile_filter_for(&crm.view_filter(view.as_deref(), &filter)?, EntityKind::Contact)?;
            let rows = crm.contacts(ContactQuery { text: search, tag, owner, company, sort, limit: None })?;
            let mut rows = f.keep(
                rows,
                |f, r| f.contact(r),
                |r| {
                    vec![
                        r.name.clone(),
                        r.company.clone(),
                        r.email.clone(),
                        r.phone.clone(),
                        r.tags.join(" "),
                        r.city.clone(),
                    ]
                },
            );
            rows.truncate(limit.unwrap_or(usize::MAX));
            out.list(&rows)
        }
        ContactCmd::Show { contact } => {
            let card = crm.contact_card(crm.resolve_contact(&contact)?)?;
            out.card(&card, &card.contact.id.to_string(), || cards::contact(&card, &crm.now_local()))
        }
        ContactCmd::Edit { contact, name, fields, remove } => {
            let id = crm.resolve_contact(&contact)?;
            out.receipt(&crm.apply(crm.contact_changes(Some(id), contact_input(name, fields, remove))?)?)
        }
        ContactCmd::Rm { contact } => {
            let id = crm.resolve_contact(&contact)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Contact(id) }])?)
        }
    }
}

fn company_input(
    name: Option<String>,
    f: CompanyFields,
    remove_tags: Vec<String>,
    remove_fields: Vec<String>,
) -> CompanyInput {
    CompanyInput {
        name,
        website: f.website,
        industry: f.industry,
        address: f.address,
        tags: f.tags,
        fields: f.fields,
        notes: f.notes,
        owner: f.owner,
        remove_tags,
        remove_fields,
    }
}

fn company(crm: &Client, cmd: CompanyCmd, out: &Out) -> Result<()> {
    match cmd {
        CompanyCmd::Add { name, fields } => {
            out.receipt(&crm.apply(crm.company_changes(None, company_input(Some(name), fields, vec![], vec![]))?)?)
        }
        CompanyCmd::List { filter, view, search, tag, limit } => {
            let f = crm.compile_filter_for(&crm.view_filter(view.as_deref(), &filter)?, EntityKind::Company)?;
            let rows = crm.companies(search, tag, None)?;
            let mut rows = f.keep(
                rows,
                |f, r| f.company(r),
                |r| vec![r.name.clone(), r.website.clone(), r.city.clone(), r.tags.join(" ")],
            );
            rows.truncate(limit.unwrap_or(usize::MAX));
            out.list(&rows)
        }
        CompanyCmd::Show { company } => {
            let card = crm.company_card(crm.resolve_company(&company)?)?;
            out.card(&card, &card.company.id.to_string(), || cards::company(&card))
        }
        CompanyCmd::Edit { company, name, fields, rm_tags, rm_fields } => {
            let id = crm.resolve_company(&company)?;
            out.receipt(&crm.apply(crm.company_changes(Some(id), company_input(name, fields, rm_tags, rm_fields))?)?)
        }
        CompanyCmd::Rm { company } => {
            let id = crm.resolve_company(&company)?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Company(id) }])?)
        }
    }
}

fn deal_input(title: Option<String>, stage: Option<String>, f: DealFields) -> DealInput {
    DealInput {
        title,
        stage,
        value: f.value,
        company: f.company,
        contact: f.contact,
        close: f.close,
        probability: f.probability,
        owner: f.owner,
        notes: f.notes,
    }
}

fn deal(crm: &Client, cmd: DealCmd, out: &Out) -> Result<()> {
    match cmd {
        DealCmd::Add { title, stage, fields } => {
            out.receipt(&crm.apply(crm.deal_changes(None, deal_input(Some(title), stage, fields))?)?)
        }
        DealCmd::List { filter, view, stage, owner, open, company, contact, limit } => {
            let f = crm.compile_filter_for(&crm.view_filter(view.as_deref(), &filter)?, EntityKind::Deal)?;
            let company = match company {
                Some(c) => Some(crm.resolve_company(&c)?),
                None => None,
            };
            let contact = match contact {
                Some(c) => Some(crm.resolve_contact(&c)?),
                None => None,
            };
            let rows = crm.deals(DealQuery { stage, owner, open_only: open, company, contact, limit: None })?;
            let mut rows =
                f.keep(rows, |f, r| f.deal(r), |r| vec![r.title.clone(), r.company.clone(), r.contact.clone()]);
            rows.truncate(limit.unwrap_or(usize::MAX));
            out.list(&rows)
        }
        DealCmd::Show { deal } => {
            let card = crm.deal_card(crm.resolve_deal(&deal)?)?;
            let pipeline = crm.pipeline()?;
            out.card(&card, &card.deal.id.to_string(), || cards::deal(&card, &pipeline))
        }
        DealCmd::Edit { deal, title, fields } => {
            let id = crm.resolve_deal(&deal)?;
            out.receipt(&crm.apply(crm.deal_changes(Some(id), deal_input(title, None, fields))?)?)
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

fn task_input(title: Option<String>, due: Option<String>, f: TaskFields) -> TaskInput {
    TaskInput {
        title,
        due,
        contact: f.contact,
        deal: f.deal,
        priority: f.priority,
        repeat: f.repeat,
        assignee: f.assignee,
        notes: f.notes,
        hidden_until: f.hidden_until,
    }
}

fn task(crm: &Client, cmd: TaskCmd, out: &Out) -> Result<()> {
    match cmd {
        TaskCmd::Add { title, due, fields } => {
            out.receipt(&crm.apply(crm.task_changes(None, task_input(Some(title), due, fields))?)?)
        }
        TaskCmd::List { filter, view, overdue, today, upcoming, done, all, mine, assignee, contact, limit } => {
            let f = crm.compile_filter_for(&crm.view_filter(view.as_deref(), &filter)?, EntityKind::Task)?;
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
            let rows = crm.tasks(TaskQuery { scope, assignee, contact, deal: None, limit: None })?;
            let mut rows = f.keep(rows, |f, r| f.task(r), |r| vec![r.title.clone(), r.contact.clone(), r.deal.clone()]);
            rows.truncate(limit.unwrap_or(usize::MAX));
            out.list(&rows)
        }
        TaskCmd::Show { task } => {
            let row = crm.task_row_by_id(crm.resolve_task(&task)?)?;
            let Some(Record::Task(full)) = crm.record(Ref::Task(row.id))? else {
                return Err(ServiceError::NotFound(format!("{} does not exist", row.id)).into());
            };
            out.card(&full, &row.id.to_string(), || cards::task(&row, &full))
        }
        TaskCmd::Edit { task, title, due, fields } => {
            let id = crm.resolve_task(&task)?;
            out.receipt(&crm.apply(crm.task_changes(Some(id), task_input(title, due, fields))?)?)
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

fn log(crm: &Client, a: LogArgs, out: &Out) -> Result<()> {
    let input = ActivityInput {
        kind: a.kind,
        contact: a.contact,
        summary: a.summary,
        body: a.body,
        at: a.at,
        deal: a.deal,
        outcome: a.outcome,
        duration: a.duration,
    };
    out.receipt(&crm.apply(crm.activity_changes(input)?)?)
}

fn activity(crm: &Client, cmd: ActivityCmd, out: &Out) -> Result<()> {
    match cmd {
        ActivityCmd::List { contact, deal, kind, limit } => {
            let q = ActivityQuery {
                contact: contact.map(|c| crm.resolve_contact(&c)).transpose()?,
                deal: deal.map(|d| crm.resolve_deal(&d)).transpose()?,
                kind: kind.map(|k| ActivityKind::parse(&k).map_err(ServiceError::Invalid)).transpose()?,
                limit: Some(limit),
            };
            out.list(&crm.activities(q)?)
        }
        ActivityCmd::Rm { activity } => {
            let id: ActivityId =
                activity.parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string()))?;
            out.receipt(&crm.apply(vec![Change::Trash { target: Ref::Activity(id) }])?)
        }
    }
}

fn demo(crm: &Client, contacts: usize, seed: u64, out: &Out) -> Result<()> {
    let started = std::time::Instant::now();
    let interactive = out.format == super::output::Format::Table && !out.quiet;
    let summary = crm.demo_with_progress(contacts, seed, &mut |done, total| {
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

/// `crm hold`: serves the database until a signal stops it (which removes the socket).
fn hold(crm: &Client, out: &Out) -> Result<()> {
    if crm.crm().is_none() {
        out.message(&format!("{} is held by another crm ({})", crm.db_dir().display(), crm.describe()))?;
        return Err(super::Exit(super::exit::NOTHING).into());
    }
    out.message(&format!("holding {}", crm.db_dir().display()))?;
    loop {
        std::thread::park();
    }
}

fn doctor(crm: &Client, repair: bool, out: &Out) -> Result<()> {
    let report = crm.doctor(repair)?;
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
    if args.remind {
        let dir = args.dir.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("crm-remind-{}", args.tasks)));
        let report = crate::services::remind_bench::run(&dir, args.tasks, args.runs)?;
        return out.card(&report, "", || report.to_string());
    }
    if args.search {
        // On an existing database: `crm --db D bench --search`.
        let dir = match &args.dir {
            Some(d) => d.clone(),
            None => std::env::var_os("CRM_DB").map(std::path::PathBuf::from).ok_or_else(|| {
                ServiceError::Invalid(
                    "crm bench --search measures an existing database: pass --dir PATH (or CRM_DB)".into(),
                )
            })?,
        };
        let report = crate::services::bench::search(&dir)?;
        return out.card(&report, "", || report.to_string());
    }
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
fn stress(crm: &Client, changes: u64) -> Result<()> {
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

fn search(crm: &Client, query: &str, kind: Option<&str>, limit: usize, out: &Out) -> Result<()> {
    use crate::services::search::Query;
    let mut q = Query::parse(query);
    if let Some(k) = kind {
        q.kind = Some(match k.trim().to_lowercase().as_str() {
            "contact" | "contacts" => EntityKind::Contact,
            "company" | "companies" => EntityKind::Company,
            "deal" | "deals" => EntityKind::Deal,
            "task" | "tasks" => EntityKind::Task,
            other => {
                return Err(
                    ServiceError::Invalid(format!("\"{other}\" is not a type (contact, company, deal, task)")).into()
                )
            }
        });
    }
    // One query: matched while reading, without keeping an index.
    let hits = crm.search(query, q.kind, limit)?;
    out.list(&hits)?;
    if hits.is_empty() {
        // Like grep: nothing found is exit status 1.
        return Err(super::Exit(super::exit::NOTHING).into());
    }
    Ok(())
}

fn explain_table(items: &[AgendaItem]) -> String {
    let mut s = String::new();
    for (i, it) in items.iter().enumerate() {
        let due = it.due.map(crate::services::format::due).unwrap_or_else(|| "—".into());
        s.push_str(&format!("{:>3}. {:>6.1}  {:<6} {}  {}\n", i + 1, it.score, it.id.to_string(), due, it.title));
        for (why, points) in &it.why {
            s.push_str(&format!("              {points:>+6.1}  {why}\n"));
        }
    }
    if items.is_empty() {
        s.push_str("Nothing on the agenda.\n");
    }
    s.trim_end().to_string()
}

/// `crm remind`: overdue and today's items in a few lines; exit 1 when something is overdue.
fn remind(crm: &Client, count: bool, all: bool, out: &Out) -> Result<()> {
    use crate::domain::agenda::TaskState;
    let q = AgendaQuery { assignee: (!all).then(|| crm.user().to_string()), due_only: true, horizon_days: Some(0) };
    // Ranked from the indexes; only what is printed gets its names read (a shell rc runs this).
    let mut items = crm.agenda_ranked(&q)?;
    let overdue = items.iter().filter(|i| i.state == TaskState::Overdue).count();
    if count {
        super::output::print(&format!("{}\n", items.len()))?;
    } else if out.format != super::output::Format::Table || out.quiet {
        crm.fill_details(&mut items)?;
        out.list(&items)?;
    } else if !items.is_empty() {
        let shown = items.len().min(8);
        crm.fill_details(&mut items[..shown])?;
        let today = items.len() - overdue;
        let mut s = format!("crm: {overdue} overdue, {today} due today");
        for it in items.iter().take(8) {
            let mark = if it.state == TaskState::Overdue { "!" } else { "·" };
            let about = if it.about.is_empty() || it.title.contains(&it.about) {
                String::new()
            } else {
                format!(" — {}", it.about)
            };
            s.push_str(&format!("\n  {mark} {:<6} {}{about}", it.id.to_string(), it.title));
        }
        if items.len() > 8 {
            s.push_str(&format!("\n  … and {} more: crm agenda", items.len() - 8));
        }
        out.message(&s)?;
    }
    if overdue > 0 {
        return Err(super::Exit(super::exit::NOTHING).into());
    }
    Ok(())
}

/// `crm export ics`: the calendar to stdout, or to a file replaced in one step (a calendar app
/// watching it never reads half a file).
fn export_ics(
    crm: &Client,
    file: Option<&std::path::Path>,
    opts: crate::services::ics::IcsOptions,
    out: &Out,
) -> Result<()> {
    use std::io::Write;
    let export = crm.export_ics(opts)?;
    let Some(path) = file else {
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(export.text.as_bytes()).and_then(|_| stdout.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(()),
        };
    };
    crate::services::import::report::write_atomic(path, export.text.as_bytes()).map_err(ServiceError::Invalid)?;
    let what = if opts.events { "events" } else { "to-dos" };
    out.message(&format!("Wrote {} tasks ({what}) to {}", export.tasks, path.display()))
}
