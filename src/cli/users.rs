//! `crm user …` and `crm audit`: thin wrappers over `services::users` and `services::audit`.

use super::args::UserCmd;
use super::output::{Format, Out, Tabular};
use crate::api::Client;
use crate::domain::Role;
use crate::services::audit::{AuditQuery, AuditRow};
use crate::services::format;
use crate::services::users::UserRow;
use crate::services::ServiceError;
use anyhow::Result;
use std::io::Write;

pub fn run(crm: &Client, cmd: UserCmd, out: &Out) -> Result<()> {
    let role = |r: &str| Role::parse(r).map_err(ServiceError::Invalid);
    match cmd {
        UserCmd::List => out.list(&crm.user_rows()?),
        UserCmd::Add { login, name, role: r, manager } => {
            out.receipt(&crm.add_user(login.as_str(), name, role(&r)?, manager)?)
        }
        UserCmd::Set { login, role: r, manager } => {
            let r = r.as_deref().map(role).transpose()?;
            let manager = manager.map(|m| if m.eq_ignore_ascii_case("none") { None } else { Some(m) });
            out.receipt(&crm.edit_user(&login, r, manager)?)
        }
        UserCmd::Disable { login, reassign_to } => {
            let (receipt, handover) = crm.disable_user(login.as_str(), reassign_to.clone())?;
            if out.quiet || out.format != Format::Table {
                return out.receipt(&receipt);
            }
            let mut text = format!("#{} {login} is disabled", receipt.seq);
            if let Some(to) = reassign_to {
                let h = &handover;
                let n = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
                text.push_str(&format!(
                    "; to {to}: {}, {}, {}, {}",
                    n(h.contacts, "contact", "contacts"),
                    n(h.companies, "company", "companies"),
                    n(h.deals, "deal", "deals"),
                    n(h.tasks, "open task", "open tasks")
                ));
                if h.reports > 0 {
                    text.push_str(&format!(", manager of {}", n(h.reports, "user", "users")));
                }
            }
            out.message(&format!("{text}. `crm undo` takes it back."))
        }
        UserCmd::Enable { login } => out.receipt(&crm.enable_user(&login)?),
        UserCmd::Token { login, revoke: true } => out.receipt(&crm.revoke_token(&login)?),
        UserCmd::Token { login, revoke: false } => {
            let token = crm.issue_token(&login)?;
            // Printed whatever the format: this is the only time the token is shown.
            let text = match out.format {
                Format::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({ "login": login, "token": token }))? + "\n"
                }
                _ if out.quiet => format!("{token}\n"),
                _ => format!(
                    "{token}\nThis is {login}'s token. It is shown only now (crm keeps a hash): store it safely.\n"
                ),
            };
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            Ok(stdout.flush()?)
        }
        UserCmd::Verify => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let u = crm.authenticate(&line)?;
            out.list(&[crm
                .user_rows()?
                .into_iter()
                .find(|r| r.login == u.login)
                .ok_or_else(|| ServiceError::NotFound(format!("user {} is gone", u.login)))?])
        }
    }
}

pub fn audit(
    crm: &Client,
    user: Option<String>,
    since: Option<String>,
    record: Option<String>,
    limit: usize,
    out: &Out,
) -> Result<()> {
    let since = since.as_deref().map(|s| crm.parse_instant(s)).transpose()?;
    // A record that no longer exists still has its history: the id is parsed, not looked up.
    let record = record
        .as_deref()
        .map(|r| r.trim().parse().map_err(|e: crate::domain::ids::IdParseError| ServiceError::Invalid(e.to_string())))
        .transpose()?;
    if let Some(u) = &user {
        crm.user_record(u)?;
    }
    out.list(&crm.audit(AuditQuery { user, since, record, limit })?)
}

impl Tabular for UserRow {
    fn headers() -> &'static [&'static str] {
        &["login", "name", "role", "manager", "status", "token"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.login.clone(),
            self.name.clone(),
            self.role.to_string(),
            self.manager.clone().unwrap_or_default(),
            if self.disabled { "disabled".into() } else { "active".into() },
            match self.token_issued {
                Some(t) if self.token == "active" => format!("since {}", format::time(t)),
                _ => self.token.to_string(),
            },
        ]
    }
    fn id(&self) -> String {
        self.login.clone()
    }
}

impl Tabular for AuditRow {
    fn headers() -> &'static [&'static str] {
        &["when", "who", "what", "record", "label", "detail"]
    }
    fn cells(&self) -> Vec<String> {
        vec![
            format::time(self.at),
            self.user.clone(),
            self.action.to_string(),
            self.record.as_ref().map(|r| r.to_string()).unwrap_or_default(),
            self.label.clone(),
            self.detail.clone(),
        ]
    }
    fn id(&self) -> String {
        format!("#{}", self.seq)
    }
}
