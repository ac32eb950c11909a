//! Duplicate contacts: the same normalized email, the same normalized phone, or the same or a
//! very similar name at the same company. Used by `crm dupes`, by the TUI's merge view and by
//! imports (a row that matches a contact updates it instead of creating a second one).

use super::{fold, Crm, Result};
use crate::domain::*;
use hashbrown::hash_table::{Entry, HashTable};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Emails compare without case and surrounding space.
pub fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Phones compare by their digits (as search does), without leading zeros: a national number
/// ("030 1234567") is then a suffix of the international one ("+49 30 1234567"). Fewer than
/// seven digits is no phone to compare (extensions, typos).
pub fn norm_phone(s: &str) -> Option<String> {
    let d = super::search::digits(s);
    let d = d.trim_start_matches('0');
    (d.len() >= 7).then(|| d.to_string())
}

/// The bucket two numbers must share to be compared: their last seven digits.
fn phone_key(n: &str) -> &str {
    &n[n.len().saturating_sub(7)..]
}

/// `phone_key` as a number (its seven digits), for the index of an import: no string to make
/// and free per row. Numbers are normalized to digits only, so no two buckets share one.
fn phone_bucket(n: &str) -> u64 {
    phone_key(n).bytes().fold(0, |acc, b| acc.wrapping_mul(10).wrapping_add(u64::from(b.wrapping_sub(b'0'))))
}

/// Two normalized numbers are the same when one ends with the other.
pub fn same_phone(a: &str, b: &str) -> bool {
    a.ends_with(b) || b.ends_with(a)
}

/// A name folded (case, accents) with its words sorted: "Müller, Anna" = "anna muller".
pub fn norm_name(s: &str) -> String {
    let folded = fold(s);
    let mut words: Vec<&str> = folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    words.sort_unstable();
    words.join(" ")
}

/// Similarity of two normalized names, 0–100 (Levenshtein over the longer length).
pub fn name_similarity(a: &str, b: &str) -> u32 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 100;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (100 - prev[b.len()] * 100 / longest) as u32
}

/// Names this similar (same company) count as duplicates.
pub const SIMILAR_NAME: u32 = 85;

/// Why a record looks like another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Why {
    Email(String),
    Phone(String),
    Name { similarity: u32 },
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Email(e) => write!(f, "same email {e}"),
            Why::Phone(p) => write!(f, "same phone {p}"),
            Why::Name { similarity: 100 } => f.write_str("same name and company"),
            Why::Name { similarity } => write!(f, "similar name ({similarity}%) and same company"),
        }
    }
}

impl Why {
    /// Email and exact name matches are taken as the same person; a shared phone (a
    /// switchboard) or a similar name only as a possible duplicate.
    pub fn is_strong(&self) -> bool {
        matches!(self, Why::Email(_) | Why::Name { similarity: 100 })
    }
}

/// FxHash (as rustc uses): hashing the keys of an import's 100k rows with SipHash took a
/// tenth of the import. The keys come from the user's own files, so flooding resistance buys
/// nothing here.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        // Mix the high bits (where the multiplication puts them) into the low ones, which pick
        // the bucket: keys that differ only early ("a.1@x.com", "a.2@x.com") spread out.
        let h = self.0;
        (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 32)
    }
}

pub type FxBuild = std::hash::BuildHasherDefault<FxHasher>;
type FxMap<K, V> = HashMap<K, V, FxBuild>;

/// Lookup of contacts by email, phone and name + company. Emails and names are kept with their
/// hash (`Keys` makes it where the row is made ready), so that neither inserting nor growing
/// hashes a key again.
#[derive(Debug, Default)]
pub struct ContactIndex {
    email: HashTable<(u64, String, ContactId)>,
    phone: FxMap<u64, Vec<(String, ContactId)>>,
    /// (hash of name and company, name, company, id).
    name: HashTable<(u64, String, Option<CompanyId>, ContactId)>,
}

fn fx_hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    FxBuild::default().hash_one(s)
}

/// Matches the index's entry for email `e` of hash `h`.
fn is_email(h: u64, e: &str) -> impl Fn(&(u64, String, ContactId)) -> bool + '_ {
    move |x| x.0 == h && x.1 == e
}

/// Matches the index's entry for a name at a company, of hash `h` (`name_hash`).
fn is_name(
    h: u64,
    name: &str,
    company: Option<CompanyId>,
) -> impl Fn(&(u64, String, Option<CompanyId>, ContactId)) -> bool + '_ {
    move |x| x.0 == h && x.2 == company && x.1 == name
}

/// A name's hash with its company's: one name at many companies spreads over the table.
fn name_hash(name: u64, company: Option<CompanyId>) -> u64 {
    let c = company.map_or(0, |c| c.0.wrapping_add(1));
    (name ^ c.wrapping_mul(0x9e37_79b9_7f4a_7c15)).rotate_left(23).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// A contact's normalized emails, phones (with the index of the phone) and name, with the
/// hashes of emails and name, computed once for both looking it up and adding it.
pub struct Keys {
    emails: Vec<(u64, String)>,
    phones: Vec<(usize, String)>,
    name: (u64, String),
}

impl Keys {
    pub fn of(c: &Contact) -> Keys {
        let name = norm_name(&c.name);
        Keys {
            emails: c.emails.iter().map(|e| norm_email(&e.value)).map(|e| (fx_hash(&e), e)).collect(),
            phones: c.phones.iter().enumerate().filter_map(|(i, p)| norm_phone(&p.value).map(|n| (i, n))).collect(),
            name: (fx_hash(&name), name),
        }
    }
}

impl ContactIndex {
    /// Room for `n` more contacts (an import knows how many rows it has).
    pub fn reserve(&mut self, n: usize) {
        self.email.reserve(n, |e| e.0);
        self.name.reserve(n, |e| e.0);
        self.phone.reserve(n);
    }

    pub fn add(&mut self, c: &Contact) {
        self.add_keys(c.id, c.company, &mut Keys::of(c));
    }

    /// Adds the keys, taking them out of `keys`: what is left (emptied vectors) is the
    /// caller's to free, which an import does later, on no thread that waits for it. The first
    /// contact with a key keeps it.
    pub fn add_keys(&mut self, id: ContactId, company: Option<CompanyId>, keys: &mut Keys) {
        for (h, e) in keys.emails.drain(..) {
            if let Entry::Vacant(v) = self.email.entry(h, is_email(h, &e), |x| x.0) {
                v.insert((h, e, id));
            }
        }
        for (_, n) in keys.phones.drain(..) {
            // Most buckets hold one number: room for one (a first push makes room for four).
            let bucket = self.phone.entry(phone_bucket(&n)).or_default();
            bucket.reserve_exact(1);
            bucket.push((n, id));
        }
        let h = name_hash(keys.name.0, company);
        let name = std::mem::take(&mut keys.name.1);
        if let Entry::Vacant(v) = self.name.entry(h, is_name(h, &name, company), |x| x.0) {
            v.insert((h, name, company, id));
        }
    }

    /// The contact `c` duplicates, strongest reason first.
    pub fn find(&self, c: &Contact) -> Option<(ContactId, Why)> {
        self.find_keys(c, &Keys::of(c))
    }

    /// `find` with the keys of `c` already made.
    pub fn find_keys(&self, c: &Contact, keys: &Keys) -> Option<(ContactId, Why)> {
        for ((h, e), original) in keys.emails.iter().zip(&c.emails) {
            if let Some(id) = self.email.find(*h, is_email(*h, e)).map(|x| x.2).filter(|id| *id != c.id) {
                return Some((id, Why::Email(original.value.clone())));
            }
        }
        let (h, name) = (name_hash(keys.name.0, c.company), &keys.name.1);
        let same_name = self.name.find(h, is_name(h, name, c.company)).map(|x| x.3);
        if let Some(id) = same_name.filter(|id| *id != c.id) {
            return Some((id, Why::Name { similarity: 100 }));
        }
        for (i, n) in &keys.phones {
            let hit = self.phone.get(&phone_bucket(n)).and_then(|list| {
                list.iter().find(|(other, id)| *id != c.id && same_phone(n, other)).map(|(_, id)| *id)
            });
            if let (Some(id), Some(p)) = (hit, c.phones.get(*i)) {
                return Some((id, Why::Phone(p.value.clone())));
            }
        }
        None
    }

    pub fn by_email(&self, email: &str) -> Option<ContactId> {
        let e = norm_email(email);
        let h = fx_hash(&e);
        self.email.find(h, is_email(h, &e)).map(|x| x.2)
    }
}

/// A pair of contacts that look like the same person (or two companies that look like one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DupePair {
    pub a: Ref,
    pub a_name: String,
    pub b: Ref,
    pub b_name: String,
    pub why: Vec<String>,
    /// Strong (same email or exact name at the same company) or possible.
    pub strong: bool,
}

/// Every pair of live contacts that look alike, strongest first, then by id.
pub fn find_pairs(contacts: &[Contact]) -> Vec<DupePair> {
    let mut reasons: BTreeMap<(ContactId, ContactId), Vec<Why>> = BTreeMap::new();
    let mut add = |x: ContactId, y: ContactId, why: Why| {
        if x == y {
            return;
        }
        let key = if x < y { (x, y) } else { (y, x) };
        let list = reasons.entry(key).or_default();
        if !list.contains(&why) {
            list.push(why);
        }
    };
    let mut by_email: HashMap<String, Vec<(ContactId, &str)>> = HashMap::new();
    let mut by_phone: HashMap<String, Vec<(ContactId, String, &str)>> = HashMap::new();
    let mut by_company: HashMap<Option<CompanyId>, Vec<(ContactId, String)>> = HashMap::new();
    for c in contacts {
        for e in &c.emails {
            by_email.entry(norm_email(&e.value)).or_default().push((c.id, &e.value));
        }
        for p in &c.phones {
            if let Some(n) = norm_phone(&p.value) {
                by_phone.entry(phone_key(&n).to_string()).or_default().push((c.id, n, &p.value));
            }
        }
        by_company.entry(c.company).or_default().push((c.id, norm_name(&c.name)));
    }
    for group in by_email.values().filter(|g| g.len() > 1) {
        for (i, (x, v)) in group.iter().enumerate() {
            for (y, _) in &group[i + 1..] {
                add(*x, *y, Why::Email(v.to_string()));
            }
        }
    }
    // A number shared by dozens is a switchboard, not a person.
    for group in by_phone.values().filter(|g| g.len() > 1 && g.len() <= 5) {
        for (i, (x, nx, v)) in group.iter().enumerate() {
            for (y, ny, _) in &group[i + 1..] {
                if same_phone(nx, ny) {
                    add(*x, *y, Why::Phone(v.to_string()));
                }
            }
        }
    }
    for (company, mut group) in by_company {
        group.sort_by(|a, b| a.1.cmp(&b.1));
        // Without a company only identical names count; with one, similar names within a
        // window of the sorted names (typos rarely change the first letters).
        for (i, (x, nx)) in group.iter().enumerate() {
            for (y, ny) in group.iter().skip(i + 1).take(if company.is_some() { 8 } else { 1 }) {
                if nx.is_empty() {
                    continue;
                }
                let s = if nx == ny { 100 } else { name_similarity(nx, ny) };
                if s == 100 || (company.is_some() && s >= SIMILAR_NAME) {
                    add(*x, *y, Why::Name { similarity: s });
                }
            }
        }
    }
    let names: HashMap<ContactId, &str> = contacts.iter().map(|c| (c.id, c.name.as_str())).collect();
    let mut out: Vec<DupePair> = reasons
        .into_iter()
        .map(|((a, b), why)| {
            let strong = why.iter().any(|w| w.is_strong()) || why.len() > 1;
            DupePair {
                a: Ref::Contact(a),
                a_name: names.get(&a).unwrap_or(&"").to_string(),
                b: Ref::Contact(b),
                b_name: names.get(&b).unwrap_or(&"").to_string(),
                why: why.iter().map(|w| w.to_string()).collect(),
                strong,
            }
        })
        .collect();
    out.sort_by(|x, y| (!x.strong, &x.a, &x.b).cmp(&(!y.strong, &y.a, &y.b)));
    out
}

/// Legal forms that do not tell two companies apart ("Atlas GmbH" is "Atlas").
const LEGAL_FORMS: &str =
    "ab ag as bv co company corp corporation gmbh inc incorporated kg limited llc llp ltd nv oy plc pty sa sarl sas spa srl";

/// A company name without case, accents, punctuation and legal form.
pub fn norm_company(name: &str) -> String {
    let folded = fold(name);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.split(' ').any(|f| f == *w))
        .collect();
    words.join(" ")
}

/// A website as its host: `https://www.Atlas.de/about` is `atlas.de`.
pub fn norm_website(site: &str) -> String {
    let t = site.trim().to_lowercase();
    let t = t.split_once("://").map(|(_, rest)| rest.to_string()).unwrap_or(t);
    let host = t.split(['/', '?', '#']).next().unwrap_or("");
    host.strip_prefix("www.").unwrap_or(host).to_string()
}

/// Every pair of live companies with the same name (legal form aside) or the same website.
pub fn find_company_pairs(companies: &[Company]) -> Vec<DupePair> {
    let mut reasons: BTreeMap<(CompanyId, CompanyId), Vec<String>> = BTreeMap::new();
    let mut groups: HashMap<(bool, String), Vec<&Company>> = HashMap::new();
    for c in companies {
        let name = norm_company(&c.name);
        if !name.is_empty() {
            groups.entry((false, name)).or_default().push(c);
        }
        let site = norm_website(&c.website);
        if !site.is_empty() {
            groups.entry((true, site)).or_default().push(c);
        }
    }
    for ((by_site, _), group) in &groups {
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                let key = if x.id < y.id { (x.id, y.id) } else { (y.id, x.id) };
                let why =
                    if *by_site { format!("same website {}", norm_website(&x.website)) } else { "same name".into() };
                let list = reasons.entry(key).or_default();
                if !list.contains(&why) {
                    list.push(why);
                }
            }
        }
    }
    let names: HashMap<CompanyId, &str> = companies.iter().map(|c| (c.id, c.name.as_str())).collect();
    reasons
        .into_iter()
        .map(|((a, b), mut why)| {
            why.sort();
            DupePair {
                a: Ref::Company(a),
                a_name: names.get(&a).unwrap_or(&"").to_string(),
                b: Ref::Company(b),
                b_name: names.get(&b).unwrap_or(&"").to_string(),
                why,
                strong: true,
            }
        })
        .collect()
}

impl Crm {
    /// Pairs of live contacts that look like the same person.
    pub fn duplicate_contacts(&self) -> Result<Vec<DupePair>> {
        let access = self.access()?;
        let mut contacts = Vec::new();
        self.store().scan(EntityKind::Contact, &mut |r| {
            if !access.sees_directly(&r) {
                return true;
            }
            if let Record::Contact(c) = r {
                if c.deleted.is_none() {
                    contacts.push(c);
                }
            }
            true
        })?;
        Ok(find_pairs(&contacts))
    }

    /// Pairs of live companies that look like one (same name but for the legal form, or the
    /// same website).
    pub fn duplicate_companies(&self) -> Result<Vec<DupePair>> {
        let access = self.access()?;
        let mut companies = Vec::new();
        self.store().scan(EntityKind::Company, &mut |r| {
            if !access.sees_directly(&r) {
                return true;
            }
            if let Record::Company(c) = r {
                if c.deleted.is_none() {
                    companies.push(c);
                }
            }
            true
        })?;
        Ok(find_company_pairs(&companies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: u64, name: &str, company: Option<u64>, email: &str, phone: &str) -> Contact {
        let l = |v: &str| if v.is_empty() { vec![] } else { vec![Labeled { label: "work".into(), value: v.into() }] };
        Contact {
            id: ContactId(id),
            name: name.into(),
            company: company.map(CompanyId),
            emails: l(email),
            phones: l(phone),
            ..Contact::default()
        }
    }

    #[test]
    fn normalizers() {
        assert_eq!(norm_email(" Anna@Atlas.DE "), "anna@atlas.de");
        assert!(same_phone(&norm_phone("+49 (30) 123-4567").unwrap(), &norm_phone("030 1234567").unwrap()));
        assert!(same_phone(&norm_phone("+49 30 555 01").unwrap(), &norm_phone("030 55501").unwrap()));
        assert!(!same_phone(&norm_phone("+49 30 555 01").unwrap(), &norm_phone("030 55502").unwrap()));
        assert_eq!(norm_phone("12"), None);
        assert_eq!(norm_name("Müller, Anna"), norm_name("anna MULLER"));
        assert!(name_similarity("anna muller", "anna mueller") >= SIMILAR_NAME);
        assert!(name_similarity("anna muller", "jan koch") < 50);
    }

    #[test]
    fn the_index_finds_the_first_contact_with_a_key_and_tells_companies_apart() {
        let mut index = ContactIndex::default();
        index.reserve(10);
        // One name at 3,000 companies (an import's "Anna Müller" at every customer).
        for co in 1..=3000 {
            index.add(&c(co, "Anna Müller", Some(co), &format!("anna@co{co}.de"), ""));
        }
        index.add(&c(5000, "Jan Koch", None, "jan@atlas.de", "+49 30 1234567"));
        index.add(&c(5001, "Jan Koch", None, "JAN@atlas.de", ""));
        let find = |x: &Contact| index.find(x).map(|(id, why)| (id.0, why));
        // The same name at the same company; not at another or at none.
        assert_eq!(find(&c(9000, "müller, anna", Some(1234), "", "")), Some((1234, Why::Name { similarity: 100 })));
        assert_eq!(find(&c(9000, "Anna Müller", Some(4000), "", "")), None);
        assert_eq!(find(&c(9000, "Anna Müller", None, "", "")), None);
        // Emails before names; the first contact with an email keeps it; none finds itself.
        assert_eq!(
            find(&c(9000, "Anna Müller", Some(7), " Jan@Atlas.de", "")),
            Some((5000, Why::Email(" Jan@Atlas.de".into())))
        );
        assert_eq!(find(&c(5000, "Someone", None, "jan@atlas.de", "")), None);
        assert_eq!(index.by_email("JAN@ATLAS.DE").map(|id| id.0), Some(5000));
        assert_eq!(index.by_email("anna@co2999.de").map(|id| id.0), Some(2999));
        assert_eq!(index.by_email("nobody@atlas.de"), None);
        // Phones by their last digits.
        assert_eq!(find(&c(9000, "Other", None, "", "030 1234567")), Some((5000, Why::Phone("030 1234567".into()))));
    }

    #[test]
    fn pairs_by_email_phone_and_name() {
        let list = vec![
            c(1, "Anna Müller", Some(1), "anna@atlas.de", ""),
            c(2, "A. Mueller", None, "ANNA@atlas.de", ""),
            c(3, "Jan Koch", Some(2), "", "+49 30 1234567"),
            c(4, "Jan Koch", Some(2), "", ""),
            c(5, "Eva Ruiz", None, "", "030 1234567"),
            c(6, "Jonathan Smith", Some(3), "", ""),
            c(7, "Jonathon Smith", Some(3), "", ""),
            c(8, "Lone Wolf", None, "", ""),
        ];
        let pairs = find_pairs(&list);
        let n = |r: &Ref| r.number().unwrap_or(0);
        let ids: Vec<(u64, u64, bool)> = pairs.iter().map(|p| (n(&p.a), n(&p.b), p.strong)).collect();
        assert!(ids.contains(&(1, 2, true)), "{pairs:?}");
        assert!(ids.contains(&(3, 4, true)), "{pairs:?}");
        assert!(ids.contains(&(3, 5, false)), "{pairs:?}");
        assert!(ids.contains(&(6, 7, false)), "{pairs:?}");
        assert!(!ids.iter().any(|p| p.0 == 8 || p.1 == 8));
        let idx = {
            let mut i = ContactIndex::default();
            list.iter().take(1).for_each(|x| i.add(x));
            i
        };
        let found = idx.find(&c(9, "Someone", None, "anna@ATLAS.de", ""));
        assert_eq!(found, Some((ContactId(1), Why::Email("anna@ATLAS.de".into()))));
    }

    #[test]
    fn companies_pair_by_name_without_legal_form_and_by_website() {
        let co = |id: u64, name: &str, website: &str| Company {
            id: CompanyId(id),
            name: name.into(),
            website: website.into(),
            ..Company::default()
        };
        let list = vec![
            co(1, "Atlas GmbH", "https://www.atlas.de/about"),
            co(2, "atlas", ""),
            co(3, "Nordwind AG", "nordwind.com"),
            co(4, "NW Logistics", "NORDWIND.com"),
            co(5, "Atlantic Ltd", ""),
        ];
        let pairs = find_company_pairs(&list);
        let got: Vec<(String, String, String)> =
            pairs.iter().map(|p| (p.a.to_string(), p.b.to_string(), p.why.join("; "))).collect();
        assert_eq!(
            got,
            [
                ("co1".to_string(), "co2".to_string(), "same name".to_string()),
                ("co3".to_string(), "co4".to_string(), "same website nordwind.com".to_string()),
            ]
        );
        assert_eq!(norm_company("Müller & Co. KG"), "muller");
    }
}
