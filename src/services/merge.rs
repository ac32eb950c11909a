//! Merging two contacts (or two companies) into one: the kept record takes, field by field, its
//! own value or the other's (the user picks where they differ); emails, phones, tags and custom
//! fields are united; every activity, task and deal of the other contact moves to the kept one
//! (for companies: every contact, deal and activity, and with them their tasks); the other goes
//! to the trash. All of it is one batch of ordinary changes, so one `crm undo` reverts it.

use super::{Crm, Result, ServiceError};
use crate::domain::*;
use crate::store::{keys, Receipt, Tree};
use serde::Serialize;

/// Which side a differing field is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Keep,
    Other,
}

/// A field whose values differ between the two contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FieldChoice {
    /// `name`, `title`, `company`, `address`, `notes`, `owner`, `cadence` or `field:KEY`.
    pub field: String,
    pub keep: String,
    pub other: String,
    /// The default: the kept contact's value unless it is empty.
    pub pick: Side,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MergePlan {
    /// Two contacts or two companies.
    pub keep: Ref,
    pub other: Ref,
    pub keep_name: String,
    pub other_name: String,
    pub choices: Vec<FieldChoice>,
    /// What the kept contact gains without a choice: emails, phones, tags.
    pub added: Vec<String>,
    /// Contacts that move (a merge of companies).
    #[serde(default)]
    pub contacts: Vec<ContactId>,
    pub activities: Vec<ActivityId>,
    pub tasks: Vec<TaskId>,
    pub deals: Vec<DealId>,
}

impl MergePlan {
    /// Whether the other record's value of `field` was picked.
    fn took(&self, field: &str) -> bool {
        self.choices.iter().any(|c| c.field == field && c.pick == Side::Other)
    }

    /// Sets which side a field comes from; unknown field names are an error naming the choices.
    pub fn take(&mut self, field: &str, side: Side) -> Result<()> {
        let f = field.trim().to_lowercase();
        match self.choices.iter_mut().find(|c| c.field.to_lowercase() == f) {
            Some(c) => {
                c.pick = side;
                Ok(())
            }
            None => {
                let names: Vec<&str> = self.choices.iter().map(|c| c.field.as_str()).collect();
                let records = if matches!(self.keep, Ref::Company(_)) { "companies" } else { "contacts" };
                Err(ServiceError::Invalid(if names.is_empty() {
                    format!("\"{field}\": the two {records} differ in no field")
                } else {
                    format!("\"{field}\" is not a field that differs; these do: {}", names.join(", "))
                }))
            }
        }
    }
}

fn company_text(crm: &Crm, id: Option<CompanyId>) -> Result<String> {
    Ok(match id {
        Some(i) => match crm.store().get(&Ref::Company(i))? {
            Some(r) => format!("{i} {}", r.label()),
            None => i.to_string(),
        },
        None => String::new(),
    })
}

/// A live record to merge. One the user does not see does not exist for them (visibility).
fn live(crm: &Crm, id: Ref) -> Result<Record> {
    match crm.visible_record(&id)? {
        Some(r) if r.deleted().is_none() => Ok(r),
        Some(_) => Err(ServiceError::Invalid(format!("{id} is in the trash; restore it first"))),
        None => Err(ServiceError::NotFound(format!("{id} does not exist"))),
    }
}

fn live_contact(crm: &Crm, id: ContactId) -> Result<Contact> {
    match live(crm, Ref::Contact(id))? {
        Record::Contact(c) => Ok(c),
        _ => Err(ServiceError::NotFound(format!("{id} does not exist"))),
    }
}

fn live_company(crm: &Crm, id: CompanyId) -> Result<Company> {
    match live(crm, Ref::Company(id))? {
        Record::Company(c) => Ok(c),
        _ => Err(ServiceError::NotFound(format!("{id} does not exist"))),
    }
}

/// Offers a field whose values differ, the kept record's value picked unless it is empty.
fn offer(choices: &mut Vec<FieldChoice>, field: &str, a: String, b: String) {
    if a != b && !b.is_empty() {
        let pick = if a.is_empty() { Side::Other } else { Side::Keep };
        choices.push(FieldChoice { field: field.into(), keep: a, other: b, pick });
    }
}

/// Offers each custom field of the other record as `field:KEY`.
fn offer_fields(
    choices: &mut Vec<FieldChoice>,
    keep: &std::collections::BTreeMap<String, String>,
    other: &std::collections::BTreeMap<String, String>,
) {
    for (key, v) in other {
        offer(choices, &format!("field:{key}"), keep.get(key).cloned().unwrap_or_default(), v.clone());
    }
}

/// The kept record's custom fields after a merge: the other's it lacks, and those picked.
fn field_edits(
    plan: &MergePlan,
    keep: &std::collections::BTreeMap<String, String>,
    other: &std::collections::BTreeMap<String, String>,
) -> Vec<Edit> {
    other
        .iter()
        .filter(|(key, v)| match keep.get(*key) {
            None => true,
            Some(mine) => mine != *v && plan.took(&format!("field:{key}")),
        })
        .map(|(key, v)| Edit::SetField(key.clone(), v.clone()))
        .collect()
}

impl Crm {
    /// What merging `other` into `keep` would do, with a default pick for every differing field.
    pub fn merge_plan(&self, keep: ContactId, other: ContactId) -> Result<MergePlan> {
        if keep == other {
            return Err(ServiceError::Invalid(format!("{keep} cannot be merged with itself")));
        }
        let (k, o) = (live_contact(self, keep)?, live_contact(self, other)?);
        let mut choices = Vec::new();
        offer(&mut choices, "name", k.name.clone(), o.name.clone());
        offer(&mut choices, "title", k.title.clone(), o.title.clone());
        offer(&mut choices, "company", company_text(self, k.company)?, company_text(self, o.company)?);
        offer(&mut choices, "address", k.address.to_string(), o.address.to_string());
        offer(&mut choices, "notes", k.notes.clone(), o.notes.clone());
        offer(&mut choices, "owner", k.owner.clone(), o.owner.clone());
        let cad = |c: Option<u32>| c.map(|d| d.to_string()).unwrap_or_default();
        offer(&mut choices, "cadence", cad(k.cadence_days), cad(o.cadence_days));
        offer_fields(&mut choices, &k.fields, &o.fields);
        let mut added = Vec::new();
        for e in o.emails.iter().filter(|e| !k.emails.iter().any(|x| x.value.eq_ignore_ascii_case(&e.value))) {
            added.push(format!("email {e}"));
        }
        for p in o.phones.iter().filter(|p| !k.phones.iter().any(|x| x.value.eq_ignore_ascii_case(&p.value))) {
            added.push(format!("phone {p}"));
        }
        for t in o.tags.iter().filter(|t| !k.tags.contains(t)) {
            added.push(format!("tag {t}"));
        }
        let prefix = keys::id(other.0);
        let store = self.store();
        let ids = |tree: Tree| store.index_ids(tree, &prefix, false, usize::MAX);
        Ok(MergePlan {
            keep: Ref::Contact(keep),
            other: Ref::Contact(other),
            keep_name: k.name,
            other_name: o.name,
            choices,
            added,
            activities: ids(Tree::ActivityByContact)?.into_iter().map(ActivityId).collect(),
            tasks: ids(Tree::TaskByContact)?.into_iter().map(TaskId).collect(),
            deals: ids(Tree::DealByContact)?.into_iter().map(DealId).collect(),
            contacts: Vec::new(),
        })
    }

    /// `merge_plan` for two contacts or two companies.
    pub fn merge_plan_of(&self, keep: &Ref, other: &Ref) -> Result<MergePlan> {
        match (keep, other) {
            (Ref::Contact(k), Ref::Contact(o)) => self.merge_plan(*k, *o),
            (Ref::Company(k), Ref::Company(o)) => self.company_merge_plan(*k, *o),
            (k, o) => Err(ServiceError::Invalid(format!(
                "{k} and {o} cannot be merged: give two contacts (c12 c40) or two companies (co3 co9)"
            ))),
        }
    }

    /// The changes of a merge plan, in one batch.
    pub fn merge_changes(&self, plan: &MergePlan) -> Result<Vec<Change>> {
        let (keep, other) = match (&plan.keep, &plan.other) {
            (Ref::Contact(k), Ref::Contact(o)) => (*k, *o),
            (Ref::Company(k), Ref::Company(o)) => return self.company_merge_changes(plan, *k, *o),
            (k, o) => {
                return Err(ServiceError::Invalid(format!(
                    "{k} and {o} cannot be merged: give two contacts or two companies"
                )))
            }
        };
        let (k, o) = (live_contact(self, keep)?, live_contact(self, other)?);
        let mut edits = Vec::new();
        let took = |f: &str| plan.took(f);
        if took("name") {
            edits.push(Edit::Name(o.name.clone()));
        }
        if took("title") {
            edits.push(Edit::JobTitle(o.title.clone()));
        }
        if took("company") {
            edits.push(Edit::Company(o.company));
        }
        if took("address") {
            edits.push(Edit::Address(o.address.clone()));
        }
        if took("notes") {
            edits.push(Edit::Notes(o.notes.clone()));
        }
        if took("owner") {
            edits.push(Edit::Owner(o.owner.clone()));
        }
        if took("cadence") {
            edits.push(Edit::Cadence(o.cadence_days));
        }
        for e in &o.emails {
            if !k.emails.iter().any(|x| x.value.eq_ignore_ascii_case(&e.value)) {
                edits.push(Edit::AddEmail(e.clone()));
            }
        }
        for p in &o.phones {
            if !k.phones.iter().any(|x| x.value.eq_ignore_ascii_case(&p.value)) {
                edits.push(Edit::AddPhone(p.clone()));
            }
        }
        for t in &o.tags {
            if !k.tags.contains(t) {
                edits.push(Edit::AddTag(t.clone()));
            }
        }
        edits.extend(field_edits(plan, &k.fields, &o.fields));
        let mut changes = Vec::new();
        if !edits.is_empty() {
            changes.push(Change::Edit { target: plan.keep.clone(), edits });
        }
        let relink = Edit::Contact(Some(keep));
        for a in &plan.activities {
            changes.push(Change::Edit { target: Ref::Activity(*a), edits: vec![relink.clone()] });
        }
        for t in &plan.tasks {
            changes.push(Change::Edit { target: Ref::Task(*t), edits: vec![relink.clone()] });
        }
        for d in &plan.deals {
            changes.push(Change::Edit { target: Ref::Deal(*d), edits: vec![relink.clone()] });
        }
        changes.push(Change::Trash { target: plan.other.clone() });
        Ok(changes)
    }

    /// Merges in one batch (one journal entry: `crm undo` splits them again).
    pub fn merge(&self, plan: &MergePlan) -> Result<Receipt> {
        self.apply(self.merge_changes(plan)?)
    }
}

impl Crm {
    /// What merging company `other` into `keep` would do: its differing fields side by side,
    /// and the contacts, deals and activities that move (their tasks go with them).
    pub fn company_merge_plan(&self, keep: CompanyId, other: CompanyId) -> Result<MergePlan> {
        if keep == other {
            return Err(ServiceError::Invalid(format!("{keep} cannot be merged with itself")));
        }
        let (k, o) = (live_company(self, keep)?, live_company(self, other)?);
        let mut choices = Vec::new();
        offer(&mut choices, "name", k.name.clone(), o.name.clone());
        offer(&mut choices, "website", k.website.clone(), o.website.clone());
        offer(&mut choices, "industry", k.industry.clone(), o.industry.clone());
        offer(&mut choices, "address", k.address.to_string(), o.address.to_string());
        offer(&mut choices, "notes", k.notes.clone(), o.notes.clone());
        offer(&mut choices, "owner", k.owner.clone(), o.owner.clone());
        offer_fields(&mut choices, &k.fields, &o.fields);
        let added = o.tags.iter().filter(|t| !k.tags.contains(t)).map(|t| format!("tag {t}")).collect();
        let prefix = keys::id(other.0);
        let store = self.store();
        let ids = |tree: Tree| store.index_ids(tree, &prefix, false, usize::MAX);
        // No index leads from a company to its activities: one pass over them (a merge is rare).
        let mut activities = Vec::new();
        store.scan(EntityKind::Activity, &mut |r| {
            if let Record::Activity(a) = r {
                if a.company == Some(other) && a.deleted.is_none() {
                    activities.push(a.id);
                }
            }
            true
        })?;
        Ok(MergePlan {
            keep: Ref::Company(keep),
            other: Ref::Company(other),
            keep_name: k.name,
            other_name: o.name,
            choices,
            added,
            contacts: ids(Tree::ContactByCompany)?.into_iter().map(ContactId).collect(),
            activities,
            tasks: Vec::new(),
            deals: ids(Tree::DealByCompany)?.into_iter().map(DealId).collect(),
        })
    }

    fn company_merge_changes(&self, plan: &MergePlan, keep: CompanyId, other: CompanyId) -> Result<Vec<Change>> {
        let (k, o) = (live_company(self, keep)?, live_company(self, other)?);
        let took = |f: &str| plan.took(f);
        let mut edits = Vec::new();
        if took("name") {
            edits.push(Edit::Name(o.name.clone()));
        }
        if took("website") {
            edits.push(Edit::Website(o.website.clone()));
        }
        if took("industry") {
            edits.push(Edit::Industry(o.industry.clone()));
        }
        if took("address") {
            edits.push(Edit::Address(o.address.clone()));
        }
        if took("notes") {
            edits.push(Edit::Notes(o.notes.clone()));
        }
        if took("owner") {
            edits.push(Edit::Owner(o.owner.clone()));
        }
        for t in o.tags.iter().filter(|t| !k.tags.contains(t)) {
            edits.push(Edit::AddTag(t.clone()));
        }
        edits.extend(field_edits(plan, &k.fields, &o.fields));
        let mut changes = Vec::new();
        if !edits.is_empty() {
            changes.push(Change::Edit { target: Ref::Company(keep), edits });
        }
        let relink = Edit::Company(Some(keep));
        let moving = plan.contacts.iter().map(|c| Ref::Contact(*c));
        let moving = moving.chain(plan.deals.iter().map(|d| Ref::Deal(*d)));
        for target in moving.chain(plan.activities.iter().map(|a| Ref::Activity(*a))) {
            changes.push(Change::Edit { target, edits: vec![relink.clone()] });
        }
        changes.push(Change::Trash { target: Ref::Company(other) });
        Ok(changes)
    }
}
