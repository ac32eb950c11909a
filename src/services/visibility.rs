//! Roles and visibility inside the services, so that every front end (CLI, TUI, the socket
//! holder, the HTTP server) obeys them without code of its own. The rule itself is pure, in
//! `domain::visibility`; here the viewer's [`Access`] is read once per request (the setting,
//! the user, their team, their shares) and the links it may need are read from indexes only
//! when a record is not seen directly.
//!
//! - Reads: lists and searches leave out what the user does not see; a card or anything read
//!   by id says "does not exist", as for a record that does not.
//! - Writes ([`Crm::apply`] calls [`Crm::check_changes`]): changing a record one does not see
//!   is `Denied`; linking to one is "does not exist"; users, their roles and the visibility
//!   setting are for admins (a user may rename themselves and manage their own token).

use super::{Crm, Result, ServiceError};
use crate::domain::visibility::{Linked, Scope};
use crate::domain::*;
use crate::store::engine::{full_range, prefix_range};
use crate::store::{keys, Receipt, Tree};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

/// Up to this many linked contacts and deals are read one by one (a card's few deals and
/// tasks); past it, reading every link of the team at once from the indexes is cheaper (a list).
const ONE_BY_ONE: usize = 64;

/// What the current user sees, for one request.
pub struct Access<'a> {
    crm: &'a Crm,
    mode: Visibility,
    scope: Scope,
    /// Read on first need: most requests (team mode, a rep's own records) never need it.
    linked: OnceCell<Linked>,
    /// Contacts and deals judged one by one so far (before `linked` is read).
    memo: RefCell<HashMap<Ref, bool>>,
}

impl Access<'_> {
    pub fn mode(&self) -> Visibility {
        self.mode
    }

    pub fn sees_all(&self) -> bool {
        self.scope.sees_all()
    }

    /// Whether records owned by (assigned to, logged by) `login` are the user's team's.
    pub fn owns(&self, login: &str) -> bool {
        self.scope.owns(login)
    }

    /// The logins whose records the user sees; None when they see everything. (Plain data,
    /// for work spread over threads.)
    pub fn team(&self) -> Option<&std::collections::BTreeSet<String>> {
        (!self.scope.sees_all()).then(|| self.scope.owners())
    }

    /// Seen as owned or shared, without reading anything (all a contact can be seen by).
    pub fn sees_directly(&self, rec: &Record) -> bool {
        self.scope.sees_directly(rec)
    }

    /// `sees_directly` by owner and reference (see `Scope::sees_owned`).
    pub fn sees_owned(&self, owner: Option<&str>, r: &Ref) -> bool {
        self.scope.sees_owned(owner, r)
    }

    pub fn sees(&self, rec: &Record) -> Result<bool> {
        if self.scope.sees_directly(rec) {
            return Ok(true);
        }
        if let Some(l) = self.linked.get() {
            return Ok(self.scope.sees(rec, l));
        }
        if self.memo.borrow().len() < ONE_BY_ONE {
            return self.sees_one_by_one(rec);
        }
        let l = self.read_linked()?;
        Ok(self.scope.sees(rec, self.linked.get_or_init(|| l)))
    }

    /// The record if it exists and is seen; a record not seen does not exist.
    pub fn get(&self, r: &Ref) -> Result<Option<Record>> {
        match self.crm.store().get(r)? {
            Some(rec) if self.sees(&rec)? => Ok(Some(rec)),
            _ => Ok(None),
        }
    }

    pub fn may_share(&self, rec: &Record) -> bool {
        self.scope.may_share(rec)
    }

    /// `Scope::sees` for a record not seen directly, reading only its own links: what the
    /// contacts and deals of `Linked` hold (seen directly and live, or shared).
    fn sees_one_by_one(&self, rec: &Record) -> Result<bool> {
        let contact = |c: Option<ContactId>| c.map_or(Ok(false), |c| self.link_seen(Ref::Contact(c)));
        let deal = |d: Option<DealId>| d.map_or(Ok(false), |d| self.link_seen(Ref::Deal(d)));
        Ok(match rec {
            Record::Contact(_) | Record::User(_) => false,
            Record::Company(co) => {
                let staff =
                    self.crm.store().index_ids(Tree::ContactByCompany, &keys::id(co.id.0), false, usize::MAX)?;
                let mut any = false;
                for c in staff {
                    if self.link_seen(Ref::Contact(ContactId(c)))? {
                        any = true;
                        break;
                    }
                }
                any
            }
            Record::Deal(d) => contact(d.contact)?,
            Record::Task(t) => contact(t.contact)? || deal(t.deal)?,
            Record::Activity(a) => contact(a.contact)? || deal(a.deal)?,
        })
    }

    /// Whether a contact or deal is one of `Linked`'s, remembered for the request.
    fn link_seen(&self, r: Ref) -> Result<bool> {
        if let Some(&seen) = self.memo.borrow().get(&r) {
            return Ok(seen);
        }
        let seen = if self.scope.shared().contains(&r) {
            true
        } else {
            match self.crm.store().get(&r)? {
                Some(rec) if rec.deleted().is_none() => {
                    self.scope.sees_directly(&rec)
                        || match &rec {
                            Record::Deal(d) => match d.contact {
                                Some(c) => self.link_seen(Ref::Contact(c))?,
                                None => false,
                            },
                            _ => false,
                        }
                }
                _ => false,
            }
        };
        self.memo.borrow_mut().insert(r, seen);
        Ok(seen)
    }

    /// The contacts and deals the user sees and the companies where such a contact works, from
    /// the by-owner and link indexes (no record is decoded).
    fn read_linked(&self) -> Result<Linked> {
        let store = self.crm.store();
        let mut l = Linked::default();
        for r in self.scope.shared() {
            match r {
                Ref::Contact(c) => {
                    l.contacts.insert(*c);
                }
                Ref::Deal(d) => {
                    l.deals.insert(*d);
                }
                _ => {}
            }
        }
        store.visit_keys(Tree::ContactByCreated, full_range(), false, &mut |k| {
            if let (Some((_, owner)), Some(id)) = (keys::parse_contact_created(k), keys::trailing_id(k)) {
                if self.scope.owns(owner) {
                    l.contacts.insert(ContactId(id));
                }
            }
            true
        })?;
        for owner in self.scope.owners() {
            store.visit_keys(Tree::DealByOwner, prefix_range(&keys::owner_prefix(owner)), false, &mut |k| {
                l.deals.extend(keys::trailing_id(k).map(DealId));
                true
            })?;
        }
        // contact ‖ deal and company ‖ contact: whole scans of keys, cheaper than a lookup per
        // contact once a team has more than a few hundred.
        store.visit_keys(Tree::DealByContact, full_range(), false, &mut |k| {
            if let (Some(c), Some(d)) = (keys::read_u64(k), keys::trailing_id(k)) {
                if l.contacts.contains(&ContactId(c)) {
                    l.deals.insert(DealId(d));
                }
            }
            true
        })?;
        store.visit_keys(Tree::ContactByCompany, full_range(), false, &mut |k| {
            if let (Some(co), Some(c)) = (keys::read_u64(k), keys::trailing_id(k)) {
                if l.contacts.contains(&ContactId(c)) {
                    l.companies.insert(CompanyId(co));
                }
            }
            true
        })?;
        Ok(l)
    }
}

/// A filter for the search streams: seen records pass; the first error stops the rest.
fn keep_seen<'a>(access: &'a Access<'_>, failed: &'a mut Option<ServiceError>) -> impl FnMut(&Record) -> bool + 'a {
    move |r| {
        if failed.is_some() {
            return false;
        }
        access.sees(r).unwrap_or_else(|e| {
            *failed = Some(e);
            false
        })
    }
}

fn hidden_message(target: &Ref, me: &str) -> String {
    format!(
        "{target} is not yours to change: visibility is private and {target} is not yours, your team's or shared \
         with you; its owner, their manager or an admin can share it with you (crm share {target} {me})"
    )
}

impl Crm {
    /// The visibility setting of the database.
    pub fn visibility(&self) -> Result<Visibility> {
        Ok(self.store().visibility()?)
    }

    /// What the current user sees, read once for a request.
    pub fn access(&self) -> Result<Access<'_>> {
        let mode = self.visibility()?;
        let scope = if mode == Visibility::Team {
            Scope::everything()
        } else {
            let me = self.current_user()?;
            if me.role == Role::Admin {
                Scope::everything()
            } else {
                let users = self.users()?;
                let team = crate::domain::visibility::team_of(&me.login, &users);
                let logins: Vec<&str> = team.iter().map(String::as_str).collect();
                let shares = self.store().shares_of(&logins)?;
                Scope::new(mode, &me, &users, shares)
            }
        };
        Ok(Access { crm: self, mode, scope, linked: OnceCell::new(), memo: RefCell::default() })
    }

    /// A record by reference, if the current user sees it (trashed ones included).
    pub fn visible_record(&self, r: &Ref) -> Result<Option<Record>> {
        self.access()?.get(r)
    }

    /// Sets the database's visibility (admins only).
    pub fn set_visibility(&self, v: Visibility) -> Result<Receipt> {
        self.apply(vec![Change::SetVisibility(v)])
    }

    /// Shares a record with a user: in private visibility they see and edit it.
    pub fn share(&self, target: Ref, login: &str) -> Result<Receipt> {
        self.apply(vec![Change::Share { target, login: login.trim().trim_start_matches('@').to_string() }])
    }

    pub fn unshare(&self, target: Ref, login: &str) -> Result<Receipt> {
        self.apply(vec![Change::Unshare { target, login: login.trim().trim_start_matches('@').to_string() }])
    }

    /// Who a record is shared with (for its card); nothing for a record the user does not see.
    pub fn shared_with(&self, r: &Ref) -> Result<Vec<String>> {
        let access = self.access()?;
        if access.get(r)?.is_none() {
            return Err(ServiceError::NotFound(format!("{r} does not exist")));
        }
        Ok(self.store().shared_with(r)?)
    }

    /// The best `limit` matches of `query` among the records the user sees (`crm search`).
    pub fn search(&self, query: &super::search::Query, limit: usize) -> Result<Vec<super::search::Hit>> {
        let access = self.access()?;
        // A server's index holds everyone's records with their links' names: it answers those
        // who see everything; in private visibility a rep's search reads what they see.
        if let Some(cache) = self.read_cache().filter(|_| access.sees_all()) {
            if let Some(hits) = cache.search(self.store(), query, limit)? {
                return Ok(hits);
            }
        }
        let mut failed = None;
        let mut keep = keep_seen(&access, &mut failed);
        let hits = super::search::SearchIndex::search_store_where(self.store(), query, limit, &mut keep)?;
        drop(keep);
        failed.map_or(Ok(hits), Err)
    }

    /// The in-memory search index of the records the user sees (the TUI's search palette).
    pub fn search_index(&self) -> Result<super::search::SearchIndex> {
        let access = self.access()?;
        let mut failed = None;
        let mut keep = keep_seen(&access, &mut failed);
        let idx = super::search::SearchIndex::build_where(self.store(), &mut keep)?;
        drop(keep);
        failed.map_or(Ok(idx), Err)
    }

    /// Whole-database operations (a JSON backup, a restore) carry every team's records: in
    /// private visibility they are for admins.
    pub fn require_whole_database(&self, what: &str) -> Result<()> {
        if self.access()?.sees_all() {
            return Ok(());
        }
        Err(ServiceError::Denied(format!(
            "{what} is for admins while visibility is private (the database holds other teams' records); \
             crm export csv … exports the records you see"
        )))
    }

    /// The records a search index must update after a write that touched `touched` (see
    /// `search::affected`), each with its current state; None for one gone or no longer seen,
    /// which the index drops.
    pub fn search_updates(&self, touched: &[Ref]) -> Result<Vec<(Ref, Option<Record>)>> {
        let access = self.access()?;
        let refs = super::search::affected(self.store(), touched)?;
        refs.into_iter().map(|r| Ok((r.clone(), access.get(&r)?))).collect()
    }

    /// Refuses a batch the current user may not apply: changing what they do not see
    /// (`Denied`), linking to what they do not see ("does not exist", as for any record that
    /// does not), user administration and the visibility setting unless admin. Placeholders
    /// (records created earlier in the batch) are theirs.
    pub fn check_changes(&self, changes: &[Change]) -> Result<()> {
        let access = self.access()?;
        let me = OnceCell::new();
        let admin = |what: &str| -> Result<()> {
            let u = match me.get() {
                Some(u) => u,
                None => me.get_or_init(|| self.current_user()),
            };
            match u {
                Ok(u) if u.role == Role::Admin && !u.disabled => Ok(()),
                Ok(u) => Err(ServiceError::Denied(format!(
                    "{what} is for admins; {} is a {} (an admin can change that: crm user set {} --role admin)",
                    u.login, u.role, u.login
                ))),
                Err(e) => Err(ServiceError::Denied(e.to_string())),
            }
        };
        let placeholder = |r: &Ref| r.number().is_some_and(|n| n >= crate::domain::ids::PLACEHOLDER_BASE);
        let must_see = |r: &Ref| -> Result<Option<Record>> {
            if access.sees_all() || placeholder(r) {
                return Ok(None);
            }
            match self.store().get(r)? {
                Some(rec) if !access.sees(&rec)? => Err(ServiceError::Denied(hidden_message(r, self.user()))),
                other => Ok(other),
            }
        };
        let may_link = |r: &Ref| -> Result<()> {
            if access.sees_all() || placeholder(r) || matches!(r, Ref::User(_)) {
                return Ok(());
            }
            match self.store().get(r)? {
                Some(rec) if !access.sees(&rec)? => Err(ServiceError::NotFound(format!("{r} does not exist"))),
                _ => Ok(()),
            }
        };
        for c in changes {
            match c {
                Change::Create(Record::User(_)) => admin("adding users")?,
                Change::Create(rec) => {
                    if !access.sees_all() {
                        rec.links().iter().try_for_each(may_link)?;
                    }
                }
                Change::Edit { target: Ref::User(login), edits } => {
                    let own = login == self.user() && edits.iter().all(|e| matches!(e, Edit::Name(_) | Edit::Token(_)));
                    if !own {
                        admin("changing users")?;
                    }
                }
                Change::Trash { target: Ref::User(_) } | Change::Restore { target: Ref::User(_) } => {
                    admin("removing users")?
                }
                Change::Edit { target, edits } => {
                    must_see(target)?;
                    for e in edits {
                        match e {
                            Edit::Company(Some(co)) => may_link(&Ref::Company(*co))?,
                            Edit::Contact(Some(ct)) => may_link(&Ref::Contact(*ct))?,
                            Edit::Deal(Some(d)) => may_link(&Ref::Deal(*d))?,
                            _ => {}
                        }
                    }
                }
                Change::SetVisibility(_) => admin("setting visibility")?,
                Change::Share { target, .. } | Change::Unshare { target, .. } => {
                    if let Some(rec) = must_see(target)? {
                        if !access.may_share(&rec) {
                            let whose = rec.owner().unwrap_or_default();
                            return Err(ServiceError::Denied(format!(
                                "{target} is shared with you, not yours: {whose}, their manager or an admin can share it"
                            )));
                        }
                    }
                }
                other => {
                    if let Some(t) = other.target() {
                        must_see(&t)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reading links one by one (cards) and all at once from the indexes (lists) are the same
    /// rule: every record of a small team is judged alike both ways, for a rep and a manager.
    #[test]
    fn one_by_one_and_from_the_indexes_agree() {
        let dir = tempfile::tempdir().unwrap();
        let anna = Crm::open_in(dir.path(), "anna");
        anna.add_user("mia", None, Role::Manager, None).unwrap();
        anna.add_user("bob", None, Role::Rep, Some("mia")).unwrap();
        anna.add_user("zoe", None, Role::Rep, None).unwrap();
        let owners = ["bob", "zoe", "mia", "anna"];
        let mut changes = Vec::new();
        for i in 0..12u64 {
            let owner = owners[i as usize % 4].to_string();
            let other = owners[(i as usize + 1) % 4].to_string();
            let co = CompanyId::placeholder(i);
            changes.push(Change::Create(Record::Company(Company {
                id: co,
                name: format!("Co {i}"),
                owner: other.clone(),
                ..Company::default()
            })));
            let c = ContactId::placeholder(i);
            changes.push(Change::Create(Record::Contact(Contact {
                id: c,
                name: format!("C {i}"),
                owner: owner.clone(),
                company: (i % 3 == 0).then_some(co),
                ..Contact::default()
            })));
            let d = DealId::placeholder(i);
            changes.push(Change::Create(Record::Deal(Deal {
                id: d,
                title: format!("D {i}"),
                owner: other.clone(),
                contact: (i % 2 == 0).then_some(c),
                stage: "lead".into(),
                ..Deal::default()
            })));
            changes.push(Change::Create(Record::Task(Task {
                id: TaskId::placeholder(i),
                title: format!("T {i}"),
                assignee: other.clone(),
                deal: (i % 3 == 1).then_some(d),
                contact: (i % 5 == 0).then_some(c),
                ..Task::default()
            })));
            changes.push(Change::Create(Record::Activity(Activity {
                id: ActivityId::placeholder(i),
                summary: format!("A {i}"),
                author: other,
                deal: (i % 2 == 0).then_some(d),
                contact: (i % 2 == 1).then_some(c),
                ..Activity::default()
            })));
        }
        anna.apply(changes).unwrap();
        anna.share(Ref::Contact(ContactId(2)), "bob").unwrap();
        anna.share(Ref::Deal(DealId(3)), "bob").unwrap();
        anna.set_visibility(Visibility::Private).unwrap();
        let mut judged = 0;
        for login in ["bob", "mia", "zoe"] {
            let crm = anna.as_user(login).unwrap();
            let access = crm.access().unwrap();
            let linked = access.read_linked().unwrap();
            for kind in
                [EntityKind::Company, EntityKind::Contact, EntityKind::Deal, EntityKind::Task, EntityKind::Activity]
            {
                for rec in crm.store().all_live(kind).unwrap() {
                    let by_index = access.scope.sees(&rec, &linked);
                    let direct = access.scope.sees_directly(&rec);
                    let one = direct || access.sees_one_by_one(&rec).unwrap();
                    assert_eq!(one, by_index, "{login}: {}", rec.reference());
                    judged += usize::from(!direct);
                }
            }
        }
        assert!(judged > 50, "the links were exercised ({judged} records not seen directly)");
    }
}
