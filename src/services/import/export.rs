//! `crm export csv|vcard`: whole records (every email, phone, address part and custom field),
//! in columns that `crm import csv` maps back. Which records: the same filter language and
//! saved views as the lists.

use super::vcard;
use super::ImportKind;
use crate::domain::*;
use crate::services::query::*;
use crate::services::{Crm, Result};
use std::collections::{BTreeSet, HashMap};

impl Crm {
    /// A bulk export in one step, so that no front end can skip a part of it: allowed for
    /// managers and admins, what the caller sees of the records `filter` keeps, and journaled
    /// (who, what, how many, which filter). `vcard`: contacts as vCards instead of CSV; `view`:
    /// the name of the saved view `filter` came from, for the journal.
    pub fn export_filtered(
        &self,
        kind: ImportKind,
        vcard: Option<vcard::Version>,
        view: Option<&str>,
        filter: &str,
    ) -> Result<(String, usize)> {
        let ids = self.export_ids(kind, None, &[filter.to_string()])?;
        let (text, n, what) = match vcard {
            Some(v) => {
                let (text, n) = self.export_vcard(&ids, v)?;
                (text, n, "vcard contacts".to_string())
            }
            None => {
                let (text, n) = self.export_csv(kind, &ids)?;
                (text, n, format!("csv {}", kind.name()))
            }
        };
        let said = match view {
            Some(v) => format!("view {v}: {}", filter.trim()),
            None => filter.trim().to_string(),
        };
        self.journal_export(&what, n as u64, &said)?;
        Ok((text, n))
    }

    /// Ids of the records a list with this filter shows (every task, open or done, unless the
    /// filter says otherwise).
    pub fn export_ids(&self, kind: ImportKind, view: Option<&str>, filter: &[String]) -> Result<Vec<u64>> {
        self.require_bulk_export("bulk export")?;
        let text = self.view_filter(view, filter)?;
        Ok(match kind {
            ImportKind::Contacts => {
                let f = self.compile_filter_for(&text, EntityKind::Contact)?;
                let rows = self.contacts(&ContactQuery::default())?;
                f.keep(
                    rows,
                    |f, r| f.contact(r),
                    |r| vec![r.name.clone(), r.company.clone(), r.email.clone(), r.phone.clone(), r.tags.join(" ")],
                )
                .iter()
                .map(|r| r.id.0)
                .collect()
            }
            ImportKind::Companies => {
                let f = self.compile_filter_for(&text, EntityKind::Company)?;
                let rows = self.companies(None, None, None)?;
                f.keep(
                    rows,
                    |f, r| f.company(r),
                    |r| vec![r.name.clone(), r.website.clone(), r.city.clone(), r.tags.join(" ")],
                )
                .iter()
                .map(|r| r.id.0)
                .collect()
            }
            ImportKind::Deals => {
                let f = self.compile_filter_for(&text, EntityKind::Deal)?;
                let rows = self.deals(&DealQuery::default())?;
                f.keep(rows, |f, r| f.deal(r), |r| vec![r.title.clone(), r.company.clone(), r.contact.clone()])
                    .iter()
                    .map(|r| r.id.0)
                    .collect()
            }
            ImportKind::Tasks => {
                let f = self.compile_filter_for(&text, EntityKind::Task)?;
                let rows = self.tasks(&TaskQuery { scope: TaskScope::All, ..TaskQuery::default() })?;
                f.keep(rows, |f, r| f.task(r), |r| vec![r.title.clone(), r.contact.clone(), r.deal.clone()])
                    .iter()
                    .map(|r| r.id.0)
                    .collect()
            }
        })
    }

    /// The records with these ids that the user sees (visibility: an id of another's private
    /// record exports nothing).
    fn records(&self, kind: EntityKind, ids: &[u64]) -> Result<Vec<Record>> {
        let access = self.access()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = Ref::from_number(kind, *id) {
                if let Some(rec) = access.get(&r)? {
                    out.push(rec);
                }
            }
        }
        Ok(out)
    }

    fn company_names(&self) -> Result<HashMap<CompanyId, String>> {
        let mut m = HashMap::new();
        self.store().scan(EntityKind::Company, &mut |r| {
            if let Record::Company(c) = r {
                m.insert(c.id, c.name);
            }
            true
        })?;
        Ok(m)
    }

    /// CSV of whole records; returns the text and the number of records.
    pub fn export_csv(&self, kind: ImportKind, ids: &[u64]) -> Result<(String, usize)> {
        let companies = self.company_names()?;
        let company = |id: Option<CompanyId>| id.and_then(|i| companies.get(&i).cloned()).unwrap_or_default();
        let labeled = |l: &[Labeled]| l.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ");
        let addr = |a: &Address| {
            vec![a.street.clone(), a.city.clone(), a.region.clone(), a.postcode.clone(), a.country.clone()]
        };
        let time = |t: Timestamp| t.rfc3339();
        let mut headers: Vec<String>;
        let mut rows: Vec<Vec<String>> = Vec::new();
        match kind {
            ImportKind::Contacts | ImportKind::Companies => {
                let ek = if kind == ImportKind::Contacts { EntityKind::Contact } else { EntityKind::Company };
                let recs = self.records(ek, ids)?;
                let keys: BTreeSet<String> = recs
                    .iter()
                    .flat_map(|r| match r {
                        Record::Contact(c) => c.fields.keys().cloned().collect::<Vec<_>>(),
                        Record::Company(c) => c.fields.keys().cloned().collect(),
                        _ => vec![],
                    })
                    .collect();
                headers = if kind == ImportKind::Contacts {
                    ["id", "name", "title", "company", "emails", "phones"].map(String::from).to_vec()
                } else {
                    ["id", "name", "website", "industry"].map(String::from).to_vec()
                };
                headers.extend(
                    ["street", "city", "region", "postcode", "country", "tags", "notes", "owner"].map(String::from),
                );
                if kind == ImportKind::Contacts {
                    headers.push("cadence".into());
                }
                headers.extend(["created", "updated"].map(String::from));
                for k in &keys {
                    // A key that reads as a known column is written as field:KEY.
                    let plain = super::csv::auto_target(k, kind, super::csv::Dialect::Generic)
                        == super::csv::Target::Field(k.clone());
                    headers.push(if plain { k.clone() } else { format!("field:{k}") });
                }
                for r in recs {
                    let (mut row, fields) = match r {
                        Record::Contact(c) => {
                            let mut row = vec![
                                c.id.to_string(),
                                c.name.clone(),
                                c.title.clone(),
                                company(c.company),
                                labeled(&c.emails),
                                labeled(&c.phones),
                            ];
                            row.extend(addr(&c.address));
                            row.extend([c.tags.join(", "), c.notes.clone(), c.owner.clone()]);
                            row.push(c.cadence_days.map(|d| d.to_string()).unwrap_or_default());
                            row.extend([time(c.created), time(c.updated)]);
                            (row, c.fields)
                        }
                        Record::Company(c) => {
                            let mut row = vec![c.id.to_string(), c.name.clone(), c.website.clone(), c.industry.clone()];
                            row.extend(addr(&c.address));
                            row.extend([c.tags.join(", "), c.notes.clone(), c.owner.clone()]);
                            row.extend([time(c.created), time(c.updated)]);
                            (row, c.fields)
                        }
                        _ => continue,
                    };
                    row.extend(keys.iter().map(|k| fields.get(k).cloned().unwrap_or_default()));
                    rows.push(row);
                }
            }
            ImportKind::Deals => {
                headers = [
                    "id",
                    "title",
                    "value",
                    "currency",
                    "stage",
                    "company",
                    "contact",
                    "close",
                    "probability",
                    "owner",
                    "notes",
                    "created",
                    "updated",
                ]
                .map(String::from)
                .to_vec();
                for r in self.records(EntityKind::Deal, ids)? {
                    let Record::Deal(d) = r else { continue };
                    let contact = match d.contact {
                        Some(c) => match self.store().get(&Ref::Contact(c))? {
                            Some(Record::Contact(x)) => x.emails.first().map(|e| e.value.clone()).unwrap_or(x.name),
                            _ => String::new(),
                        },
                        None => String::new(),
                    };
                    rows.push(vec![
                        d.id.to_string(),
                        d.title.clone(),
                        d.value.plain(),
                        d.value.currency.code().to_string(),
                        d.stage.clone(),
                        company(d.company),
                        contact,
                        d.close.map(|c| c.to_string()).unwrap_or_default(),
                        d.probability.map(|p| p.to_string()).unwrap_or_default(),
                        d.owner.clone(),
                        d.notes.clone(),
                        time(d.created),
                        time(d.updated),
                    ]);
                }
            }
            ImportKind::Tasks => {
                headers = ["id", "title", "due", "contact", "deal", "priority", "repeat", "assignee", "done", "notes"]
                    .map(String::from)
                    .to_vec();
                for r in self.records(EntityKind::Task, ids)? {
                    let Record::Task(t) = r else { continue };
                    let label = |r: Ref| -> Result<String> {
                        Ok(match self.store().get(&r)? {
                            Some(Record::Contact(x)) => x.emails.first().map(|e| e.value.clone()).unwrap_or(x.name),
                            Some(other) => other.label().to_string(),
                            None => String::new(),
                        })
                    };
                    let due = match t.due {
                        Due::Day(d) => d.to_string(),
                        Due::At(ts) => {
                            ts.to_datetime().with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M").to_string()
                        }
                    };
                    rows.push(vec![
                        t.id.to_string(),
                        t.title.clone(),
                        due,
                        t.contact.map(|c| label(Ref::Contact(c))).transpose()?.unwrap_or_default(),
                        t.deal.map(|d| label(Ref::Deal(d))).transpose()?.unwrap_or_default(),
                        t.priority.to_string(),
                        if t.recurrence.is_none() { String::new() } else { t.recurrence.to_string() },
                        t.assignee.clone(),
                        t.done.map(time).unwrap_or_default(),
                        t.notes.clone(),
                    ]);
                }
            }
        }
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let io = |e: ::csv::Error| crate::services::ServiceError::Invalid(format!("cannot write CSV: {e}"));
        w.write_record(&headers).map_err(io)?;
        for r in &rows {
            w.write_record(r).map_err(io)?;
        }
        let bytes =
            w.into_inner().map_err(|e| crate::services::ServiceError::Invalid(format!("cannot write CSV: {e}")))?;
        Ok((String::from_utf8_lossy(&bytes).into_owned(), rows.len()))
    }

    /// vCards of contacts.
    pub fn export_vcard(&self, ids: &[u64], version: vcard::Version) -> Result<(String, usize)> {
        let companies = self.company_names()?;
        let list: Vec<(Contact, String)> = self
            .records(EntityKind::Contact, ids)?
            .into_iter()
            .filter_map(|r| match r {
                Record::Contact(c) => {
                    let name = c.company.and_then(|i| companies.get(&i).cloned()).unwrap_or_default();
                    Some((c, name))
                }
                _ => None,
            })
            .collect();
        Ok((vcard::write(&list, version), list.len()))
    }
}
