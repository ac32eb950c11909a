//! Every facade operation, listed once. Each line of the table below makes
//! - a [`Request`] variant (JSON: `{"op": "contact_card", "args": {"id": "c12"}}`),
//! - its arm in [`run`] (the server side, see [`super::handle`]),
//! - a [`Client`] method of the same name as the [`Crm`] method it stands for, which runs
//!   the body here when this process holds the database and sends the request otherwise.

use super::Client;
use crate::domain::report::{ActivityReport, ForecastReport, PipelineReport, TeamReport};
use crate::domain::urgency::Factors;
use crate::domain::*;
use crate::services::agenda::{AgendaItem, AgendaQuery};
use crate::services::audit::{AuditQuery, AuditRow};
use crate::services::dupes::DupePair;
use crate::services::ics::{IcsExport, IcsOptions};
use crate::services::import::backup::RestoreSummary;
use crate::services::import::plan::{ImportOptions, ImportPlan};
use crate::services::import::{vcard, ImportKind, Parsed};
use crate::services::input::*;
use crate::services::merge::MergePlan;
use crate::services::query::*;
use crate::services::report::{ReportBundle, ReportQuery, ResolvedPeriod};
use crate::services::search::{Hit, Query};
use crate::services::users::{Handover, UserRow};
use crate::services::{Crm, ServiceError};
use crate::store::backup::Backup;
use crate::store::Receipt;
use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! operations {
    ($crm:ident; $(
        $(#[$doc:meta])*
        $Variant:ident $method:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty { $($body:tt)* }
    )*) => {
        /// One facade operation with its arguments.
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(tag = "op", content = "args", rename_all = "snake_case", deny_unknown_fields)]
        pub enum Request {
            $( $(#[$doc])* $Variant { $($arg: $ty),* }, )*
        }

        impl Request {
            /// Whether the request only reads: sent again without harm when its reply was
            /// lost (a write is not: it may have been applied).
            pub fn is_read(&self) -> bool {
                !matches!(
                    self,
                    Request::Apply { .. } | Request::Undo { .. } | Request::Redo { .. } | Request::CompleteTask { .. }
                        | Request::Demo { .. } | Request::Merge { .. } | Request::AddUser { .. } | Request::EditUser { .. }
                        | Request::DisableUser { .. } | Request::EnableUser { .. } | Request::IssueToken { .. }
                        | Request::RevokeToken { .. } | Request::SetVisibility { .. } | Request::Share { .. }
                        | Request::Unshare { .. } | Request::Export { .. } | Request::Backup { .. }
                        | Request::BackupToDataDir { .. } | Request::Restore { .. } | Request::RunImport { .. }
                        | Request::Doctor { .. }
                )
            }

            /// The operation's name on the wire (`contact_card`).
            pub fn name(&self) -> &'static str {
                match self { $( Request::$Variant { .. } => operations!(@snake $Variant $method), )* }
            }
        }

        /// Answers a request as `crm`'s user.
        // (Each body runs in a closure so that `?` in it returns from the body.)
        #[allow(clippy::redundant_closure_call)]
        pub(crate) fn run(crm: &Crm, req: Request) -> Result<Value, ServiceError> {
            match req {
                $( Request::$Variant { $($arg),* } => {
                    let $crm = crm;
                    let out: $ret = (|| -> Result<$ret, ServiceError> { $($body)* })()?;
                    serde_json::to_value(out).map_err(|e| ServiceError::Invalid(format!("cannot encode the reply: {e}")))
                } )*
            }
        }

        impl Client {
            $(
                $(#[$doc])*
                #[allow(clippy::too_many_arguments, clippy::redundant_closure_call)]
                pub fn $method(&self, $($arg: impl Into<$ty>),*) -> Result<$ret, ServiceError> {
                    // (`impl Into`: call sites pass `&str` for a `String`, as to `Crm`.)
                    $( let $arg: $ty = $arg.into(); )*
                    match self.crm() {
                        // Straight to the database: no encoding on the way.
                        Some($crm) => (|| -> Result<$ret, ServiceError> { $($body)* })(),
                        None => self.call(Request::$Variant { $($arg),* }),
                    }
                }
            )*
        }
    };
    (@snake $Variant:ident $method:ident) => { stringify!($method) };
}

operations! { crm;
    // ---- the database itself ----
    /// Who is asking and what database answers (the overview's first line).
    DbInfo db_info() -> DbInfo {
        Ok(DbInfo {
            user: crm.user().to_string(),
            dir: crm.store().dir().display().to_string(),
            engine: crm.store().engine_kind().to_string(),
            contacts: crm.store().count(crate::store::Tree::Contacts)?,
        })
    }
    /// The stages deals move through.
    Pipeline pipeline() -> Pipeline { Ok(crm.store().pipeline().clone()) }
    /// The journal head: the number the next write will get.
    JournalHead journal_head() -> u64 { Ok(crm.store().journal_head()?) }
    /// Waits (at most `timeout_ms`, capped at a minute) until the journal head passes `after`;
    /// returns the head.
    WaitChanges wait_changes(after: u64, timeout_ms: u32) -> u64 { crm.wait_changes(after, timeout_ms) }
    /// A record as the caller may see it (none when missing or hidden).
    Record record(target: Ref) -> Option<Record> { crm.visible_record(&target) }
    /// Checks the database (`crm doctor`), rebuilding indexes with `repair`.
    Doctor doctor(repair: bool) -> crate::store::doctor::DoctorReport {
        if repair {
            crm.require_role(&[crate::domain::Role::Admin], "repairing the database")?;
        }
        Ok(crate::store::doctor::check(crm.store(), repair)?)
    }

    // ---- writes ----
    /// Applies changes as the caller, in one transaction with one journal entry.
    Apply apply(changes: Vec<Change>) -> Receipt { crm.apply(changes) }
    /// Undoes the caller's last change.
    Undo undo() -> Receipt { crm.undo() }
    /// Redoes the caller's last undone change.
    Redo redo() -> Receipt { crm.redo() }
    /// Marks a task done; a repeating one gets its next occurrence.
    CompleteTask complete_task(id: TaskId) -> Receipt { crm.complete_task(id) }
    /// Sample data (`crm demo`).
    Demo demo(contacts: usize, seed: u64) -> crate::services::demo::DemoSummary {
        crm.require_role(&[crate::domain::Role::Admin], "filling the database with sample data")?;
        Ok(crate::services::demo::generate(crm.store(), crm.user(), crm.now(), contacts, seed, &mut |_, _| {})?)
    }

    // ---- what people type, as ids and changes ----
    /// A contact by id (`c12`) or by a unique fragment of its name.
    ResolveContact resolve_contact(text: String) -> ContactId { crm.resolve_contact(&text) }
    ResolveCompany resolve_company(text: String) -> CompanyId { crm.resolve_company(&text) }
    ResolveDeal resolve_deal(text: String) -> DealId { crm.resolve_deal(&text) }
    ResolveTask resolve_task(text: String) -> TaskId { crm.resolve_task(&text) }
    /// Any record by id (`c12`, `co3`, `d7`, `t30`, `a4`, `@login`).
    ResolveRef resolve_ref(text: String) -> Ref { crm.resolve_ref(&text) }
    /// The changes a contact form or `crm contact add|edit` asks for.
    ContactChanges contact_changes(target: Option<ContactId>, input: ContactInput) -> Vec<Change> {
        crm.contact_changes(target, input)
    }
    CompanyChanges company_changes(target: Option<CompanyId>, input: CompanyInput) -> Vec<Change> {
        crm.company_changes(target, input)
    }
    DealChanges deal_changes(target: Option<DealId>, input: DealInput) -> Vec<Change> { crm.deal_changes(target, input) }
    TaskChanges task_changes(target: Option<TaskId>, input: TaskInput) -> Vec<Change> { crm.task_changes(target, input) }
    ActivityChanges activity_changes(input: ActivityInput) -> Vec<Change> { crm.activity_changes(input) }

    // ---- lists and cards ----
    /// Contacts matching a query.
    Contacts contacts(query: ContactQuery) -> Vec<ContactRow> { crm.contacts(&query) }
    /// A contact with its deals, tasks and activities.
    ContactCard contact_card(id: ContactId) -> ContactCard { crm.contact_card(id) }
    Companies companies(text: Option<String>, tag: Option<String>, limit: Option<usize>) -> Vec<CompanyRow> {
        crm.companies(text.as_deref(), tag.as_deref(), limit)
    }
    CompanyCard company_card(id: CompanyId) -> CompanyCard { crm.company_card(id) }
    Deals deals(query: DealQuery) -> Vec<DealRow> { crm.deals(&query) }
    DealCard deal_card(id: DealId) -> DealCard { crm.deal_card(id) }
    Tasks tasks(query: TaskQuery) -> Vec<TaskRow> { crm.tasks(&query) }
    TaskRow task_row_by_id(id: TaskId) -> TaskRow { crm.task_row_by_id(id) }
    Activities activities(query: ActivityQuery) -> Vec<ActivityRow> { crm.activities(&query) }
    /// The journal, newest first: of one record, or of everything.
    History history(target: Option<Ref>, limit: usize) -> Vec<HistoryRow> { crm.history(target.as_ref(), limit) }
    TrashRows trash_rows() -> Vec<TrashRow> { crm.trash_rows() }
    /// The best `limit` matches of a search (`query` as typed: words, `#tag`, `@company`…).
    Search search(query: String, kind: Option<EntityKind>, limit: usize) -> Vec<Hit> {
        let mut q = Query::parse(&query);
        q.kind = kind.or(q.kind);
        crm.search(&q, limit)
    }
    /// Every live record the caller sees that search covers (a client builds its index).
    SearchRecords search_records() -> Vec<Record> {
        let access = crm.access()?;
        let mut out = Vec::new();
        let mut failed = None;
        for kind in [EntityKind::Company, EntityKind::Contact, EntityKind::Deal, EntityKind::Task] {
            crm.store().scan(kind, &mut |rec| {
                match access.sees(&rec) {
                    Ok(true) if rec.deleted().is_none() => out.push(rec),
                    Ok(_) => {}
                    Err(e) => failed = Some(e),
                }
                failed.is_none()
            })?;
        }
        failed.map_or(Ok(out), Err)
    }
    /// The records a write touched (and those whose search entries depend on them), as the
    /// caller sees them now.
    SearchUpdates search_updates(touched: Vec<Ref>) -> Vec<(Ref, Option<Record>)> { crm.search_updates(&touched) }

    // ---- agenda and reports ----
    Agenda agenda(query: AgendaQuery) -> Vec<AgendaItem> { crm.agenda(&query) }
    /// The agenda ranked, unnamed items with what their score came from.
    AgendaRanked agenda_ranked_wire(query: AgendaQuery) -> Vec<Ranked> {
        Ok(crm.agenda_ranked(&query)?.into_iter().map(Ranked::from).collect())
    }
    /// Names and explains ranked items.
    FillDetails fill_details_wire(items: Vec<Ranked>) -> Vec<Ranked> {
        let mut items: Vec<AgendaItem> = items.into_iter().map(AgendaItem::from).collect();
        crm.fill_details(&mut items)?;
        Ok(items.into_iter().map(Ranked::from).collect())
    }
    ReportPipeline report_pipeline(query: ReportQuery) -> (ResolvedPeriod, PipelineReport) { crm.report_pipeline(&query) }
    ReportForecast report_forecast(query: ReportQuery) -> (ResolvedPeriod, ForecastReport) { crm.report_forecast(&query) }
    ReportActivity report_activity(query: ReportQuery) -> (ResolvedPeriod, ActivityReport) { crm.report_activity(&query) }
    ReportTeam report_team(query: ReportQuery) -> (ResolvedPeriod, TeamReport) { crm.report_team(&query) }
    Reports reports(query: ReportQuery) -> ReportBundle { crm.reports(&query) }
    /// Whose report (`me`, `@login`, a login): checked against the users.
    ReportOwner report_owner(owner: Option<String>) -> Option<String> { crm.report_owner(owner.as_deref()) }
    Audit audit(query: AuditQuery) -> Vec<AuditRow> { crm.audit(&query) }

    // ---- duplicates ----
    DuplicateContacts duplicate_contacts() -> Vec<DupePair> { crm.duplicate_contacts() }
    DuplicateCompanies duplicate_companies() -> Vec<DupePair> { crm.duplicate_companies() }
    MergePlan merge_plan(keep: ContactId, other: ContactId) -> MergePlan { crm.merge_plan(keep, other) }
    /// The plan of merging two contacts or two companies.
    MergePlanOf merge_plan_of(keep: Ref, other: Ref) -> MergePlan { crm.merge_plan_of(&keep, &other) }
    Merge merge(plan: MergePlan) -> Receipt { crm.merge(&plan) }

    // ---- users and sharing ----
    Users users() -> Vec<User> { Ok(crm.users()?.into_iter().map(redacted).collect()) }
    UserRows user_rows() -> Vec<UserRow> { crm.user_rows() }
    UserRecord user_record(login: String) -> User { crm.user_record(&login).map(redacted) }
    AddUser add_user(login: String, name: Option<String>, role: Role, manager: Option<String>) -> Receipt {
        crm.add_user(&login, name.as_deref(), role, manager.as_deref())
    }
    /// `manager`: None leaves it, Some(None) removes it.
    EditUser edit_user(login: String, role: Option<Role>, manager: Option<Option<String>>) -> Receipt {
        crm.edit_user(&login, role, manager.as_ref().map(|m| m.as_deref()))
    }
    DisableUser disable_user(login: String, reassign_to: Option<String>) -> (Receipt, Handover) {
        crm.disable_user(&login, reassign_to.as_deref())
    }
    EnableUser enable_user(login: String) -> Receipt { crm.enable_user(&login) }
    IssueToken issue_token(login: String) -> String { crm.issue_token(&login) }
    RevokeToken revoke_token(login: String) -> Receipt { crm.revoke_token(&login) }
    Authenticate authenticate(token: String) -> User { crm.authenticate(&token).map(redacted) }
    Visibility visibility() -> Visibility { crm.visibility() }
    SetVisibility set_visibility(to: Visibility) -> Receipt { crm.set_visibility(to) }
    Share share(target: Ref, login: String) -> Receipt { crm.share(target, &login) }
    Unshare unshare(target: Ref, login: String) -> Receipt { crm.unshare(target, &login) }
    SharedWith shared_with(target: Ref) -> Vec<String> { crm.shared_with(&target) }

    // ---- import, export, backup ----
    /// A bulk export (CSV, or vCards of contacts), checked and journaled where the database is
    /// (`filter` already joined with the saved view's, on the user's side).
    Export export_filtered_wire(kind: ImportKind, vcard: Option<vcard::Version>, view: Option<String>, filter: String) -> (String, usize) {
        crm.export_filtered(kind, vcard, view.as_deref(), &filter)
    }
    ExportIcs export_ics(opts: IcsOptions) -> IcsExport { crm.export_ics(&opts) }
    /// The whole database as one JSON document, journaled as an export where the database is.
    Backup backup_wire() -> Backup {
        let b = crm.backup()?;
        crm.journal_export("json (whole database)", b.record_count() as u64, "")?;
        Ok(b)
    }
    /// A backup into the data dir (before a restore); returns its path.
    BackupToDataDir backup_to_data_dir() -> std::path::PathBuf { crm.backup_to_data_dir() }
    Restore restore(backup: Backup, force: bool) -> RestoreSummary { crm.restore(&backup, force) }
    /// The dry run of an import (the file is read on the user's side).
    PlanImport plan_import_wire(parsed: Parsed, source: String, opts: ImportOptions) -> ImportPlan {
        crm.plan_import(parsed, &source, opts, &mut |_, _| {})
    }
    /// Runs a planned import; returns the receipt (none when nothing was written) and the plan
    /// as it ended.
    RunImport run_import_wire(plan: ImportPlan, strict: bool) -> (Option<Receipt>, ImportPlan) {
        let mut plan = plan;
        let receipt = crm.run_import(&mut plan, strict)?;
        Ok((receipt, plan))
    }
}

/// A user as it may travel: a token's salt and hash never leave the database.
fn redacted(mut u: User) -> User {
    u.token = u.token.as_ref().map(|t| t.redacted());
    u
}

/// Who asks and what database answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInfo {
    pub user: String,
    pub dir: String,
    pub engine: String,
    pub contacts: u64,
}

/// An agenda item with what its score came from (kept off the item's own JSON, which
/// `crm agenda --format json` prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub item: AgendaItem,
    pub factors: Factors,
}

impl From<AgendaItem> for Ranked {
    fn from(item: AgendaItem) -> Ranked {
        Ranked { factors: item.factors, item }
    }
}

impl From<Ranked> for AgendaItem {
    fn from(r: Ranked) -> AgendaItem {
        AgendaItem { factors: r.factors, ..r.item }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_plain_json() {
        let r = Request::ContactCard { id: ContactId(12) };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(text, r#"{"op":"contact_card","args":{"id":"c12"}}"#);
        let back: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(back.name(), "contact_card");
        let bad = serde_json::from_str::<Request>(r#"{"op":"contact_card","args":{"id":"d1"}}"#);
        assert!(bad.is_err(), "a deal id is not a contact id");
    }
}
