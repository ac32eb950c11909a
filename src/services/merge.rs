//! Merging two contacts into one: the kept contact takes, field by field, its own value or the
//! other's (the user picks where they differ); emails, phones, tags and custom fields are
//! united; every activity, task and deal of the other contact moves to the kept one; the other
//! goes to the trash. All of it is one batch of ordinary changes, so one `crm undo` reverts it.

use super::{Crm, Result, ServiceError};
use crate::domain::*;
use crate::store::{keys, Receipt, Tree};
use serde::Serialize;

/// Which side a differing field is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Keep,
    Other,
}

/// A field whose values differ between the two contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChoice {
    /// `name`, `title`, `company`, `address`, `notes`, `owner`, `cadence` or `field:KEY`.
    pub field: String,
    pub keep: String,
    pub other: String,
    /// The default: the kept contact's value unless it is empty.
    pub pick: Side,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergePlan {
    pub keep: ContactId,
    pub other: ContactId,
    pub keep_name: String,
    pub other_name: String,
    pub choices: Vec<FieldChoice>,
    /// What the kept contact gains without a choice: emails, phones, tags.
    pub added: Vec<String>,
    pub activities: Vec<ActivityId>,
    pub tasks: Vec<TaskId>,
    pub deals: Vec<DealId>,
}

impl MergePlan {
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
                Err(ServiceError::Invalid(if names.is_empty() {
                    format!("\"{field}\": the two contacts differ in no field")
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

fn live_contact(crm: &Crm, id: ContactId) -> Result<Contact> {
    match crm.store().get(&Ref::Contact(id))? {
        Some(Record::Contact(c)) if c.deleted.is_none() => Ok(c),
        Some(_) => Err(ServiceError::Invalid(format!("{id} is in the trash; restore it first"))),
        None => Err(ServiceError::NotFound(format!("{id} does not exist"))),
    }
}

impl Crm {
    /// What merging `other` into `keep` would do, with a default pick for every differing field.
    pub fn merge_plan(&self, keep: ContactId, other: ContactId) -> Result<MergePlan> {
        if keep == other {
            return Err(ServiceError::Invalid(format!("{keep} cannot be merged with itself")));
        }
        let (k, o) = (live_contact(self, keep)?, live_contact(self, other)?);
        let mut choices = Vec::new();
        let mut choice = |field: &str, a: String, b: String| {
            if a != b && !b.is_empty() {
                let pick = if a.is_empty() { Side::Other } else { Side::Keep };
                choices.push(FieldChoice { field: field.into(), keep: a, other: b, pick });
            }
        };
        choice("name", k.name.clone(), o.name.clone());
        choice("title", k.title.clone(), o.title.clone());
        choice("company", company_text(self, k.company)?, company_text(self, o.company)?);
        choice("address", k.address.to_string(), o.address.to_string());
        choice("notes", k.notes.clone(), o.notes.clone());
        choice("owner", k.owner.clone(), o.owner.clone());
        let cad = |c: Option<u32>| c.map(|d| d.to_string()).unwrap_or_default();
        choice("cadence", cad(k.cadence_days), cad(o.cadence_days));
        for (key, v) in &o.fields {
            choice(&format!("field:{key}"), k.fields.get(key).cloned().unwrap_or_default(), v.clone());
        }
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
            keep,
            other,
            keep_name: k.name,
            other_name: o.name,
            choices,
            added,
            activities: ids(Tree::ActivityByContact)?.into_iter().map(ActivityId).collect(),
            tasks: ids(Tree::TaskByContact)?.into_iter().map(TaskId).collect(),
            deals: ids(Tree::DealByContact)?.into_iter().map(DealId).collect(),
        })
    }

    /// The changes of a merge plan, in one batch.
    pub fn merge_changes(&self, plan: &MergePlan) -> Result<Vec<Change>> {
        let (k, o) = (live_contact(self, plan.keep)?, live_contact(self, plan.other)?);
        let mut edits = Vec::new();
        let took = |f: &str| plan.choices.iter().any(|c| c.field == f && c.pick == Side::Other);
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
        for (key, v) in &o.fields {
            let field = format!("field:{key}");
            match k.fields.get(key) {
                None => {
                    edits.push(Edit::SetField(key.clone(), v.clone()));
                }
                Some(mine) if mine != v => {
                    if took(&field) {
                        edits.push(Edit::SetField(key.clone(), v.clone()));
                    }
                }
                Some(_) => {}
            }
        }
        let mut changes = Vec::new();
        if !edits.is_empty() {
            changes.push(Change::Edit { target: Ref::Contact(plan.keep), edits });
        }
        let relink = Edit::Contact(Some(plan.keep));
        for a in &plan.activities {
            changes.push(Change::Edit { target: Ref::Activity(*a), edits: vec![relink.clone()] });
        }
        for t in &plan.tasks {
            changes.push(Change::Edit { target: Ref::Task(*t), edits: vec![relink.clone()] });
        }
        for d in &plan.deals {
            changes.push(Change::Edit { target: Ref::Deal(*d), edits: vec![relink.clone()] });
        }
        changes.push(Change::Trash { target: Ref::Contact(plan.other) });
        Ok(changes)
    }

    /// Merges in one batch (one journal entry: `crm undo` splits them again).
    pub fn merge(&self, plan: &MergePlan) -> Result<Receipt> {
        self.apply(self.merge_changes(plan)?)
    }
}
