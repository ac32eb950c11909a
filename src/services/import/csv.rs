//! CSV files from other tools: encoding and delimiter detection, header mapping for Google
//! Contacts, Outlook and the `First Name, Last Name, Company, Email, Phone` style of
//! Pipedrive/HubSpot exports (and crm's own `crm export csv`), `--map column=field`
//! overrides, and rows turned into drafts. Pure: bytes in, drafts and messages out.

use super::{
    label, split_multi, tag, CompanyDraft, ContactDraft, DealDraft, Draft, ImportKind, Item, Parsed, TaskDraft,
};
use crate::domain::{Address, Labeled};

/// Where a column's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Ignore,
    /// Full name (contacts, companies) or title (deals, tasks).
    Name,
    First,
    Middle,
    Last,
    Prefix,
    Suffix,
    /// Job title.
    JobTitle,
    Company,
    /// An email with a label; a cell may hold several.
    Email(String),
    Phone(String),
    /// `label:value; label:value` lists, as `crm export csv` writes them.
    EmailList,
    PhoneList,
    /// Value and label columns of numbered groups ("E-mail 1 - Value", "E-mail 1 - Label").
    EmailN(u32),
    EmailLabelN(u32),
    PhoneN(u32),
    PhoneLabelN(u32),
    /// Address part of address group `group` (0 = the main one; others are kept as fields
    /// unless the main one is empty).
    Addr(u32, AddrPart),
    Tags,
    Notes,
    Owner,
    Cadence,
    Website,
    Industry,
    Value,
    Currency,
    Stage,
    Close,
    Probability,
    Contact,
    Deal,
    Due,
    Priority,
    Repeat,
    /// When a task was done (crm's export writes it): a time, or yes/no.
    Done,
    /// A custom field with this key.
    Field(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrPart {
    Street,
    City,
    Region,
    Postcode,
    Country,
    /// The whole address in one cell.
    Full,
}

impl Target {
    /// The name `--map` and the summary use.
    pub fn name(&self) -> String {
        match self {
            Target::Ignore => "ignore".into(),
            Target::Name => "name".into(),
            Target::First => "first_name".into(),
            Target::Middle => "middle_name".into(),
            Target::Last => "last_name".into(),
            Target::Prefix => "prefix".into(),
            Target::Suffix => "suffix".into(),
            Target::JobTitle => "title".into(),
            Target::Company => "company".into(),
            Target::Email(l) => format!("email:{l}"),
            Target::Phone(l) => format!("phone:{l}"),
            Target::EmailList => "emails".into(),
            Target::PhoneList => "phones".into(),
            Target::EmailN(n) => format!("email #{n}"),
            Target::EmailLabelN(n) => format!("email #{n} label"),
            Target::PhoneN(n) => format!("phone #{n}"),
            Target::PhoneLabelN(n) => format!("phone #{n} label"),
            Target::Addr(g, p) => {
                let part = match p {
                    AddrPart::Street => "street",
                    AddrPart::City => "city",
                    AddrPart::Region => "region",
                    AddrPart::Postcode => "postcode",
                    AddrPart::Country => "country",
                    AddrPart::Full => "address",
                };
                if *g == 0 {
                    part.into()
                } else {
                    format!("{part} (address #{})", g + 1)
                }
            }
            Target::Tags => "tags".into(),
            Target::Notes => "notes".into(),
            Target::Owner => "owner".into(),
            Target::Cadence => "cadence".into(),
            Target::Website => "website".into(),
            Target::Industry => "industry".into(),
            Target::Value => "value".into(),
            Target::Currency => "currency".into(),
            Target::Stage => "stage".into(),
            Target::Close => "close".into(),
            Target::Probability => "probability".into(),
            Target::Contact => "contact".into(),
            Target::Deal => "deal".into(),
            Target::Due => "due".into(),
            Target::Priority => "priority".into(),
            Target::Repeat => "repeat".into(),
            Target::Done => "done".into(),
            Target::Field(k) => format!("field:{k}"),
        }
    }

    /// Parses a `--map` field name.
    pub fn parse(text: &str) -> Result<Target, String> {
        let t = text.trim();
        let lower = t.to_lowercase();
        if let Some(k) = t.strip_prefix("field:").or_else(|| t.strip_prefix("custom:")) {
            return if k.trim().is_empty() {
                Err("field: needs a key, like field:source".into())
            } else {
                Ok(Target::Field(k.trim().to_string()))
            };
        }
        if let Some(l) = lower.strip_prefix("email:") {
            return Ok(Target::Email(label(l)));
        }
        if let Some(l) = lower.strip_prefix("phone:") {
            return Ok(Target::Phone(label(l)));
        }
        Ok(match lower.as_str() {
            "ignore" | "skip" | "-" => Target::Ignore,
            "name" => Target::Name,
            "first_name" | "first" => Target::First,
            "middle_name" | "middle" => Target::Middle,
            "last_name" | "last" => Target::Last,
            "prefix" => Target::Prefix,
            "suffix" => Target::Suffix,
            "title" | "job_title" => Target::JobTitle,
            "company" => Target::Company,
            "email" => Target::Email("work".into()),
            "phone" => Target::Phone("work".into()),
            "emails" => Target::EmailList,
            "phones" => Target::PhoneList,
            "street" => Target::Addr(0, AddrPart::Street),
            "city" => Target::Addr(0, AddrPart::City),
            "region" | "state" => Target::Addr(0, AddrPart::Region),
            "postcode" | "zip" => Target::Addr(0, AddrPart::Postcode),
            "country" => Target::Addr(0, AddrPart::Country),
            "address" => Target::Addr(0, AddrPart::Full),
            "tags" | "tag" => Target::Tags,
            "notes" => Target::Notes,
            "owner" | "assignee" => Target::Owner,
            "cadence" => Target::Cadence,
            "website" => Target::Website,
            "industry" => Target::Industry,
            "value" => Target::Value,
            "currency" => Target::Currency,
            "stage" => Target::Stage,
            "close" => Target::Close,
            "probability" => Target::Probability,
            "contact" => Target::Contact,
            "deal" => Target::Deal,
            "due" => Target::Due,
            "priority" => Target::Priority,
            "repeat" => Target::Repeat,
            "done" => Target::Done,
            _ => {
                return Err(format!(
                    "\"{t}\" is not a field to map to; use name, first_name, last_name, title, company, email[:LABEL], \
                     phone[:LABEL], street, city, region, postcode, country, address, tags, notes, owner, website, \
                     industry, value, currency, stage, close, probability, contact, deal, due, priority, repeat, \
                     done, field:KEY or ignore"
                ))
            }
        })
    }
}

/// Which exporter wrote the file, judged from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Google,
    Outlook,
    Generic,
}

impl Dialect {
    fn name(self) -> &'static str {
        match self {
            Dialect::Google => "Google Contacts",
            Dialect::Outlook => "Outlook",
            Dialect::Generic => "generic (Pipedrive/HubSpot style)",
        }
    }
}

/// Lowercase letters and digits only: "E-mail 1 - Value" → "email1value".
fn norm(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

pub fn detect_dialect(headers: &[String]) -> Dialect {
    let n: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let has = |k: &str| n.iter().any(|h| h == k);
    if n.iter().any(|h| h.starts_with("email1") || h.starts_with("phone1") || h == "givenname")
        || has("organizationname") && has("labels")
    {
        Dialect::Google
    } else if has("emailaddress") && (has("businessphone") || has("mobilephone") || has("jobtitle")) {
        Dialect::Outlook
    } else {
        Dialect::Generic
    }
}

/// "email1value" → Some((1, "value")) for the given group word.
fn numbered<'a>(h: &'a str, word: &str) -> Option<(u32, &'a str)> {
    let rest = h.strip_prefix(word)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n = digits.parse().ok()?;
    Some((n, &rest[digits.len()..]))
}

fn addr_part(rest: &str) -> Option<AddrPart> {
    Some(match rest {
        "street" | "streetaddress" | "address" | "street1" => AddrPart::Street,
        "city" | "locality" | "town" => AddrPart::City,
        "state" | "region" | "province" | "stateregion" => AddrPart::Region,
        "postalcode" | "postcode" | "zip" | "zipcode" => AddrPart::Postcode,
        "country" | "countryregion" => AddrPart::Country,
        "formatted" | "full" => AddrPart::Full,
        _ => return None,
    })
}

/// The automatic target of a header, for one kind of file and dialect.
pub fn auto_target(header: &str, kind: ImportKind, dialect: Dialect) -> Target {
    let target = auto_target_norm(&norm(header), header, kind, dialect);
    // Pipedrive prefixes columns with the record type: "Person - Email", "Deal - Value".
    let prefix = match kind {
        ImportKind::Contacts => "person",
        ImportKind::Companies => "organization",
        ImportKind::Deals => "deal",
        ImportKind::Tasks => "activity",
    };
    match (&target, norm(header).strip_prefix(prefix)) {
        (Target::Field(_), Some(rest)) if !rest.is_empty() => match auto_target_norm(rest, rest, kind, dialect) {
            Target::Field(_) => target,
            other => other,
        },
        _ => target,
    }
}

fn auto_target_norm(h: &str, header: &str, kind: ImportKind, dialect: Dialect) -> Target {
    let h = h.to_string();
    let raw = header.trim();
    if let Some(k) = raw.strip_prefix("field:").or_else(|| raw.strip_prefix("custom:")) {
        return Target::Field(k.trim().to_string());
    }
    // crm's own export columns that the database sets by itself.
    if matches!(h.as_str(), "id" | "created" | "updated") {
        return Target::Ignore;
    }
    let common = match h.as_str() {
        "tags" | "tag" | "labels" | "label" | "categories" | "groupmembership" => Some(Target::Tags),
        "notes" | "note" | "comments" | "comment" => Some(Target::Notes),
        "owner" => Some(Target::Owner),
        _ => None,
    };
    if let Some(t) = common {
        return t;
    }
    let addr = |h: &str| -> Option<Target> {
        if let Some(p) = addr_part(h) {
            return Some(Target::Addr(0, p));
        }
        for (prefix, group) in [("business", 0), ("work", 0), ("home", 1), ("other", 2), ("mailing", 0)] {
            if let Some(p) = h.strip_prefix(prefix).and_then(addr_part) {
                return Some(Target::Addr(group, p));
            }
        }
        if let Some((n, rest)) = numbered(h, "address") {
            if let Some(p) = addr_part(rest) {
                return Some(Target::Addr(n.saturating_sub(1), p));
            }
        }
        None
    };
    match kind {
        ImportKind::Contacts => {
            if let Some((n, rest)) = numbered(&h, "email") {
                match rest {
                    "value" => return Target::EmailN(n),
                    "label" | "type" => return Target::EmailLabelN(n),
                    "address" => return Target::Email("work".into()),
                    _ => {}
                }
            }
            if let Some((n, rest)) = numbered(&h, "phone") {
                match rest {
                    "value" => return Target::PhoneN(n),
                    "label" | "type" => return Target::PhoneLabelN(n),
                    _ => {}
                }
            }
            if let Some(t) = addr(&h) {
                return t;
            }
            match h.as_str() {
                "name" | "fullname" | "displayname" | "contactname" | "personname" => Target::Name,
                "firstname" | "givenname" | "first" => Target::First,
                "middlename" | "additionalname" => Target::Middle,
                "lastname" | "familyname" | "surname" | "last" => Target::Last,
                "nameprefix" | "prefix" | "salutation" => Target::Prefix,
                "namesuffix" | "suffix" => Target::Suffix,
                // Outlook's "Title" is Mr./Ms.; everyone else's is the job title.
                "title" if dialect == Dialect::Outlook => Target::Prefix,
                "title" | "jobtitle" | "position" | "organizationtitle" | "organization1title" => Target::JobTitle,
                "company" | "companyname" | "organization" | "organizationname" | "organization1name" | "org"
                | "account" | "accountname" => Target::Company,
                "email" | "emailaddress" | "mail" | "workemail" | "businessemail" | "primaryemail" => {
                    Target::Email("work".into())
                }
                "homeemail" | "personalemail" | "privateemail" => Target::Email("home".into()),
                "otheremail" => Target::Email("other".into()),
                "emails" => Target::EmailList,
                "phones" => Target::PhoneList,
                "phone" | "phonenumber" | "telephone" | "tel" | "workphone" | "businessphone" | "businessphone2"
                | "companymainphone" | "primaryphone" | "officephone" | "directphone" => Target::Phone("work".into()),
                "mobile" | "mobilephone" | "mobilephonenumber" | "cell" | "cellphone" | "mobilenumber" => {
                    Target::Phone("mobile".into())
                }
                "homephone" | "homephone2" | "privatephone" => Target::Phone("home".into()),
                "fax" | "businessfax" | "homefax" | "faxnumber" => Target::Phone("fax".into()),
                "otherphone" => Target::Phone("other".into()),
                "cadence" | "cadencedays" => Target::Cadence,
                "website" | "webpage" | "url" | "web" | "homepage" | "website1value" => Target::Field("url".into()),
                "birthday" | "bday" | "dateofbirth" => Target::Field("birthday".into()),
                _ => Target::Field(raw.to_string()),
            }
        }
        ImportKind::Companies => {
            if let Some(t) = addr(&h) {
                return t;
            }
            match h.as_str() {
                "name" | "company" | "companyname" | "organization" | "organizationname" | "account"
                | "accountname" => Target::Name,
                "website" | "domain" | "url" | "webpage" | "companydomainname" | "web" => Target::Website,
                "industry" | "sector" => Target::Industry,
                _ => Target::Field(raw.to_string()),
            }
        }
        ImportKind::Deals => match h.as_str() {
            "title" | "name" | "deal" | "dealname" | "dealtitle" => Target::Name,
            "value" | "amount" | "dealvalue" | "dealamount" => Target::Value,
            "currency" | "dealcurrency" => Target::Currency,
            "stage" | "dealstage" | "pipelinestage" => Target::Stage,
            "company" | "companyname" | "organization" | "organizationname" | "account" => Target::Company,
            "contact" | "person" | "contactperson" | "contactname" | "personname" | "contactemail" => Target::Contact,
            "close" | "closedate" | "expectedclosedate" | "expectedclose" => Target::Close,
            "probability" | "winprobability" => Target::Probability,
            "dealowner" => Target::Owner,
            _ => Target::Field(raw.to_string()),
        },
        ImportKind::Tasks => match h.as_str() {
            "title" | "name" | "subject" | "task" | "tasktitle" => Target::Name,
            "due" | "duedate" | "duetime" | "dueat" | "date" => Target::Due,
            "contact" | "person" | "contactname" | "contactemail" => Target::Contact,
            "deal" | "dealtitle" | "dealname" => Target::Deal,
            "priority" => Target::Priority,
            "repeat" | "recurrence" | "repeats" => Target::Repeat,
            "done" | "doneat" | "completed" | "completedat" | "completedon" | "datecompleted" => Target::Done,
            "assignee" | "assignedto" | "taskowner" => Target::Owner,
            "description" => Target::Notes,
            _ => Target::Field(raw.to_string()),
        },
    }
}

/// Text of a file: UTF-8 with or without a BOM; anything else that is not UTF-8 is read as
/// Windows-1252 (what Excel and Outlook write on Windows), and the summary says so.
/// UTF-8 is borrowed, not copied (a copy of a 100k-row file was a tenth of parsing it).
pub fn decode(bytes: &[u8]) -> Result<(std::borrow::Cow<'_, str>, Option<String>), String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("the file is UTF-16; save it as UTF-8 (Excel: \"CSV UTF-8\") and import again".into());
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok((s.into(), None)),
        Err(e) => {
            let line = body[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            let text: String = body.iter().map(|&b| cp1252(b)).collect();
            Ok((text.into(), Some(format!("not UTF-8 (first at line {line}); read as Windows-1252"))))
        }
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// The delimiter of the header line: the most frequent of `,` `;` and tab outside quotes.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], usize::from(i == 0))).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Column targets for a header row, with `--map column=field` overrides (a column named by
/// its header, case-insensitively, or by its 1-based number).
pub fn mapping(
    headers: &[String],
    kind: ImportKind,
    overrides: &[(String, String)],
) -> Result<(Dialect, Vec<Target>), String> {
    let dialect = detect_dialect(headers);
    let mut targets: Vec<Target> = headers.iter().map(|h| auto_target(h, kind, dialect)).collect();
    for (col, field) in overrides {
        let idx = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(col.trim()))
            .or_else(|| col.trim().parse::<usize>().ok().filter(|n| *n >= 1 && *n <= headers.len()).map(|n| n - 1))
            .ok_or_else(|| {
                format!("--map {col}={field}: the file has no column \"{col}\" (columns: {})", headers.join(", "))
            })?;
        targets[idx] = Target::parse(field).map_err(|e| format!("--map {col}={field}: {e}"))?;
    }
    Ok((dialect, targets))
}

/// Reads a whole CSV file into drafts of `kind`. A file-level problem (no header row, a bad
/// `--map`) is an error; a row-level one is an item with its line and reason.
pub fn parse(bytes: &[u8], kind: ImportKind, overrides: &[(String, String)]) -> Result<Parsed, String> {
    // One item per line at most: sized once rather than grown (and copied) a dozen times.
    let mut items = Vec::with_capacity(rows_at_most(bytes));
    let notes = parse_each(bytes, kind, overrides, &mut |item| items.push(item))?;
    Ok(Parsed { items, notes })
}

/// How many rows a file can hold at most (its lines), for sizing and progress.
pub fn rows_at_most(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count() + 1
}

/// `parse`, handing each row to `each` as soon as it is read (so that rows can be planned
/// while the rest of the file is parsed); returns how the file was read.
pub fn parse_each(
    bytes: &[u8],
    kind: ImportKind,
    overrides: &[(String, String)],
    each: &mut dyn FnMut(Item),
) -> Result<Vec<String>, String> {
    let (text, encoding_note) = decode(bytes)?;
    let delimiter = detect_delimiter(&text);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let headers: Vec<String> = match reader.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|h| h.trim().to_string()).collect(),
        Ok(false) => return Err("the file is empty: expected a header row and rows below it".into()),
        Err(e) => return Err(format!("cannot read the header row: {e}")),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err("the first row is empty: expected column names".into());
    }
    let (dialect, targets) = mapping(&headers, kind, overrides)?;
    let mut notes = Vec::new();
    if let Some(n) = encoding_note {
        notes.push(n);
    }
    let delim_name = match delimiter {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    };
    notes.push(format!("{} export, {delim_name}-separated", dialect.name()));
    notes.push(format!(
        "columns: {}",
        headers.iter().zip(&targets).map(|(h, t)| format!("{h} → {}", t.name())).collect::<Vec<_>>().join(", ")
    ));
    // Line numbers counted here: the csv reader counts only \n, and Excel for Mac ends lines
    // with a bare \r.
    let (mut line, mut counted) = (1usize, 0usize);
    loop {
        let start = reader.position().byte() as usize;
        if let Some(skipped) = text.as_bytes().get(counted..start) {
            line += skipped
                .iter()
                .enumerate()
                .filter(|(i, b)| **b == b'\n' || (**b == b'\r' && skipped.get(i + 1) != Some(&b'\n')))
                .count();
            counted = start;
        }
        let read = reader.read_record(&mut rec);
        let end = reader.position().byte() as usize;
        // The row as it was in the file, for the report of bad rows.
        let raw = || text.get(start..end).unwrap_or("").trim_end().to_string();
        match read {
            Ok(false) => break,
            Ok(true) => {
                let cells: Vec<&str> = rec.iter().collect();
                let draft =
                    if cells.len() > headers.len() && cells[headers.len()..].iter().any(|c| !c.trim().is_empty()) {
                        Err(format!("{} cells but the header has {} columns", cells.len(), headers.len()))
                    } else {
                        row(&headers, &targets, &cells, kind)
                    };
                each(Item { line, draft, raw: raw() });
            }
            Err(e) => {
                each(Item { line, draft: Err(format!("cannot read this row: {e}")), raw: raw() });
                if end <= start {
                    break;
                }
            }
        }
    }
    Ok(notes)
}

fn push_str(dst: &mut String, v: &str, sep: &str) {
    if !dst.is_empty() {
        dst.push_str(sep);
    }
    dst.push_str(v);
}

fn add_labeled(list: &mut Vec<Labeled>, value: &str, lbl: &str) {
    for v in split_multi(value) {
        if !list.iter().any(|l| l.value.eq_ignore_ascii_case(&v)) {
            // Room for this one only: a first push makes room for four, and most contacts have
            // one email and one phone (100k rows kept 29 MB of room never used).
            list.reserve_exact(1);
            list.push(Labeled { label: lbl.to_string(), value: v });
        }
    }
}

/// Parses one `label:value; label:value` cell of crm's export.
fn add_list(list: &mut Vec<Labeled>, cell: &str) {
    for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let l = Labeled::parse(part, "work");
        if !list.iter().any(|x| x.value.eq_ignore_ascii_case(&l.value)) {
            list.push(l);
        }
    }
}

fn set_part(a: &mut Address, p: AddrPart, v: &str) {
    match p {
        AddrPart::Street => push_str(&mut a.street, v, ", "),
        AddrPart::City => a.city = v.to_string(),
        AddrPart::Region => a.region = v.to_string(),
        AddrPart::Postcode => a.postcode = v.to_string(),
        AddrPart::Country => a.country = v.to_string(),
        AddrPart::Full => {
            let parsed = Address::parse(&v.replace('\n', ", "));
            if a.is_empty() {
                *a = parsed;
            }
        }
    }
}

/// One row into a draft; Ok(None) for an empty row.
pub fn row(headers: &[String], targets: &[Target], cells: &[&str], kind: ImportKind) -> Result<Option<Draft>, String> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(None);
    }
    let cell = |i: usize| cells.get(i).map(|c| c.trim()).unwrap_or("");
    let mut c = ContactDraft::default();
    let (mut first, mut middle, mut last, mut prefix, mut suffix) =
        (String::new(), String::new(), String::new(), String::new(), String::new());
    let mut email_labels = std::collections::HashMap::new();
    let mut phone_labels = std::collections::HashMap::new();
    // Address groups: the parts and the columns they came from.
    let mut groups: Vec<(u32, Address, Vec<usize>)> = Vec::new();
    let mut extra = String::new();
    let (mut website, mut industry) = (String::new(), String::new());
    let mut deal = DealDraft::default();
    let mut task = TaskDraft::default();
    for (i, t) in targets.iter().enumerate() {
        match t {
            Target::EmailLabelN(n) => {
                email_labels.insert(*n, label(cell(i)));
            }
            Target::PhoneLabelN(n) => {
                phone_labels.insert(*n, label(cell(i)));
            }
            _ => {}
        }
    }
    for (i, t) in targets.iter().enumerate() {
        let v = cell(i);
        if v.is_empty() {
            continue;
        }
        let header = headers.get(i).map(String::as_str).unwrap_or("");
        match t {
            Target::Ignore | Target::EmailLabelN(_) | Target::PhoneLabelN(_) => {}
            Target::Name => c.name = v.to_string(),
            Target::First => first = v.to_string(),
            Target::Middle => middle = v.to_string(),
            Target::Last => last = v.to_string(),
            Target::Prefix => prefix = v.to_string(),
            Target::Suffix => suffix = v.to_string(),
            Target::JobTitle => c.title = v.to_string(),
            Target::Company => c.company = v.to_string(),
            Target::Email(l) => add_labeled(&mut c.emails, v, l),
            Target::Phone(l) => add_labeled(&mut c.phones, v, l),
            Target::EmailList => add_list(&mut c.emails, v),
            Target::PhoneList => add_list(&mut c.phones, v),
            Target::EmailN(n) => {
                let l = email_labels.get(n).cloned().unwrap_or_else(|| "work".into());
                add_labeled(&mut c.emails, v, &l)
            }
            Target::PhoneN(n) => {
                let l = phone_labels.get(n).cloned().unwrap_or_else(|| "work".into());
                add_labeled(&mut c.phones, v, &l)
            }
            Target::Addr(g, p) => {
                let pos = match groups.iter().position(|x| x.0 == *g) {
                    Some(pos) => pos,
                    None => {
                        groups.push((*g, Address::default(), Vec::new()));
                        groups.len() - 1
                    }
                };
                set_part(&mut groups[pos].1, *p, v);
                groups[pos].2.push(i);
            }
            Target::Tags => {
                for t in split_multi(&v.replace(',', ";")) {
                    // Google's system groups say nothing about the contact.
                    if t.eq_ignore_ascii_case("* myContacts") || t.eq_ignore_ascii_case("* other contacts") {
                        continue;
                    }
                    let t = tag(&t.replace("* ", ""));
                    if !t.is_empty() && !c.tags.contains(&t) {
                        c.tags.push(t);
                    }
                }
            }
            Target::Notes => push_str(&mut c.notes, v, "\n"),
            Target::Owner => c.owner = v.to_string(),
            Target::Cadence => {
                let n: u32 = v
                    .trim_end_matches('d')
                    .trim()
                    .parse()
                    .map_err(|_| format!("{header}: \"{v}\" is not a number of days"))?;
                c.cadence = Some(n);
            }
            Target::Website => website = v.to_string(),
            Target::Industry => industry = v.to_string(),
            Target::Value => deal.value = v.to_string(),
            Target::Currency => deal.currency = v.to_string(),
            Target::Stage => deal.stage = v.to_string(),
            Target::Close => deal.close = v.to_string(),
            Target::Probability => deal.probability = v.to_string(),
            Target::Contact => {
                deal.contact = v.to_string();
                task.contact = v.to_string();
            }
            Target::Deal => task.deal = v.to_string(),
            Target::Due => task.due = v.to_string(),
            Target::Priority => task.priority = v.to_string(),
            Target::Repeat => task.repeat = v.to_string(),
            Target::Done => task.done = v.to_string(),
            Target::Field(k) => {
                let key = if k == "url" && c.fields.contains_key("url") { header.to_string() } else { k.clone() };
                c.fields.insert(key, v.to_string());
                if matches!(kind, ImportKind::Deals | ImportKind::Tasks) {
                    push_str(&mut extra, &format!("{header}: {v}"), "\n");
                }
            }
        }
    }
    // The main address is the first group with something in it; the others stay as fields.
    let mut main_taken = false;
    groups.sort_by_key(|g| g.0);
    for (_, addr, columns) in groups {
        if !main_taken && !addr.is_empty() {
            c.address = addr;
            main_taken = true;
        } else {
            for i in columns {
                c.fields.insert(headers.get(i).cloned().unwrap_or_default(), cell(i).to_string());
            }
        }
    }
    let composed: Vec<&str> = [prefix.as_str(), first.as_str(), middle.as_str(), last.as_str(), suffix.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if c.name.is_empty() {
        c.name = composed.join(" ");
    }
    Ok(Some(match kind {
        ImportKind::Contacts => {
            if c.name.is_empty() {
                // A contact known only by an address or number is still worth keeping.
                c.name = c
                    .emails
                    .first()
                    .map(|e| e.value.clone())
                    .or_else(|| c.phones.first().map(|p| p.value.clone()))
                    .ok_or("no name: the row has no name, first/last name, email or phone")?;
            }
            Draft::Contact(c)
        }
        ImportKind::Companies => {
            let name = if c.name.is_empty() { c.company.clone() } else { c.name.clone() };
            if name.is_empty() {
                return Err("no name: the row has no company name".into());
            }
            Draft::Company(CompanyDraft {
                name,
                website,
                industry,
                address: c.address,
                tags: c.tags,
                fields: c.fields,
                notes: c.notes,
                owner: c.owner,
            })
        }
        ImportKind::Deals => {
            if c.name.is_empty() {
                return Err("no title: the row has no deal title".into());
            }
            // Deals have no custom fields: unknown columns are kept in the notes.
            let mut notes = c.notes;
            if !extra.is_empty() {
                push_str(&mut notes, &extra, "\n");
            }
            Draft::Deal(DealDraft { title: c.name, company: c.company, owner: c.owner, notes, ..deal })
        }
        ImportKind::Tasks => {
            if c.name.is_empty() {
                return Err("no title: the row has no task title".into());
            }
            let mut notes = c.notes;
            if !extra.is_empty() {
                push_str(&mut notes, &extra, "\n");
            }
            Draft::Task(TaskDraft { title: c.name, assignee: c.owner, notes, ..task })
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts(text: &str) -> Vec<ContactDraft> {
        parse(text.as_bytes(), ImportKind::Contacts, &[])
            .unwrap()
            .items
            .into_iter()
            .filter_map(|i| match i.draft {
                Ok(Some(Draft::Contact(c))) => Some(c),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn generic_headers_map_and_unknown_columns_become_fields() {
        let c = contacts(
            "First Name,Last Name,Company,Email,Phone,Lead Source\nAnna,Müller,Atlas,anna@atlas.de,+49 30 1,Fair\n",
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].name, "Anna Müller");
        assert_eq!(c[0].company, "Atlas");
        assert_eq!(c[0].emails, vec![Labeled { label: "work".into(), value: "anna@atlas.de".into() }]);
        assert_eq!(c[0].fields.get("Lead Source").map(String::as_str), Some("Fair"));
    }

    #[test]
    fn semicolons_and_bom_are_detected() {
        let c = contacts("\u{feff}Name;Email\n\"Koch, Jan\";jan@x.io\n");
        assert_eq!(c[0].name, "Koch, Jan");
        assert_eq!(c[0].emails[0].value, "jan@x.io");
    }

    #[test]
    fn google_numbered_columns_pair_labels_with_values() {
        let c = contacts(
            "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Labels\n\
             Jo,Li,* Home,jo@home.net ::: jo@alt.net,Mobile,0170 1,* myContacts ::: Key Accounts\n",
        );
        assert_eq!(c[0].emails.len(), 2);
        assert_eq!(c[0].emails[0].label, "home");
        assert_eq!(c[0].phones[0].label, "mobile");
        assert_eq!(c[0].tags, vec!["key-accounts".to_string()]);
    }

    #[test]
    fn outlook_title_is_a_prefix_and_home_address_is_kept() {
        let c = contacts(
            "Title,First Name,Last Name,Job Title,E-mail Address,Business Phone,Home City,Business City\n\
             Dr.,Eva,Ruiz,CTO,eva@r.es,911,Toledo,Madrid\n",
        );
        assert_eq!(c[0].name, "Dr. Eva Ruiz");
        assert_eq!(c[0].title, "CTO");
        assert_eq!(c[0].address.city, "Madrid");
        assert_eq!(c[0].fields.get("Home City").map(String::as_str), Some("Toledo"));
    }

    #[test]
    fn map_overrides_and_errors_name_the_column() {
        let p = parse(b"Who,Mail\nAnn,a@b.co\n", ImportKind::Contacts, &[("who".into(), "name".into())]).unwrap();
        let Ok(Some(Draft::Contact(c))) = &p.items[0].draft else { panic!("{:?}", p.items) };
        assert_eq!(c.name, "Ann");
        let e = parse(b"Who\nAnn\n", ImportKind::Contacts, &[("nope".into(), "name".into())]).unwrap_err();
        assert!(e.contains("no column \"nope\""), "{e}");
        let e = parse(b"Who\nAnn\n", ImportKind::Contacts, &[("who".into(), "colour".into())]).unwrap_err();
        assert!(e.contains("not a field"), "{e}");
    }

    #[test]
    fn bad_rows_carry_their_line() {
        let p = parse(b"Name,Email\nAnn,a@b.co\n,\n,,x,y\n", ImportKind::Contacts, &[]).unwrap();
        assert_eq!(p.items.len(), 3);
        assert_eq!(p.items[1].draft, Ok(None));
        assert_eq!(p.items[2].line, 4);
        assert!(p.items[2].draft.as_ref().unwrap_err().contains("4 cells"));
    }

    #[test]
    fn lines_ending_in_a_bare_cr_are_counted() {
        let p = parse(b"Name,Email\rAnn,a@b.co\r\"Multi\rline\",m@b.co\rX,y,z\r", ImportKind::Contacts, &[]).unwrap();
        let lines: Vec<usize> = p.items.iter().map(|i| i.line).collect();
        assert_eq!(lines, [2, 3, 5]);
    }

    #[test]
    fn windows_1252_is_read() {
        let (text, note) = decode(b"Name\nM\xfcller \x80\n").unwrap();
        assert_eq!(text, "Name\nMüller €\n");
        assert!(note.unwrap().contains("Windows-1252"));
        assert!(decode(&[0xFF, 0xFE, 0x41, 0]).unwrap_err().contains("UTF-16"));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            for kind in [ImportKind::Contacts, ImportKind::Companies, ImportKind::Deals, ImportKind::Tasks] {
                match parse(&bytes, kind, &[]) {
                    Err(e) => proptest::prop_assert!(!e.is_empty()),
                    Ok(p) => {
                        for item in p.items {
                            if let Err(e) = item.draft {
                                proptest::prop_assert!(!e.is_empty() && item.line >= 2, "line {}: {e:?}", item.line);
                            }
                        }
                    }
                }
            }
        }

        #[test]
        fn csv_like_text_parses_without_panicking(text in "[a-zA-Z ,;\"\n:@.0-9]{0,300}") {
            let _ = parse(text.as_bytes(), ImportKind::Contacts, &[]);
        }
    }
}
