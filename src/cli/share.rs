//! `crm share`, `crm unshare` and `crm visibility`: thin wrappers over `services::visibility`.

use super::output::Out;
use crate::api::Client;
use crate::domain::{Ref, Visibility};
use crate::services::ServiceError;
use anyhow::Result;

fn record(crm: &Client, id: &str) -> Result<Ref> {
    let r = crm.resolve_ref(id.to_string())?;
    if matches!(r, Ref::User(_)) {
        return Err(
            ServiceError::Invalid(format!("{r} is a user; share a contact, company, deal, task or activity")).into()
        );
    }
    Ok(r)
}

/// `crm share ID LOGIN…`: one change per login (each undoable); with no login, who it is shared with.
pub fn share(crm: &Client, id: &str, logins: &[String], out: &Out) -> Result<()> {
    let r = record(crm, id)?;
    if logins.is_empty() {
        let rows: Vec<Vec<String>> = crm.shared_with(r.clone())?.into_iter().map(|l| vec![l]).collect();
        if rows.is_empty() && !out.quiet && out.format == super::output::Format::Table {
            return out.message(&format!("{r} is not shared with anyone"));
        }
        return out.rows(&["shared with"], &rows);
    }
    for login in logins {
        out.receipt(&crm.share(r.clone(), login.clone())?)?;
    }
    Ok(())
}

pub fn unshare(crm: &Client, id: &str, logins: &[String], out: &Out) -> Result<()> {
    let r = record(crm, id)?;
    for login in logins {
        out.receipt(&crm.unshare(r.clone(), login.clone())?)?;
    }
    Ok(())
}

/// `crm visibility [team|private]`: shows the setting, or sets it (admins only).
pub fn visibility(crm: &Client, to: Option<&str>, out: &Out) -> Result<()> {
    match to {
        None => {
            let v = crm.visibility()?;
            let what = match v {
                Visibility::Team => "everyone sees every record",
                Visibility::Private => {
                    "reps see their own records and those shared with them, managers their team's, admins everything"
                }
            };
            // `-q` prints the bare setting, for scripts.
            out.card(&serde_json::json!({ "visibility": v }), v.name(), || format!("visibility: {v} ({what})\n"))
        }
        Some(text) => {
            let v = Visibility::parse(text).map_err(ServiceError::Invalid)?;
            out.receipt(&crm.set_visibility(v)?)
        }
    }
}
