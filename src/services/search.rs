//! Fuzzy search over every contact, company, deal and task: an in-memory index of each record's
//! search text, matched with nucleo-matcher (fzf-style scoring, Unicode case folding and
//! normalisation, so "muller" finds "Müller" and "elodie" finds "Élodie").

use crate::domain::*;
use crate::store::{Store, StoreError};
use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

mod ordered;
pub use ordered::Candidates;

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

/// One searchable field of an entry: where its text is, and which characters it holds.
#[derive(Clone, Copy)]
struct Field {
    /// The characters the field holds, as [`char_bits`]: a query needing a character the
    /// field lacks cannot match it, and is not handed to the matcher.
    mask: u64,
    /// Start in the entry's text (bytes) or, when `UNICODE` is set, in its chars.
    start: u32,
    /// In bytes, or in chars when `UNICODE` is set.
    len: u32,
}

/// Set in `Field::start` for a field held in the entry's chars (text whose graphemes are not
/// all single chars: the matcher reads the first char of each).
const UNICODE: u32 = 1 << 31;

/// Set in `Field::start` for a field that is not ASCII but whose chars are what the matcher
/// reads: kept as UTF-8 in the entry's text (a quarter of the room) and decoded when matched,
/// which is rare (queries in ASCII match its ASCII twin, when it has one, and most queries miss
/// it on its `mask`).
const UTF8: u32 = 1 << 30;

/// Set in `Field::len` for a field (not ASCII) that the next field spells in ASCII, for
/// queries in ASCII: see [`ascii_twin`].
const TWIN: u32 = 1 << 31;

/// The text, chars and fields of every entry, back to back, in the order the entries were
/// made: a search reads them in order instead of chasing three allocations per record.
#[derive(Default, Clone)]
struct Arena {
    text: String,
    chars: Vec<char>,
    fields: Vec<Field>,
    /// Bytes of the above that belong to replaced or removed entries.
    dead: usize,
}

/// (48 bytes: offsets in 32 bits, the record as its type and number; a million contacts make
/// two million entries. What a search reads of every entry is apart, in [`Sig`]s.)
#[derive(Clone)]
struct Entry {
    /// The record: a contact, company, deal or task, and its number.
    kind: EntityKind,
    number: u64,
    /// Start in `Arena::text` of the label, then the detail, then every searchable field in
    /// ASCII (or UTF-8, see [`UTF8`]) that is not already part of them.
    text: u32,
    label_len: u32,
    detail_len: u32,
    text_len: u32,
    /// Start in `Arena::chars` of the searchable fields that are not ASCII, as the matcher
    /// reads them (one char per grapheme).
    chars: u32,
    chars_len: u32,
    /// Start in `Arena::fields` of the searchable fields, label first: detail, emails, phones
    /// with and without punctuation, city… Each is matched on its own, so that a query's
    /// letters are not picked from several fields at once. A field equal to an earlier one is
    /// left out.
    fields: u32,
    fields_len: u32,
    /// Bytes at the end of the entry's text that are its tags (for tag filters), each followed
    /// by a NUL.
    tags_len: u32,
}

/// What a search reads of an entry to tell whether it can match, and how well, before it reads
/// the entry and its text: kept apart from the entries (`SearchIndex::masks`, `shapes`), so that
/// passing over a record reads 16 to 48 bytes of arrays read in order rather than its entry and
/// its name (at a million contacts, reading every entry was most of a keystroke's time).
#[derive(Clone, Copy, Default, PartialEq, Debug)]
struct Sig {
    /// The first field's `mask` (the name's, see `score`), and the other fields', or-ed. Zero
    /// for no entry (removed).
    masks: [u64; 2],
    /// Of the name: the characters that start a word (see [`starts`]), the pairs of characters
    /// side by side (see [`pairs`]), how its words start (see [`heads`]) and the characters
    /// nucleo may give the bonus of a camelCase or a digit (see [`camels`]).
    name: [u64; 4],
    /// Of the other fields: the characters that start a word and the pairs.
    others: [u64; 2],
}

impl Entry {
    fn id(&self) -> Ref {
        match self.kind {
            EntityKind::Contact => Ref::Contact(ContactId(self.number)),
            EntityKind::Company => Ref::Company(CompanyId(self.number)),
            EntityKind::Deal => Ref::Deal(DealId(self.number)),
            // (Entries are of these four types only: see `upsert`.)
            _ => Ref::Task(TaskId(self.number)),
        }
    }

    /// Where the entry's text, chars and fields start in the arena.
    fn starts(&self) -> (usize, usize, usize) {
        (self.text as usize, self.chars as usize, self.fields as usize)
    }
    fn label<'a>(&self, arena: &'a Arena) -> &'a str {
        let text = self.text as usize;
        &arena.text[text..text + self.label_len as usize]
    }

    fn detail<'a>(&self, arena: &'a Arena) -> &'a str {
        let start = self.text as usize + self.label_len as usize;
        &arena.text[start..start + self.detail_len as usize]
    }

    /// The first field (the name) in ASCII, itself or its twin, if it has one.
    fn ascii_name<'a>(&self, arena: &'a Arena) -> Option<&'a [u8]> {
        let fields = self.fields(arena);
        let f = match fields.first()? {
            f if f.start & (UNICODE | UTF8) == 0 => f,
            f if f.len & TWIN != 0 => fields.get(1)?,
            _ => return None,
        };
        let start = self.text as usize + f.start as usize;
        Some(&arena.text.as_bytes()[start..start + f.len as usize])
    }

    fn fields<'a>(&self, arena: &'a Arena) -> &'a [Field] {
        let fields = self.fields as usize;
        &arena.fields[fields..fields + self.fields_len as usize]
    }

    /// A field as the matcher reads it (`buf` holds the chars of a field kept as UTF-8).
    fn field<'a>(&self, arena: &'a Arena, f: &Field, buf: &'a mut Vec<char>) -> Utf32Str<'a> {
        let (start, len) = ((f.start & !(UNICODE | UTF8)) as usize, (f.len & !TWIN) as usize);
        let (text0, chars0, _) = self.starts();
        if f.start & UNICODE != 0 {
            return Utf32Str::Unicode(&arena.chars[chars0 + start..chars0 + start + len]);
        }
        let text = &arena.text[text0 + start..text0 + start + len];
        if f.start & UTF8 != 0 {
            buf.clear();
            buf.extend(text.chars());
            Utf32Str::Unicode(buf)
        } else {
            Utf32Str::Ascii(text.as_bytes())
        }
    }

    fn has_tag(&self, arena: &Arena, tag: &str) -> bool {
        let end = self.text as usize + self.text_len as usize;
        arena.text[end - self.tags_len as usize..end].split_terminator('\0').any(|t| t == tag)
    }

    /// Bytes the entry holds in the arena.
    fn size(&self) -> usize {
        self.text_len as usize
            + self.chars_len as usize * std::mem::size_of::<char>()
            + self.fields_len as usize * std::mem::size_of::<Field>()
    }

    /// The entry of a record, its text added to `arena`: its label and detail, and its fields:
    /// the label, the detail's parts, then `extra` (`#…` and empty ones left out).
    /// None past 4 GB of arena (tens of millions of records), where offsets no longer fit.
    fn build(
        id: &Ref,
        label: &str,
        detail: &str,
        extra: &[Cow<'_, str>],
        tags: &[String],
        arena: &mut Arena,
    ) -> Option<(Entry, Sig)> {
        let keep = |s: &&str| !s.is_empty() && !s.starts_with('#');
        let (text0, chars0, fields0) = (arena.text.len(), arena.chars.len(), arena.fields.len());
        arena.text.push_str(label);
        arena.text.push_str(detail);
        // The label, the detail's parts (both already in the text), then `extra`.
        let mut at = label.len();
        let detail_parts = detail.split(" · ").filter_map(|p| {
            let start = at;
            at += p.len() + " · ".len();
            keep(&p).then_some((p, Some(start)))
        });
        let parts = std::iter::once((label, Some(0)))
            .chain(detail_parts)
            .chain(extra.iter().map(|x| x.as_ref()).filter(keep).map(|x| (x, None)));
        // (No allocation: past 16 fields, duplicates are merely matched twice.)
        let (mut seen, mut seen_len) = ([""; 16], 0);
        let (mut masks, mut starts, mut pairs, mut first) = ([0u64; 2], [0u64; 2], [0u64; 2], true);
        let mut name_camels = 0;
        let (mut buf, mut twin) = (Vec::new(), String::new());
        for (part, at) in parts {
            // The same text twice cannot score better the second time.
            if seen[..seen_len].contains(&part) {
                continue;
            }
            if seen_len < seen.len() {
                seen[seen_len] = part;
                seen_len += 1;
            }
            // (Its twin's chars start the same words: they have the same classes.)
            let field_starts = if part.is_ascii() { self::starts(part.bytes().map(char::from)) } else { 0 };
            if first {
                name_camels = camels(part.chars());
            }
            if part.is_ascii() {
                pairs[usize::from(!first)] |= self::pairs(part.bytes().map(char::from));
            }
            let field = if part.is_ascii() {
                let start = at.unwrap_or_else(|| {
                    arena.text.push_str(part);
                    arena.text.len() - text0 - part.len()
                });
                let mask = part.bytes().fold(0, |m, c| m | ASCII_BITS[c as usize]);
                Field { mask, start: start as u32, len: part.len() as u32 }
            } else {
                let single = graphemes(part, &mut buf);
                let mask = buf.iter().fold(0, |m, &c| m | char_bits(c));
                starts[usize::from(!first)] |= self::starts(buf.iter().copied());
                pairs[usize::from(!first)] |= self::pairs(buf.iter().copied());
                let field = if single {
                    let start = at.unwrap_or_else(|| {
                        arena.text.push_str(part);
                        arena.text.len() - text0 - part.len()
                    });
                    Field { mask, start: start as u32 | UTF8, len: part.len() as u32 }
                } else {
                    let start = arena.chars.len() - chars0;
                    arena.chars.extend_from_slice(&buf);
                    Field { mask, start: start as u32 | UNICODE, len: buf.len() as u32 }
                };
                if ascii_twin(&buf, &mut twin) {
                    arena.fields.push(Field { len: field.len | TWIN, ..field });
                    arena.text.push_str(&twin);
                    let start = arena.text.len() - text0 - twin.len();
                    Field { mask, start: start as u32, len: twin.len() as u32 }
                } else {
                    field
                }
            };
            masks[usize::from(!first)] |= field.mask;
            starts[usize::from(!first)] |= field_starts;
            first = false;
            arena.fields.push(field);
        }
        let tags0 = arena.text.len();
        for t in tags {
            arena.text.push_str(t);
            arena.text.push('\0');
        }
        let fits = |n: usize| u32::try_from(n).is_ok();
        if !(fits(arena.text.len()) && fits(arena.chars.len()) && fits(arena.fields.len())) {
            arena.text.truncate(text0);
            arena.chars.truncate(chars0);
            arena.fields.truncate(fields0);
            return None;
        }
        let sig = Sig { masks, name: [starts[0], pairs[0], 0, name_camels], others: [starts[1], pairs[1]] };
        let entry = Entry {
            kind: id.kind(),
            number: id.number().unwrap_or(0),
            text: text0 as u32,
            label_len: label.len() as u32,
            detail_len: detail.len() as u32,
            text_len: (arena.text.len() - text0) as u32,
            chars: chars0 as u32,
            chars_len: (arena.chars.len() - chars0) as u32,
            fields: fields0 as u32,
            fields_len: (arena.fields.len() - fields0) as u32,
            tags_len: (arena.text.len() - tags0) as u32,
        };
        Some((entry, sig))
    }
}

/// `chars` in ASCII, into `out`, when nucleo matches a query in ASCII against both the same
/// way. nucleo normalises a haystack for such queries (`ü` → `u`), and scores a char by its
/// class (lower, upper, digit, space, delimiter, other) and the class of the one before; so a
/// char may become the ASCII char it normalises to when that has the same class (`ü` → `u`,
/// `Å` → `A`), and a punctuation mark or symbol that stays as it is (`–`, `€`, `«`), which no
/// query in ASCII can match, a [`PLACEHOLDER`]. Anything else (Cyrillic, Arabic, `ß`…): no twin.
/// nucleo reads a haystack in ASCII much faster.
fn ascii_twin(chars: &[char], out: &mut String) -> bool {
    use nucleo_matcher::chars::{is_upper_case, normalize};
    // As nucleo's classes (its default delimiters are / , : ; |).
    let class = |c: char| -> u8 {
        if c.is_ascii() {
            match c {
                'a'..='z' => 0,
                'A'..='Z' => 1,
                '0'..='9' => 2,
                _ if c.is_ascii_whitespace() => 4,
                '/' | ',' | ':' | ';' | '|' => 5,
                _ => 6,
            }
        } else if c.is_lowercase() {
            0
        } else if is_upper_case(c) {
            1
        } else if c.is_numeric() {
            2
        } else if c.is_alphabetic() {
            3
        } else if c.is_whitespace() {
            4
        } else {
            6
        }
    };
    out.clear();
    for &c in chars {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        let n = normalize(c);
        if n.is_ascii() && n != PLACEHOLDER && class(n) == class(c) {
            out.push(n);
        } else if n == c && class(c) == 6 {
            out.push(PLACEHOLDER);
        } else {
            return false;
        }
    }
    true
}

/// The [`char_bits`] of the characters of a field that nucleo may give a bonus of 8 or more:
/// the first, those after a character that is not a letter or a digit (a word start), and those
/// that are not letters or digits themselves. Elsewhere a character's bonus is at most 5 (a
/// capital after a small letter, a digit after a letter), so a word of a query whose first
/// character starts no word of a field scores at least [`OFF_START`] under the ceiling there.
fn starts(chars: impl Iterator<Item = char>) -> u64 {
    let mut prev_word = false;
    let mut bits = 0;
    for c in chars {
        let word = c.is_alphanumeric();
        if !prev_word || !word {
            bits |= char_bits(c);
        }
        prev_word = word;
    }
    bits
}

/// The [`char_bits`] of the characters of a field that nucleo may give the bonus of a camelCase
/// or a digit (5: a capital after a small letter, a digit after anything but a digit; here any
/// character but a small letter or a digit after a small letter, and every digit). A character
/// neither there nor in [`starts`] has no bonus at all: a query's first letter matched there
/// scores [`OFF_MID_START`] under the ceiling, a later one after a gap [`OFF_GAP`] + [`OFF_MID`].
fn camels(chars: impl Iterator<Item = char>) -> u64 {
    let (mut bits, mut prev_lower) = (0, false);
    for c in chars {
        if c.is_numeric() || prev_lower && !c.is_lowercase() {
            bits |= char_bits(c);
        }
        prev_lower = c.is_lowercase();
    }
    bits
}

/// A bit for two characters side by side (as [`bit`]s; several pairs share one).
fn pair_bit(a: u64, b: u64) -> u64 {
    let (a, b) = (a.trailing_zeros(), b.trailing_zeros());
    1 << ((a * 67 + b * 13) % 64)
}

/// The [`pair_bit`]s of every two characters side by side in a field, in every form the matcher
/// may compare them ([`char_bits`]). A letter of a query (not the first of its word) gets a
/// bonus over 5 only where it starts a word or follows on from the letter before it in the query
/// (a run inherits the bonus of its start); where neither can be, it scores at least
/// [`OFF_RUN`] under the ceiling.
fn pairs(chars: impl Iterator<Item = char>) -> u64 {
    let (mut out, mut prev) = (0, 0u64);
    for c in chars {
        let bits = char_bits(c);
        let mut p = prev;
        while p != 0 {
            let a = p & p.wrapping_neg();
            let mut q = bits;
            while q != 0 {
                let b = q & q.wrapping_neg();
                out |= pair_bit(a, b);
                q &= q - 1;
            }
            p &= p - 1;
        }
        prev = bits;
    }
    out
}

/// Bits for how the words of a name in ASCII start (at its start or after whitespace, as
/// `ordered::starts_a_word_with` reads them): their first two and first three bytes, lowered
/// and hashed (several share a bit). A name lacking the bits of a query's first two or three
/// letters has no word starting with the query.
fn heads(name: &[u8]) -> u64 {
    let mut bits = 0;
    for (i, _) in name.iter().enumerate().filter(|&(i, _)| i == 0 || name[i - 1].is_ascii_whitespace()) {
        bits |= name.get(i..i + 2).map_or(0, head_bit) | name.get(i..i + 3).map_or(0, head_bit);
    }
    bits
}

/// A bit for the first two or three bytes of a word, in any case (see [`heads`]).
fn head_bit(start: &[u8]) -> u64 {
    let h =
        start.iter().fold(start.len() as u64, |h, &b| h.wrapping_mul(31).wrapping_add(b.to_ascii_lowercase() as u64));
    1 << (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
}

/// See [`pairs`]: a bonus of 5 at most instead of 10.
const OFF_RUN: u32 = 5;

/// What a letter of a query (not the first of its word) that cannot follow on from the letter
/// before it (see [`pairs`]) loses besides: the gap before it costs 3 at least (nucleo's gap
/// start; a score is 16 or more where a gap starts, so this is never lost to saturation).
const OFF_GAP: u32 = 3;

/// The most a field whose characters starting a word are `starts` (see [`starts`]) and whose
/// pairs are `pairs` (see [`pairs`]) can score for a query with this `ceiling`, `firsts` and
/// `steps` (see `Prepared`): the ceiling, less [`OFF_START`] for each word of the query whose
/// first letter starts no word there, and for each later letter that cannot follow on from the
/// one before it, [`OFF_GAP`], and [`OFF_RUN`] more if it cannot start a word either.
///
/// With `camels` (see [`camels`]; `u64::MAX`: not known), a first letter that is neither there
/// nor in `starts` loses [`OFF_MID_START`] instead, a later one [`OFF_GAP`] + [`OFF_MID`].
fn most_in(ceiling: u32, firsts: &[u64], steps: &[(u64, u64)], starts: u64, pairs: u64, camels: u64) -> u32 {
    let off: u32 = firsts
        .iter()
        .map(|&f| match (starts & f != 0, camels & f != 0) {
            (true, _) => 0,
            (false, true) => OFF_START,
            (false, false) => OFF_MID_START,
        })
        .sum();
    let runs: u32 = steps
        .iter()
        .map(|&(b, pair)| match (pairs & pair != 0, starts & b != 0, camels & b != 0) {
            (true, _, _) => 0,
            (false, true, _) => OFF_GAP,
            (false, false, true) => OFF_GAP + OFF_RUN,
            (false, false, false) => OFF_GAP + OFF_MID,
        })
        .sum();
    ceiling.saturating_sub(off + runs)
}

/// What a query's first letter loses where it has no bonus at all (see [`camels`]): 10, twice.
const OFF_MID_START: u32 = 20;

/// What a later letter matched after a gap loses where it has no bonus at all.
const OFF_MID: u32 = 10;

/// What a word of a query loses on the ceiling in a field where its first character starts no
/// word: that character's bonus counts twice, 5 at most instead of 10 (see [`starts`]).
const OFF_START: u32 = 10;

/// [`most_in`] for a name (`sig`: its starts, pairs and [`heads`]), for a query of one word
/// (`word`, lowered) or more: a word of the name starting with the query's first two or three
/// letters (after whitespace or at the start) is the only place where they can all score their
/// most; where there is none, and nothing else says they lose, they lose [`OFF_HEAD`] at least.
/// (The first letter then starts no word: 10 less; or starts one after something other than
/// whitespace, a bonus of 9 at most, counted twice, and the letters following on from it get
/// its bonus: 3 less for two letters; or the second or third letter does not follow on: a gap.)
fn name_most(ceiling: u32, firsts: &[u64], steps: &[(u64, u64)], word: Option<&[u8]>, sig: [u64; 4]) -> u32 {
    let [starts, pairs, heads, camels] = sig;
    let most = most_in(ceiling, firsts, steps, starts, pairs, camels);
    let Some(word) = word else { return most };
    let nothing_else =
        firsts.first().is_some_and(|&f| starts & f != 0) && steps.iter().take(2).all(|&(_, pair)| pairs & pair != 0);
    let lacks = |n: usize| word.get(..n).is_some_and(|w| heads & head_bit(w) == 0);
    if nothing_else && (lacks(2) || lacks(3)) {
        most.saturating_sub(OFF_HEAD)
    } else {
        most
    }
}

/// See [`name_most`].
const OFF_HEAD: u32 = 3;

/// Stands in an ASCII twin for a symbol no query in ASCII matches; a query holding it is not
/// matched against twins.
const PLACEHOLDER: char = '\x7f';

/// The chars nucleo matches `s` as (the first of every grapheme, as `Utf32String::from`), into
/// `out`. Text made only of chars that never join a neighbour in a grapheme (most Latin,
/// Greek, Cyrillic, Arabic…; see `SINGLE`) skips the grapheme segmentation, which was a tenth
/// of building the index. Returns whether it did (the chars are then `s.chars()`).
fn graphemes(s: &str, out: &mut Vec<char>) -> bool {
    out.clear();
    let single = |c: char| {
        let c = c as u32;
        (c < 0x300 && c != '\r' as u32) || SINGLE.iter().any(|r| r.contains(&c))
    };
    if s.chars().all(single) {
        out.extend(s.chars());
        true
    } else {
        out.extend(nucleo_matcher::chars::graphemes(s));
        false
    }
}

/// Beyond U+0300 (below it, all but CR): ranges of chars none of which joins a neighbour from
/// the same ranges in a grapheme (Greek; Cyrillic but its combining marks; Arabic letters
/// without their vowel marks; Latin Extended Additional, as in Vietnamese; dashes and quotes;
/// CJK ideographs).
const SINGLE: [std::ops::RangeInclusive<u32>; 6] =
    [0x370..=0x482, 0x48a..=0x52f, 0x621..=0x64a, 0x1e00..=0x1eff, 0x2010..=0x2027, 0x4e00..=0x9fff];

/// `bit` of every ASCII byte, lowered.
const ASCII_BITS: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut c = 0;
    while c < 128 {
        let l = (c as u8).to_ascii_lowercase();
        t[c] = match l {
            b'a'..=b'z' => 1 << (l - b'a'),
            b'0'..=b'9' => 1 << (26 + l - b'0'),
            _ => 1 << (36 + l as u32 % 28),
        };
        c += 1;
    }
    t
};

/// A bit for a character: a–z and 0–9 their own, any other shares one of 28.
fn bit(c: char) -> u64 {
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ => 1 << (36 + c as u32 % 28),
    }
}

/// The bits of every form in which the matcher may compare a haystack character with a
/// query's: as is, lowered, normalised (`ü` → `u`), normalised and lowered.
fn char_bits(c: char) -> u64 {
    if c.is_ascii() {
        return bit(c.to_ascii_lowercase());
    }
    let n = nucleo_matcher::chars::normalize(c);
    bit(c) | bit(nucleo_matcher::chars::to_lower_case(c)) | bit(n) | bit(nucleo_matcher::chars::to_lower_case(n))
}

/// The characters a pattern needs, as [`bit`]s: the needle of every word, as the matcher
/// compares them (lowered, since the pattern ignores case).
fn needle_bits(pattern: &Pattern) -> u64 {
    let mut mask = 0;
    for atom in &pattern.atoms {
        match atom.needle_text() {
            Utf32Str::Ascii(b) => b.iter().for_each(|&c| mask |= bit((c as char).to_ascii_lowercase())),
            Utf32Str::Unicode(cs) => cs.iter().for_each(|&c| mask |= bit(c)),
        }
    }
    mask
}

/// Company names by id (the details of contacts and deals show them): in a vector while the
/// ids are dense, as `Slots`.
#[derive(Default, Clone)]
struct CompanyNames {
    dense: Vec<String>,
    sparse: HashMap<u64, String>,
}

impl CompanyNames {
    /// The name of a company, or "".
    fn get(&self, id: Option<CompanyId>) -> &str {
        let Some(CompanyId(n)) = id else { return "" };
        match usize::try_from(n).ok().and_then(|i| self.dense.get(i)) {
            Some(name) if !name.is_empty() => name,
            _ => self.sparse.get(&n).map_or("", String::as_str),
        }
    }

    fn set(&mut self, CompanyId(n): CompanyId, name: &str) {
        match usize::try_from(n) {
            Ok(i) if i < self.dense.len() || i <= 2 * self.dense.len() + 4096 => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, String::new());
                }
                self.dense[i].clear();
                self.dense[i].push_str(name);
                self.sparse.remove(&n);
            }
            _ => {
                self.sparse.insert(n, name.to_string());
            }
        }
    }
}

/// Where each record's entry is in `SearchIndex::entries`: by kind and id in vectors while the
/// ids are dense (crm hands them out 1, 2, 3…), in a map beyond. At a million contacts, a hash
/// map's probes (two cache misses a record) were a tenth of building the index.
#[derive(Default, Clone)]
struct Slots {
    /// Contacts, companies, deals, tasks: position + 1 by id (0: none).
    dense: [Vec<u32>; 4],
    sparse: HashMap<Ref, usize>,
}

impl Slots {
    fn dense_key(r: &Ref) -> Option<(usize, usize)> {
        let (kind, n) = match r {
            Ref::Contact(c) => (0, c.0),
            Ref::Company(c) => (1, c.0),
            Ref::Deal(d) => (2, d.0),
            Ref::Task(t) => (3, t.0),
            _ => return None,
        };
        Some((kind, usize::try_from(n).ok()?))
    }

    fn get(&self, r: &Ref) -> Option<usize> {
        match Slots::dense_key(r).and_then(|(k, n)| self.dense[k].get(n)) {
            Some(&p) if p != 0 => Some(p as usize - 1),
            _ => self.sparse.get(r).copied(),
        }
    }

    fn insert(&mut self, r: Ref, pos: usize) {
        if let Some((k, n)) = Slots::dense_key(&r) {
            let v = &mut self.dense[k];
            // Grow the vector as far as ids stay dense (twice its length), never past u32.
            if (n < v.len() || n <= 2 * v.len() + 4096) && pos < u32::MAX as usize {
                if n >= v.len() {
                    v.resize(n + 1, 0);
                }
                v[n] = pos as u32 + 1;
                if !self.sparse.is_empty() {
                    self.sparse.remove(&r);
                }
                return;
            }
        }
        self.sparse.insert(r, pos);
    }

    fn remove(&mut self, r: &Ref) -> Option<usize> {
        let dense = match Slots::dense_key(r).and_then(|(k, n)| self.dense[k].get_mut(n)) {
            Some(p) if *p != 0 => Some(std::mem::take(p) as usize - 1),
            _ => None,
        };
        let sparse = if self.sparse.is_empty() { None } else { self.sparse.remove(r) };
        dense.or(sparse)
    }

    fn iter(&self) -> impl Iterator<Item = (Ref, usize)> + '_ {
        let dense = self.dense.iter().enumerate().flat_map(|(k, v)| {
            v.iter().enumerate().filter(|(_, &p)| p != 0).map(move |(n, &p)| {
                let n = n as u64;
                let r = match k {
                    0 => Ref::Contact(ContactId(n)),
                    1 => Ref::Company(CompanyId(n)),
                    2 => Ref::Deal(DealId(n)),
                    _ => Ref::Task(TaskId(n)),
                };
                (r, p as usize - 1)
            })
        });
        dense.chain(self.sparse.iter().map(|(r, &p)| (r.clone(), p)))
    }
}

/// The index. Build it once (`build`), then keep it current with `refresh` after each write.
#[derive(Default, Clone)]
pub struct SearchIndex {
    entries: Vec<Option<Entry>>,
    /// By entry position, what a scan reads first (see [`Sig`]): the masks, and the starts and
    /// pairs.
    masks: Vec<[u64; 2]>,
    /// (Apart: a search that only a name can satisfy reads the names' alone.)
    names_sig: Vec<[u64; 4]>,
    others_sig: Vec<[u64; 2]>,
    /// By entry position, a bit set for an entry with over `ordered::MAX_TEXT` bytes of text.
    long: Vec<u64>,
    slots: Slots,
    companies: CompanyNames,
    live: usize,
    arena: Arena,
    /// Entries by name, for exact names (not kept for a one-off search).
    names: ordered::Names,
    /// Entries by how the words of their names start (not kept for a one-off search).
    prefixes: ordered::Prefixes,
    /// Records by the letters that start the words of their names (not kept for a one-off
    /// search).
    starts: ordered::Starts,
    /// Set for a one-off search only.
    prefilter: Option<Prefilter>,
    /// Changes with every change to the index, and differs between indexes: what a search left
    /// for the next keystroke ([`Candidates`]) is only good for the index as it was.
    version: u64,
}

/// The next `SearchIndex::version`.
fn next_version() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Digits only: phone numbers match whatever punctuation either side uses.
pub fn digits(s: &str) -> String {
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

/// Whether whatever matches `next` is among what matched `prev`, so that `next` may search
/// within `prev`'s matches: same type and tag, and `next`'s text extends `prev`'s. (Not from a
/// phone number to other text: a phone number matches a run of digits, the rest fuzzily.)
pub fn narrows(prev: &Query, next: &Query) -> bool {
    let phone =
        |q: &Query| Prepared::new(q).is_some_and(|p| p.pattern.atoms.iter().any(|a| a.kind == AtomKind::Substring));
    prev.kind == next.kind
        && prev.tag == next.tag
        && !prev.text.trim().is_empty()
        && next.text.starts_with(&prev.text)
        && (!phone(prev) || phone(next))
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
            && self.slots.iter().all(|(r, i)| {
                other
                    .slots
                    .get(&r)
                    .and_then(|j| other.entries[j].as_ref())
                    .map(|e| (e.label(&other.arena), e.detail(&other.arena)))
                    == self.entries[i].as_ref().map(|e| (e.label(&self.arena), e.detail(&self.arena)))
            })
    }
}

/// A query made ready for matching: its pattern and what the scoring shortcuts need.
struct Prepared {
    text: String,
    pattern: Pattern,
    needs: u64,
    /// The first character of every word, as a [`bit`].
    firsts: Vec<u64>,
    /// The query, when it is one fuzzy word in ASCII (lowered).
    word: Option<Vec<u8>>,
    /// Every letter of a word of the query but the first: its [`bit`] and the [`pair_bit`] of
    /// it and the letter before.
    steps: Vec<(u64, u64)>,
    ascii: bool,
    /// Whether a word of the query is one letter, which nucleo 0.3 may give a bonus where
    /// [`camels`] says none (against the class of the previous match in a haystack that is not
    /// ASCII): `camels` is then not used.
    letter: bool,
    ceiling: u32,
    min_score: u32,
    folded: String,
    folded_chars: usize,
}

impl Prepared {
    /// None for a query that asks for nothing (no text, type or tag).
    fn new(query: &Query) -> Option<Prepared> {
        let text = query.text.trim();
        // A query that looks like a phone number matches digits only.
        let phone_like = text.chars().filter(char::is_ascii_digit).count() >= 3
            && text.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c));
        let text = if phone_like { digits(text) } else { text.to_string() };
        if text.is_empty() && query.tag.is_none() && query.kind.is_none() {
            return None;
        }
        // Phone numbers are matched as a run of digits, not fuzzily (a stray 0 is a different number).
        let kind = if phone_like { AtomKind::Substring } else { AtomKind::Fuzzy };
        let pattern = Pattern::new(&text, CaseMatching::Ignore, Normalization::Smart, kind);
        let folded = super::fold(&text);
        let folded_chars = folded.chars().count();
        let needs = needle_bits(&pattern);
        let firsts = pattern
            .atoms
            .iter()
            .filter_map(|a| match a.needle_text() {
                Utf32Str::Ascii(b) => b.first().map(|&c| bit((c as char).to_ascii_lowercase())),
                Utf32Str::Unicode(cs) => cs.first().map(|&c| bit(c)),
            })
            .collect();
        let min_score = min_score(text.chars().filter(|c| !c.is_whitespace()).count());
        // No field can score more than this: see `CEILING_PER_CHAR`.
        let ceiling: u32 =
            pattern.atoms.iter().map(|a| CEILING_PER_CHAR * a.needle_text().len() as u32 + CEILING_FIRST_CHAR).sum();
        // (Not for one letter: nucleo 0.3 scores one letter in a haystack that is not ASCII
        // against the class of the previous match instead of the previous char, so lower.)
        let ascii = pattern
            .atoms
            .iter()
            .all(|a| matches!(a.needle_text(), Utf32Str::Ascii(n) if n.len() > 1 && !n.contains(&(PLACEHOLDER as u8))));
        let letter = pattern.atoms.iter().any(|a| a.needle_text().len() < 2);
        let mut steps = Vec::new();
        for atom in &pattern.atoms {
            let bits: Vec<u64> = match atom.needle_text() {
                Utf32Str::Ascii(b) => b.iter().map(|&c| bit((c as char).to_ascii_lowercase())).collect(),
                Utf32Str::Unicode(cs) => cs.iter().map(|&c| bit(c)).collect(),
            };
            steps.extend(bits.windows(2).map(|w| (w[1], pair_bit(w[0], w[1]))));
        }
        let word = match pattern.atoms.as_slice() {
            [a] if a.kind == AtomKind::Fuzzy => match a.needle_text() {
                Utf32Str::Ascii(n) if !n.is_empty() => Some(n.to_ascii_lowercase()),
                _ => None,
            },
            _ => None,
        };
        Some(Prepared {
            text,
            pattern,
            needs,
            firsts,
            word,
            steps,
            ascii,
            letter,
            ceiling,
            min_score,
            folded,
            folded_chars,
        })
    }
}

/// What a one-off search (`search_store`) lets `upsert` pass over before making an entry.
#[derive(Clone)]
struct Prefilter {
    /// The query's characters, as [`bit`]s: a record lacking one cannot match.
    needs: u64,
    kind: Option<EntityKind>,
    tag: Option<String>,
    /// The worst of the best `limit` hits so far: a record that cannot reach it is passed over
    /// (those hits beat it, whatever the ids).
    floor: Option<u32>,
    ceiling: u32,
    folded_chars: usize,
}

/// The [`char_bits`] of every char of `s`: a superset of the masks of the fields made from it.
fn text_bits(s: &str) -> u64 {
    if s.is_ascii() {
        s.bytes().fold(0, |m, c| m | ASCII_BITS[c as usize])
    } else {
        s.chars().fold(0, |m, c| m | char_bits(c))
    }
}

/// What scoring one entry needs to know about a search.
struct Scorer<'a> {
    query: &'a Query,
    text: &'a str,
    pattern: &'a Pattern,
    /// The query's characters, as [`bit`]s.
    needs: u64,
    /// The first character of every word of the query, as [`bit`]s.
    firsts: &'a [u64],
    /// The query, when it is one fuzzy word in ASCII (lowered).
    word: Option<&'a [u8]>,
    /// See `Prepared::steps`.
    steps: &'a [(u64, u64)],
    /// Whether every word of the query is ASCII and longer than a letter (so fields are
    /// matched by their ASCII twins).
    ascii: bool,
    /// See `Prepared::letter`.
    letter: bool,
    /// The most any field can score.
    ceiling: u32,
    min_score: u32,
    folded: &'a str,
    folded_chars: usize,
}

/// nucleo scores a matched character 16 plus a bonus of at most 10 (a word start after a
/// space), and the first character of a word of the query its bonus twice: so a word of `n`
/// characters scores at most `26 n + 10` in any field. Once a field reaches that, the fields
/// after it need not be matched.
const CEILING_PER_CHAR: u32 = 26;
const CEILING_FIRST_CHAR: u32 = 10;

/// The cores this process may use (read once: it reads cgroup files), or fewer for a
/// search (see `set_threads_per_search`).
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let all = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    match THREADS_PER_SEARCH.load(std::sync::atomic::Ordering::Relaxed) {
        0 => all,
        n => all.min(n),
    }
}

static THREADS_PER_SEARCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// At most `n` threads for one search (0: every core). A server answering many searches at
/// once gains nothing from splitting each, and pays for starting the threads every time.
pub fn set_threads_per_search(n: usize) {
    THREADS_PER_SEARCH.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// Hands every contact, company, deal and task to `each`, a batch at a time, companies first
/// (the others' details show their names). With two cores or more, reading and decoding the
/// records (another thread) overlaps with `each` (this one), in the same order; the batches go
/// back to the reader to be freed: freeing another thread's allocations made it slower than one
/// thread. With `split`, the contacts are read by a second reader once the companies are read,
/// and arrive mixed with the deals and tasks (reading was most of a one-off search's time).
fn stream(store: &Store, split: bool, each: &mut dyn FnMut(&[Record])) -> Result<(), StoreError> {
    let kinds = [EntityKind::Company, EntityKind::Contact, EntityKind::Deal, EntityKind::Task];
    // (Small batches: the records in flight are memory on top of the index being built.)
    const BATCH: usize = 256;
    if cores() < 2 {
        let mut batch = Vec::with_capacity(BATCH);
        for kind in kinds {
            store.scan(kind, &mut |r| {
                batch.push(r);
                if batch.len() == BATCH {
                    each(&batch);
                    batch.clear();
                }
                true
            })?;
        }
        each(&batch);
        return Ok(());
    }
    std::thread::scope(|s| {
        use std::sync::mpsc::{channel, sync_channel};
        let (tx, rx) = sync_channel::<(usize, Vec<Record>)>(4);
        // Split: the contacts on a reader of their own, once the companies are read.
        let groups: Vec<Vec<EntityKind>> = if split {
            vec![vec![EntityKind::Company, EntityKind::Deal, EntityKind::Task], vec![EntityKind::Contact]]
        } else {
            vec![kinds.to_vec()]
        };
        let (companies_read, wait) = channel::<()>();
        let (mut companies_read, mut wait) = (Some(companies_read), Some(wait));
        let (mut backs, mut readers) = (Vec::new(), Vec::new());
        for (i, group) in groups.into_iter().enumerate() {
            let (back_tx, back) = channel::<Vec<Record>>();
            backs.push(back_tx);
            let tx = tx.clone();
            let (wait, mut done) = if i == 0 { (None, companies_read.take()) } else { (wait.take(), None) };
            readers.push(s.spawn(move || -> Result<(), StoreError> {
                if wait.is_some_and(|w| w.recv().is_err()) {
                    return Ok(());
                }
                let mut batch = Vec::with_capacity(BATCH);
                for kind in group {
                    let mut open = true;
                    store.scan(kind, &mut |r| {
                        batch.push(r);
                        if batch.len() == BATCH {
                            let next = back.try_recv().map(|mut b| {
                                b.clear();
                                b
                            });
                            let next = next.unwrap_or_else(|_| Vec::with_capacity(BATCH));
                            open = tx.send((i, std::mem::replace(&mut batch, next))).is_ok();
                        }
                        open
                    })?;
                    if !open {
                        return Ok(());
                    }
                    if let (EntityKind::Company, Some(done)) = (kind, done.take()) {
                        // Every company is handed over before the first contact.
                        let _ = tx.send((i, std::mem::take(&mut batch)));
                        let _ = done.send(());
                    }
                }
                let _ = tx.send((i, batch));
                drop(tx);
                back.iter().for_each(drop);
                Ok(())
            }));
        }
        drop((tx, wait, companies_read));
        for (i, batch) in rx {
            each(&batch);
            let _ = backs[i].send(batch);
        }
        drop(backs);
        readers.into_iter().try_for_each(|r| r.join().expect("the search index's reader panicked"))
    })
}

/// Which hits make the best `limit`: by score, ties by record.
fn cut_order(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id))
}

/// How hits are shown: best first, ties by label (so that results are stable), then by record.
fn hit_order(a: &Hit, b: &Hit) -> std::cmp::Ordering {
    b.score.cmp(&a.score).then_with(|| a.label.cmp(&b.label)).then_with(|| a.id.cmp(&b.id))
}

/// From this many entries to scan on, a search is split over the cores (at most `MAX_THREADS`).
const PARALLEL_MIN: usize = 5_000;
const MAX_THREADS: usize = 4;

impl SearchIndex {
    /// Reads every live contact, company, deal and task.
    pub fn build(store: &Store) -> Result<SearchIndex, StoreError> {
        SearchIndex::build_where(store, &mut |_| true)
    }

    /// `build` of the records `keep` accepts (what a user sees: `Crm::search_index`).
    pub fn build_where(store: &Store, keep: &mut dyn FnMut(&Record) -> bool) -> Result<SearchIndex, StoreError> {
        let mut idx = SearchIndex::default();
        // redb knows how many records a tree holds at once: make room for them all up front,
        // rather than copy the arrays as they double.
        if store.engine_kind() == crate::store::EngineKind::Redb {
            use crate::store::Tree;
            let trees = [Tree::Contacts, Tree::Companies, Tree::Deals, Tree::Tasks];
            let mut total = 0;
            for (k, tree) in trees.into_iter().enumerate() {
                let n = usize::try_from(store.count(tree)?).unwrap_or(0);
                idx.slots.dense[k].reserve(n + 1);
                total += n;
            }
            // More than demo data takes (~105 bytes of text, 18 chars, 6 fields a record): room
            // never touched costs no memory, but outgrowing it copies the array, and the old and
            // the new copy are resident at once (the peak of a TUI session). What is left over
            // is given back at the end.
            idx.entries.reserve(total);
            idx.masks.reserve(total);
            idx.names_sig.reserve(total);
            idx.others_sig.reserve(total);
            idx.arena.text.reserve(total * 160);
            idx.arena.chars.reserve(total * 32);
            idx.arena.fields.reserve(total * 10);
        }
        // Trashed records go in regardless: `add` keeps a trashed company's name for its contacts.
        stream(store, false, &mut |batch| {
            batch.iter().filter(|r| r.deleted().is_some() || keep(r)).for_each(|r| idx.add(r))
        })?;
        idx.shrink();
        Ok(idx)
    }

    /// The best `limit` matches of `query` among every live record, read straight from the
    /// store without keeping an index: what a one-off `crm search` needs. Records that cannot
    /// match (another type, no such tag, lacking a letter of the query) are passed over before
    /// their entry is made; the others are indexed a batch at a time and matched. Same hits,
    /// scores and order as `build(store)?.search(query, limit)`.
    pub fn search_store(store: &Store, query: &Query, limit: usize) -> Result<Vec<Hit>, StoreError> {
        SearchIndex::search_store_where(store, query, limit, &mut |_| true)
    }

    /// `search_store` among the records `keep` accepts (what a user sees: `Crm::search`).
    pub fn search_store_where(
        store: &Store,
        query: &Query,
        limit: usize,
        keep: &mut dyn FnMut(&Record) -> bool,
    ) -> Result<Vec<Hit>, StoreError> {
        let Some(prepared) = Prepared::new(query) else { return Ok(Vec::new()) };
        let mut scratch = SearchIndex {
            prefilter: Some(Prefilter {
                needs: prepared.needs,
                kind: query.kind,
                tag: query.tag.clone(),
                floor: None,
                ceiling: prepared.ceiling,
                folded_chars: prepared.folded_chars,
            }),
            ..SearchIndex::default()
        };
        let mut best: Vec<Hit> = Vec::new();
        stream(store, true, &mut |batch| {
            batch.iter().filter(|r| r.deleted().is_some() || keep(r)).for_each(|r| scratch.add(r));
            if scratch.live == 0 {
                return;
            }
            best.extend(scratch.search_prepared(query, &prepared, None, limit).0);
            best.sort_by(cut_order);
            best.truncate(limit);
            if let (Some(p), Some(worst)) = (&mut scratch.prefilter, best.get(limit.wrapping_sub(1))) {
                p.floor = Some(worst.score);
            }
            scratch.clear_entries();
        })?;
        best.sort_by(hit_order);
        Ok(best)
    }

    /// Forgets every entry (not the company names): the next batch of a `search_store`.
    fn clear_entries(&mut self) {
        self.entries.clear();
        self.masks.clear();
        self.names_sig.clear();
        self.others_sig.clear();
        self.long.clear();
        self.slots = Slots::default();
        self.names.clear();
        self.prefixes.clear();
        self.starts.clear();
        self.live = 0;
        let a = &mut self.arena;
        a.text.clear();
        a.chars.clear();
        a.fields.clear();
        a.dead = 0;
    }

    /// Gives back the room reserved for building that the records did not use.
    fn shrink(&mut self) {
        self.entries.shrink_to_fit();
        self.masks.shrink_to_fit();
        self.names_sig.shrink_to_fit();
        self.others_sig.shrink_to_fit();
        self.prefixes.shrink();
        self.starts.shrink();
        self.arena.text.shrink_to_fit();
        self.arena.chars.shrink_to_fit();
        self.arena.fields.shrink_to_fit();
    }

    /// `upsert` while building.
    fn add(&mut self, r: &Record) {
        // (A trashed company's name still shows on its contacts and deals; `upsert` notes the
        // others'.)
        if let (Record::Company(c), Some(_)) = (r, r.deleted()) {
            self.companies.set(c.id, &c.name);
        }
        self.upsert(r);
    }

    pub fn len(&self) -> usize {
        self.live
    }

    /// Bytes the index holds on the heap, by part: (used, allocated).
    pub fn heap_bytes(&self) -> Vec<(&'static str, usize, usize)> {
        use std::mem::size_of;
        let a = &self.arena;
        let names = self.companies.dense.iter().map(String::capacity).sum::<usize>()
            + self.companies.sparse.capacity() * (size_of::<u64>() + size_of::<String>());
        let n = size_of::<String>();
        vec![
            (
                "entries",
                self.entries.len() * size_of::<Option<Entry>>(),
                self.entries.capacity() * size_of::<Option<Entry>>(),
            ),
            (
                "masks",
                (self.masks.len() + self.others_sig.len()) * 16 + self.names_sig.len() * 32 + self.long.len() * 8,
                (self.masks.capacity() + self.others_sig.capacity()) * 16
                    + self.names_sig.capacity() * 32
                    + self.long.capacity() * 8,
            ),
            ("text", a.text.len(), a.text.capacity()),
            ("chars", a.chars.len() * size_of::<char>(), a.chars.capacity() * size_of::<char>()),
            ("fields", a.fields.len() * size_of::<Field>(), a.fields.capacity() * size_of::<Field>()),
            (
                "slots",
                self.slots.dense.iter().map(|v| v.len() * 4).sum(),
                self.slots.dense.iter().map(|v| v.capacity() * 4).sum(),
            ),
            ("company names", self.companies.dense.len() * n + names, self.companies.dense.capacity() * n + names),
            ("exact names", self.names.heap_bytes().0, self.names.heap_bytes().1),
            ("name prefixes", self.prefixes.heap_bytes().0, self.prefixes.heap_bytes().1),
            ("word starts", self.starts.heap_bytes().0, self.starts.heap_bytes().1),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Adds or replaces a record's entry; a trashed record leaves the index.
    pub fn upsert(&mut self, r: &Record) {
        self.version = next_version();
        let id = r.reference();
        if r.deleted().is_some() {
            self.remove(&id);
            return;
        }
        if let Record::Company(c) = r {
            self.companies.set(c.id, &c.name);
        }
        if self.prefilter.as_ref().is_some_and(|p| p.kind.is_some_and(|k| k != id.kind())) {
            return;
        }
        // Fields beyond the label and the detail's parts: borrowed where the record has them.
        let mut extra: Vec<Cow<'_, str>> = Vec::new();
        let (label, detail): (&str, String) = match r {
            Record::Contact(c) => {
                let company = self.companies.get(c.company);
                let email = c.emails.first().map(|e| e.value.as_str()).unwrap_or("");
                let detail = [company, email].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" · ");
                extra.extend(c.emails.iter().map(|e| Cow::Borrowed(e.value.as_str())));
                for p in &c.phones {
                    extra.push(Cow::Borrowed(p.value.as_str()));
                    extra.push(Cow::Owned(digits(&p.value)));
                }
                extra.push(Cow::Borrowed(c.address.city.as_str()));
                extra.push(Cow::Borrowed(c.title.as_str()));
                (c.name.as_str(), detail)
            }
            Record::Company(c) => {
                let detail = [c.website.as_str(), c.address.city.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" · ");
                extra.push(Cow::Borrowed(c.industry.as_str()));
                (c.name.as_str(), detail)
            }
            Record::Deal(d) => {
                let company = self.companies.get(d.company);
                let detail =
                    format!("{}{}{} · {}", company, if company.is_empty() { "" } else { " · " }, d.value, d.stage);
                extra.push(Cow::Borrowed(company));
                (d.title.as_str(), detail)
            }
            Record::Task(t) => {
                let due = super::format::due(t.due);
                let detail = if t.done.is_some() { format!("done · due {due}") } else { format!("due {due}") };
                (t.title.as_str(), detail)
            }
            Record::Activity(_) | Record::User(_) => return,
        };
        let tags: &[String] = match r {
            Record::Contact(c) => &c.tags,
            Record::Company(c) => &c.tags,
            _ => &[],
        };
        if let Some(p) = &self.prefilter {
            let has = |bits: u64| bits & p.needs == p.needs;
            let mut bits = text_bits(label);
            if !has(bits) {
                bits |= text_bits(&detail);
                bits = extra.iter().fold(bits, |b, x| if has(b) { b } else { b | text_bits(x) });
            }
            if !has(bits) || p.tag.as_ref().is_some_and(|t| !tags.contains(t)) {
                return;
            }
            // The most it can score: its name half as much again as the ceiling, its other
            // fields the ceiling (an exact name, or a first field that is not the name: no limit).
            if let Some(floor) = p.floor {
                let name = !label.is_empty() && !label.starts_with('#');
                let exact = label.len() <= 4 * p.folded_chars && label.chars().count() <= p.folded_chars;
                let most = if !name || exact {
                    u32::MAX
                } else if has(text_bits(label)) {
                    p.ceiling + p.ceiling / 2
                } else {
                    p.ceiling
                };
                if most < floor {
                    return;
                }
            }
        }
        let Some((entry, mut sig)) = Entry::build(&id, label, &detail, &extra, tags, &mut self.arena) else { return };
        sig.name[2] = entry.ascii_name(&self.arena).map_or(u64::MAX, heads);
        let names = self.prefilter.is_none();
        if names {
            match ordered::slot_of(id.kind()) {
                Some(slot) => self.starts.insert(slot, id.number().unwrap_or(0), sig.name[0] | sig.name[3]),
                None => self.starts.insert(usize::MAX, 0, 0),
            }
        }
        match self.slots.get(&id) {
            Some(i) => {
                if names {
                    let old = self.entries[i].as_ref().map(|old| old.label(&self.arena));
                    if let Some(old) = old {
                        self.names.remove(i, old);
                    }
                    if old != Some(label) {
                        self.prefixes.insert(i, entry.ascii_name(&self.arena));
                    }
                    self.names.insert(i, label);
                }
                (self.masks[i], self.names_sig[i], self.others_sig[i]) = (sig.masks, sig.name, sig.others);
                self.set_long(i, entry.text_len as usize > ordered::MAX_TEXT);
                if let Some(old) = self.entries[i].replace(entry) {
                    self.arena.dead += old.size();
                    self.compact();
                }
            }
            None => {
                if names {
                    self.names.insert(self.entries.len(), label);
                    self.prefixes.insert(self.entries.len(), entry.ascii_name(&self.arena));
                }
                self.slots.insert(id, self.entries.len());
                let entry_long = entry.text_len as usize > ordered::MAX_TEXT;
                self.entries.push(Some(entry));
                self.masks.push(sig.masks);
                self.names_sig.push(sig.name);
                self.others_sig.push(sig.others);
                self.set_long(self.entries.len() - 1, entry_long);
                self.live += 1;
            }
        }
    }

    fn set_long(&mut self, i: usize, long: bool) {
        if self.long.len() <= i / 64 {
            self.long.resize(i / 64 + 1, 0);
        }
        if long {
            self.long[i / 64] |= 1 << (i % 64);
        } else {
            self.long[i / 64] &= !(1 << (i % 64));
        }
    }

    pub fn remove(&mut self, id: &Ref) {
        self.version = next_version();
        if let Some(i) = self.slots.remove(id) {
            (self.masks[i], self.names_sig[i], self.others_sig[i]) = Default::default();
            if let Some(old) = self.entries[i].take() {
                if self.prefilter.is_none() {
                    self.names.remove(i, old.label(&self.arena));
                }
                self.arena.dead += old.size();
            }
            self.live -= 1;
            self.compact();
        }
    }

    /// Once most of the arena belongs to replaced or removed entries, copies the live ones'
    /// into a fresh one.
    fn compact(&mut self) {
        let a = &self.arena;
        let total =
            a.text.len() + a.chars.len() * std::mem::size_of::<char>() + a.fields.len() * std::mem::size_of::<Field>();
        if a.dead < 1 << 16 || a.dead * 2 < total {
            return;
        }
        let old = std::mem::take(&mut self.arena);
        let new = &mut self.arena;
        for e in self.entries.iter_mut().flatten() {
            let (text, chars, fields) = e.starts();
            // (No larger than the old arena, whose offsets fit.)
            (e.text, e.chars, e.fields) = (new.text.len() as u32, new.chars.len() as u32, new.fields.len() as u32);
            new.text.push_str(&old.text[text..text + e.text_len as usize]);
            new.chars.extend_from_slice(&old.chars[chars..chars + e.chars_len as usize]);
            new.fields.extend_from_slice(&old.fields[fields..fields + e.fields_len as usize]);
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

    /// Like `search`, but only among `candidates`: what an earlier search left, for a query this
    /// one [`narrows`] (typing narrows, so each keystroke rescans only what may still hold its
    /// letters). Also returns what this one leaves for the next keystroke.
    pub fn search_within(
        &self,
        query: &Query,
        candidates: Option<&Candidates>,
        limit: usize,
    ) -> (Vec<Hit>, Candidates) {
        match Prepared::new(query) {
            Some(prepared) => self.search_prepared(query, &prepared, candidates, limit),
            None => (Vec::new(), Candidates::default()),
        }
    }

    fn search_prepared(
        &self,
        query: &Query,
        p: &Prepared,
        candidates: Option<&Candidates>,
        limit: usize,
    ) -> (Vec<Hit>, Candidates) {
        let scorer = Scorer {
            query,
            text: &p.text,
            pattern: &p.pattern,
            needs: p.needs,
            firsts: &p.firsts,
            word: p.word.as_deref(),
            steps: &p.steps,
            ascii: p.ascii,
            letter: p.letter,
            ceiling: p.ceiling,
            min_score: p.min_score,
            folded: &p.folded,
            folded_chars: p.folded_chars,
        };
        // (Left by a search of the index as it was no longer say anything.)
        let candidates = candidates.filter(|c| c.version == self.version);
        let (mut scored, mut next) = if self.ordered(candidates) {
            self.scan_ordered(&scorer, candidates, limit)
        } else {
            self.scan_all(&scorer, candidates.and_then(Candidates::as_list))
        };
        next.version = self.version;
        let mut matcher = Matcher::new(Config::DEFAULT);
        // The best `limit`, ties by record (as `cut_order`: comparing labels while choosing them
        // was a tenth of a short query's time), then shown best first, ties by label.
        let cut = |a: &(u32, usize), b: &(u32, usize)| b.0.cmp(&a.0).then_with(|| self.id(a.1).cmp(&self.id(b.1)));
        let take = limit.min(scored.len());
        if take < scored.len() {
            scored.select_nth_unstable_by(take, cut);
            scored.truncate(take);
        }
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| self.label(a.1).cmp(self.label(b.1)))
                .then_with(|| self.id(a.1).cmp(&self.id(b.1)))
        });
        let mut buf = Vec::new();
        let pattern = &p.pattern;
        let hits = scored
            .into_iter()
            .filter_map(|(score, i)| {
                let e = self.entries[i].as_ref()?;
                let mut highlight = Vec::new();
                pattern.indices(Utf32Str::new(e.label(&self.arena), &mut buf), &mut matcher, &mut highlight);
                highlight.sort_unstable();
                highlight.dedup();
                Some(Hit {
                    id: e.id(),
                    kind: e.kind,
                    label: e.label(&self.arena).to_string(),
                    detail: e.detail(&self.arena).to_string(),
                    score,
                    highlight,
                })
            })
            .collect();
        (hits, next)
    }

    /// Scores every entry (or those listed), in entry order: for an index with sparse ids and a
    /// one-off search's batches. Returns the hits and every entry that matched.
    fn scan_all(&self, scorer: &Scorer<'_>, list: Option<&[u32]>) -> (Vec<(u32, usize)>, Candidates) {
        let count = list.map_or(self.entries.len(), <[u32]>::len);
        let at = |k: usize| list.map_or(k, |c| c[k] as usize);
        let threads = if count >= PARALLEL_MIN { cores().min(MAX_THREADS) } else { 1 };
        let scored: Vec<(Option<u32>, usize)> = if threads == 1 {
            let (mut matcher, mut buf) = (Matcher::new(Config::DEFAULT), Vec::new());
            (0..count).filter_map(|k| self.score(at(k), scorer, false, &mut matcher, &mut buf, &mut 0)).collect()
        } else {
            // Each thread takes a contiguous share; joined in order, the result is the same.
            let share = count.div_ceil(threads);
            std::thread::scope(|s| {
                let parts: Vec<_> = (0..threads)
                    .map(|t| {
                        let at = &at;
                        s.spawn(move || {
                            let (mut matcher, mut buf) = (Matcher::new(Config::DEFAULT), Vec::new());
                            (t * share..((t + 1) * share).min(count))
                                .filter_map(|k| self.score(at(k), scorer, false, &mut matcher, &mut buf, &mut 0))
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                let mut all = Vec::new();
                for part in parts {
                    all.extend(part.join().expect("search thread"));
                }
                all
            })
        };
        // For the next keystroke: every entry that holds the query's letters, even too strewn
        // to show now (a longer query can score better: "mull" may align where "mul" did not).
        let matched = scored.iter().filter_map(|(_, i)| u32::try_from(*i).ok()).collect();
        (scored.into_iter().filter_map(|(s, i)| Some((s?, i))).collect(), Candidates::unordered(matched))
    }

    /// The score of entry `i` for a search: None when no field holds the query's letters in
    /// order, `Some((None, i))` when one does but too strewn to show (a query extending this one
    /// may still match it well: see `search_within`), `Some((Some(score), i))` for a hit. `raw`
    /// gets the best score of a field, strewn or not, without the bonus of an exact name (see
    /// `ordered`). With `name_only`, only the name is matched.
    fn score(
        &self,
        i: usize,
        sc: &Scorer<'_>,
        name_only: bool,
        matcher: &mut Matcher,
        buf: &mut Vec<char>,
        raw: &mut u32,
    ) -> Option<(Option<u32>, usize)> {
        *raw = 0;
        let e = self.entries.get(i).and_then(Option::as_ref)?;
        if sc.query.kind.is_some_and(|k| k != e.kind) {
            return None;
        }
        if sc.query.tag.as_ref().is_some_and(|t| !e.has_tag(&self.arena, t)) {
            return None;
        }
        if sc.text.is_empty() {
            return Some((Some(0), i));
        }
        // A record (or a field) lacking a letter of the query cannot match it.
        let [name_mask, others_mask] = self.masks[i];
        if (name_mask | others_mask) & sc.needs != sc.needs {
            return None;
        }
        // The best field wins; the name (field 0) counts half as much again.
        let (mut best, mut matched) = (None, false);
        let fields = e.fields(&self.arena);
        let (mut k, mut name) = (0, true);
        while k < fields.len() {
            let mut h = &fields[k];
            k += 1;
            if h.len & TWIN != 0 {
                if sc.ascii {
                    h = &fields[k];
                }
                k += 1;
            }
            let is_name = std::mem::replace(&mut name, false);
            if name_only && !is_name {
                break;
            }
            if h.mask & sc.needs != sc.needs {
                continue;
            }
            let Some(s) = sc.pattern.score(e.field(&self.arena, h, buf), matcher) else { continue };
            debug_assert!(s <= sc.ceiling, "score {s} over the ceiling {}", sc.ceiling);
            matched = true;
            *raw = (*raw).max(if is_name { s + s / 2 } else { s });
            // Letters strewn across a long field are noise: keep matches of a decent quality.
            if s < sc.min_score {
                continue;
            }
            let s = if is_name { s + s / 2 } else { s };
            best = best.max(Some(s));
            // The fields after this one (not the name) cannot score more.
            if s >= sc.ceiling {
                break;
            }
        }
        let Some(best) = best else { return matched.then_some((None, i)) };
        // `fold` never shortens a name (every char lowers to one or more), so a name with more
        // chars than the query cannot be it: no need to fold (and allocate) every name.
        let exact = if !sc.folded.is_empty()
            && e.label_len as usize <= 4 * sc.folded_chars
            && e.label(&self.arena).chars().count() <= sc.folded_chars
            && super::fold(e.label(&self.arena)) == sc.folded
        {
            10_000
        } else {
            0
        };
        Some((Some(best + exact), i))
    }

    fn label(&self, i: usize) -> &str {
        self.entries[i].as_ref().map(|e| e.label(&self.arena)).unwrap_or("")
    }

    fn id(&self, i: usize) -> Option<Ref> {
        self.entries[i].as_ref().map(Entry::id)
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

    #[test]
    fn no_field_scores_over_the_ceiling_and_masks_never_drop_a_match() {
        let hays = [
            "Anna Müller",
            "anna",
            "ANNA",
            "a-n-n-a",
            "Ann Anna Annabelle",
            "McAnn_aNNa",
            "x anna",
            "A1n2n3a",
            "Ärzte Ölmühle",
            "Иван Петров",
            "Γιώργος",
            "محمد العلي",
            "+49 (30) 123-4567",
            "4930123456",
            "anna.mueller@atlas-gmbh.de",
            "Élodie Fabre",
            "ßtraße",
            "İstanbul ıi",
        ];
        let queries =
            ["a", "an", "anna", "ann mul", "muller", "ölm", "иван", "ПЕТ", "γιώ", "العلي", "301234", "é", "i", "ß"];
        let mut matcher = Matcher::new(Config::DEFAULT);
        for q in queries {
            let pattern = Pattern::new(q, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy);
            let ceiling: u32 = pattern
                .atoms
                .iter()
                .map(|a| CEILING_PER_CHAR * a.needle_text().len() as u32 + CEILING_FIRST_CHAR)
                .sum();
            let needs = needle_bits(&pattern);
            for h in hays {
                let mut arena = Arena::default();
                let (e, sig) = Entry::build(&Ref::Contact(ContactId(1)), h, "", &[], &[], &mut arena).unwrap();
                let field = &e.fields(&arena)[0];
                let score = pattern.score(e.field(&arena, field, &mut Vec::new()), &mut matcher);
                assert!(score.unwrap_or(0) <= ceiling, "{q:?} in {h:?}: {score:?} > {ceiling}");
                if score.is_some() {
                    assert_eq!(field.mask & needs, needs, "{q:?} matches {h:?} but the mask says no");
                    assert_eq!(sig.masks[0] & needs, needs, "{q:?} matches {h:?} but the name's mask says no");
                }
            }
        }
    }

    #[test]
    fn a_word_of_the_query_starting_mid_word_scores_under_the_ceiling() {
        let hays = [
            "Anna Müller",
            "Joanna North",
            "McDonald's iPhone 15Pro",
            "ab12cd x_y-z.w",
            "O'Brien/Ørsted,École;Über|Zoë",
            "anna.mueller@atlas-gmbh.de",
            "+49 (30) 123-4567",
            "Иван Петров",
            "Γιώργος Παπαδόπουλος",
            "محمد العلي",
            "Nguyễn Văn An",
            "Framework agreement – Al-Noor",
            "straße STRASSE",
            "camelCaseWordsHere",
        ];
        let mut matcher = Matcher::new(Config::DEFAULT);
        let (mut checked, mut ceilings, mut gapped, mut headed, mut bare, mut unlisted) = (0, 0, 0, 0, 0, [0, 0]);
        for h in hays {
            let mut arena = Arena::default();
            let (e, sig) = Entry::build(&Ref::Contact(ContactId(1)), h, "", &[], &[], &mut arena).unwrap();
            let [starts, pairs, _, camels] = sig.name;
            let chars: Vec<char> = h.chars().collect();
            // Every run of one to five characters and every other character from each
            // position, alone and as the second word after "a".
            let mut queries = Vec::new();
            for i in 0..chars.len() {
                for n in 1..=5.min(chars.len() - i) {
                    queries.push(chars[i..i + n].iter().collect::<String>());
                }
                queries.push(chars[i..].iter().step_by(2).take(4).collect());
            }
            queries.extend(queries.clone().iter().map(|q| format!("a {q}")));
            for q in queries.iter().filter(|q| !q.trim().is_empty()) {
                let Some(p) = Prepared::new(&Query::parse(q)) else { continue };
                let off = p.firsts.iter().filter(|&&f| starts & f == 0).count() as u32;
                // (See `Prepared::letter`.)
                let camels = if p.letter { u64::MAX } else { camels };
                let bound = most_in(p.ceiling, &p.firsts, &p.steps, starts, pairs, camels);
                let heads = e.ascii_name(&arena).map_or(u64::MAX, heads);
                let name_bound =
                    name_most(p.ceiling, &p.firsts, &p.steps, p.word.as_deref(), [starts, pairs, heads, camels]);
                // (Every field is the name's, or its twin.)
                for field in e.fields(&arena) {
                    let score = p.pattern.score(e.field(&arena, field, &mut Vec::new()), &mut matcher);
                    assert!(score.unwrap_or(0) <= bound, "{q:?} in {h:?}: {score:?} > {bound}");
                    assert!(score.unwrap_or(0) <= name_bound, "{q:?} in the name {h:?}: {score:?} > {name_bound}");
                    checked += usize::from(off > 0 && score.is_some());
                    gapped += usize::from(off == 0 && bound < p.ceiling && score.is_some());
                    headed += usize::from(name_bound < bound && score.is_some());
                    let unknown = most_in(p.ceiling, &p.firsts, &p.steps, starts, pairs, u64::MAX);
                    bare += usize::from(bound < unknown && score.is_some());
                    // What a scan keeping to `ordered::Starts` lists takes a record not listed to
                    // score at most (see `ordered::sparse_cap`).
                    let listed = |bit: u64| (starts | camels) & bit != 0 || bit.trailing_zeros() >= 36;
                    if let (Some(s), Some(false)) = (score, p.firsts.first().map(|&f| listed(f))) {
                        let first = if p.letter { OFF_START } else { OFF_MID_START };
                        assert!(s + first <= p.ceiling, "{q:?} in {h:?}: {s} + {first} > {}", p.ceiling);
                        unlisted[0] += 1;
                        if let (false, Some(&(second, _))) = (p.letter, p.steps.first()) {
                            if !listed(second) {
                                let off = first + ordered::OFF_MID_RUN;
                                assert!(s + off <= p.ceiling, "{q:?} in {h:?}: {s} + {off} > {}", p.ceiling);
                                unlisted[1] += 1;
                            }
                        }
                    }
                    // The ceiling only where a word starts with the query.
                    if let (Some(word), Some(name), Some(s)) = (&p.word, e.ascii_name(&arena), score) {
                        if s == p.ceiling {
                            assert!(ordered::starts_a_word_with(name, word), "{q:?} in {h:?} scores {s}");
                            ceilings += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 100, "only {checked} matches started mid-word");
        assert!(ceilings > 50, "only {ceilings} matches scored the ceiling");
        assert!(gapped > 100, "only {gapped} matches had a letter that could not follow on");
        assert!(headed > 50, "only {headed} matches were in names with no word starting as the query");
        assert!(bare > 100, "only {bare} matches had a letter with no bonus at all");
        assert!(unlisted[0] > 100 && unlisted[1] > 50, "only {unlisted:?} matches had letters with no bonus first");
    }

    #[test]
    fn graphemes_fast_path_agrees_with_nucleo() {
        let mut out = Vec::new();
        for c in std::iter::once(0x20..=0x2ff).chain(SINGLE).flatten().filter_map(char::from_u32) {
            for s in [format!("{c}"), format!("a{c}{c}b"), format!("{c} x\u{301}{c}"), format!("\r\n{c}")] {
                graphemes(&s, &mut out);
                assert_eq!(out, nucleo_matcher::chars::graphemes(&s).collect::<Vec<_>>(), "{s:?}");
            }
        }
    }

    #[test]
    fn replacing_entries_many_times_compacts_the_arena_and_keeps_every_entry() {
        let mut idx = index(&[contact(1, "Anna Müller"), contact(2, "Bob Stone"), contact(3, "Cleo Brandt")]);
        for n in 0..2_000 {
            idx.upsert(&contact(2, &format!("Bob Stone the {n}th, of a long line of people named Bob")));
        }
        idx.remove(&Ref::Contact(ContactId(3)));
        let a = &idx.arena;
        assert!(a.text.len() < 10_000, "the arena was never compacted: {} bytes", a.text.len());
        assert_eq!(labels(&idx, "muller"), ["Anna Müller"]);
        assert_eq!(labels(&idx, "1999th"), ["Bob Stone the 1999th, of a long line of people named Bob"]);
        assert_eq!(labels(&idx, "cleo"), Vec::<String>::new());
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn ascii_twins_score_like_the_fields_they_spell() {
        let hays = [
            "Anna Müller",
            "Élodie Fabre",
            "Agnieszka Dąbrowska",
            "ÅBERG AB",
            "Łukasz Żółć",
            "Jesper Møller",
            "Ørsted ÉCOLE",
            "çà et là",
            "Zoë-Ève d'Arçy",
            "Müller_Lüdenscheidt GmbH",
            "Nguyễn Văn An",
            "Иван",
            "ß",
            "straße",
            "æble",
            "Œuvre",
            "ǅemal",
            "İstanbul",
            "–",
            "Ça",
            "Ñandú",
            "Framework agreement – Al-Noor",
            "€249,500",
            "ООО «Ромашка»",
            "«Atlas» – €5 · x",
            "a\u{a0}b c",
            "Ŀlo ŀa",
            "x\u{2003}y",
            "½ ¾ x²",
        ];
        let mut matcher = Matcher::new(Config::DEFAULT);
        let (mut chars, mut twin) = (Vec::new(), String::new());
        let mut twins = Vec::new();
        for h in hays {
            graphemes(h, &mut chars);
            if !ascii_twin(&chars, &mut twin) {
                continue;
            }
            twins.push(h);
            let lower = twin.to_lowercase();
            let letters: Vec<char> = lower.chars().filter(|c| c.is_alphanumeric()).collect();
            // Every run of one to four letters, and every other letter up to six.
            let mut queries: Vec<String> = Vec::new();
            for n in 1..=4 {
                queries.extend(letters.windows(n).map(|w| w.iter().collect()));
            }
            queries.extend(letters.iter().step_by(2).take(6).scan(String::new(), |q, c| {
                q.push(*c);
                Some(q.clone())
            }));
            queries.extend(
                [
                    "muller", "mlr", "an mu", "ab", "zz", "ss", "istan", "ecole", "ee", "t-a", "al-noor", "a-", "24",
                    ",5", "x2",
                ]
                .map(String::from),
            );
            // (One letter is left out: see `Scorer::ascii`.)
            for q in queries.iter().filter(|q| q.split_whitespace().all(|w| w.len() > 1)) {
                let pattern = Pattern::new(q, CaseMatching::Ignore, Normalization::Smart, AtomKind::Fuzzy);
                let unicode = pattern.score(Utf32Str::Unicode(&chars), &mut matcher);
                let ascii = pattern.score(Utf32Str::Ascii(twin.as_bytes()), &mut matcher);
                assert_eq!(unicode, ascii, "{q:?} in {h:?} and {twin:?}");
            }
        }
        for h in [
            "Anna Müller",
            "Élodie Fabre",
            "Agnieszka Dąbrowska",
            "ÅBERG AB",
            "Ça",
            "Ñandú",
            "€249,500",
            "«Atlas» – €5 · x",
        ] {
            assert!(twins.contains(&h), "{h:?} has no twin (twins: {twins:?})");
        }
    }

    #[test]
    fn slots_hold_dense_and_sparse_ids() {
        let mut slots = Slots::default();
        let far = Ref::Contact(ContactId(1 << 40));
        slots.insert(Ref::Contact(ContactId(1)), 0);
        slots.insert(far.clone(), 1);
        slots.insert(Ref::Task(TaskId(7)), 2);
        slots.insert(Ref::User("ann".into()), 3);
        assert_eq!(slots.get(&Ref::Contact(ContactId(1))), Some(0));
        assert_eq!(slots.get(&far), Some(1));
        assert_eq!(slots.get(&Ref::Task(TaskId(7))), Some(2));
        assert_eq!(slots.get(&Ref::Task(TaskId(6))), None);
        assert_eq!(slots.get(&Ref::Deal(DealId(7))), None);
        assert_eq!(slots.iter().count(), 4);
        assert_eq!(slots.remove(&far), Some(1));
        assert_eq!(slots.remove(&far), None);
        assert_eq!(slots.remove(&Ref::Contact(ContactId(1))), Some(0));
        assert_eq!(slots.get(&Ref::Contact(ContactId(1))), None);
        let mut left: Vec<_> = slots.iter().collect();
        left.sort_by_key(|(_, p)| *p);
        assert_eq!(left, [(Ref::Task(TaskId(7)), 2), (Ref::User("ann".into()), 3)]);
    }
}
