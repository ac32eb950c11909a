//! Users of a shared database: adding them, their roles and managers, personal tokens, who
//! may export, and disabling the rep who leaves (their records handed to someone in one
//! change). Every function is a plain request → result over serde data, so that a future
//! server can call the same ones for each request it authenticates with [`Crm::authenticate`].

use super::{Crm, Result, ServiceError};
use crate::domain::token::{self, TokenHash, SALT_LEN, SECRET_LEN};
use crate::domain::*;
use crate::store::journal::Logged;
use crate::store::Receipt;
use serde::Serialize;

/// A user as listed: never the token hash, only whether there is a token.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct UserRow {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub manager: Option<String>,
    pub disabled: bool,
    /// "none", "active" or "revoked".
    pub token: String,
    pub token_issued: Option<Timestamp>,
}

/// What disabling a user handed over to someone else.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, serde::Deserialize)]
pub struct Handover {
    pub contacts: usize,
    pub companies: usize,
    pub deals: usize,
    pub tasks: usize,
    /// Users whose manager was the disabled one.
    pub reports: usize,
}

impl Handover {
    pub fn total(&self) -> usize {
        self.contacts + self.companies + self.deals + self.tasks + self.reports
    }
}

fn denied(msg: impl Into<String>) -> ServiceError {
    ServiceError::Denied(msg.into())
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ServiceError::Invalid(format!("no randomness from the system: {e}")))?;
    Ok(buf)
}

impl Crm {
    /// A user by login, trashed ones excluded.
    pub fn user_record(&self, login: &str) -> Result<User> {
        match self.store.get(&Ref::User(login.to_string()))? {
            Some(Record::User(u)) if u.deleted.is_none() => Ok(u),
            _ => Err(ServiceError::NotFound(format!("there is no user \"{login}\"; see `crm user list`"))),
        }
    }

    /// The user crm acts as.
    pub fn current_user(&self) -> Result<User> {
        self.user_record(&self.user)
    }

    /// Refuses unless the current user has one of `roles`; `what` completes "only … may".
    pub fn require_role(&self, roles: &[Role], what: &str) -> Result<User> {
        let me = self.current_user()?;
        if me.disabled {
            return Err(denied(format!("user {} is disabled", me.login)));
        }
        if !roles.contains(&me.role) {
            let names: Vec<String> = roles.iter().map(|r| format!("{r}s")).collect();
            return Err(denied(format!(
                "{what} is for {}; {} is a {} (an admin can change that: crm user set {} --role …)",
                names.join(" and "),
                me.login,
                me.role,
                me.login
            )));
        }
        Ok(me)
    }

    /// Bulk export, backup and restore are for managers and admins.
    pub fn require_bulk_export(&self, what: &str) -> Result<User> {
        self.require_role(&[Role::Admin, Role::Manager], what)
    }

    /// Journals an export by the current user: what, how many records, with which filter.
    pub fn journal_export(&self, what: &str, count: u64, filter: &str) -> Result<u64> {
        let event = Logged::Exported { what: what.to_string(), count, filter: filter.trim().to_string() };
        Ok(self.store.record_event(&self.user, self.now(), vec![event])?)
    }

    pub fn user_rows(&self) -> Result<Vec<UserRow>> {
        Ok(self
            .users()?
            .into_iter()
            .map(|u| UserRow {
                token: match &u.token {
                    None => "none",
                    Some(t) if t.revoked.is_some() => "revoked",
                    Some(_) => "active",
                }
                .to_string(),
                token_issued: u.token.as_ref().map(|t| t.issued),
                login: u.login,
                name: u.name,
                role: u.role,
                manager: u.manager,
                disabled: u.disabled,
            })
            .collect())
    }

    /// Adds a user (admins only).
    pub fn add_user(&self, login: &str, name: Option<&str>, role: Role, manager: Option<&str>) -> Result<Receipt> {
        self.require_role(&[Role::Admin], "adding users")?;
        if let Some(m) = manager {
            self.user_record(m)?;
        }
        let user = User {
            login: login.trim().to_string(),
            name: name.map(str::to_string).unwrap_or_else(|| login.trim().to_string()),
            role,
            manager: manager.map(str::to_string),
            ..User::default()
        };
        self.apply(vec![Change::Create(Record::User(user))])
    }

    /// Changes a user's role or manager (admins only).
    pub fn edit_user(&self, login: &str, role: Option<Role>, manager: Option<Option<&str>>) -> Result<Receipt> {
        self.require_role(&[Role::Admin], "changing users")?;
        let u = self.user_record(login)?;
        let mut edits = Vec::new();
        if let Some(r) = role {
            if r != Role::Admin && u.role == Role::Admin {
                self.keep_an_admin(&u.login)?;
            }
            edits.push(Edit::Role(r));
        }
        if let Some(m) = manager {
            edits.push(Edit::Manager(m.map(str::to_string)));
        }
        if edits.is_empty() {
            return Err(ServiceError::Invalid("nothing to change: give --role or --manager".into()));
        }
        self.apply(vec![Change::Edit { target: Ref::User(u.login), edits }])
    }

    /// Refuses when `login` is the last active admin.
    fn keep_an_admin(&self, login: &str) -> Result<()> {
        let others = self.users()?.into_iter().filter(|u| u.role == Role::Admin && !u.disabled && u.login != login);
        if others.count() == 0 {
            return Err(denied(format!("{login} is the last admin; make someone else admin first")));
        }
        Ok(())
    }

    /// Disables a user (admins only). With `reassign_to`, every live contact, company and deal
    /// they own, every open task assigned to them and every user they manage goes to that user,
    /// in the same change: one `crm undo` takes it all back.
    pub fn disable_user(&self, login: &str, reassign_to: Option<&str>) -> Result<(Receipt, Handover)> {
        let me = self.require_role(&[Role::Admin], "disabling users")?;
        let u = self.user_record(login)?;
        if u.login == me.login {
            return Err(denied("you cannot disable yourself; ask another admin"));
        }
        if u.disabled {
            return Err(ServiceError::Invalid(format!("{login} is already disabled")));
        }
        if u.role == Role::Admin {
            self.keep_an_admin(&u.login)?;
        }
        let mut changes = vec![Change::Edit { target: Ref::User(u.login.clone()), edits: vec![Edit::Disabled(true)] }];
        let mut handover = Handover::default();
        if let Some(to) = reassign_to {
            let heir = self.user_record(to)?;
            if heir.login == u.login {
                return Err(ServiceError::Invalid(format!("{login} cannot take over their own records")));
            }
            if heir.disabled {
                return Err(ServiceError::Invalid(format!("{to} is disabled; reassign to an active user")));
            }
            let give = |target: Ref| Change::Edit { target, edits: vec![Edit::Owner(heir.login.clone())] };
            for kind in [EntityKind::Contact, EntityKind::Company, EntityKind::Deal, EntityKind::Task] {
                self.store.scan(kind, &mut |rec| {
                    let theirs = match &rec {
                        Record::Contact(c) => c.deleted.is_none() && c.owner == u.login,
                        Record::Company(c) => c.deleted.is_none() && c.owner == u.login,
                        Record::Deal(d) => d.deleted.is_none() && d.owner == u.login,
                        Record::Task(t) => t.is_open() && t.assignee == u.login,
                        _ => false,
                    };
                    if theirs {
                        match kind {
                            EntityKind::Contact => handover.contacts += 1,
                            EntityKind::Company => handover.companies += 1,
                            EntityKind::Deal => handover.deals += 1,
                            _ => handover.tasks += 1,
                        }
                        changes.push(give(rec.reference()));
                    }
                    true
                })?;
            }
            for other in self.users()? {
                if other.manager.as_deref() == Some(u.login.as_str()) && other.login != heir.login {
                    handover.reports += 1;
                    changes.push(Change::Edit {
                        target: Ref::User(other.login),
                        edits: vec![Edit::Manager(Some(heir.login.clone()))],
                    });
                }
            }
        }
        Ok((self.apply(changes)?, handover))
    }

    /// Lets a disabled user in again (admins only); their token, if not revoked, works again.
    pub fn enable_user(&self, login: &str) -> Result<Receipt> {
        self.require_role(&[Role::Admin], "enabling users")?;
        let u = self.user_record(login)?;
        if !u.disabled {
            return Err(ServiceError::Invalid(format!("{login} is not disabled")));
        }
        self.apply(vec![Change::Edit { target: Ref::User(u.login), edits: vec![Edit::Disabled(false)] }])
    }

    /// Issues a new personal token for `login` (themselves, or an admin for anyone) and returns
    /// its text: the only time it exists outside the user's hands. Any previous token stops
    /// working.
    pub fn issue_token(&self, login: &str) -> Result<String> {
        let u = self.token_subject(login)?;
        if u.disabled {
            return Err(denied(format!("{login} is disabled; enable them first")));
        }
        let text = token::format(&u.login, &random::<SECRET_LEN>()?);
        let kept = TokenHash::new(&text, random::<SALT_LEN>()?, self.now());
        self.apply(vec![Change::Edit { target: Ref::User(u.login), edits: vec![Edit::Token(Some(kept))] }])?;
        Ok(text)
    }

    /// Revokes `login`'s token (themselves, or an admin for anyone).
    pub fn revoke_token(&self, login: &str) -> Result<Receipt> {
        let u = self.token_subject(login)?;
        let Some(mut t) = u.token.clone().filter(|t| t.revoked.is_none()) else {
            return Err(ServiceError::Invalid(format!("{login} has no token to revoke")));
        };
        t.revoked = Some(self.now());
        self.apply(vec![Change::Edit { target: Ref::User(u.login), edits: vec![Edit::Token(Some(t))] }])
    }

    fn token_subject(&self, login: &str) -> Result<User> {
        let me = self.current_user()?;
        if me.login != login && me.role != Role::Admin {
            return Err(denied(format!("only {login} or an admin can manage {login}'s token")));
        }
        self.user_record(login)
    }

    /// The user a personal token belongs to; refused, with the reason, when the token is
    /// malformed, unknown, replaced, revoked, or its user disabled. What a server calls for
    /// every request.
    pub fn authenticate(&self, text: &str) -> Result<User> {
        let text = text.trim();
        let login =
            token::login_of(text).ok_or_else(|| denied("this is not a crm token (crm_<login>_<64 hex digits>)"))?;
        let unknown = || denied("the token is not valid (mistyped, or replaced by a newer one)");
        let u = match self.store.get(&Ref::User(login.to_string()))? {
            Some(Record::User(u)) if u.deleted.is_none() => u,
            _ => return Err(unknown()),
        };
        // The secret is checked before anything about the user is said.
        let Some(t) = u.token.as_ref().filter(|t| t.matches(text)) else {
            return Err(unknown());
        };
        if let Some(at) = t.revoked {
            return Err(denied(format!("the token was revoked on {}", super::format::time(at))));
        }
        if u.disabled {
            return Err(denied(format!("user {} is disabled", u.login)));
        }
        Ok(u)
    }
}
