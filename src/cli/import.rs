//! `crm import csv|vcard|json`, `crm export csv|vcard|json`, `crm backup`, `crm dupes` and
//! `crm merge`: arguments and handlers. The work is in `services::import`, `dupes`, `merge`.

use super::output::{Format, Out};
use crate::api::Client;
use crate::services::import::plan::{ImportOptions, ImportPlan, OnDuplicate};
use crate::services::import::{self, report, vcard, ImportKind};
use crate::services::merge::Side;
use crate::services::ServiceError;
use anyhow::Result;
use clap::{Args, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Options shared by CSV and vCard imports.
#[derive(Debug, Args)]
pub struct ImportOpts {
    /// Show what would be created, updated, skipped and flagged as duplicates; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import nothing if any row is bad (default: import the good rows, list the bad ones in the report)
    #[arg(long)]
    pub strict: bool,
    /// A row matching an existing record (same email, or same name at the same company):
    /// add what it has to that record (update), leave it (skip), or create it anyway (create)
    #[arg(long, value_name = "update|skip|create", default_value = "update")]
    pub duplicates: String,
    /// Where to write the report of bad rows and duplicates [default: FILE.import-report.csv]
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Contacts (or companies, deals, tasks) from a CSV file: Google Contacts, Outlook,
    /// Pipedrive/HubSpot-style exports, crm's own export; headers are mapped automatically
    #[command(
        after_help = "Examples:\n  crm import csv contacts.csv --dry-run\n  crm import csv google.csv\n  crm import csv people.csv --map \"Mail=email\" --map \"Source=field:source\"\n  crm import csv deals.csv --type deals --strict\n\nColumns crm does not know become custom fields. `crm undo` takes a whole import back.\nSee docs/import-export.md for the header mapping."
    )]
    Csv {
        file: PathBuf,
        /// What the rows are
        #[arg(long = "type", value_name = "contacts|companies|deals|tasks", default_value = "contacts")]
        kind: String,
        /// Map a column (by header or 1-based number) to a field: name, first_name, last_name,
        /// title, company, email[:LABEL], phone[:LABEL], street, city, region, postcode, country,
        /// address, tags, notes, owner, website, field:KEY, ignore, …
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// Contacts from a vCard file (2.1, 3.0 or 4.0; several cards per file)
    #[command(
        after_help = "Examples:\n  crm import vcard contacts.vcf --dry-run\n  crm import vcard phone-export.vcf --duplicates skip\n\nProperties crm does not model (PHOTO, X-…, UID…) are kept with the contact and written back by `crm export vcard`."
    )]
    Vcard {
        file: PathBuf,
        #[command(flatten)]
        opts: ImportOpts,
    },
    /// Restore a whole database from `crm export json` / `crm backup` (into an empty database)
    #[command(
        after_help = "Examples:\n  crm --db ~/crm-restored import json backup.json\n  crm import json backup.json --force   # replaces everything in this database"
    )]
    Json {
        file: PathBuf,
        /// Replace a database that already has records (its current contents and history are lost)
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Args)]
pub struct ExportFilter {
    /// Filter, as for the lists: tag:vip owner:me city:berlin … (see docs/search.md)
    #[arg(value_name = "FILTER")]
    pub filter: Vec<String>,
    /// A saved view to start from
    #[arg(long)]
    pub view: Option<String>,
    /// Write to FILE (replaced whole, never half-written) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The contact (c12) or company (co3) that stays
    pub keep: String,
    /// The contact (c40) or company (co9) merged into it and moved to the trash
    pub other: String,
    /// Take this field from the second record where they differ (repeatable): name, title,
    /// company, address, notes, owner, cadence, field:KEY; for companies: name, website,
    /// industry, address, notes, owner, field:KEY
    #[arg(long = "take", value_name = "FIELD")]
    pub take: Vec<String>,
    /// The two are companies named by (part of) their names, not contacts; ids like co3 say so themselves
    #[arg(long)]
    pub companies: bool,
    /// Show the fields side by side and what would move; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Sets up this process for one large write, before the database is opened: `crm import`
/// exits when done, so memory is traded for time (docs/performance.md, "Import").
/// - redb's cache at 256 MB: a 100k-contact import changes ~60 MB of pages in its one
///   transaction; with the default 8 MB, pages beyond 4 MB were written out early and read
///   back (121 MB written and 60 MB read instead of 60 MB written).
/// - mimalloc keeps freed memory for a second rather than returning it at once (the TUI's
///   setting, main.rs): each block handed back was faulted in again, zeroed, when reused
///   (140k page faults instead of 99k; peak memory 300 → 370 MB).
/// - What the OS takes back at exit is not freed first (`store::bulk::release`, main.rs).
pub(super) fn prepare_process() {
    crate::store::bulk::set_exits_after_write();
    crate::store::engine::set_redb_cache_size(256 * 1024 * 1024);
    super::memory::return_freed_after(1000);
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| ServiceError::Invalid(format!("cannot read {}: {e}", path.display())).into())
}

fn invalid(msg: String) -> anyhow::Error {
    ServiceError::Invalid(msg).into()
}

/// A progress bar on stderr, only when it is a terminal (never in pipes, logs or tests).
fn bar(out: &Out, len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} ({eta})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    pb.set_style(style);
    pb.set_message(what.to_string());
    Some(pb)
}

fn spinner(out: &Out, what: String) -> Option<indicatif::ProgressBar> {
    if out.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_message(what);
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}

pub fn import(crm: &Client, cmd: ImportCmd, out: &Out) -> Result<()> {
    match cmd {
        ImportCmd::Csv { file, kind, map, opts } => {
            let kind = ImportKind::parse(&kind).map_err(invalid)?;
            let mut overrides = Vec::new();
            for m in map {
                let (col, field) =
                    m.split_once('=').ok_or_else(|| invalid(format!("--map \"{m}\": expected COLUMN=FIELD")))?;
                overrides.push((col.to_string(), field.to_string()));
            }
            let bytes = read_file(&file)?;
            let plan = plan_csv(crm, &file, &bytes, kind, &overrides, &opts, out)?;
            run(crm, &file, plan, opts, out)
        }
        ImportCmd::Vcard { file, opts } => {
            let bytes = read_file(&file)?;
            let parsed = import::vcard::parse(&bytes).map_err(|e| invalid(format!("{}: {e}", file.display())))?;
            let pb = bar(out, parsed.items.len() as u64, "checking");
            let plan = crm.plan_import(parsed, &file.display().to_string(), options(&opts)?, &mut |done, _| {
                if let Some(pb) = &pb {
                    pb.set_position(done as u64);
                }
            })?;
            if let Some(pb) = pb {
                pb.finish_and_clear();
            }
            run(crm, &file, plan, opts, out)
        }
        ImportCmd::Json { file, force } => {
            let bytes = read_file(&file)?;
            let backup = import::backup::read(&bytes).map_err(|e| invalid(format!("{}: {e}", file.display())))?;
            let s = crm.restore(backup, force)?;
            out.card(&s, "", || {
                format!(
                    "Restored {} records and {} history entries from {} (written {} by crm {}).\n",
                    s.records,
                    s.journal_entries,
                    file.display(),
                    s.written_at,
                    s.crm_version
                )
            })
        }
    }
}

fn options(opts: &ImportOpts) -> Result<ImportOptions> {
    Ok(ImportOptions { on_duplicate: OnDuplicate::parse(&opts.duplicates).map_err(invalid)? })
}

/// Plans a CSV import while the file is parsed: one thread reads rows and hands them over in
/// batches, this one plans them (on two cores, parsing a 100k-row file no longer adds to the
/// time planning takes). The same plan as `parse` then `plan_import`.
fn plan_csv(
    crm: &Client,
    file: &Path,
    bytes: &[u8],
    kind: ImportKind,
    overrides: &[(String, String)],
    opts: &ImportOpts,
    out: &Out,
) -> Result<ImportPlan> {
    const BATCH: usize = 1024;
    let options = options(opts)?;
    let total = import::csv::rows_at_most(bytes);
    let pb = bar(out, total as u64, "checking");
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<import::Item>>(64);
    let (notes, plan) = std::thread::scope(|s| {
        let parser = s.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let notes = import::csv::parse_each(bytes, kind, overrides, &mut |item| {
                batch.push(item);
                if batch.len() == BATCH {
                    // The planner stopped (an error): the rest is not needed.
                    let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            let _ = tx.send(batch);
            notes
        });
        let mut rows = rx.into_iter().flatten();
        let plan =
            crm.plan_import_rows(kind, &mut rows, total, &file.display().to_string(), options, &mut |done, _| {
                if let Some(pb) = &pb {
                    pb.set_position(done as u64);
                }
            });
        // Unblocks the parser if planning stopped early.
        drop(rows);
        (parser.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), plan)
    });
    if let Some(pb) = pb {
        pb.finish_and_clear();
    }
    // A file-level problem (no header row, a bad --map) comes first: no row was read.
    let notes = notes.map_err(|e| invalid(format!("{}: {e}", file.display())))?;
    let mut plan = plan?;
    plan.notes = notes;
    Ok(plan)
}

fn run(crm: &Client, file: &Path, mut plan: ImportPlan, opts: ImportOpts, out: &Out) -> Result<()> {
    if opts.dry_run {
        if let Some(path) = &opts.report {
            report::write_atomic(path, report::csv(&plan).as_bytes()).map_err(invalid)?;
        }
        return print_plan(&plan, out, true);
    }
    if opts.strict && !plan.errors.is_empty() {
        print_errors(&plan, 20);
    }
    let n = plan.changes.len();
    let sp = spinner(out, format!("writing {n} changes in one transaction…"));
    let receipt = crm.run_import(&mut plan, opts.strict);
    if let Some(sp) = sp {
        sp.finish_and_clear();
    }
    let receipt = receipt?;
    let report_path = if plan.errors.is_empty() && plan.duplicates.is_empty() {
        None
    } else {
        let path = opts.report.clone().unwrap_or_else(|| report::default_path(file));
        report::write_atomic(&path, report::csv(&plan).as_bytes()).map_err(invalid)?;
        Some(path)
    };
    if out.format == Format::Json {
        let v = serde_json::json!({ "plan": plan, "receipt": receipt, "report": report_path });
        super::output::print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(());
    }
    if let (Some(r), true) = (&receipt, out.quiet) {
        return out.receipt(r);
    }
    out.message(&format!("Imported {}: {}", file.display(), plan.summary()))?;
    match &receipt {
        Some(r) => out.message(&format!("One change, #{}: `crm undo` takes the whole import back.", r.seq))?,
        None => out.message("Nothing to write.")?,
    }
    if !plan.errors.is_empty() {
        print_errors(&plan, 10);
    }
    if let Some(p) = report_path {
        out.message(&format!("Bad rows and duplicates are listed in {}", p.display()))?;
    }
    // The process ends here: freeing 100k records one by one would only delay the prompt.
    std::mem::forget(plan);
    std::mem::forget(receipt);
    Ok(())
}

fn print_errors(plan: &ImportPlan, max: usize) {
    for e in plan.errors.iter().take(max) {
        eprintln!("crm: line {}: {}", e.line, e.reason);
    }
    if plan.errors.len() > max {
        eprintln!("crm: … and {} more bad rows", plan.errors.len() - max);
    }
}

fn print_plan(plan: &ImportPlan, out: &Out, dry: bool) -> Result<()> {
    if out.format == Format::Json {
        super::output::print(&format!("{}\n", serde_json::to_string_pretty(plan)?))?;
        return Ok(());
    }
    if out.quiet {
        return Ok(());
    }
    let mut text = String::new();
    text.push_str(&format!("{}{}\n", if dry { "Dry run (nothing written): " } else { "" }, plan.summary()));
    for n in &plan.notes {
        text.push_str(&format!("  {n}\n"));
    }
    super::output::print(&text)?;
    if !plan.duplicates.is_empty() {
        super::output::print("\nDuplicates:\n")?;
        let rows: Vec<Vec<String>> = plan
            .duplicates
            .iter()
            .map(|d| {
                vec![
                    d.line.to_string(),
                    d.label.clone(),
                    format!("{} {}", d.existing, d.existing_label),
                    d.why.clone(),
                    d.action.clone(),
                ]
            })
            .collect();
        super::output::print(&super::output::table(&["line", "row", "matches", "why", "action"], &rows))?;
    }
    if !plan.errors.is_empty() {
        super::output::print("\nBad rows:\n")?;
        let rows: Vec<Vec<String>> = plan.errors.iter().map(|e| vec![e.line.to_string(), e.reason.clone()]).collect();
        super::output::print(&super::output::table(&["line", "reason"], &rows))?;
    }
    Ok(())
}

fn emit(text: &str, file: Option<&Path>, count: usize, what: &str, out: &Out) -> Result<()> {
    match file {
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(()),
            }
        }
        Some(path) => {
            report::write_atomic(path, text.as_bytes()).map_err(invalid)?;
            out.message(&format!("Wrote {count} {what} to {}", path.display()))
        }
    }
}

pub fn export_csv(crm: &Client, kind: &str, f: ExportFilter, out: &Out) -> Result<()> {
    let kind = ImportKind::parse(kind).map_err(invalid)?;
    let (text, n) = crm.export_filtered(kind, None, f.view.as_deref(), &f.filter)?;
    emit(&text, f.out.as_deref(), n, kind.name(), out)
}

pub fn export_vcard(crm: &Client, f: ExportFilter, version: &str, out: &Out) -> Result<()> {
    let version = vcard::Version::parse(version).map_err(invalid)?;
    let (text, n) = crm.export_filtered(ImportKind::Contacts, Some(version), f.view.as_deref(), &f.filter)?;
    emit(&text, f.out.as_deref(), n, "contacts", out)
}

pub fn export_json(crm: &Client, file: Option<&Path>, out: &Out) -> Result<()> {
    match file {
        Some(path) => {
            crm.backup_to_file(path)?;
            out.message(&format!("Wrote the whole database to {}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            match crm.write_backup(&mut lock) {
                Err(ServiceError::Invalid(m)) if m.contains("Broken pipe") => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

pub fn backup(crm: &Client, out: &Out) -> Result<()> {
    let path = crm.backup_to_data_dir()?;
    if out.quiet || out.format != Format::Table {
        super::output::print(&format!("{}\n", path.display()))?;
        return Ok(());
    }
    out.message(&format!("Wrote {}\nRestore it with: crm --db NEW_DIR import json {}", path.display(), path.display()))
}

pub fn dupes(crm: &Client, limit: usize, out: &Out) -> Result<()> {
    let mut pairs = crm.duplicate_contacts()?;
    pairs.extend(crm.duplicate_companies()?);
    if out.quiet {
        for p in pairs.iter().take(limit) {
            super::output::print(&format!("{} {}\n", p.a, p.b))?;
        }
        return Ok(());
    }
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .take(limit)
        .map(|p| {
            vec![
                p.a.to_string(),
                p.a_name.clone(),
                p.b.to_string(),
                p.b_name.clone(),
                if p.strong { "likely".into() } else { "possible".into() },
                p.why.join("; "),
            ]
        })
        .collect();
    if rows.is_empty() && out.format == Format::Table {
        out.message("No duplicates found.")?;
    } else {
        out.rows(&["a", "name a", "b", "name b", "match", "why"], &rows)?;
    }
    if rows.is_empty() {
        return Err(super::Exit(super::exit::NOTHING).into());
    }
    if pairs.len() > limit {
        out.message(&format!("… and {} more (--limit)", pairs.len() - limit))?;
    }
    Ok(())
}

/// Whether `text` is a company id (`co3`), as opposed to a contact id or a name.
fn is_company_id(text: &str) -> bool {
    matches!(
        text.trim().split(' ').next().map(str::parse::<crate::domain::Ref>),
        Some(Ok(crate::domain::Ref::Company(_)))
    )
}

pub fn merge(crm: &Client, a: MergeArgs, out: &Out) -> Result<()> {
    use crate::domain::Ref;
    let companies = a.companies || is_company_id(&a.keep) || is_company_id(&a.other);
    // "co3 c12": say that the two kinds differ rather than that no company is called "c12".
    if companies {
        for t in [&a.keep, &a.other] {
            if let Some(Ok(r)) = t.trim().split(' ').next().map(str::parse::<Ref>) {
                if !matches!(r, Ref::Company(_)) {
                    return Err(ServiceError::Invalid(format!(
                        "{r} is not a company: merge two contacts (c12 c40) or two companies (co3 co9)"
                    ))
                    .into());
                }
            }
        }
    }
    let (keep, other) = if companies {
        (Ref::Company(crm.resolve_company(&a.keep)?), Ref::Company(crm.resolve_company(&a.other)?))
    } else {
        (Ref::Contact(crm.resolve_contact(&a.keep)?), Ref::Contact(crm.resolve_contact(&a.other)?))
    };
    let mut plan = crm.merge_plan_of(keep.clone(), other.clone())?;
    // What moves, as one phrase: contacts of a company, or activities, tasks, deals of a contact.
    let moves = if companies {
        format!("{} contacts, {} deals, {} activities", plan.contacts.len(), plan.deals.len(), plan.activities.len())
    } else {
        format!("{} activities, {} tasks, {} deals", plan.activities.len(), plan.tasks.len(), plan.deals.len())
    };
    for f in &a.take {
        plan.take(f, Side::Other)?;
    }
    if a.dry_run {
        if out.format == Format::Json {
            super::output::print(&format!("{}\n", serde_json::to_string_pretty(&plan)?))?;
            return Ok(());
        }
        let rows: Vec<Vec<String>> = plan
            .choices
            .iter()
            .map(|c| {
                let mark = |s: Side| if c.pick == s { "◀ " } else { "  " };
                vec![
                    c.field.clone(),
                    format!("{}{}", mark(Side::Keep), c.keep),
                    format!("{}{}", mark(Side::Other), c.other),
                ]
            })
            .collect();
        let keep_h = format!("{keep} (kept)");
        let other_h = format!("{other} (trashed)");
        super::output::print(&super::output::table(&["field", &keep_h, &other_h], &rows))?;
        super::output::print(&format!(
            "Adds {}; moves {moves} to {keep}; nothing written (dry run).\n",
            if plan.added.is_empty() { "nothing else".into() } else { plan.added.join(", ") },
        ))?;
        return Ok(());
    }
    let r = crm.merge(plan.clone())?;
    out.receipt(&r)?;
    out.message(&format!("Merged {other} into {keep} ({moves} moved); `crm undo` splits them again."))
}
