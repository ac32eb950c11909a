//! Who sees which records (issue 9, roles). A database is in one of two modes:
//!
//! - `team` (the default): everyone sees and edits everything, as a single user would.
//! - `private`: a rep sees the contacts, companies and deals they own, the records shared with
//!   them, and what hangs off a contact or deal they see (its deals, tasks and activities), plus
//!   the tasks assigned to them and the activities they logged; a company is also seen through a
//!   contact seen at it. A manager sees what they and their reports (transitively) see; an
//!   admin sees everything. Users themselves are visible to everyone (to assign work to them).
//!
//! Editing follows seeing. The rule is a pure function of a record's owner, the viewer's
//! [`Scope`] (whose records, which shares) and the set of linked records seen ([`Linked`]),
//! so that a list decides each row without reading anything else.

use super::entities::{Record, Role, User};
use super::ids::{CompanyId, ContactId, DealId, Ref};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::fmt;

/// The database-wide setting (`crm settings set visibility private`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Everyone sees everything.
    #[default]
    Team,
    /// Reps see their own records and those shared with them; managers their team's.
    Private,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Team, Visibility::Private];

    pub fn name(self) -> &'static str {
        match self {
            Visibility::Team => "team",
            Visibility::Private => "private",
        }
    }

    pub fn parse(text: &str) -> Result<Visibility, String> {
        let t = text.trim().to_lowercase();
        Visibility::ALL.into_iter().find(|v| v.name() == t).ok_or_else(|| {
            format!("\"{}\" is not a visibility (team: everyone sees everything; private: reps see their own and shared records)", text.trim())
        })
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A login and everyone who reports to them, directly or through other managers. A cycle in
/// the manager links (which `apply` does not forbid beyond one step) ends the walk.
pub fn team_of(login: &str, users: &[User]) -> BTreeSet<String> {
    let mut team = BTreeSet::from([login.to_string()]);
    let mut frontier = vec![login.to_string()];
    while let Some(m) = frontier.pop() {
        for u in users.iter().filter(|u| u.deleted.is_none() && u.manager.as_deref() == Some(m.as_str())) {
            if team.insert(u.login.clone()) {
                frontier.push(u.login.clone());
            }
        }
    }
    team
}

/// What one viewer sees directly: whose records, and which records were shared with them (or
/// with someone in their team).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    all: bool,
    owners: BTreeSet<String>,
    shared: HashSet<Ref>,
}

/// Records seen through what they hang off: the contacts and deals a viewer sees, and the
/// companies where a contact they see works. Built by the caller (from indexes) only when a
/// record is not seen directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linked {
    pub contacts: HashSet<ContactId>,
    pub deals: HashSet<DealId>,
    pub companies: HashSet<CompanyId>,
}

impl Scope {
    /// Sees everything: team mode, admins, crm itself.
    pub fn everything() -> Scope {
        Scope { all: true, owners: BTreeSet::new(), shared: HashSet::new() }
    }

    /// The scope of `viewer` in `mode`, given every user (for the manager links) and every
    /// share (`login`, record) that names someone in the viewer's team.
    pub fn new(
        mode: Visibility,
        viewer: &User,
        users: &[User],
        shares: impl IntoIterator<Item = (String, Ref)>,
    ) -> Scope {
        if mode == Visibility::Team || viewer.role == Role::Admin {
            return Scope::everything();
        }
        let owners = if viewer.role == Role::Manager {
            team_of(&viewer.login, users)
        } else {
            BTreeSet::from([viewer.login.clone()])
        };
        let shared = shares.into_iter().filter(|(login, _)| owners.contains(login)).map(|(_, r)| r).collect();
        Scope { all: false, owners, shared }
    }

    pub fn sees_all(&self) -> bool {
        self.all
    }

    /// The logins whose records the viewer sees (empty when they see everything).
    pub fn owners(&self) -> &BTreeSet<String> {
        &self.owners
    }

    /// The records shared with the viewer's team.
    pub fn shared(&self) -> &HashSet<Ref> {
        &self.shared
    }

    /// Whether records owned by (assigned to, logged by) `login` are the viewer's team's.
    pub fn owns(&self, login: &str) -> bool {
        self.all || self.owners.contains(login)
    }

    /// Seen without looking at links: owned by the team or shared with it. What may be shared
    /// further is narrower: see [`Scope::may_share`].
    pub fn sees_directly(&self, rec: &Record) -> bool {
        if self.all {
            return true;
        }
        match rec {
            Record::User(_) => true,
            other => self.sees_owned(other.owner(), &other.reference()),
        }
    }

    /// `sees_directly` of a record known by its owner and reference alone (a server's
    /// in-memory list of contacts).
    pub fn sees_owned(&self, owner: Option<&str>, r: &Ref) -> bool {
        self.all || owner.is_some_and(|o| self.owners.contains(o)) || self.shared.contains(r)
    }

    /// The whole rule: seen directly, or through a linked contact, deal or company.
    pub fn sees(&self, rec: &Record, linked: &Linked) -> bool {
        if self.sees_directly(rec) {
            return true;
        }
        let contact = |c: Option<ContactId>| c.is_some_and(|c| linked.contacts.contains(&c));
        let deal = |d: Option<DealId>| d.is_some_and(|d| linked.deals.contains(&d));
        match rec {
            Record::Contact(_) | Record::User(_) => false,
            Record::Company(c) => linked.companies.contains(&c.id),
            Record::Deal(d) => contact(d.contact),
            Record::Task(t) => contact(t.contact) || deal(t.deal),
            Record::Activity(a) => contact(a.contact) || deal(a.deal),
        }
    }

    /// Sharing a record is for whoever owns it through their team (the owner, their managers)
    /// and admins: a record shared with a rep is not theirs to share further.
    pub fn may_share(&self, rec: &Record) -> bool {
        self.all || rec.owner().is_some_and(|o| self.owners.contains(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::entities::*;
    use crate::domain::ids::*;

    fn user(login: &str, role: Role, manager: Option<&str>) -> User {
        User { login: login.into(), role, manager: manager.map(str::to_string), ..User::default() }
    }

    fn team() -> Vec<User> {
        vec![
            user("ada", Role::Admin, None),
            user("mia", Role::Manager, None),
            user("max", Role::Manager, Some("mia")),
            user("bob", Role::Rep, Some("max")),
            user("eve", Role::Rep, Some("mia")),
            user("zoe", Role::Rep, None),
        ]
    }

    fn contact(id: u64, owner: &str) -> Record {
        Record::Contact(Contact { id: ContactId(id), owner: owner.into(), ..Contact::default() })
    }

    fn scope_of(login: &str, mode: Visibility, shares: &[(&str, Ref)]) -> Scope {
        let users = team();
        let me = users.iter().find(|u| u.login == login).cloned().unwrap();
        Scope::new(mode, &me, &users, shares.iter().map(|(l, r)| (l.to_string(), r.clone())))
    }

    #[test]
    fn visibility_parses_and_says_what_it_accepts() {
        assert_eq!(Visibility::parse(" Private "), Ok(Visibility::Private));
        assert_eq!(Visibility::parse("team"), Ok(Visibility::Team));
        let err = Visibility::parse("secret").unwrap_err();
        assert!(err.contains("\"secret\" is not a visibility"), "{err}");
        assert_eq!(Visibility::default(), Visibility::Team);
    }

    #[test]
    fn a_manager_team_includes_reports_of_reports_and_survives_cycles() {
        let users = team();
        let t: Vec<String> = team_of("mia", &users).into_iter().collect();
        assert_eq!(t, ["bob", "eve", "max", "mia"]);
        assert_eq!(team_of("bob", &users).len(), 1);
        let cycle = vec![user("a", Role::Manager, Some("b")), user("b", Role::Manager, Some("a"))];
        let t: Vec<String> = team_of("a", &cycle).into_iter().collect();
        assert_eq!(t, ["a", "b"]);
    }

    #[test]
    fn team_mode_and_admins_see_everything() {
        assert!(scope_of("bob", Visibility::Team, &[]).sees_all());
        assert!(scope_of("ada", Visibility::Private, &[]).sees_all());
        assert!(!scope_of("bob", Visibility::Private, &[]).sees_all());
    }

    #[test]
    fn a_rep_sees_own_and_shared_contacts_only() {
        let s = scope_of(
            "bob",
            Visibility::Private,
            &[("bob", Ref::Contact(ContactId(2))), ("eve", Ref::Contact(ContactId(3)))],
        );
        let none = Linked::default();
        assert!(s.sees(&contact(1, "bob"), &none));
        assert!(s.sees(&contact(2, "eve"), &none), "shared with bob");
        assert!(!s.sees(&contact(3, "eve"), &none), "shared with eve, not bob");
        assert!(!s.sees(&contact(4, "zoe"), &none));
        assert!(s.sees(&Record::User(user("zoe", Role::Rep, None)), &none));
        assert!(s.may_share(&contact(1, "bob")));
        assert!(!s.may_share(&contact(2, "eve")), "shared with bob is not bob's to share");
    }

    #[test]
    fn a_manager_sees_the_whole_team_below_them() {
        let s = scope_of("mia", Visibility::Private, &[("bob", Ref::Contact(ContactId(9)))]);
        let none = Linked::default();
        for owner in ["mia", "max", "bob", "eve"] {
            assert!(s.sees(&contact(1, owner), &none), "{owner}");
        }
        assert!(!s.sees(&contact(1, "zoe"), &none));
        assert!(s.sees(&contact(9, "zoe"), &none), "shared with a report");
        let max = scope_of("max", Visibility::Private, &[]);
        assert!(max.sees(&contact(1, "bob"), &none));
        assert!(!max.sees(&contact(1, "eve"), &none), "eve reports to mia, not max");
    }

    #[test]
    fn records_hanging_off_a_seen_contact_or_deal_are_seen() {
        let s = scope_of("bob", Visibility::Private, &[]);
        let mut linked = Linked::default();
        linked.contacts.insert(ContactId(1));
        linked.deals.insert(DealId(5));
        linked.companies.insert(CompanyId(7));
        let deal = |contact: Option<u64>| {
            Record::Deal(Deal {
                id: DealId(8),
                owner: "zoe".into(),
                contact: contact.map(ContactId),
                ..Deal::default()
            })
        };
        assert!(s.sees(&deal(Some(1)), &linked));
        assert!(!s.sees(&deal(Some(2)), &linked));
        assert!(!s.sees(&deal(None), &linked));
        let task = Record::Task(Task { assignee: "zoe".into(), deal: Some(DealId(5)), ..Task::default() });
        assert!(s.sees(&task, &linked));
        let mine = Record::Task(Task { assignee: "bob".into(), ..Task::default() });
        assert!(s.sees(&mine, &Linked::default()), "assigned to bob");
        let call =
            Record::Activity(Activity { author: "zoe".into(), contact: Some(ContactId(2)), ..Activity::default() });
        assert!(!s.sees(&call, &linked));
        let company = |id| Record::Company(Company { id: CompanyId(id), owner: "zoe".into(), ..Company::default() });
        assert!(s.sees(&company(7), &linked), "a seen contact works there");
        assert!(!s.sees(&company(6), &linked));
        assert!(!s.may_share(&deal(Some(1))), "seen through a link, not owned");
    }
}
