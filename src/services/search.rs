//! Fuzzy search over every contact, company, deal and task: an in-memory index of each record's
//! search text, matched with nucleo-matcher (fzf-style scoring, Unicode case folding and
//! normalisation, so "muller" finds "Müller" and "elodie" finds "Élodie").

use crate::domain::*;
use crate::store::{Store, StoreError};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    pub id: Ref,
    pub kind: EntityKind,
    /// Name or title.
    pub label: String,
    /// Company, email, value, due… whatever helps tell records apart.
    pub detail: String,
    pub score: u32,
    /// Positions (in chars) of the matched characters in `label`, for highlighting.
    pub highlight: Vec<u32>,
}

#[derive(Clone)]
struct Entry {
    id: Ref,
    label: String,
    detail: String,
    /// The searchable fields, label first: detail, emails, phones with and without
    /// punctuation, `#tags`, city… Each is matched on its own, so that a query's letters are
    /// not picked from several fields at once.
    fields: Vec<Utf32String>,
    /// `#tag` words, for tag filters.
    tags: Vec<String>,
}

/// The index. Build it once (`build`), then keep it current with `refresh` after each write.
#[derive(Default, Clone)]
pub struct SearchIndex {
    entries: Vec<Option<Entry>>,
    slots: HashMap<Ref, usize>,
    companies: HashMap<u64, String>,
    live: usize,
}

/// Digits only: phone numbers match whatever punctuation either side uses.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The lowest score worth showing for a needle of `n` characters. nucleo gives about 28 a
/// character for a run at a word start, 19 inside a word, and takes points for every gap:
/// "anna" scores 114 in "Anna Koch", 76 in "Joanna North", 57 strewn over "Carmen Fernández".
fn min_score(n: usize) -> u32 {
    n as u32 * 16
}

/// The same matching as the index, for filtering a list in place: a record matches when one
/// of its fields matches the query well enough.
pub struct TextMatcher {
    pattern: Pattern,
    matcher: Matcher,
    min: u32,
    buf: Vec<char>,
}

impl TextMatcher {
    pub fn new(query: &str) -> TextMatcher {
        TextMatcher {
            pattern: Pattern::new(query.trim(), CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy),
            matcher: Matcher::new(Config::DEFAULT),
            min: min_score(query.chars().filter(|c| !c.is_whitespace()).count()),
            buf: Vec::new(),
        }
    }

    /// The best score of `fields`, if any matches well enough.
    pub fn score(&mut self, fields: &[&str]) -> Option<u32> {
        let mut best = None;
        for f in fields {
            if let Some(s) = self.pattern.score(Utf32Str::new(f, &mut self.buf), &mut self.matcher) {
                if s >= self.min {
                    best = best.max(Some(s));
                }
            }
        }
        best
    }
}

/// The records whose index entries a write touching `touched` may change: those records, and
/// the contacts and deals of a touched company (their details show the company's name).
/// Companies come first, so that the others pick up a new name.
pub fn affected(store: &Store, touched: &[Ref]) -> Result<Vec<Ref>, StoreError> {
    let mut out: Vec<Ref> = touched.to_vec();
    out.sort_by_key(|r| r.kind() != EntityKind::Company);
    for t in touched {
        if let Ref::Company(c) = t {
            let key = crate::store::keys::id(c.0);
            let contacts = store.index_ids(crate::store::Tree::ContactByCompany, &key, false, usize::MAX)?;
            let deals = store.index_ids(crate::store::Tree::DealByCompany, &key, false, usize::MAX)?;
            out.extend(contacts.into_iter().map(|n| Ref::Contact(ContactId(n))));
            out.extend(deals.into_iter().map(|n| Ref::Deal(DealId(n))));
        }
    }
    Ok(out)
}

/// What a query restricts itself to: `@` companies, `$` deals, `!` tasks, `#tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub text: String,
    pub kind: Option<EntityKind>,
    pub tag: Option<String>,
}

impl Query {
    /// Reads the palette prefixes: `@acme` companies, `$supply` deals, `!call` tasks,
    /// `#vip anna` contacts tagged vip.
    pub fn parse(input: &str) -> Query {
        let t = input.trim_start();
        let (kind, rest) = match t.chars().next() {
            Some('@') => (Some(EntityKind::Company), &t[1..]),
            Some('$') => (Some(EntityKind::Deal), &t[1..]),
            Some('!') => (Some(EntityKind::Task), &t[1..]),
            _ => (None, t),
        };
        let mut tag = None;
        let mut words = Vec::new();
        for w in rest.split_whitespace() {
            match w.strip_prefix('#') {
                Some(tg) if !tg.is_empty() && tag.is_none() => tag = Some(tg.to_lowercase()),
                _ => words.push(w),
            }
        }
        Query { text: words.join(" "), kind, tag }
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SearchIndex({} records)", self.live)
    }
}

/// Two indexes are the same when they hold the same records with the same labels.
impl PartialEq for SearchIndex {
    fn eq(&self, other: &SearchIndex) -> bool {
        self.live == other.live
            && self.slots.iter().all(|(r, &i)| {
                other.slots.get(r).and_then(|&j| other.entries[j].as_ref()).map(|e| (&e.label, &e.detail))
                    == self.entries[i].as_ref().map(|e| (&e.label, &e.detail))
            })
    }
}

impl SearchIndex {
    /// Reads every live contact, company, deal and task.
    pub fn build(store: &Store) -> Result<SearchIndex, StoreError> {
        let mut idx = SearchIndex::default();
        store.scan(EntityKind::Company, &mut |r| {
            if let Record::Company(c) = &r {
                idx.companies.insert(c.id.0, c.name.clone());
            }
            idx.upsert(&r);
            true
        })?;
        for kind in [EntityKind::Contact, EntityKind::Deal, EntityKind::Task] {
            store.scan(kind, &mut |r| {
                idx.upsert(&r);
                true
            })?;
        }
        Ok(idx)
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn company(&self, id: Option<CompanyId>) -> &str {
        id.and_then(|c| self.companies.get(&c.0)).map(String::as_str).unwrap_or("")
    }

    /// Adds or replaces a record's entry; a trashed record leaves the index.
    pub fn upsert(&mut self, r: &Record) {
        let id = r.reference();
        if r.deleted().is_some() {
            self.remove(&id);
            return;
        }
        let (label, detail, extra) = match r {
            Record::Contact(c) => {
                let company = self.company(c.company).to_string();
                let email = c.emails.first().map(|e| e.value.clone()).unwrap_or_default();
                let detail = [company.as_str(), email.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · ");
                let mut extra: Vec<String> = c.emails.iter().map(|e| e.value.clone()).collect();
                for p in &c.phones {
                    extra.push(p.value.clone());
                    extra.push(digits(&p.value));
                }
                extra.extend(c.tags.iter().map(|t| format!("#{t}")));
                extra.push(c.address.city.clone());
                extra.push(c.title.clone());
                (c.name.clone(), detail, extra)
            }
            Record::Company(c) => {
                if let Some(name) = self.companies.get_mut(&c.id.0) {
                    name.clone_from(&c.name);
                } else {
                    self.companies.insert(c.id.0, c.name.clone());
                }
                let detail = [c.website.as_str(), c.address.city.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · ");
                let mut extra: Vec<String> = c.tags.iter().map(|t| format!("#{t}")).collect();
                extra.push(c.industry.clone());
                (c.name.clone(), detail, extra)
            }
            Record::Deal(d) => {
                let company = self.company(d.company).to_string();
                let detail =
                    format!("{}{}{} · {}", company, if company.is_empty() { "" } else { " · " }, d.value, d.stage);
                (d.title.clone(), detail, vec![company])
            }
            Record::Task(t) => {
                let due = super::format::due(t.due);
                let detail = if t.done.is_some() { format!("done · due {due}") } else { format!("due {due}") };
                (t.title.clone(), detail, vec![])
            }
            Record::Activity(_) | Record::User(_) => return,
        };
        let tags = match r {
            Record::Contact(c) => c.tags.clone(),
            Record::Company(c) => c.tags.clone(),
            _ => Vec::new(),
        };
        let mut fields = vec![Utf32String::from(label.as_str())];
        fields.extend(
            detail
                .split(" · ")
                .chain(extra.iter().map(String::as_str))
                .filter(|s| !s.is_empty() && !s.starts_with('#'))
                .map(Utf32String::from),
        );
        let entry = Entry { id: id.clone(), fields, tags, label, detail };
        match self.slots.get(&id) {
            Some(&i) => self.entries[i] = Some(entry),
            None => {
                self.slots.insert(id, self.entries.len());
                self.entries.push(Some(entry));
                self.live += 1;
            }
        }
    }

    pub fn remove(&mut self, id: &Ref) {
        if let Some(i) = self.slots.remove(id) {
            self.entries[i] = None;
            self.live -= 1;
        }
    }

    /// Re-reads the records a write (or undo) touched; see [`affected`].
    pub fn refresh(&mut self, store: &Store, touched: &[Ref]) -> Result<(), StoreError> {
        for r in affected(store, touched)? {
            match store.get(&r)? {
                Some(rec) => self.upsert(&rec),
                None => self.remove(&r),
            }
        }
        Ok(())
    }

    /// The best `limit` matches, best first. Name matches rank above matches elsewhere, an
    /// exact name above everything.
    pub fn search(&self, query: &Query, limit: usize) -> Vec<Hit> {
        self.search_within(query, None, limit).0
    }

    /// Like `search`, but only among `candidates` (entry positions from an earlier search whose
    /// query this one extends: typing narrows, so each keystroke rescans only what still
    /// matched). Also returns the positions of every match, for the next keystroke.
    pub fn search_within(&self, query: &Query, candidates: Option<&[usize]>, limit: usize) -> (Vec<Hit>, Vec<usize>) {
        let text = query.text.trim();
        // A query that looks like a phone number matches digits only.
        let phone_like = text.chars().filter(char::is_ascii_digit).count() >= 3
            && text.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c));
        let text = if phone_like { digits(text) } else { text.to_string() };
        if text.is_empty() && query.tag.is_none() && query.kind.is_none() {
            return (Vec::new(), Vec::new());
        }
        // Phone numbers are matched as a run of digits, not fuzzily (a stray 0 is a different number).
        let kind = if phone_like { AtomKind::Substring } else { AtomKind::Fuzzy };
        let pattern = Pattern::new(&text, CaseMatching::Ignore, Normalization::Smart, kind);
        let folded = super::fold(&text);
        let min_score = min_score(text.chars().filter(|c| !c.is_whitespace()).count());
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut scored: Vec<(u32, usize)> = Vec::new();
        let all: Vec<usize>;
        let positions: &[usize] = match candidates {
            Some(c) => c,
            None => {
                all = (0..self.entries.len()).collect();
                &all
            }
        };
        for &i in positions {
            let Some(e) = self.entries.get(i).and_then(Option::as_ref) else { continue };
            if query.kind.is_some_and(|k| k != e.id.kind()) {
                continue;
            }
            if query.tag.as_ref().is_some_and(|t| !e.tags.contains(t)) {
                continue;
            }
            if text.is_empty() {
                scored.push((0, i));
                continue;
            }
            // The best field wins; the name counts half as much again.
            let best = e
                .fields
                .iter()
                .enumerate()
                .filter_map(|(f, h)| pattern.score(h.slice(..), &mut matcher).map(|s| (f, s)))
                // Letters strewn across a long field are noise: keep matches of a decent quality.
                .filter(|(_, s)| *s >= min_score)
                .map(|(f, s)| if f == 0 { s + s / 2 } else { s })
                .max();
            let Some(best) = best else { continue };
            let exact = if !folded.is_empty() && super::fold(&e.label) == folded { 10_000 } else { 0 };
            scored.push((best + exact, i));
        }
        let matched: Vec<usize> = scored.iter().map(|(_, i)| *i).collect();
        // Best first; ties by label so that results are stable.
        let take = limit.min(scored.len());
        if take < scored.len() {
            scored.select_nth_unstable_by(take, |a, b| b.0.cmp(&a.0));
            scored.truncate(take);
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| self.label(a.1).cmp(self.label(b.1))));
        let mut buf = Vec::new();
        let hits = scored
            .into_iter()
            .filter_map(|(score, i)| {
                let e = self.entries[i].as_ref()?;
                let mut highlight = Vec::new();
                pattern.indices(Utf32Str::new(&e.label, &mut buf), &mut matcher, &mut highlight);
                highlight.sort_unstable();
                highlight.dedup();
                Some(Hit {
                    id: e.id.clone(),
                    kind: e.id.kind(),
                    label: e.label.clone(),
                    detail: e.detail.clone(),
                    score,
                    highlight,
                })
            })
            .collect();
        (hits, matched)
    }

    fn label(&self, i: usize) -> &str {
        self.entries[i].as_ref().map(|e| e.label.as_str()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: u64, name: &str) -> Record {
        Record::Contact(Contact { id: ContactId(id), name: name.into(), ..Contact::default() })
    }

    fn index(records: &[Record]) -> SearchIndex {
        let mut idx = SearchIndex::default();
        for r in records {
            idx.upsert(r);
        }
        idx
    }

    fn labels(idx: &SearchIndex, q: &str) -> Vec<String> {
        idx.search(&Query::parse(q), 10).into_iter().map(|h| h.label).collect()
    }

    #[test]
    fn accents_case_and_scripts() {
        let idx = index(&[
            contact(1, "Anna Müller"),
            contact(2, "Élodie Fabre"),
            contact(3, "Иван Петров"),
            contact(4, "Γιώργος Παπαδόπουλος"),
            contact(5, "محمد العلي"),
        ]);
        assert_eq!(labels(&idx, "muller"), ["Anna Müller"]);
        assert_eq!(labels(&idx, "elodie"), ["Élodie Fabre"]);
        assert_eq!(labels(&idx, "иван"), ["Иван Петров"]);
        assert_eq!(labels(&idx, "ПЕТРОВ"), ["Иван Петров"]);
        assert_eq!(labels(&idx, "γιώργος"), ["Γιώργος Παπαδόπουλος"]);
        assert_eq!(labels(&idx, "العلي"), ["محمد العلي"]);
    }

    #[test]
    fn exact_name_beats_fuzzy_and_word_start_beats_middle() {
        let idx = index(&[contact(1, "Annabelle Nash"), contact(2, "Ann"), contact(3, "Joanna North")]);
        assert_eq!(labels(&idx, "ann")[0], "Ann");
        let idx = index(&[contact(1, "Joanna North"), contact(2, "Anna Berg")]);
        assert_eq!(labels(&idx, "ann"), ["Anna Berg", "Joanna North"]);
    }

    #[test]
    fn phones_match_without_punctuation() {
        let mut c = Contact { id: ContactId(1), name: "Bo".into(), ..Contact::default() };
        c.phones.push(Labeled { label: "work".into(), value: "+49 (30) 123-4567".into() });
        let idx = index(&[Record::Contact(c), contact(2, "Cy")]);
        assert_eq!(labels(&idx, "030 1234567").len(), 0, "a leading 0 is not in the stored number");
        assert_eq!(labels(&idx, "30 123 45"), ["Bo"]);
        assert_eq!(labels(&idx, "+49-30-1234567"), ["Bo"]);
    }

    #[test]
    fn prefixes_restrict_the_kind_and_tags_filter() {
        let mut c = Contact { id: ContactId(1), name: "Atlas Person".into(), ..Contact::default() };
        c.tags.push("vip".into());
        let idx = index(&[
            Record::Company(Company { id: CompanyId(1), name: "Atlas GmbH".into(), ..Company::default() }),
            Record::Contact(c),
            contact(2, "Atlas Other"),
            Record::Deal(Deal { id: DealId(1), title: "Atlas supply".into(), stage: "lead".into(), ..Deal::default() }),
            Record::Task(Task { id: TaskId(1), title: "Call Atlas".into(), ..Task::default() }),
        ]);
        assert_eq!(labels(&idx, "@atlas"), ["Atlas GmbH"]);
        assert_eq!(labels(&idx, "$atlas"), ["Atlas supply"]);
        assert_eq!(labels(&idx, "!atlas"), ["Call Atlas"]);
        assert_eq!(labels(&idx, "#vip atlas"), ["Atlas Person"]);
        assert_eq!(Query::parse("#vip"), Query { text: String::new(), kind: None, tag: Some("vip".into()) });
    }

    #[test]
    fn upsert_and_remove_keep_the_index_current() {
        let mut idx = index(&[contact(1, "Anna"), contact(2, "Bob")]);
        idx.upsert(&contact(1, "Zelda"));
        assert_eq!(labels(&idx, "anna"), Vec::<String>::new());
        assert_eq!(labels(&idx, "zelda"), ["Zelda"]);
        let mut trashed = contact(2, "Bob");
        trashed.set_deleted(Some(Timestamp(1)));
        idx.upsert(&trashed);
        assert_eq!(labels(&idx, "bob"), Vec::<String>::new());
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn letters_strewn_across_a_field_are_not_a_match() {
        let idx = index(&[contact(1, "Anna Koch"), contact(2, "Carmen Fernández"), contact(3, "Joanna North")]);
        assert_eq!(labels(&idx, "anna"), ["Anna Koch", "Joanna North"]);
    }

    #[test]
    fn narrowing_within_earlier_matches_gives_the_same_hits() {
        let idx = index(&[
            contact(1, "Anna Müller"),
            contact(2, "Annika Berg"),
            contact(3, "Bob Stone"),
            contact(4, "Hanna Ann"),
        ]);
        let (_, first) = idx.search_within(&Query::parse("an"), None, 10);
        let (narrow, _) = idx.search_within(&Query::parse("ann"), Some(&first), 10);
        assert_eq!(narrow, idx.search(&Query::parse("ann"), 10));
        assert!(!narrow.is_empty());
    }

    #[test]
    fn highlights_point_at_the_matched_characters() {
        let idx = index(&[contact(1, "Anna Müller")]);
        let hit = &idx.search(&Query::parse("mlr"), 1)[0];
        assert_eq!(hit.highlight, vec![5, 7, 10]);
    }
}
