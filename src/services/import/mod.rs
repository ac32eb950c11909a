//! Moving a business in and out: CSV and vCard import (pure parsers turning files into
//! drafts), planning an import against the database (companies linked or created by name,
//! duplicates, bad rows), the one `apply` that writes it, CSV and vCard export, and the JSON
//! backup of the whole database.
//!
//! The parsers (`csv`, `vcard`) do no I/O and never panic on any input: every problem is a
//! message with a line number. `plan` turns their drafts into one batch of `Change`s, so that a
//! whole import is one journal entry and one `crm undo` takes it back.

pub mod backup;
pub mod csv;
pub mod export;
pub mod plan;
pub mod report;
pub mod vcard;

use crate::domain::{Address, Labeled};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    #[default]
    Contacts,
    Companies,
    Deals,
    Tasks,
}

impl ImportKind {
    pub fn parse(text: &str) -> Result<ImportKind, String> {
        match text.trim().to_lowercase().as_str() {
            "contacts" | "contact" | "people" | "persons" => Ok(ImportKind::Contacts),
            "companies" | "company" | "organizations" | "organisations" => Ok(ImportKind::Companies),
            "deals" | "deal" => Ok(ImportKind::Deals),
            "tasks" | "task" => Ok(ImportKind::Tasks),
            other => Err(format!("\"{other}\" is not a record type (contacts, companies, deals, tasks)")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Contacts => "contacts",
            ImportKind::Companies => "companies",
            ImportKind::Deals => "deals",
            ImportKind::Tasks => "tasks",
        }
    }
}

/// A contact as read from a file, before it meets the database.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ContactDraft {
    pub name: String,
    pub title: String,
    /// Company name (linked by name, created when no company has it).
    pub company: String,
    pub emails: Vec<Labeled>,
    pub phones: Vec<Labeled>,
    pub address: Address,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub notes: String,
    pub owner: String,
    pub cadence: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CompanyDraft {
    pub name: String,
    pub website: String,
    pub industry: String,
    pub address: Address,
    pub tags: Vec<String>,
    pub fields: BTreeMap<String, String>,
    pub notes: String,
    pub owner: String,
}

/// A deal as read from a file: values stay text until the planner parses them with the
/// user's currency and date settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DealDraft {
    pub title: String,
    pub value: String,
    pub currency: String,
    pub stage: String,
    pub company: String,
    pub contact: String,
    pub close: String,
    pub probability: String,
    pub owner: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct TaskDraft {
    pub title: String,
    pub due: String,
    pub contact: String,
    pub deal: String,
    pub priority: String,
    pub repeat: String,
    pub assignee: String,
    pub notes: String,
    /// When the task was done (empty: open).
    pub done: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Draft {
    Contact(ContactDraft),
    Company(CompanyDraft),
    Deal(DealDraft),
    Task(TaskDraft),
}

/// One row (CSV) or card (vCard) of a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// Line where the row or card starts (1-based).
    pub line: usize,
    /// The draft, None for an empty row, or why the row is bad.
    pub draft: Result<Option<Draft>, String>,
    /// The row as it was in the file, for the report of bad rows.
    pub raw: String,
}

/// What a parser made of a file.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Parsed {
    pub items: Vec<Item>,
    /// How the file was read (encoding, delimiter, dialect, column mapping), for the summary.
    pub notes: Vec<String>,
}

/// Splits a cell holding several values (Google's " ::: ", or ";" / "," lists).
pub(crate) fn split_multi(cell: &str) -> Vec<String> {
    if !cell.contains([':', ';', '\n']) {
        let t = cell.trim();
        return if t.is_empty() { vec![] } else { vec![t.to_string()] };
    }
    let sep: &[&str] = if cell.contains(":::") { &[":::"] } else { &[";", "\n"] };
    let mut parts = vec![cell.to_string()];
    for s in sep {
        parts = parts.iter().flat_map(|p| p.split(s).map(str::to_string).collect::<Vec<_>>()).collect();
    }
    parts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// A tag as crm keeps them: lowercase, no spaces or commas ("Key Accounts" → "key-accounts").
pub(crate) fn tag(text: &str) -> String {
    let t = text.trim().trim_start_matches('#').trim().to_lowercase();
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        if c.is_whitespace() || c == ',' {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_matches('-').to_string()
}

/// Labels of emails and phones as crm names them ("WORK", "cell", "* Mobile" → work, mobile).
pub(crate) fn label(text: &str) -> String {
    let t = text.trim().trim_start_matches('*').trim().to_lowercase();
    match t.as_str() {
        "cell" | "mobile" | "handy" | "iphone" => "mobile".into(),
        "business" | "work" | "office" => "work".into(),
        "personal" | "private" | "home" => "home".into(),
        "" => "work".into(),
        other => other.chars().filter(|c| !c.is_whitespace() && *c != ':').take(16).collect(),
    }
}

/// Reads a file to import, by its extension: `.vcf` / `.vcard` as vCards, anything else as CSV
/// of `kind` (the TUI's import form; the CLI names the format).
pub fn read_file(path: &std::path::Path, kind: ImportKind) -> Result<Parsed, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let parsed = match ext.as_str() {
        "vcf" | "vcard" => vcard::parse(&bytes),
        "json" => Err("a JSON backup is restored whole with `crm import json`, not imported here".into()),
        _ => csv::parse(&bytes, kind, &[]),
    };
    parsed.map_err(|e| format!("{}: {e}", path.display()))
}
