//! Evaluates the filter language ([`crate::domain::filter`]) against list rows.
//!
//! [`Crm::compile_filter_for`] parses a filter, checks that every field applies to the kind
//! of record being listed, and resolves every value once (`me`, dates, amounts, stages,
//! priorities, task states, activity kinds); the [`Compiled`] result then tests rows
//! without further parsing. Free text is not evaluated here: [`Compiled::text`] hands it to
//! the fuzzy matcher.
//!
//! # Meaning of each field
//!
//! - `tag:vip` — the record has the tag `vip` (whole tag, any case and accents, `#` optional).
//! - `owner:anna`, `owner:me`, `assignee:me` — owned by (tasks: assigned to, activities:
//!   written by) that login, exactly (any case, `@` optional); `me` is the current user.
//! - `company`, `contact`, `title`, `email`, `phone`, `city` — the text contains the value,
//!   case- and accent-insensitively. On companies `company:` is the company's own name, on
//!   contacts `contact:` the contact's own name; on activities `title:` is the summary.
//! - `stage:prop` — the deal is in that stage (name, key or a unique prefix).
//! - `value>5000` — compares the deal's value. With a currency (`value>5000eur`,
//!   `value>€5k`) only deals in that currency match, compared in minor units. Without one the
//!   number is compared with deals in ANY currency by their major amount: `value>5000`
//!   matches €6,000 and ¥6,000 alike (the number is read with the default currency's
//!   decimals).
//! - `probability>=50` — the effective probability (override or stage default), in percent.
//! - `close`, `due`, `last_contact` — dates compared by calendar day in the local time
//!   zone: `.before`/`<` strictly before, `.after`/`>` strictly after, `<=`, `>=`, and `:`
//!   the same day. A value with a time (`due<"tomorrow 10:00"`) compares instants instead (a
//!   whole-day due counts from the start of its day). A record without that date (no close
//!   day, never contacted) matches no comparison; `last_contact:never` finds those contacts.
//! - `priority:high`, `priority>=high` — task priority, ordered low < normal < high < urgent.
//! - `state:overdue` (today, upcoming, hidden, done, and `open` for the first three).
//! - `kind:call` (meeting, email, note) — activities.
//! - `repeat:yes` / `repeat:no` — repeating tasks.
//! - `country` and `created` are part of the language, but no list row carries them yet:
//!   they are rejected with a message.
//!
//! A leading `-` negates a term. With [`Crm::compile_filter`] (no kind given), a term whose
//! field does not apply to the row at hand makes the row fail, negated or not: `stage:x`
//! and `-stage:x` both match no contact.

use super::query::{ActivityRow, CompanyRow, ContactRow, DealRow, TaskRow};
use super::{fold, Crm, Result, ServiceError, Settings};
use crate::domain::agenda::TaskState;
use crate::domain::dates::When;
use crate::domain::filter::{self, Field, Filter, FilterError, Op, Term, TermSpan};
use crate::domain::*;
use chrono::{Local, NaiveDate};

/// A filter with its values resolved, ready to test rows.
#[derive(Debug, Clone)]
pub struct Compiled {
    kind: Option<EntityKind>,
    filter: Filter,
    conds: Vec<Cond>,
    text: Option<String>,
}

#[derive(Debug, Clone)]
struct Cond {
    negated: bool,
    field: Field,
    test: Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn from_op(op: Op) -> Cmp {
        match op {
            Op::Is => Cmp::Eq,
            Op::Before | Op::Lt => Cmp::Lt,
            Op::After | Op::Gt => Cmp::Gt,
            Op::Le => Cmp::Le,
            Op::Ge => Cmp::Ge,
        }
    }

    fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum MoneyBound {
    /// With a currency: only that currency, in minor units.
    Exact(Money),
    /// Without: any currency, by major amount; `minor` has `decimals` decimals.
    Major { minor: i64, decimals: u32 },
}

#[derive(Debug, Clone, Copy)]
enum DateBound {
    Day(NaiveDate),
    At(Timestamp),
}

#[derive(Debug, Clone, Copy)]
enum RowDate {
    Day(NaiveDate),
    At(Timestamp),
}

#[derive(Debug, Clone)]
enum Test {
    /// Folded, without `#`: equals one of the tags (folded).
    Tag(String),
    /// Folded login, without `@`.
    Owner(String),
    /// Folded fragment of the field's text.
    Contains(String),
    /// A stage key.
    Stage(String),
    Money(Cmp, MoneyBound),
    Probability(Cmp, u8),
    Date(Cmp, DateBound),
    /// `last_contact:never`.
    Never,
    Priority(Cmp, Priority),
    State(Vec<TaskState>),
    Kind(ActivityKind),
    Repeat(bool),
}

/// A contact's fields as a filter tests them.
pub struct ContactFields<'a> {
    /// Separated by spaces (a tag holds none).
    pub tags: &'a str,
    pub owner: &'a str,
    pub company: &'a str,
    pub name: &'a str,
    pub title: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub city: &'a str,
    pub last_contact: Option<Timestamp>,
}

/// What a row offers to the filter; None for a field the row does not have.
#[derive(Default)]
struct View<'a> {
    tags: Option<&'a [String]>,
    /// The tags as one text, separated by spaces (when `tags` is None).
    tag_words: Option<&'a str>,
    owner: Option<&'a str>,
    company: Option<&'a str>,
    contact: Option<&'a str>,
    title: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    city: Option<&'a str>,
    stage: Option<&'a str>,
    value: Option<Money>,
    probability: Option<u8>,
    close: Option<Option<Day>>,
    due: Option<Due>,
    last_contact: Option<Option<Timestamp>>,
    priority: Option<Priority>,
    state: Option<TaskState>,
    kind: Option<ActivityKind>,
    repeat: Option<bool>,
}

/// The fields each kind of list row carries (and so the fields its filters may use).
pub fn fields_for(kind: EntityKind) -> &'static [Field] {
    use Field::*;
    match kind {
        EntityKind::Contact => &[Tag, Owner, Company, Contact, Title, Email, Phone, City, LastContact],
        EntityKind::Company => &[Tag, Owner, Company, City],
        EntityKind::Deal => &[Owner, Company, Contact, Title, Stage, Value, Probability, Close],
        EntityKind::Task => &[Owner, Contact, Title, Due, Priority, State, Repeat],
        EntityKind::Activity => &[Owner, Contact, Title, Kind],
        EntityKind::User => &[],
    }
}

fn plural(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Contact => "contacts",
        EntityKind::Company => "companies",
        EntityKind::Deal => "deals",
        EntityKind::Activity => "activities",
        EntityKind::Task => "tasks",
        EntityKind::User => "users",
    }
}

impl Crm {
    /// Compiles a filter for any list: a term whose field a row does not have fails that
    /// row. Fields no list has (`country`, `created`) are rejected. Errors are
    /// [`ServiceError::Invalid`] with the input and a caret line under the offending part.
    pub fn compile_filter(&self, text: &str) -> Result<Compiled> {
        self.compile_filter_in(self.store().pipeline(), text, None)
    }

    /// Compiles a filter for one kind of list, rejecting fields that do not apply to it
    /// ("stage does not apply to contacts").
    pub fn compile_filter_for(&self, text: &str, kind: EntityKind) -> Result<Compiled> {
        self.compile_filter_in(self.store().pipeline(), text, Some(kind))
    }
}

/// Filters compile on the user's side (a client of another process has the settings and
/// the stage list, so typing a filter needs no round trip).
impl Settings {
    /// Compiles a filter against `pipeline`'s stages, for one kind of list or any (`None`).
    pub fn compile_filter_in(&self, pipeline: &Pipeline, text: &str, kind: Option<EntityKind>) -> Result<Compiled> {
        // The caret line must sit under the input, whatever the front end prints before it.
        let invalid =
            |e: FilterError| ServiceError::Invalid(format!("bad filter:\n  {}", e.render(text).replace('\n', "\n  ")));
        let (filter, spans) = filter::parse_spanned(text).map_err(invalid)?;
        let mut conds = Vec::with_capacity(filter.terms.len());
        for (term, span) in filter.terms.iter().zip(&spans) {
            self.check_applies(term, span, kind).map_err(invalid)?;
            let test = self
                .resolve_term(pipeline, term)
                .map_err(|message| invalid(FilterError::new(span.value_start, span.value_end, message)))?;
            conds.push(Cond { negated: term.negated, field: term.field, test });
        }
        let text = filter.text_joined();
        Ok(Compiled { kind, filter, conds, text })
    }

    fn check_applies(
        &self,
        term: &Term,
        span: &TermSpan,
        kind: Option<EntityKind>,
    ) -> std::result::Result<(), FilterError> {
        let field = term.field;
        let message = match kind {
            Some(k) if !fields_for(k).contains(&field) => {
                let names: Vec<&str> = fields_for(k).iter().map(|f| f.name()).collect();
                let takes = if names.is_empty() {
                    "they take no field terms".to_string()
                } else {
                    format!("{} take {}", plural(k), names.join(", "))
                };
                format!("{field} does not apply to {}; {takes}", plural(k))
            }
            None if !EntityKind::ALL.into_iter().any(|k| fields_for(k).contains(&field)) => {
                format!("{field} does not apply to any list yet")
            }
            _ => return Ok(()),
        };
        Err(FilterError::new(span.start, span.end, message))
    }

    /// The test of one term, or the message saying what is wrong with its value.
    fn resolve_term(&self, pipeline: &Pipeline, term: &Term) -> std::result::Result<Test, String> {
        let v = term.value.trim();
        let cmp = Cmp::from_op(term.op);
        let invalid = |e: ServiceError| e.to_string();
        Ok(match term.field {
            Field::Tag => Test::Tag(fold(v.trim_start_matches('#'))),
            Field::Owner => {
                let login = v.trim_start_matches('@');
                if login.eq_ignore_ascii_case("me") {
                    Test::Owner(fold(self.user()))
                } else {
                    Test::Owner(fold(login))
                }
            }
            Field::Company
            | Field::Contact
            | Field::Title
            | Field::Email
            | Field::Phone
            | Field::City
            | Field::Country => Test::Contains(fold(v)),
            Field::Stage => Test::Stage(pipeline.find(v)?.key.clone()),
            Field::Value => Test::Money(cmp, self.money_bound(v).map_err(invalid)?),
            Field::Probability => {
                let n = v.trim_end_matches('%').trim().parse::<u8>().ok().filter(|n| *n <= 100);
                let n = n.ok_or_else(|| format!("\"{v}\" is not a probability: use 0 to 100, like 50 or 50%"))?;
                Test::Probability(cmp, n)
            }
            Field::LastContact if v.eq_ignore_ascii_case("never") => {
                if term.op != Op::Is {
                    return Err("\"never\" works only as last_contact:never".into());
                }
                Test::Never
            }
            Field::Close | Field::Due | Field::LastContact | Field::Created => {
                Test::Date(cmp, self.date_bound(v).map_err(invalid)?)
            }
            Field::Priority => Test::Priority(cmp, Priority::parse(v)?),
            Field::State => Test::State(parse_states(v)?),
            Field::Kind => Test::Kind(ActivityKind::parse(v)?),
            Field::Repeat => Test::Repeat(match v.to_lowercase().as_str() {
                "yes" | "y" | "true" => true,
                "no" | "n" | "false" => false,
                _ => return Err(format!("\"{v}\": repeat takes yes or no")),
            }),
        })
    }

    /// An amount with a currency compares within that currency; without one, across all.
    fn money_bound(&self, v: &str) -> Result<MoneyBound> {
        let spaced = space_currency(v);
        let v = spaced.as_str();
        // The same currency whatever the default: the text names it.
        let explicit = match (Money::parse(v, Currency::EUR), Money::parse(v, Currency::USD)) {
            (Ok(a), Ok(b)) if a.currency == b.currency => Some(a),
            _ => None,
        };
        Ok(match explicit {
            Some(m) => MoneyBound::Exact(m),
            None => {
                let m = self.parse_money(v)?;
                MoneyBound::Major { minor: m.minor, decimals: m.currency.decimals() }
            }
        })
    }

    /// A day (`fri`, `-30d`, `2026-12-01`), or an instant when the text has a time.
    fn date_bound(&self, v: &str) -> Result<DateBound> {
        match self.parse_day(v) {
            Ok(d) => Ok(DateBound::Day(d.0)),
            Err(day_error) => match self.parse_when(v) {
                Ok(When::At(t)) => Ok(DateBound::At(Timestamp::from_datetime(&t))),
                Ok(When::Day(d)) => Ok(DateBound::Day(d)),
                Err(_) => Err(day_error),
            },
        }
    }
}

/// `5000eur` → `5000 eur`, `usd300` → `usd 300`: a filter value has no spaces unless quoted.
fn space_currency(v: &str) -> String {
    let chars: Vec<char> = v.chars().collect();
    let letters = |r: &[char]| r.iter().all(char::is_ascii_alphabetic);
    let amount_end = |c: char| c.is_ascii_digit() || "kKmM".contains(c);
    match chars.len() {
        n if n > 3 && letters(&chars[n - 3..]) && amount_end(chars[n - 4]) => {
            let (a, b): (String, String) = (chars[..n - 3].iter().collect(), chars[n - 3..].iter().collect());
            format!("{a} {b}")
        }
        n if n > 3 && letters(&chars[..3]) && (chars[3].is_ascii_digit() || chars[3] == '-') => {
            let (a, b): (String, String) = (chars[..3].iter().collect(), chars[3..].iter().collect());
            format!("{a} {b}")
        }
        _ => v.to_string(),
    }
}

fn parse_states(v: &str) -> std::result::Result<Vec<TaskState>, String> {
    use TaskState::*;
    Ok(match v.to_lowercase().as_str() {
        "open" => vec![Overdue, Today, Upcoming],
        "overdue" => vec![Overdue],
        "today" => vec![Today],
        "upcoming" => vec![Upcoming],
        "hidden" => vec![Hidden],
        "done" => vec![Done],
        _ => return Err(format!("\"{v}\" is not a task state (overdue, today, upcoming, hidden, done, open)")),
    })
}

fn local_day(t: Timestamp) -> NaiveDate {
    t.to_datetime().with_timezone(&Local).date_naive()
}

fn start_of_day(d: NaiveDate) -> Timestamp {
    let midnight = d.and_time(chrono::NaiveTime::MIN);
    match midnight.and_local_timezone(Local).earliest() {
        Some(t) => Timestamp::from_datetime(&t),
        None => Timestamp::from_datetime(&midnight.and_utc()),
    }
}

fn money_holds(cmp: Cmp, value: Money, bound: MoneyBound) -> bool {
    match bound {
        MoneyBound::Exact(m) => value.currency == m.currency && cmp.holds(value.minor, m.minor),
        MoneyBound::Major { minor, decimals } => {
            // value.minor / 10^dv against minor / 10^decimals, cross-multiplied.
            let dv = value.currency.decimals();
            let left = value.minor as i128 * 10i128.pow(decimals);
            let right = minor as i128 * 10i128.pow(dv);
            cmp.holds(left, right)
        }
    }
}

fn date_holds(cmp: Cmp, value: RowDate, bound: DateBound) -> bool {
    match bound {
        DateBound::Day(day) => {
            let d = match value {
                RowDate::Day(d) => d,
                RowDate::At(t) => local_day(t),
            };
            cmp.holds(d, day)
        }
        DateBound::At(at) => {
            let (day, t) = match value {
                RowDate::Day(d) => (d, start_of_day(d)),
                RowDate::At(t) => (local_day(t), t),
            };
            if cmp == Cmp::Eq {
                day == local_day(at)
            } else {
                cmp.holds(t, at)
            }
        }
    }
}

fn contains(text: Option<&str>, needle: &str) -> Option<bool> {
    text.map(|t| fold(t).contains(needle))
}

impl Cond {
    /// None when the row does not have the field.
    fn test(&self, v: &View<'_>) -> Option<bool> {
        Some(match &self.test {
            Test::Tag(t) => {
                let is = |x: &str| fold(x.trim_start_matches('#')) == *t;
                match (v.tags, v.tag_words) {
                    (Some(list), _) => list.iter().any(|x| is(x)),
                    (None, words) => words?.split_whitespace().any(is),
                }
            }
            Test::Owner(login) => fold(v.owner?) == *login,
            Test::Contains(needle) => {
                let text = match self.field {
                    Field::Company => v.company,
                    Field::Contact => v.contact,
                    Field::Title => v.title,
                    Field::Email => v.email,
                    Field::Phone => v.phone,
                    Field::City => v.city,
                    _ => None,
                };
                return contains(text, needle);
            }
            Test::Stage(key) => v.stage? == key,
            Test::Money(cmp, bound) => money_holds(*cmp, v.value?, *bound),
            Test::Probability(cmp, n) => cmp.holds(v.probability?, *n),
            Test::Date(cmp, bound) => {
                let date = match self.field {
                    Field::Close => v.close?.map(|d| RowDate::Day(d.0)),
                    Field::Due => Some(match v.due? {
                        Due::Day(d) => RowDate::Day(d.0),
                        Due::At(t) => RowDate::At(t),
                    }),
                    Field::LastContact => v.last_contact?.map(RowDate::At),
                    _ => return None,
                };
                // No such date: no comparison holds.
                date.is_some_and(|d| date_holds(*cmp, d, *bound))
            }
            Test::Never => v.last_contact?.is_none(),
            Test::Priority(cmp, p) => cmp.holds(v.priority?, *p),
            Test::State(states) => states.contains(&v.state?),
            Test::Kind(k) => v.kind? == *k,
            Test::Repeat(yes) => v.repeat? == *yes,
        })
    }
}

/// Two compiled filters are the same when they came from the same filter for the same kind.
impl PartialEq for Compiled {
    fn eq(&self, other: &Compiled) -> bool {
        self.kind == other.kind && self.filter == other.filter
    }
}

impl Compiled {
    /// The free text, for the fuzzy matcher; None when there is none.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The parsed filter (for saved views: its `to_string()` compiles again).
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// The kind it was compiled for, if any.
    pub fn kind(&self) -> Option<EntityKind> {
        self.kind
    }

    /// No field terms and no free text: everything matches.
    pub fn is_empty(&self) -> bool {
        self.filter.is_empty()
    }

    /// True when there is at least one field term (free text aside).
    pub fn has_terms(&self) -> bool {
        !self.conds.is_empty()
    }

    fn holds(&self, view: &View<'_>) -> bool {
        self.conds.iter().all(|c| c.test(view).is_some_and(|b| b != c.negated))
    }

    pub fn contact(&self, r: &ContactRow) -> bool {
        self.holds(&view_of_contact(r))
    }

    /// `contact` for a row kept in another form (the TUI's list keeps compact rows).
    pub fn contact_fields(&self, f: &ContactFields<'_>) -> bool {
        self.holds(&View {
            tag_words: Some(f.tags),
            owner: Some(f.owner),
            company: Some(f.company),
            contact: Some(f.name),
            title: Some(f.title),
            email: Some(f.email),
            phone: Some(f.phone),
            city: Some(f.city),
            last_contact: Some(f.last_contact),
            ..View::default()
        })
    }

    /// Keeps the rows whose fields hold and whose text matches the free text (with the search
    /// matcher), in their order. `fields` gives the texts of a row the free text may match.
    pub fn keep<T>(
        &self,
        rows: Vec<T>,
        holds: impl Fn(&Compiled, &T) -> bool,
        fields: impl Fn(&T) -> Vec<String>,
    ) -> Vec<T> {
        let mut matcher = self.text().map(crate::services::search::TextMatcher::new);
        rows.into_iter()
            .filter(|r| holds(self, r))
            .filter(|r| match &mut matcher {
                Some(m) => {
                    let texts = fields(r);
                    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                    m.score(&refs).is_some()
                }
                None => true,
            })
            .collect()
    }

    pub fn company(&self, r: &CompanyRow) -> bool {
        self.holds(&view_of_company(r))
    }

    pub fn deal(&self, r: &DealRow) -> bool {
        self.holds(&view_of_deal(r))
    }

    pub fn task(&self, r: &TaskRow) -> bool {
        self.holds(&view_of_task(r))
    }

    pub fn activity(&self, r: &ActivityRow) -> bool {
        self.holds(&view_of_activity(r))
    }
}

fn view_of_contact(r: &ContactRow) -> View<'_> {
    View {
        tags: Some(&r.tags),
        owner: Some(&r.owner),
        company: Some(&r.company),
        contact: Some(&r.name),
        title: Some(&r.title),
        email: Some(&r.email),
        phone: Some(&r.phone),
        city: Some(&r.city),
        last_contact: Some(r.last_contact),
        ..View::default()
    }
}

fn view_of_company(r: &CompanyRow) -> View<'_> {
    View { tags: Some(&r.tags), owner: Some(&r.owner), company: Some(&r.name), city: Some(&r.city), ..View::default() }
}

fn view_of_deal(r: &DealRow) -> View<'_> {
    View {
        owner: Some(&r.owner),
        company: Some(&r.company),
        contact: Some(&r.contact),
        title: Some(&r.title),
        stage: Some(&r.stage),
        value: Some(r.value),
        probability: Some(r.probability),
        close: Some(r.close),
        ..View::default()
    }
}

fn view_of_task(r: &TaskRow) -> View<'_> {
    View {
        owner: Some(&r.assignee),
        contact: Some(&r.contact),
        title: Some(&r.title),
        due: Some(r.due),
        priority: Some(r.priority),
        state: Some(r.state),
        repeat: Some(!r.repeat.is_empty()),
        ..View::default()
    }
}

fn view_of_activity(r: &ActivityRow) -> View<'_> {
    View {
        owner: Some(&r.author),
        contact: Some(&r.contact),
        title: Some(&r.summary),
        kind: Some(r.kind),
        ..View::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-27 is a Friday.
    const NOW: &str = "2026-11-27T09:00:00Z";

    fn open() -> (tempfile::TempDir, Crm) {
        std::env::set_var("CRM_NOW", NOW);
        std::env::set_var("TZ", "UTC");
        let dir = tempfile::tempdir().unwrap();
        let crm = Crm::open_in(dir.path(), "anna");
        (dir, crm)
    }

    fn ts(text: &str) -> Timestamp {
        Timestamp::from_datetime(&chrono::DateTime::parse_from_rfc3339(text).unwrap())
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::ymd(y, m, d).unwrap()
    }

    fn contact() -> ContactRow {
        ContactRow {
            id: ContactId(1),
            name: "Anna Müller".into(),
            title: "Head of Purchasing".into(),
            company_id: Some(CompanyId(2)),
            company: "Atlas GmbH".into(),
            email: "anna.mueller@atlas.de".into(),
            phone: "+49 30 123456".into(),
            city: "Köln".into(),
            tags: vec!["vip".into(), "Messe".into()],
            owner: "anna".into(),
            last_contact: Some(ts("2026-10-01T10:00:00Z")),
        }
    }

    fn company() -> CompanyRow {
        CompanyRow {
            id: CompanyId(2),
            name: "Atlas GmbH".into(),
            website: "atlas.de".into(),
            industry: "Logistics".into(),
            city: "Köln".into(),
            tags: vec!["key-account".into()],
            owner: "ben".into(),
            contacts: 3,
        }
    }

    fn deal() -> DealRow {
        DealRow {
            id: DealId(3),
            title: "Fleet renewal".into(),
            company_id: Some(CompanyId(2)),
            company: "Atlas GmbH".into(),
            contact_id: Some(ContactId(1)),
            contact: "Anna Müller".into(),
            value: Money::new(1_200_000, Currency::EUR),
            stage: "proposal".into(),
            stage_name: "Proposal".into(),
            probability: 50,
            weighted: Money::new(600_000, Currency::EUR),
            close: Some(day(2026, 12, 15)),
            owner: "anna".into(),
            days_in_stage: 4,
            open: true,
        }
    }

    fn task() -> TaskRow {
        TaskRow {
            id: TaskId(4),
            title: "Call about the fleet".into(),
            due: Due::Day(day(2026, 12, 1)),
            state: TaskState::Upcoming,
            contact_id: Some(ContactId(1)),
            contact: "Anna Müller".into(),
            deal_id: None,
            deal: String::new(),
            assignee: "anna".into(),
            priority: Priority::High,
            repeat: String::new(),
            snoozed_until: None,
            done: None,
        }
    }

    fn activity() -> ActivityRow {
        ActivityRow {
            id: ActivityId(5),
            kind: ActivityKind::Call,
            at: ts("2026-11-20T10:00:00Z"),
            contact_id: Some(ContactId(1)),
            contact: "Anna Müller".into(),
            deal_id: None,
            summary: "Discussed the fleet".into(),
            body: String::new(),
            author: "ben".into(),
            outcome: "reached".into(),
            duration_min: Some(10),
        }
    }

    fn compiled(crm: &Crm, kind: EntityKind, text: &str) -> Compiled {
        match crm.compile_filter_for(text, kind) {
            Ok(c) => c,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn contact_matches(crm: &Crm, text: &str, row: &ContactRow) -> bool {
        let c = compiled(crm, EntityKind::Contact, text);
        // The same contact given field by field, tags as words (the TUI's compact rows).
        let tags = row.tags.join(" ");
        let fields = ContactFields {
            tags: &tags,
            owner: &row.owner,
            company: &row.company,
            name: &row.name,
            title: &row.title,
            email: &row.email,
            phone: &row.phone,
            city: &row.city,
            last_contact: row.last_contact,
        };
        assert_eq!(c.contact_fields(&fields), c.contact(row), "{text}: the contact given field by field");
        c.contact(row)
    }

    fn deal_matches(crm: &Crm, text: &str, row: &DealRow) -> bool {
        compiled(crm, EntityKind::Deal, text).deal(row)
    }

    fn task_matches(crm: &Crm, text: &str, row: &TaskRow) -> bool {
        compiled(crm, EntityKind::Task, text).task(row)
    }

    fn error(crm: &Crm, text: &str, kind: Option<EntityKind>) -> String {
        let r = match kind {
            Some(k) => crm.compile_filter_for(text, k),
            None => crm.compile_filter(text),
        };
        match r {
            // The message is "bad filter:" then the caret block indented by two spaces.
            Err(ServiceError::Invalid(m)) => {
                let block = m.strip_prefix("bad filter:\n").unwrap_or_else(|| panic!("no heading: {m}"));
                block.lines().map(|l| l.strip_prefix("  ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
            }
            Err(other) => panic!("{text}: not Invalid: {other}"),
            Ok(_) => panic!("{text}: compiled"),
        }
    }

    #[test]
    fn contact_text_fields_and_tags() {
        let (_dir, crm) = open();
        let c = contact();
        for yes in [
            "tag:vip",
            "tag:VIP",
            "tag:#vip",
            "tag:messe",
            "company:atlas",
            "company:\"atlas gmbh\"",
            "contact:muller",
            "title:purchasing",
            "email:atlas.de",
            "phone:\"30 123\"",
            "city:koln",
            "city:KÖLN",
            "owner:anna",
            "owner:@Anna",
            "-tag:cold",
            "tag:vip tag:messe city:köln",
        ] {
            assert!(contact_matches(&crm, yes, &c), "{yes}");
        }
        for no in ["tag:vi", "tag:cold", "-tag:vip", "company:acme", "city:berlin", "owner:ben", "tag:vip city:berlin"]
        {
            assert!(!contact_matches(&crm, no, &c), "{no}");
        }
    }

    #[test]
    fn owner_me_is_the_current_user() {
        let (_dir, crm) = open();
        assert!(contact_matches(&crm, "owner:me", &contact()));
        assert!(contact_matches(&crm, "owner:ME", &contact()));
        assert!(!contact_matches(&crm, "-owner:me", &contact()));
        let ben = ContactRow { owner: "ben".into(), ..contact() };
        assert!(!contact_matches(&crm, "owner:me", &ben));
        assert!(contact_matches(&crm, "-owner:me", &ben));
        assert!(task_matches(&crm, "assignee:me", &task()));
        assert!(compiled(&crm, EntityKind::Company, "owner:ben").company(&company()));
        assert!(!compiled(&crm, EntityKind::Company, "owner:me").company(&company()));
    }

    #[test]
    fn last_contact() {
        let (_dir, crm) = open();
        // 2026-10-01 is 57 days before now; -30d is 2026-10-28.
        let c = contact();
        assert!(contact_matches(&crm, "last_contact.before:-30d", &c));
        assert!(contact_matches(&crm, "last_contact<-30d", &c));
        assert!(!contact_matches(&crm, "last_contact.after:-30d", &c));
        assert!(!contact_matches(&crm, "-last_contact.before:-30d", &c));
        assert!(contact_matches(&crm, "last_contact:2026-10-01", &c));
        assert!(contact_matches(&crm, "last_contact<=2026-10-01", &c));
        assert!(contact_matches(&crm, "last_contact>=2026-10-01", &c));
        assert!(!contact_matches(&crm, "last_contact>2026-10-01", &c));
        assert!(!contact_matches(&crm, "last_contact:never", &c));
        assert!(contact_matches(&crm, "-last_contact:never", &c));
        let recent = ContactRow { last_contact: Some(ts("2026-11-26T16:00:00Z")), ..contact() };
        assert!(!contact_matches(&crm, "last_contact.before:-30d", &recent));
        assert!(contact_matches(&crm, "last_contact.after:-30d", &recent));
        assert!(contact_matches(&crm, "last_contact:yesterday", &recent));
        // A time in the value compares instants.
        assert!(contact_matches(&crm, "last_contact<\"yesterday 17:00\"", &recent));
        assert!(!contact_matches(&crm, "last_contact<\"yesterday 15:00\"", &recent));
        // Never contacted: only `never` (and negated comparisons) match.
        let never = ContactRow { last_contact: None, ..contact() };
        assert!(contact_matches(&crm, "last_contact:never", &never));
        assert!(contact_matches(&crm, "last_contact:NEVER", &never));
        assert!(!contact_matches(&crm, "last_contact.before:-30d", &never));
        assert!(!contact_matches(&crm, "last_contact.after:-30d", &never));
        assert!(contact_matches(&crm, "-last_contact.after:-30d", &never));
        let e = error(&crm, "last_contact.before:never", Some(EntityKind::Contact));
        assert!(e.ends_with("\"never\" works only as last_contact:never"), "{e}");
    }

    #[test]
    fn due_dates() {
        let (_dir, crm) = open();
        // Today is Friday 2026-11-27: `fri` is 2026-12-04.
        let t = task();
        assert!(task_matches(&crm, "due.before:fri", &t));
        assert!(!task_matches(&crm, "due.after:fri", &t));
        assert!(task_matches(&crm, "due:2026-12-01", &t));
        assert!(task_matches(&crm, "due:tue", &t));
        assert!(task_matches(&crm, "due>=+4d", &t));
        assert!(!task_matches(&crm, "due>+4d", &t));
        assert!(task_matches(&crm, "due<=+4d due>today", &t));
        let on_fri = TaskRow { due: Due::Day(day(2026, 12, 4)), ..task() };
        assert!(!task_matches(&crm, "due.before:fri", &on_fri));
        assert!(task_matches(&crm, "due:fri", &on_fri));
        assert!(task_matches(&crm, "-due.before:fri", &on_fri));
        let timed = TaskRow { due: Due::At(ts("2026-12-03T23:30:00Z")), ..task() };
        assert!(task_matches(&crm, "due.before:fri", &timed));
        assert!(task_matches(&crm, "due:thu", &timed));
        assert!(task_matches(&crm, "due<\"thu 23:45\"", &timed));
        assert!(!task_matches(&crm, "due<\"thu 23:00\"", &timed));
        // A whole-day due counts from the start of its day.
        assert!(task_matches(&crm, "due<\"2026-12-01 08:00\"", &t));
        assert!(task_matches(&crm, "due:\"2026-12-01 08:00\"", &t));
    }

    #[test]
    fn deal_fields() {
        let (_dir, crm) = open();
        let d = deal();
        for yes in [
            "value>5000",
            "value>=12000",
            "value:12000",
            "value<=12k",
            "value<12000.01",
            "value>5000eur",
            "value>€5k",
            "value>\"5000 EUR\"",
            "probability:50",
            "probability>=50%",
            "probability<75",
            "stage:prop",
            "stage:Proposal",
            "-stage:won",
            "close.before:2026-12-31",
            "close:2026-12-15",
            "close>fri",
            "company:atlas",
            "contact:anna",
            "title:fleet",
            "owner:me",
        ] {
            assert!(deal_matches(&crm, yes, &d), "{yes}");
        }
        for no in [
            "value>12000",
            "value<5000",
            "value>5000usd",
            "value:12000usd",
            "probability>50",
            "stage:lead",
            "-stage:prop",
            "close.after:2026-12-31",
            "company:acme",
        ] {
            assert!(!deal_matches(&crm, no, &d), "{no}");
        }
        let no_close = DealRow { close: None, ..deal() };
        assert!(!deal_matches(&crm, "close.before:2026-12-31", &no_close));
        assert!(!deal_matches(&crm, "close.after:2026-12-31", &no_close));
    }

    #[test]
    fn value_without_a_currency_compares_any_currency_by_major_amount() {
        let (_dir, crm) = open();
        let yen = DealRow { value: Money::new(6000, Currency::parse("JPY").unwrap()), ..deal() };
        let usd = DealRow { value: Money::new(600_050, Currency::USD), ..deal() };
        let dinar = DealRow { value: Money::new(6_000_500, Currency::parse("KWD").unwrap()), ..deal() };
        for row in [&yen, &usd, &dinar] {
            assert!(deal_matches(&crm, "value>5000", row), "{:?}", row.value);
            assert!(!deal_matches(&crm, "value>7000", row), "{:?}", row.value);
        }
        assert!(deal_matches(&crm, "value:6000", &yen));
        assert!(deal_matches(&crm, "value:6000.50", &usd));
        assert!(deal_matches(&crm, "value:6000.50", &dinar));
        assert!(deal_matches(&crm, "value>6000", &dinar));
        // A currency restricts to that currency, compared in minor units.
        assert!(deal_matches(&crm, "value>5000usd", &usd));
        assert!(!deal_matches(&crm, "value>5000usd", &yen));
        assert!(deal_matches(&crm, "value:¥6000", &yen));
        assert!(deal_matches(&crm, "value:jpy6000", &yen));
        assert!(deal_matches(&crm, "value>=5.5kUSD", &usd));
        assert!(deal_matches(&crm, "value>\"5000 usd\"", &usd));
        assert!(!deal_matches(&crm, "value:¥6000", &usd));
    }

    #[test]
    fn stage_prefix_resolves_once() {
        let (_dir, crm) = open();
        let c = compiled(&crm, EntityKind::Deal, "stage:prop");
        assert!(matches!(&c.conds[0].test, Test::Stage(k) if k == "proposal"));
        assert!(c.deal(&deal()));
        assert!(!c.deal(&DealRow { stage: "negotiation".into(), ..deal() }));
        let e = error(&crm, "stage:closing", Some(EntityKind::Deal));
        assert!(e.lines().nth(1).unwrap().starts_with("      ^^^^^^^ unknown stage"), "{e}");
        assert!(e.contains("unknown stage \"closing\"; stages are: Lead, Qualified"), "{e}");
    }

    #[test]
    fn task_fields() {
        let (_dir, crm) = open();
        let t = task();
        for yes in [
            "priority:high",
            "priority:h",
            "priority>=high",
            "priority>normal",
            "priority<urgent",
            "state:upcoming",
            "state:open",
            "-state:overdue",
            "repeat:no",
            "-repeat:yes",
            "contact:müller",
            "title:\"call about\"",
            "owner:anna",
        ] {
            assert!(task_matches(&crm, yes, &t), "{yes}");
        }
        for no in ["priority:low", "priority>high", "state:overdue", "state:done", "repeat:yes", "owner:ben"] {
            assert!(!task_matches(&crm, no, &t), "{no}");
        }
        let done = TaskRow { state: TaskState::Done, repeat: "weekly".into(), ..task() };
        assert!(task_matches(&crm, "state:done repeat:yes", &done));
        assert!(!task_matches(&crm, "state:open", &done));
        let e = error(&crm, "state:soon", Some(EntityKind::Task));
        assert!(e.ends_with("\"soon\" is not a task state (overdue, today, upcoming, hidden, done, open)"), "{e}");
        assert!(error(&crm, "repeat:maybe", Some(EntityKind::Task)).ends_with("repeat takes yes or no"));
        assert!(error(&crm, "priority:top", Some(EntityKind::Task)).contains("is not a priority"));
    }

    #[test]
    fn companies_and_activities() {
        let (_dir, crm) = open();
        let co = compiled(&crm, EntityKind::Company, "tag:key-account city:koln company:atlas -owner:me");
        assert!(co.company(&company()));
        assert!(!compiled(&crm, EntityKind::Company, "tag:vip").company(&company()));
        let a = activity();
        assert!(compiled(&crm, EntityKind::Activity, "kind:call owner:ben contact:anna title:fleet").activity(&a));
        assert!(!compiled(&crm, EntityKind::Activity, "kind:meeting").activity(&a));
        assert!(error(&crm, "kind:fax", Some(EntityKind::Activity)).contains("is not an activity kind"));
    }

    #[test]
    fn fields_that_do_not_apply_to_a_kind_are_rejected() {
        let (_dir, crm) = open();
        let input = "tag:vip stage:prop";
        let e = error(&crm, input, Some(EntityKind::Contact));
        assert_eq!(
            e,
            format!(
                "{input}\n        ^^^^^^^^^^ stage does not apply to contacts; contacts take tag, owner, company, \
                 contact, title, email, phone, city, last_contact"
            )
        );
        assert!(error(&crm, "value>5", Some(EntityKind::Task)).contains("value does not apply to tasks"));
        assert!(error(&crm, "due:fri", Some(EntityKind::Deal)).contains("due does not apply to deals"));
        assert!(error(&crm, "-email:x", Some(EntityKind::Company)).contains("email does not apply to companies"));
        assert!(error(&crm, "tag:x", Some(EntityKind::Activity)).contains("tag does not apply to activities"));
        // Fields no list carries yet.
        assert!(error(&crm, "country:de", None).ends_with("country does not apply to any list yet"));
        assert!(error(&crm, "created>-7d", None).ends_with("created does not apply to any list yet"));
        assert!(error(&crm, "country:de", Some(EntityKind::Contact)).contains("country does not apply to contacts"));
    }

    #[test]
    fn without_a_kind_inapplicable_fields_fail_the_row() {
        let (_dir, crm) = open();
        let c = crm.compile_filter("stage:prop").unwrap();
        assert_eq!(c.kind(), None);
        assert!(c.deal(&deal()));
        assert!(!c.contact(&contact()));
        assert!(!crm.compile_filter("-stage:prop").unwrap().contact(&contact()));
        assert!(!c.task(&task()));
        let owner = crm.compile_filter("owner:me").unwrap();
        assert!(owner.contact(&contact()) && owner.deal(&deal()) && owner.task(&task()));
    }

    #[test]
    fn parse_and_value_errors_carry_the_caret_line() {
        let (_dir, crm) = open();
        let e = error(&crm, "tag:vip stge:x", None);
        assert!(e.starts_with("tag:vip stge:x\n        ^^^^ unknown field \"stge\" (did you mean \"stage\"?)"), "{e}");
        let e = error(&crm, "title:x due.before:blah", Some(EntityKind::Task));
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert_eq!(lines[0], "title:x due.before:blah");
        assert!(lines[1].starts_with("                   ^^^^ \"blah\": did not understand"), "{e}");
        let e = error(&crm, "value>lots", Some(EntityKind::Deal));
        assert!(e.lines().nth(1).unwrap().starts_with("      ^^^^ \"lots\" is not an amount of money"), "{e}");
        let e = error(&crm, "probability>150", Some(EntityKind::Deal));
        assert!(e.contains("\"150\" is not a probability"), "{e}");
        let e = error(&crm, "company:\"atlas", None);
        assert!(e.contains("not closed"), "{e}");
    }

    #[test]
    fn free_text_is_handed_on() {
        let (_dir, crm) = open();
        let c = compiled(&crm, EntityKind::Contact, "müller tag:vip \"anna m\"");
        assert_eq!(c.text(), Some("müller anna m"));
        assert!(c.has_terms());
        assert!(c.contact(&contact()));
        let all = crm.compile_filter("").unwrap();
        assert_eq!(all.text(), None);
        assert!(all.is_empty() && !all.has_terms());
        assert!(all.contact(&contact()) && all.deal(&deal()) && all.task(&task()) && all.company(&company()));
        assert_eq!(crm.compile_filter("Иван").unwrap().text(), Some("Иван"));
        assert!(!crm.compile_filter("Иван").unwrap().has_terms());
    }

    /// `fields_for` agrees with what each row offers to the filter.
    #[test]
    fn fields_for_matches_the_rows() {
        fn offers(v: &View<'_>, f: Field) -> bool {
            match f {
                Field::Tag => v.tags.is_some() || v.tag_words.is_some(),
                Field::Owner => v.owner.is_some(),
                Field::Company => v.company.is_some(),
                Field::Contact => v.contact.is_some(),
                Field::Stage => v.stage.is_some(),
                Field::Value => v.value.is_some(),
                Field::Probability => v.probability.is_some(),
                Field::Close => v.close.is_some(),
                Field::Due => v.due.is_some(),
                Field::LastContact => v.last_contact.is_some(),
                Field::Created | Field::Country => false,
                Field::City => v.city.is_some(),
                Field::Title => v.title.is_some(),
                Field::Email => v.email.is_some(),
                Field::Phone => v.phone.is_some(),
                Field::Priority => v.priority.is_some(),
                Field::State => v.state.is_some(),
                Field::Kind => v.kind.is_some(),
                Field::Repeat => v.repeat.is_some(),
            }
        }
        let (c, co, d, t, a) = (contact(), company(), deal(), task(), activity());
        let views: [(EntityKind, View<'_>); 5] = [
            (EntityKind::Contact, view_of_contact(&c)),
            (EntityKind::Company, view_of_company(&co)),
            (EntityKind::Deal, view_of_deal(&d)),
            (EntityKind::Task, view_of_task(&t)),
            (EntityKind::Activity, view_of_activity(&a)),
        ];
        for (kind, view) in &views {
            for f in Field::ALL {
                assert_eq!(fields_for(*kind).contains(&f), offers(view, f), "{kind} {f}");
            }
        }
    }
}
