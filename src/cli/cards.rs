//! Cards for people: one record with everything around it, as plain text.

use super::output::{table, Tabular};
use crate::domain::*;
use crate::services::format;
use crate::services::query::*;
use chrono::{DateTime, Local};

fn field(out: &mut String, name: &str, value: &str) {
    if !value.is_empty() {
        out.push_str(&format!("  {name:<12} {value}\n"));
    }
}

fn section<T: Tabular>(out: &mut String, title: &str, rows: &[T]) {
    out.push_str(&format!("\n{title} ({})\n", rows.len()));
    if !rows.is_empty() {
        let cells: Vec<Vec<String>> = rows.iter().map(Tabular::cells).collect();
        for line in table(T::headers(), &cells).lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
}

fn labeled(list: &[Labeled]) -> String {
    list.iter().map(|l| format!("{} ({})", l.value, l.label)).collect::<Vec<_>>().join(", ")
}

pub fn contact(card: &ContactCard, now: &DateTime<Local>) -> String {
    let c = &card.contact;
    let mut s = format!("{}  {}\n", c.id, c.name);
    field(&mut s, "title", &c.title);
    field(&mut s, "company", &card.company.as_ref().map(|co| format!("{} ({})", co.name, co.id)).unwrap_or_default());
    field(&mut s, "email", &labeled(&c.emails));
    field(&mut s, "phone", &labeled(&c.phones));
    field(&mut s, "address", &c.address.to_string());
    field(&mut s, "tags", &c.tags.join(", "));
    for (k, v) in &c.fields {
        field(&mut s, k, v);
    }
    field(&mut s, "owner", &c.owner);
    field(&mut s, "shared with", &card.shared_with.join(", "));
    field(&mut s, "follow up", &c.cadence_days.map(|d| format!("every {d} days")).unwrap_or_default());
    field(
        &mut s,
        "last contact",
        &card
            .last_contact
            .map(|t| format!("{} ({})", format::time(t), format::relative_days(t, now)))
            .unwrap_or_else(|| "never".into()),
    );
    field(&mut s, "notes", &c.notes);
    section(&mut s, "Deals", &card.deals);
    section(&mut s, "Tasks", &card.tasks);
    s.push_str(&format!("\nTimeline ({})\n", card.activities.len()));
    for a in &card.activities {
        let extra = format::activity_extra(a);
        s.push_str(&format!(
            "  {}  {:<7} {}{}  — {}\n",
            format::time(a.at),
            a.kind,
            a.summary,
            if extra.is_empty() { String::new() } else { format!(" ({extra})") },
            a.author
        ));
        for line in a.body.lines() {
            s.push_str(&format!("{:>28}{line}\n", ""));
        }
    }
    s
}

pub fn company(card: &CompanyCard) -> String {
    let c = &card.company;
    let mut s = format!("{}  {}\n", c.id, c.name);
    field(&mut s, "website", &c.website);
    field(&mut s, "industry", &c.industry);
    field(&mut s, "address", &c.address.to_string());
    field(&mut s, "tags", &c.tags.join(", "));
    for (k, v) in &c.fields {
        field(&mut s, k, v);
    }
    field(&mut s, "owner", &c.owner);
    field(&mut s, "notes", &c.notes);
    section(&mut s, "Contacts", &card.contacts);
    section(&mut s, "Deals", &card.deals);
    s
}

pub fn deal(card: &DealCard, pipeline: &Pipeline) -> String {
    let d = &card.deal;
    let mut s = format!("{}  {}\n", d.id, d.title);
    field(&mut s, "stage", &format!("{} for {} days", d.stage_name, d.days_in_stage));
    field(&mut s, "value", &format!("{} × {}% = {}", d.value, d.probability, d.weighted));
    field(&mut s, "company", &d.company_id.map(|i| format!("{} ({i})", d.company)).unwrap_or_default());
    field(&mut s, "contact", &d.contact_id.map(|i| format!("{} ({i})", d.contact)).unwrap_or_default());
    field(&mut s, "close", &d.close.map(|c| c.to_string()).unwrap_or_default());
    field(&mut s, "owner", &d.owner);
    field(&mut s, "reason", &card.reason);
    field(&mut s, "notes", &card.notes);
    s.push_str("\nStage history\n");
    for h in &card.history {
        let name = pipeline.get(&h.stage).map(|st| st.name.as_str()).unwrap_or(&h.stage);
        s.push_str(&format!("  {}  {name}\n", format::time(h.at)));
    }
    section(&mut s, "Tasks", &card.tasks);
    section(&mut s, "Activities", &card.activities);
    s
}

pub fn task(row: &TaskRow, t: &Task) -> String {
    let mut s = format!("{}  {}\n", row.id, row.title);
    field(&mut s, "due", &format!("{} ({})", format::due(row.due), row.state.name()));
    field(&mut s, "snoozed", &format::opt_time(t.snoozed_until));
    field(&mut s, "contact", &row.contact_id.map(|i| format!("{} ({i})", row.contact)).unwrap_or_default());
    field(&mut s, "deal", &row.deal_id.map(|i| format!("{} ({i})", row.deal)).unwrap_or_default());
    field(&mut s, "priority", &row.priority.to_string());
    field(&mut s, "repeat", &row.repeat);
    field(&mut s, "assignee", &row.assignee);
    field(&mut s, "done", &format::opt_time(row.done));
    field(&mut s, "notes", &t.notes);
    s
}
