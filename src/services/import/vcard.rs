//! vCard 2.1, 3.0 and 4.0 (RFC 2426, RFC 6350): reading several cards per file with folded
//! lines, escapes, TYPE labels and 2.1's quoted-printable; writing 3.0 or 4.0.
//!
//! What crm models (FN, N, ORG, TITLE, EMAIL, TEL, ADR, NOTE, CATEGORIES, BDAY, URL) maps to
//! contact fields. Every other property is kept with the contact as a custom field named
//! `vcard:NAME` (`vcard:NAME#2` for the second one) holding the property's parameters and raw
//! value, so that export writes it back as it came. Where crm's model is lossy (ORG with
//! departments, ADR with a PO box, CATEGORIES with spaces, N), the original is kept the same
//! way and written back as long as the contact still says the same thing.

use super::{label, tag, ContactDraft, Draft, Item, Parsed};
use crate::domain::{Address, Contact, Labeled};
use std::collections::BTreeMap;

/// Prefix of the custom fields that hold vCard properties crm does not model.
pub const FIELD_PREFIX: &str = "vcard:";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Version {
    V3,
    V4,
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, String> {
        match text.trim() {
            "3" | "3.0" => Ok(Version::V3),
            "4" | "4.0" => Ok(Version::V4),
            other => Err(format!("vCard version \"{other}\" cannot be written (3.0 or 4.0)")),
        }
    }
}

/// One content line: `group.NAME;PARAM=a,b;PARAM2=c:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub group: String,
    /// Upper case.
    pub name: String,
    /// Parameter names upper case; 2.1's bare parameters (`TEL;WORK;VOICE`) are TYPE values.
    pub params: Vec<(String, String)>,
    /// Everything after the name up to the value, as written (`;TYPE=work`), to keep unmodeled
    /// properties verbatim.
    pub raw_params: String,
    /// The value as written (escapes and encodings not undone).
    pub value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// TYPE values, lower case, split on commas.
    fn types(&self) -> Vec<String> {
        self.params
            .iter()
            .filter(|(k, _)| k == "TYPE")
            .flat_map(|(_, v)| v.split(',').map(|t| t.trim().trim_matches('"').to_lowercase()).collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect()
    }
}

/// Splits a content line into its parts; None when it has no `:`.
pub fn parse_line(line: &str) -> Option<Property> {
    let mut quoted = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let name_end = head.find(';').unwrap_or(head.len());
    let full_name = &head[..name_end];
    let raw_params = head[name_end..].to_string();
    let (group, name) = match full_name.rsplit_once('.') {
        Some((g, n)) => (g.to_string(), n.trim().to_uppercase()),
        None => (String::new(), full_name.trim().to_uppercase()),
    };
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for p in split_unquoted(&raw_params, ';').into_iter().filter(|p| !p.trim().is_empty()) {
        match p.split_once('=') {
            Some((k, v)) => params.push((k.trim().to_uppercase(), v.trim().trim_matches('"').to_string())),
            None => {
                let bare = p.trim().to_uppercase();
                if matches!(bare.as_str(), "QUOTED-PRINTABLE" | "BASE64" | "8BIT" | "7BIT" | "B") {
                    params.push(("ENCODING".into(), bare));
                } else {
                    params.push(("TYPE".into(), bare));
                }
            }
        }
    }
    Some(Property { group, name, params, raw_params, value: value.to_string() })
}

fn split_unquoted(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in s.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == sep && !quoted {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// Splits a structured value on unescaped `sep`, keeping escapes (undo them per component).
fn split_escaped(value: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(last) = out.last_mut() {
                last.push(c);
                if let Some(n) = chars.next() {
                    last.push(n);
                }
            }
        } else if c == sep {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// Undoes text escapes: `\n` `\,` `\;` `\\`.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            other => out.push(other),
        }
    }
    out
}

/// Decodes quoted-printable (soft line breaks already joined).
fn quoted_printable(value: &str) -> Result<Vec<u8>, String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None if i + 1 == bytes.len() => i += 1,
                None => {
                    let shown: String = value[i..].chars().take(3).collect();
                    return Err(format!("bad quoted-printable \"{shown}\""));
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// The value as text: quoted-printable and charsets of vCard 2.1 undone, escapes kept.
fn decoded_value(p: &Property) -> Result<String, String> {
    let qp = p.param("ENCODING").is_some_and(|e| e.eq_ignore_ascii_case("QUOTED-PRINTABLE"));
    if !qp {
        return Ok(p.value.clone());
    }
    let bytes = quoted_printable(&p.value)?;
    let charset = p.param("CHARSET").unwrap_or("UTF-8").to_uppercase();
    match charset.as_str() {
        "UTF-8" | "UTF8" | "US-ASCII" | "ASCII" => {
            String::from_utf8(bytes).map_err(|_| format!("the quoted-printable text is not valid {charset}"))
        }
        "ISO-8859-1" | "LATIN1" | "WINDOWS-1252" | "CP1252" | "ISO-8859-15" => {
            Ok(super::csv::decode(&bytes).map(|(t, _)| t.into_owned()).unwrap_or_default())
        }
        other => Err(format!("charset {other} is not supported; convert the file to UTF-8")),
    }
}

/// Physical lines into content lines: folded lines (a leading space or tab) joined, and 2.1's
/// quoted-printable soft breaks (a trailing `=`) joined. Each with the line number it starts on.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut qp_open = false;
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if qp_open {
            if let Some(last) = out.last_mut() {
                last.1.pop(); // the soft-break '='
                last.1.push_str(line);
                qp_open = line.ends_with('=');
                continue;
            }
        }
        if (line.starts_with(' ') || line.starts_with('\t')) && !out.is_empty() {
            if let Some(last) = out.last_mut() {
                last.1.push_str(&line[1..]);
            }
        } else if line.trim().is_empty() {
            continue;
        } else {
            out.push((i + 1, line.to_string()));
        }
        if let Some(last) = out.last() {
            let head = last.1.split(':').next().unwrap_or("").to_uppercase();
            qp_open = head.contains("QUOTED-PRINTABLE") && last.1.ends_with('=');
        }
    }
    out
}

/// Reads every card of a file.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let (text, note) = super::csv::decode(bytes)?;
    let lines = unfold(&text);
    if !lines.iter().any(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VCARD")) {
        return Err("no vCard in the file: expected BEGIN:VCARD".into());
    }
    let mut items = Vec::new();
    let mut current: Option<(usize, Vec<(usize, String)>)> = None;
    let mut depth = 0;
    for (n, line) in lines {
        let upper = line.trim().to_uppercase();
        if upper == "BEGIN:VCARD" {
            depth += 1;
            if depth == 1 {
                current = Some((n, Vec::new()));
                continue;
            }
        }
        if upper == "END:VCARD" {
            depth -= 1;
            if depth == 0 {
                if let Some((start, body)) = current.take() {
                    let raw = body.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n");
                    let (line, draft) = match card(&body) {
                        Ok(d) => (start, Ok(Some(Draft::Contact(d)))),
                        // An error names the line of the property at fault, not of BEGIN.
                        Err(e) => match e.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
                            Some((n, msg)) if n.parse::<usize>().is_ok() => {
                                (n.parse().unwrap_or(start), Err(msg.to_string()))
                            }
                            _ => (start, Err(e)),
                        },
                    };
                    items.push(Item { line, draft, raw });
                }
                continue;
            }
            if depth < 0 {
                items.push(Item { line: n, draft: Err("END:VCARD without BEGIN:VCARD".into()), raw: line.clone() });
                depth = 0;
                continue;
            }
        }
        match &mut current {
            Some((_, body)) => body.push((n, line)),
            None => items.push(Item {
                line: n,
                draft: Err("text outside a BEGIN:VCARD … END:VCARD card".into()),
                raw: line.clone(),
            }),
        }
    }
    if let Some((start, body)) = current {
        let raw = body.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>().join("\n");
        items.push(Item { line: start, draft: Err("the card has no END:VCARD".into()), raw });
    }
    let mut notes = Vec::new();
    if let Some(n) = note {
        notes.push(n);
    }
    Ok(Parsed { items, notes })
}

/// Numbered key for the n-th occurrence of a kept property.
fn keep_key(fields: &BTreeMap<String, String>, p: &Property) -> String {
    let base = if p.group.is_empty() {
        format!("{FIELD_PREFIX}{}", p.name)
    } else {
        format!("{FIELD_PREFIX}{}.{}", p.group, p.name)
    };
    if !fields.contains_key(&base) {
        return base;
    }
    (2..).map(|n| format!("{base}#{n}")).find(|k| !fields.contains_key(k)).unwrap_or(base)
}

fn keep(fields: &mut BTreeMap<String, String>, p: &Property) {
    let k = keep_key(fields, p);
    fields.insert(k, format!("{}:{}", p.raw_params, p.value));
}

fn email_label(types: &[String]) -> String {
    types
        .iter()
        .find(|t| !matches!(t.as_str(), "internet" | "pref" | "x400" | "x-internet"))
        .map(|t| label(t))
        .unwrap_or_else(|| "work".into())
}

fn phone_label(types: &[String]) -> String {
    if types.iter().any(|t| t == "fax") {
        return "fax".into();
    }
    types
        .iter()
        .find(|t| !matches!(t.as_str(), "voice" | "pref" | "msg" | "text"))
        .map(|t| label(t))
        .unwrap_or_else(|| "work".into())
}

/// ADR's street, city, region, postcode and country (the PO box and extended address stay in
/// the kept copy).
fn adr(value: &str) -> Address {
    let parts: Vec<String> = split_escaped(value, ';').iter().map(|s| unescape(s).trim().to_string()).collect();
    let get = |i: usize| parts.get(i).cloned().unwrap_or_default();
    Address { street: get(2), city: get(3), region: get(4), postcode: get(5), country: get(6) }
}

fn categories(value: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in split_escaped(value, ',').iter().map(|s| tag(&unescape(s))) {
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out.sort();
    out
}

/// One card's content lines into a draft.
fn card(lines: &[(usize, String)]) -> Result<ContactDraft, String> {
    let mut c = ContactDraft::default();
    let mut n_name = String::new();
    let mut org_first = String::new();
    for (line_no, line) in lines {
        let Some(p) = parse_line(line) else {
            return Err(format!("line {line_no}: \"{}\" is not a vCard property (NAME:value)", clip(line)));
        };
        let value = decoded_value(&p).map_err(|e| format!("line {line_no}: {}: {e}", p.name))?;
        // A property re-encoded for keeping: quoted-printable undone, escaped for 3.0/4.0.
        let kept = || Property {
            raw_params: p
                .raw_params
                .split(';')
                .filter(|x| {
                    let u = x.trim().to_uppercase();
                    !u.is_empty()
                        && !u.contains("QUOTED-PRINTABLE")
                        && !u.starts_with("CHARSET")
                        && !u.starts_with("ENCODING=8BIT")
                })
                .map(|x| format!(";{x}"))
                .collect(),
            value: value.clone(),
            ..p.clone()
        };
        match p.name.as_str() {
            "VERSION" => {
                let v = value.trim();
                if !matches!(v, "2.1" | "3.0" | "4.0") {
                    return Err(format!("line {line_no}: vCard version \"{v}\" is not supported (2.1, 3.0, 4.0)"));
                }
            }
            "FN" => c.name = unescape(&value).trim().to_string(),
            "N" => {
                let parts: Vec<String> =
                    split_escaped(&value, ';').iter().map(|s| unescape(s).trim().to_string()).collect();
                let get = |i: usize| parts.get(i).cloned().unwrap_or_default();
                n_name = [get(3), get(1), get(2), get(0), get(4)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                keep(&mut c.fields, &kept());
            }
            "ORG" => {
                let parts = split_escaped(&value, ';');
                org_first = parts.first().map(|s| unescape(s).trim().to_string()).unwrap_or_default();
                if c.company.is_empty() {
                    c.company = org_first.clone();
                }
                keep(&mut c.fields, &kept());
            }
            "TITLE" => c.title = unescape(&value).trim().to_string(),
            "EMAIL" => {
                let v = unescape(&value).trim().trim_start_matches("mailto:").to_string();
                if !v.is_empty() && !c.emails.iter().any(|e| e.value.eq_ignore_ascii_case(&v)) {
                    c.emails.push(Labeled { label: email_label(&p.types()), value: v });
                }
            }
            "TEL" => {
                let v = unescape(&value).trim().trim_start_matches("tel:").to_string();
                if !v.is_empty() && !c.phones.iter().any(|e| e.value == v) {
                    c.phones.push(Labeled { label: phone_label(&p.types()), value: v });
                }
            }
            "ADR" if c.address.is_empty() => {
                c.address = adr(&value);
                keep(&mut c.fields, &kept());
            }
            "NOTE" => {
                if !c.notes.is_empty() {
                    c.notes.push_str("\n\n");
                }
                c.notes.push_str(unescape(&value).trim());
            }
            "CATEGORIES" => {
                for t in categories(&value) {
                    if !c.tags.contains(&t) {
                        c.tags.push(t);
                    }
                }
                keep(&mut c.fields, &kept());
            }
            "BDAY" if !c.fields.contains_key("birthday") && p.raw_params.is_empty() => {
                c.fields.insert("birthday".into(), unescape(&value).trim().to_string());
            }
            "URL" if !c.fields.contains_key("url") && p.raw_params.is_empty() => {
                c.fields.insert("url".into(), unescape(&value).trim().to_string());
            }
            "X-CRM-FIELD" => {
                let key = p.param("X-KEY").map(str::to_string).unwrap_or_else(|| "field".into());
                c.fields.insert(key, unescape(&value));
            }
            "BEGIN" | "END" => {}
            _ => keep(&mut c.fields, &kept()),
        }
    }
    c.tags.sort();
    if c.name.is_empty() {
        c.name = n_name;
    }
    if c.name.is_empty() {
        c.name = c
            .emails
            .first()
            .map(|e| e.value.clone())
            .or_else(|| c.phones.first().map(|p| p.value.clone()))
            .unwrap_or(org_first);
    }
    if c.name.is_empty() {
        return Err("the card has no name (FN, N, ORG, EMAIL or TEL)".into());
    }
    Ok(c)
}

fn clip(s: &str) -> String {
    if s.chars().count() > 40 {
        s.chars().take(39).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

/// Appends a content line folded at 75 octets (continuation lines start with a space).
fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn type_of(label: &str, phone: bool) -> String {
    match label {
        "mobile" if phone => "cell".into(),
        other => other.chars().filter(|c| c.is_alphanumeric() || *c == '-').collect(),
    }
}

/// The kept vCard properties of a contact, in key order, as (key, NAME, raw params+value).
fn kept_props(c: &Contact) -> Vec<(&str, String, &str)> {
    c.fields
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(FIELD_PREFIX)?;
            let name = name.split('#').next().unwrap_or(name);
            Some((k.as_str(), name.to_string(), v.as_str()))
        })
        .collect()
}

/// Writes contacts as vCards. `company` names a contact's company.
pub fn write(contacts: &[(Contact, String)], version: Version) -> String {
    let mut out = String::new();
    for (c, company) in contacts {
        out.push_str("BEGIN:VCARD\r\n");
        out.push_str(match version {
            Version::V3 => "VERSION:3.0\r\n",
            Version::V4 => "VERSION:4.0\r\n",
        });
        let kept = kept_props(c);
        // A kept property by name, grouped or not (`item1.ADR` is an ADR).
        let is = |n: &str, name: &str| n == name || n.rsplit_once('.').is_some_and(|(_, base)| base == name);
        let kept_value = |name: &str| kept.iter().find(|(_, n, _)| is(n, name)).map(|(_, _, v)| *v);
        push_folded(&mut out, &format!("FN:{}", escape(&c.name)));
        if kept_value("N").is_none() {
            // N is required in 3.0: family name last word, given names before it.
            let (given, family) = match c.name.rsplit_once(' ') {
                Some((g, f)) => (g, f),
                None => ("", c.name.as_str()),
            };
            push_folded(&mut out, &format!("N:{};{};;;", escape(family), escape(given)));
        }
        // Modeled properties are written as kept (with what crm does not model: departments,
        // PO boxes, group labels, tag spelling) while the contact still says the same thing.
        let value_of = |v: &str| v.split_once(':').map(|(_, x)| x.to_string()).unwrap_or_default();
        let org_kept = kept_value("ORG")
            .filter(|v| split_escaped(&value_of(v), ';').first().map(|s| unescape(s)) == Some(company.clone()));
        if org_kept.is_none() && !company.is_empty() {
            push_folded(&mut out, &format!("ORG:{}", escape(company)));
        }
        if !c.title.is_empty() {
            push_folded(&mut out, &format!("TITLE:{}", escape(&c.title)));
        }
        for e in &c.emails {
            push_folded(&mut out, &format!("EMAIL;TYPE={}:{}", type_of(&e.label, false), e.value));
        }
        for p in &c.phones {
            push_folded(&mut out, &format!("TEL;TYPE={}:{}", type_of(&p.label, true), p.value));
        }
        let adr_kept = kept_value("ADR").filter(|v| adr(&value_of(v)) == c.address);
        if adr_kept.is_none() && !c.address.is_empty() {
            let a = &c.address;
            push_folded(
                &mut out,
                &format!(
                    "ADR:;;{};{};{};{};{}",
                    escape(&a.street),
                    escape(&a.city),
                    escape(&a.region),
                    escape(&a.postcode),
                    escape(&a.country)
                ),
            );
        }
        if !c.notes.is_empty() {
            push_folded(&mut out, &format!("NOTE:{}", escape(&c.notes)));
        }
        let mut kept_tags: Vec<String> = kept
            .iter()
            .filter(|(_, n, _)| is(n, "CATEGORIES"))
            .flat_map(|(_, _, v)| categories(&value_of(v)))
            .collect();
        kept_tags.sort();
        kept_tags.dedup();
        let cats_kept = kept_tags == c.tags;
        if !cats_kept && !c.tags.is_empty() {
            let tags: Vec<String> = c.tags.iter().map(|t| escape(t)).collect();
            push_folded(&mut out, &format!("CATEGORIES:{}", tags.join(",")));
        }
        for (k, v) in &c.fields {
            match k.as_str() {
                "birthday" => push_folded(&mut out, &format!("BDAY:{}", escape(v))),
                "url" => push_folded(&mut out, &format!("URL:{v}")),
                k if k.starts_with(FIELD_PREFIX) => {}
                k => push_folded(&mut out, &format!("X-CRM-FIELD;X-KEY=\"{}\":{}", k.replace('"', "'"), escape(v))),
            }
        }
        let first =
            |key: &str, name: &str| kept.iter().find(|(_, n, _)| is(n, name)).is_some_and(|(k, _, _)| *k == key);
        for (key, name, v) in &kept {
            let write = if is(name, "ORG") {
                org_kept.is_some() || !first(key, "ORG")
            } else if is(name, "ADR") {
                adr_kept.is_some() || !first(key, "ADR")
            } else if is(name, "CATEGORIES") {
                cats_kept
            } else {
                true
            };
            if write {
                push_folded(&mut out, &format!("{name}{v}"));
            }
        }
        out.push_str("END:VCARD\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(text: &str) -> Vec<Result<ContactDraft, String>> {
        parse(text.as_bytes())
            .unwrap()
            .items
            .into_iter()
            .map(|i| match i.draft {
                Ok(Some(Draft::Contact(c))) => Ok(c),
                Ok(other) => Err(format!("{other:?}")),
                Err(e) => Err(e),
            })
            .collect()
    }

    #[test]
    fn folded_lines_escapes_and_labels() {
        let c = cards(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna M\r\n üller\r\nORG:Atlas\\, Inc.;Sales\r\nEMAIL;TYPE=INTERNET,HOME:a@h.de\r\n\
             TEL;TYPE=CELL:+49 170\r\nNOTE:line one\\nline two\\; more\r\nCATEGORIES:VIP,Key Accounts\r\nEND:VCARD\r\n",
        );
        let c = c[0].as_ref().unwrap();
        assert_eq!(c.name, "Anna Müller");
        assert_eq!(c.company, "Atlas, Inc.");
        assert_eq!(c.emails[0], Labeled { label: "home".into(), value: "a@h.de".into() });
        assert_eq!(c.phones[0].label, "mobile");
        assert_eq!(c.notes, "line one\nline two; more");
        assert_eq!(c.tags, vec!["key-accounts".to_string(), "vip".to_string()]);
        assert!(c.fields.contains_key("vcard:ORG"));
    }

    #[test]
    fn unmodeled_properties_are_kept_verbatim() {
        let c = cards(
            "BEGIN:VCARD\nVERSION:4.0\nFN:Bo\nX-SOCIAL;TYPE=twitter:@bo\nX-SOCIAL;TYPE=x:@bo2\nPHOTO:data:image/png;base64,AAA\nEND:VCARD\n",
        );
        let c = c[0].as_ref().unwrap();
        assert_eq!(c.fields.get("vcard:X-SOCIAL").map(String::as_str), Some(";TYPE=twitter:@bo"));
        assert_eq!(c.fields.get("vcard:X-SOCIAL#2").map(String::as_str), Some(";TYPE=x:@bo2"));
        assert_eq!(c.fields.get("vcard:PHOTO").map(String::as_str), Some(":data:image/png;base64,AAA"));
    }

    #[test]
    fn vcard_21_quoted_printable_is_decoded() {
        let c = cards(
            "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=\r\n=C3=BCrgen\r\n\
             TEL;WORK;VOICE:030 1\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:Gr=FC=DFe\r\nEND:VCARD\r\n",
        );
        let c = c[0].as_ref().unwrap();
        assert_eq!(c.name, "Jürgen Müller");
        assert_eq!(c.phones[0].label, "work");
        assert_eq!(c.notes, "Grüße");
        let bad = cards("BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE:A=ZZ\nEND:VCARD\n");
        assert!(bad[0].as_ref().unwrap_err().contains("bad quoted-printable"), "{bad:?}");
        let bad = cards("BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=SHIFT_JIS:=82=A0\nEND:VCARD\n");
        assert!(bad[0].as_ref().unwrap_err().contains("SHIFT_JIS is not supported"), "{bad:?}");
    }

    #[test]
    fn broken_files_say_what_and_where() {
        assert!(parse(b"hello").unwrap_err().contains("BEGIN:VCARD"));
        let c = cards("BEGIN:VCARD\nFN:A\n");
        assert!(c[0].as_ref().unwrap_err().contains("no END:VCARD"));
        let p = parse(b"BEGIN:VCARD\nVERSION:5.0\nFN:A\nEND:VCARD\n").unwrap();
        assert_eq!(p.items[0].line, 2, "the line of the property at fault");
        let e = p.items[0].draft.clone().unwrap_err();
        assert_eq!(e, "vCard version \"5.0\" is not supported (2.1, 3.0, 4.0)");
    }

    #[test]
    fn written_cards_fold_and_read_back() {
        let c = Contact {
            name: "Zoë Ōta-Long".into(),
            notes: "x".repeat(200) + "\nsecond; line, here",
            emails: vec![Labeled { label: "home".into(), value: "z@o.jp".into() }],
            tags: vec!["vip".into()],
            ..Contact::default()
        };
        let text = write(&[(c.clone(), "Ōta KK".into())], Version::V4);
        assert!(text.lines().all(|l| l.len() <= 77), "{text}");
        let back = cards(&text);
        let back = back[0].as_ref().unwrap();
        assert_eq!(back.name, c.name);
        assert_eq!(back.notes, c.notes);
        assert_eq!(back.company, "Ōta KK");
        assert_eq!(back.emails, c.emails);
        assert_eq!(back.tags, c.tags);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut with_card = b"BEGIN:VCARD\n".to_vec();
            with_card.extend_from_slice(&bytes);
            for input in [&bytes, &with_card] {
                match parse(input) {
                    Err(e) => proptest::prop_assert!(!e.is_empty()),
                    Ok(p) => {
                        for item in p.items {
                            if let Err(e) = item.draft {
                                proptest::prop_assert!(!e.is_empty() && item.line >= 1, "line {}: {e:?}", item.line);
                            }
                        }
                    }
                }
            }
        }

        #[test]
        fn vcard_like_text_parses_without_panicking(body in "[A-Z;=:,\\\\ \n\"a-z0-9.-]{0,300}") {
            let _ = parse(format!("BEGIN:VCARD\nVERSION:2.1\n{body}\nEND:VCARD\n").as_bytes());
        }
    }
}
