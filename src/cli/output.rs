//! Printing results as a table (people), JSON or CSV (scripts), or bare ids (`-q`).

use crate::services::format;
use crate::services::query::*;
use crate::store::Receipt;
use clap::ValueEnum;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
    /// A Markdown table (`--format md`), for docs and issue comments.
    #[value(name = "md", alias = "markdown")]
    Md,
}

/// A row that can be printed as a table or CSV line.
pub trait Tabular: Serialize {
    fn headers() -> &'static [&'static str];
    fn cells(&self) -> Vec<String>;
    fn id(&self) -> String;
}

pub struct Out {
    pub format: Format,
    pub quiet: bool,
}

const MAX_CELL: usize = 48;

/// Columns a cell takes on a terminal: CJK and other wide characters count two, combining
/// marks none, so that a table with names in several alphabets still lines up.
fn cols(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn clip(s: &str) -> String {
    let one_line = s.replace(['\n', '\r'], " ");
    if cols(&one_line) > MAX_CELL {
        let mut t = String::new();
        for ch in one_line.chars() {
            if cols(&t) + unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0) > MAX_CELL - 1 {
                break;
            }
            t.push(ch);
        }
        t.push('…');
        t
    } else {
        one_line
    }
}

/// A plain aligned table. Cells are clipped to keep the columns readable, except the last one:
/// nothing follows it, so a long reason or note is printed whole.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| if i + 1 == headers.len() { c.replace(['\n', '\r'], " ") } else { clip(c) })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| cols(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cols(c));
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i].saturating_sub(cols(c)) + 2));
            }
        }
        s.trim_end().to_string()
    };
    let mut out =
        line(headers.iter().map(|h| h.to_uppercase()).collect::<Vec<_>>().iter().map(String::as_str).collect());
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Writes `text` to stdout. A reader that stops early (`crm … | head`) is not an error:
/// `print!` would panic on the closed pipe.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

impl Out {
    fn write(&self, text: &str) -> anyhow::Result<()> {
        print(text)
    }

    pub fn list<T: Tabular>(&self, rows: &[T]) -> anyhow::Result<()> {
        if self.quiet {
            let ids: String = rows.iter().map(|r| r.id() + "\n").collect();
            return self.write(&ids);
        }
        match self.format {
            Format::Json => self.write(&(serde_json::to_string_pretty(rows)? + "\n")),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(T::headers())?;
                for r in rows {
                    w.write_record(r.cells())?;
                }
                self.write(&String::from_utf8(w.into_inner()?)?)
            }
            Format::Md => {
                let cells: Vec<Vec<String>> = rows.iter().map(Tabular::cells).collect();
                self.write(&markdown_table(T::headers(), &cells))
            }
            Format::Table if rows.is_empty() => self.write("(none)\n"),
            Format::Table => {
                let cells: Vec<Vec<String>> = rows.iter().map(Tabular::cells).collect();
                self.write(&table(T::headers(), &cells))
            }
        }
    }

    /// Plain rows of text with headers (tables without a row type).
    pub fn rows(&self, headers: &[&str], rows: &[Vec<String>]) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                let objs: Vec<serde_json::Map<String, serde_json::Value>> = rows
                    .iter()
                    .map(|r| {
                        headers
                            .iter()
                            .zip(r)
                            .map(|(h, v)| (h.to_string(), serde_json::Value::String(v.clone())))
                            .collect()
                    })
                    .collect();
                self.write(&(serde_json::to_string_pretty(&objs)? + "\n"))
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(headers)?;
                for r in rows {
                    w.write_record(r)?;
                }
                self.write(&String::from_utf8(w.into_inner()?)?)
            }
            Format::Table => self.write(&table(headers, rows)),
            Format::Md => self.write(&markdown_table(headers, rows)),
        }
    }

    /// One record or report: `human` for tables, serde for JSON (CSV falls back to JSON).
    pub fn card<T: Serialize>(&self, value: &T, id: &str, human: impl FnOnce() -> String) -> anyhow::Result<()> {
        if self.quiet {
            return self.write(&format!("{id}\n"));
        }
        match self.format {
            Format::Table | Format::Md => self.write(&human()),
            Format::Json | Format::Csv => self.write(&(serde_json::to_string_pretty(value)? + "\n")),
        }
    }

    /// What a write did. `-q` prints the created (or touched) ids only.
    pub fn receipt(&self, r: &Receipt) -> anyhow::Result<()> {
        if self.quiet {
            let ids = if r.created.is_empty() { &r.touched } else { &r.created };
            return self.write(&ids.iter().map(|i| format!("{i}\n")).collect::<String>());
        }
        match self.format {
            Format::Json | Format::Csv => self.write(&(serde_json::to_string_pretty(r)? + "\n")),
            Format::Table | Format::Md => self.write(&format!("#{} {}\n", r.seq, r.summary)),
        }
    }

    pub fn message(&self, text: &str) -> anyhow::Result<()> {
        if self.quiet || self.format != Format::Table {
            return Ok(());
        }
        self.write(&format!("{text}\n"))
    }
}

/// A Markdown table; `|` in a cell is escaped.
pub fn markdown_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!("| {} |\n|{}\n", headers.join(" | "), "---|".repeat(headers.len()));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")));
    }
    out
}

fn tags(t: &[String]) -> String {
    t.join(",")
}

impl Tabular for ContactRow {
    fn headers() -> &'static [&'static str] {
        &["id", "name", "company", "title", "email", "phone", "tags", "owner", "last contact"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.company.clone(),
            self.title.clone(),
            self.email.clone(),
            self.phone.clone(),
            tags(&self.tags),
            self.owner.clone(),
            self.last_contact.map(format::time).unwrap_or_default(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for CompanyRow {
    fn headers() -> &'static [&'static str] {
        &["id", "name", "website", "industry", "city", "tags", "owner", "contacts"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.clone(),
            self.website.clone(),
            self.industry.clone(),
            self.city.clone(),
            tags(&self.tags),
            self.owner.clone(),
            self.contacts.to_string(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for DealRow {
    fn headers() -> &'static [&'static str] {
        &["id", "title", "company", "stage", "value", "prob", "weighted", "close", "days in stage", "owner"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.title.clone(),
            self.company.clone(),
            self.stage_name.clone(),
            self.value.to_string(),
            format!("{}%", self.probability),
            self.weighted.to_string(),
            self.close.map(|d| d.to_string()).unwrap_or_default(),
            self.days_in_stage.to_string(),
            self.owner.clone(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for TaskRow {
    fn headers() -> &'static [&'static str] {
        &["id", "due", "state", "title", "contact", "deal", "priority", "repeat", "assignee"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            format::due(self.due),
            match self.snoozed_until {
                Some(s) if self.done.is_none() && self.state != crate::domain::agenda::TaskState::Overdue => {
                    format!("{} (snoozed to {})", self.state.name(), format::time(s))
                }
                _ => self.state.name().to_string(),
            },
            self.title.clone(),
            self.contact.clone(),
            self.deal.clone(),
            self.priority.to_string(),
            self.repeat.clone(),
            self.assignee.clone(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for ActivityRow {
    fn headers() -> &'static [&'static str] {
        &["id", "when", "kind", "contact", "summary", "outcome", "author"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            format::time(self.at),
            self.kind.to_string(),
            self.contact.clone(),
            self.summary.clone(),
            self.outcome.clone(),
            self.author.clone(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for HistoryRow {
    fn headers() -> &'static [&'static str] {
        &["#", "when", "who", "op", "what"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.seq.to_string(), format::time(self.at), self.author.clone(), self.op.clone(), self.summary.clone()]
    }
    fn id(&self) -> String {
        self.seq.to_string()
    }
}

impl Tabular for TrashRow {
    fn headers() -> &'static [&'static str] {
        &["id", "kind", "name", "deleted"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.id.to_string(), self.kind.to_string(), self.label.clone(), format::opt_time(self.deleted)]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for crate::domain::User {
    fn headers() -> &'static [&'static str] {
        &["login", "name", "role", "disabled"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.login.clone(),
            self.name.clone(),
            self.role.to_string(),
            if self.disabled { "yes".into() } else { String::new() },
        ]
    }
    fn id(&self) -> String {
        self.login.clone()
    }
}

impl Tabular for crate::services::agenda::AgendaItem {
    fn headers() -> &'static [&'static str] {
        &["score", "id", "kind", "due", "state", "title", "about", "assignee"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            format!("{:.1}", self.score),
            self.id.to_string(),
            format!("{:?}", self.kind).to_lowercase(),
            self.due.map(format::due).unwrap_or_default(),
            self.state.name().to_string(),
            self.title.clone(),
            self.about.clone(),
            self.assignee.clone(),
        ]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

impl Tabular for crate::services::search::Hit {
    fn headers() -> &'static [&'static str] {
        &["id", "type", "name", "detail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![self.id.to_string(), self.kind.to_string(), self.label.clone(), self.detail.clone()]
    }
    fn id(&self) -> String {
        self.id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_clip() {
        let t = table(&["id", "name"], &[vec!["c1".into(), "Ann".into()], vec!["c10".into(), "x".repeat(60)]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "ID   NAME");
        assert_eq!(lines[1], "c1   Ann");
        assert_eq!(lines[2], format!("c10  {}", "x".repeat(60)), "the last column is never clipped");
        let t = table(&["name", "id"], &[vec!["x".repeat(60), "c1".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[1], format!("{}…  c1", "x".repeat(MAX_CELL - 1)));
    }

    #[test]
    fn wide_characters_take_two_columns_and_keep_the_table_aligned() {
        let t = table(
            &["name", "company", "id"],
            &[
                vec!["田中 太郎".into(), "株式会社サンプル".into(), "c4".into()],
                vec!["Anna".into(), "Atlas".into(), "c1".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        // Where the ID column starts, counted in terminal columns, is the same on every line.
        let id_at = |l: &str| cols(&l[..l.rfind('c').expect("an id")]);
        assert_eq!(id_at(lines[1]), id_at(lines[2]), "{t}");
        assert_eq!(id_at(lines[1]), 9 + 2 + 16 + 2);
        // Clipping counts columns too: 30 wide characters are 60 columns, clipped to MAX_CELL.
        let clipped = clip(&"田".repeat(30));
        assert!(cols(&clipped) <= MAX_CELL && clipped.ends_with('…'), "{clipped}");
    }
}
