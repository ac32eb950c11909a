//! Searching in the order results are cut in (best score first, ties by lowest record), so that
//! a search can stop, or pass a record over without matching it, once it is sure the record
//! cannot make the cut. One or two letters match most records, and scoring them all took
//! hundreds of milliseconds at a million contacts; but the best hits of a short query are
//! usually records whose name starts with it, which score the most any record can, and the
//! records with the lowest ids among them win. The results are the same as scoring every record
//! (`tests` below and tests/search.rs compare them):
//!
//! - The records are scanned by kind and id (contact, company, deal, task: the order of `Ref`),
//!   a round of positions at a time, each round split over the cores.
//! - No field scores more than the query's ceiling, and the name half as much again (see
//!   `CEILING_PER_CHAR`). So once `limit` hits score that much, no record after them can take
//!   their place (it would tie at best, and lose on its id): the search stops.
//! - Once `limit` hits are held, a record whose fields cannot score more than the worst of them
//!   (the name cannot hold the query's letters, and the other fields score at most the ceiling)
//!   is passed over: it ties at best, with a higher id.
//! - Nor can a record that cannot reach the worst of the best `limit` hits among the records
//!   whose name has a word starting as the query does ([`Prefixes`]) or, when they are not
//!   enough, those and the first records of every kind (scored once, when the first round is not
//!   enough: the best hits of a query may be companies, and the contacts come first).
//! - What deciding that reads of a record is kept apart from its entry (see `Sig`), and the
//!   records to score are fetched from memory a batch at a time.
//! - A name holds the most only when one of its words starts with the query; otherwise a
//!   point less is enough to pass it over in a tie.
//! - An exact name scores 10,000 more wherever its record is: those records are looked up by
//!   name ([`Names`]) rather than found by the scan.
//!
//! What a search leaves for the next keystroke ([`Candidates`]) holds the records that matched,
//! those passed over (not known not to match), and the point where the scan stopped (everything
//! from there on).

use super::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What a search leaves for the next keystroke: the records that may still match a query that
/// extends it ([`narrows`]). Pass it to [`SearchIndex::search_within`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    /// Entry positions (in scan order when `ordered`).
    list: Vec<u32>,
    /// The scan stopped here: this record and every one after it (in scan order) are
    /// candidates too.
    rest: Option<Resume>,
    /// Whether `list` is in scan order and `rest` means something (not so for a search of an
    /// index with sparse ids, which scans every entry).
    ordered: bool,
    /// The most each listed record scored (`UNKNOWN`: not known), for a query of one word in
    /// ASCII of `needle` letters (0: none known). See [`GROWTH`].
    bounds: Vec<u32>,
    needle: usize,
    /// The `SearchIndex::version` searched.
    pub(super) version: u64,
    /// From this record on (up to `rest`), only records whose name has a word starting with the
    /// query's first letter were looked at (see [`Starts`]): the others are candidates too,
    /// without being listed.
    sparse: Option<(Resume, Letters)>,
    /// The hits this search returned (entry positions): the next keystroke scores them first,
    /// to know early how good its worst hit will be at least (see `seed`).
    top: Vec<u32>,
}

/// Not known.
const UNKNOWN: u32 = u32::MAX;

/// The most a letter typed at the end of a word of a query adds to a record's score: 16 and a
/// bonus of 10, half as much again in the name. (Take the last letter out of the best alignment
/// of the longer query: what is left is an alignment of the shorter one, which scores no less
/// than the letter's part less, since taking it out also takes out the gap before it; nucleo
/// finds the best alignment of fields this short.)
const GROWTH: u32 = CEILING_PER_CHAR + CEILING_PER_CHAR / 2;

/// Up to this many characters of text in an entry times letters in the query, nucleo finds
/// the best alignment (beyond, it may match greedily, and `GROWTH` does not hold).
const OPTIMAL_CELLS: usize = 16 * 1024;
pub(super) const MAX_TEXT: usize = 1024;
const MAX_QUERY: usize = OPTIMAL_CELLS / MAX_TEXT;

impl Candidates {
    /// Every record, as a search with nothing to narrow from sees them.
    fn all() -> Candidates {
        Candidates { rest: Some(Resume { kind: 0, id: 0 }), ordered: true, ..Candidates::default() }
    }

    /// How many records are listed (not counting those from where a scan stopped).
    pub fn listed(&self) -> usize {
        self.list.len()
    }

    /// Whether records not listed are candidates too: everything from some record on (the last
    /// search stopped early), or those it did not need to look at (see `sparse`).
    pub fn open_ended(&self) -> bool {
        self.rest.is_some() || self.sparse.is_some()
    }

    /// The entries of a search that scored every entry.
    pub(super) fn unordered(list: Vec<u32>) -> Candidates {
        Candidates { list, ordered: false, ..Candidates::default() }
    }

    /// The listed entries, for a search that scans every entry (`None`: all of them).
    pub(super) fn as_list(&self) -> Option<&[u32]> {
        (self.rest.is_none() && self.sparse.is_none()).then_some(self.list.as_slice())
    }
}

/// The [`Starts`] lists a scan keeps to: under the query's first letter, and under its second
/// (an index of `ALNUM` each).
type Letters = (usize, Option<usize>);

/// A point in the scan order: the slot of this kind (index into `Slots::dense`) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Resume {
    kind: usize,
    id: usize,
}

/// The first round of a scan; each round doubles, up to `MAX_ROUND`. Short queries find their
/// best hits in the first few hundred records.
const FIRST_ROUND: usize = 4096;
const MAX_ROUND: usize = 1 << 18;

/// Records of each kind scored to `seed` a scan.
const SEED: usize = 2048;

/// Entries by the hash of their folded name, for exact names: a map to the first entry, and a
/// chain through the others.
#[derive(Default, Clone)]
pub(super) struct Names {
    head: HashMap<u32, u32>,
    /// By entry position: the next entry whose name has the same hash (`NONE`: the last).
    next: Vec<u32>,
}

const NONE: u32 = u32::MAX;

/// FNV-1a of the folded text (collisions are told apart by comparing names).
fn name_hash(folded: &str) -> u32 {
    let h = folded.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    (h ^ (h >> 32)) as u32
}

impl Names {
    pub(super) fn insert(&mut self, pos: usize, label: &str) {
        let Ok(p) = u32::try_from(pos) else { return };
        if self.next.len() <= pos {
            self.next.resize(pos + 1, NONE);
        }
        self.next[pos] = self.head.insert(name_hash(&crate::services::fold(label)), p).unwrap_or(NONE);
    }

    pub(super) fn remove(&mut self, pos: usize, label: &str) {
        let Ok(p) = u32::try_from(pos) else { return };
        let h = name_hash(&crate::services::fold(label));
        let Some(&first) = self.head.get(&h) else { return };
        let after = self.next.get(pos).copied().unwrap_or(NONE);
        if first == p {
            if after == NONE {
                self.head.remove(&h);
            } else {
                self.head.insert(h, after);
            }
        } else {
            let mut at = first;
            while at != NONE {
                let n = self.next[at as usize];
                if n == p {
                    self.next[at as usize] = after;
                    break;
                }
                at = n;
            }
        }
        if let Some(n) = self.next.get_mut(pos) {
            *n = NONE;
        }
    }

    /// Entries whose folded name may be `folded` (same hash).
    fn get(&self, folded: &str) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.head.get(&name_hash(folded)).copied().unwrap_or(NONE);
        std::iter::from_fn(move || {
            (at != NONE).then(|| {
                let p = at;
                at = self.next[p as usize];
                p as usize
            })
        })
    }

    pub(super) fn clear(&mut self) {
        self.head.clear();
        self.next.clear();
    }

    pub(super) fn heap_bytes(&self) -> (usize, usize) {
        let entry = std::mem::size_of::<(u32, u32)>() + 1;
        (self.head.len() * entry + self.next.len() * 4, self.head.capacity() * entry + self.next.capacity() * 4)
    }
}

/// Entries by the first two, and by the first three, letters or digits of each word of their name
/// (in ASCII: the name or its twin, lowered; words split at anything else), to seed a scan (see
/// `seed`): the best hits of a query are mostly records with a word of their name starting as it
/// does. An entry is listed again when its name changes, and not unlisted: whoever reads a list
/// scores what is at those positions now (a removed entry scores nothing), once each.
#[derive(Default, Clone)]
pub(super) struct Prefixes {
    /// By [`Prefixes::key`]: entry positions, in the order they were listed.
    lists: Vec<Vec<u32>>,
}

/// Letters and digits.
const ALNUM: usize = 36;

impl Prefixes {
    /// The list of words starting with these two or three bytes (None for a byte that is not a
    /// letter or a digit).
    fn key(start: &[u8]) -> Option<usize> {
        let code = |c: u8| match c.to_ascii_lowercase() {
            c @ b'a'..=b'z' => Some((c - b'a') as usize),
            c @ b'0'..=b'9' => Some(26 + (c - b'0') as usize),
            _ => None,
        };
        match *start {
            [a, b] => Some(code(a)? * ALNUM + code(b)?),
            [a, b, c] => Some(ALNUM * ALNUM + (code(a)? * ALNUM + code(b)?) * ALNUM + code(c)?),
            _ => None,
        }
    }

    pub(super) fn insert(&mut self, pos: usize, name: Option<&[u8]>) {
        let (Ok(p), Some(name)) = (u32::try_from(pos), name) else { return };
        if self.lists.is_empty() {
            self.lists = vec![Vec::new(); ALNUM * ALNUM * (1 + ALNUM)];
        }
        // (Each list once per name, however many of its words start alike.)
        let (mut seen, mut n) = ([usize::MAX; 16], 0);
        for word in name.split(|b| !b.is_ascii_alphanumeric()) {
            for len in [2, 3] {
                let Some(k) = word.get(..len).and_then(Prefixes::key) else { continue };
                if seen[..n].contains(&k) {
                    continue;
                }
                if n < seen.len() {
                    seen[n] = k;
                    n += 1;
                }
                self.lists[k].push(p);
            }
        }
    }

    /// The entries with a word of their name starting with these two or three bytes.
    fn get(&self, start: &[u8]) -> &[u32] {
        Prefixes::key(start).and_then(|k| self.lists.get(k)).map_or(&[], Vec::as_slice)
    }

    pub(super) fn clear(&mut self) {
        self.lists.clear();
    }

    pub(super) fn shrink(&mut self) {
        self.lists.iter_mut().for_each(Vec::shrink_to_fit);
    }

    pub(super) fn heap_bytes(&self) -> (usize, usize) {
        let (used, room) = self.lists.iter().fold((0, 0), |(u, r), l| (u + l.len() * 4, r + l.capacity() * 4));
        let head = std::mem::size_of::<Vec<u32>>();
        (used + self.lists.len() * head, room + self.lists.capacity() * head)
    }
}

/// Records by the letters and digits that start a word of their name or may have the bonus of
/// a camelCase or a digit there (as the name's [`Sig`] reads them: `starts` and `camels`, every
/// form the matcher compares), by kind: their ids, in order, each once. A query's best hits are
/// often all named with a word starting with its first letter; a name not listed under it has
/// no bonus for it and scores `OFF_MID_START` under the ceiling at most, so once the hits to
/// beat score more than that (and more than any other field can), a scan looks at the records
/// listed only (`fill_sparse`): a few percent of them for a letter, rather than every record. A record
/// is listed again when its name changes (if not already), and not unlisted: whoever reads a
/// list looks at its [`Sig`] as it is now.
#[derive(Default, Clone)]
pub(super) struct Starts {
    /// By kind slot (see `slot_of`), then by letter or digit (`ALNUM`): ids.
    lists: [Vec<Vec<u32>>; 4],
    /// Set when an id did not fit (none of this is used then).
    overflow: bool,
}

impl Starts {
    /// Lists record `id` of kind `slot` under every letter or digit in `starts` (a name's).
    pub(super) fn insert(&mut self, slot: usize, id: u64, starts: u64) {
        let (Some(lists), Ok(id)) = (self.lists.get_mut(slot), u32::try_from(id)) else {
            self.overflow = true;
            return;
        };
        if lists.is_empty() {
            *lists = vec![Vec::new(); ALNUM];
        }
        let mut bits = starts & ((1 << ALNUM) - 1);
        while bits != 0 {
            let list = &mut lists[bits.trailing_zeros() as usize];
            bits &= bits - 1;
            // (Ids are made in order: a new record goes at the end.)
            match list.last() {
                Some(&last) if last >= id => {
                    if let Err(at) = list.binary_search(&id) {
                        list.insert(at, id);
                    }
                }
                _ => list.push(id),
            }
        }
    }

    /// The ids of kind `slot` listed under `letter` (an index of `ALNUM`).
    fn get(&self, slot: usize, letter: usize) -> &[u32] {
        self.lists.get(slot).and_then(|l| l.get(letter)).map_or(&[], Vec::as_slice)
    }

    pub(super) fn clear(&mut self) {
        *self = Starts::default();
    }

    pub(super) fn shrink(&mut self) {
        self.lists.iter_mut().flatten().for_each(Vec::shrink_to_fit);
    }

    pub(super) fn heap_bytes(&self) -> (usize, usize) {
        let head = std::mem::size_of::<Vec<u32>>();
        self.lists.iter().flatten().fold((0, 0), |(u, r), l| (u + l.len() * 4 + head, r + l.capacity() * 4 + head))
    }
}

/// From the records with a word of their name starting as the query does, the first this many
/// listed are looked at, and at most `SEED_NAMES` of them (those that may score the most) scored,
/// to seed a scan.
const SEED_LISTED: usize = 1 << 15;
const SEED_NAMES: usize = 2048;

/// What scanning part of a round found: hits (score, position) and the positions that may match
/// a longer query, both in scan order. Kept across the rounds of a scan and filled again by each
/// (fresh vectors of a round's size were faulted in and zeroed every round).
#[derive(Default)]
struct Part {
    hits: Vec<(u32, usize)>,
    keep: Vec<u32>,
    /// The most each kept record can have scored.
    bounds: Vec<u32>,
}

/// The slot (in `Slots::dense`) of a kind.
pub(super) fn slot_of(kind: EntityKind) -> Option<usize> {
    match kind {
        EntityKind::Contact => Some(0),
        EntityKind::Company => Some(1),
        EntityKind::Deal => Some(2),
        EntityKind::Task => Some(3),
        _ => None,
    }
}

impl SearchIndex {
    /// Whether a search may go in scan order: every id is in `Slots::dense` (crm hands them out
    /// 1, 2, 3…), and the index is a whole one (not a one-off search's, which keeps no names).
    pub(super) fn ordered(&self, candidates: Option<&Candidates>) -> bool {
        self.slots.sparse.is_empty() && self.prefilter.is_none() && candidates.is_none_or(|c| c.ordered)
    }

    /// The hits that may make the best `limit` (score, position; a superset of them) and what
    /// is left for the next keystroke. See the module's comment.
    pub(super) fn scan_ordered(
        &self,
        sc: &Scorer<'_>,
        from: Option<&Candidates>,
        limit: usize,
    ) -> (Vec<(u32, usize)>, Candidates) {
        let all = Candidates::all();
        let from = from.unwrap_or(&all);
        if limit == 0 {
            return (Vec::new(), from.clone());
        }
        // The most any record but an exact name can score.
        let most = sc.ceiling + sc.ceiling / 2;
        let only = sc.query.kind.and_then(slot_of);
        let cut = |a: &(u32, usize), b: &(u32, usize)| b.0.cmp(&a.0).then_with(|| self.id(a.1).cmp(&self.id(b.1)));
        let threads = cores().min(MAX_THREADS);
        let (mut matcher, mut buf) = (Matcher::new(Config::DEFAULT), Vec::new());
        let mut pool: Vec<(Matcher, Vec<char>, Part)> = Vec::new();
        let mut solo = Part::default();
        // (Room for what may be kept made once: growing vectors of millions of entries a doubling
        // at a time, each time on fresh pages, was a fifth of a slow keystroke. Room not used
        // is never touched.)
        let most_kept = from.list.len() + if from.rest.is_some() { self.entries.len() } else { 0 };
        let (mut keep, mut bounds) = (Vec::with_capacity(most_kept), Vec::with_capacity(most_kept));
        let room = MAX_ROUND.min(most_kept);
        let (mut top, mut round, mut round_bounds) =
            (Vec::<(u32, usize)>::new(), Vec::with_capacity(room), Vec::with_capacity(room));
        // What the last keystroke's scores say: each letter typed since adds `GROWTH` at most.
        let word = sc.word.filter(|_| sc.ascii).map_or(0, <[u8]>::len);
        // (Up to `MAX_QUERY` letters, an entry of `MAX_TEXT` bytes or less is aligned optimally.)
        let grow = match (from.needle, from.bounds.len() == from.list.len()) {
            (n, true) if n > 0 && word >= n && sc.text.len() <= MAX_QUERY => GROWTH * (word - n) as u32,
            _ => UNKNOWN,
        };
        // The last keystroke's hits, scored first: the worst of the best `limit` of them is a
        // floor to pass records over by from the start.
        let mut below = self.floor_of(&from.top, sc, limit, &mut matcher, &mut buf);
        let mut seeded = false;
        // Records whose name is not listed under the query's first letter (nor its second) in
        // `Starts` score no more than a cap: once the hits to beat score more, only the others
        // are looked at. What the last keystroke did not look at must be looked at now when that
        // no longer holds.
        let letters = self.sparse_letters(sc);
        let keeps_to = |l: Letters, b: Option<u32>| {
            letters.is_some_and(|(first, second)| first == l.0 && (l.1.is_none() || l.1 == second))
                && b.is_some_and(|b| sparse_cap(sc, l) < b)
        };
        let whole;
        let from = match from.sparse {
            Some((_, l)) => {
                if !keeps_to(l, below) {
                    seeded = true;
                    below = below.max(self.seed(sc, only, limit, &from.top, &mut matcher, &mut buf));
                }
                if keeps_to(l, below) {
                    from
                } else {
                    whole = self.unsparse(from);
                    &whole
                }
            }
            None => from,
        };
        let mut sparse = from.sparse;
        let (mut at_most, mut listed, mut rest, mut size) = (0, 0, from.rest, FIRST_ROUND);
        while at_most < limit {
            round.clear();
            round_bounds.clear();
            let take = (from.list.len() - listed).min(size);
            round.extend_from_slice(&from.list[listed..listed + take]);
            if grow != UNKNOWN {
                round_bounds.extend(from.bounds[listed..listed + take].iter().map(|b| b.saturating_add(grow)));
            }
            listed += take;
            if round.len() < size {
                if let Some(r) = rest {
                    let worst = (top.len() >= limit).then(|| top.iter().map(|t| t.0).min().unwrap_or(0));
                    // (Both letters, when there are: what the next keystroke needs to beat may
                    // then be lower and still keep to the same lists.)
                    if let (None, Some(l)) = (sparse, letters) {
                        if keeps_to(l, below.max(worst)) {
                            sparse = Some((r, l));
                        } else if keeps_to((l.0, None), below.max(worst)) {
                            sparse = Some((r, (l.0, None)));
                        }
                    }
                    rest = match sparse {
                        Some((_, l)) => self.fill_sparse(r, l, only, size - round.len(), &mut round),
                        None => self.fill(r, only, size - round.len(), &mut round),
                    };
                }
            }
            round_bounds.resize(round.len(), UNKNOWN);
            if round.is_empty() {
                break;
            }
            // The worst of the best `limit` so far: a record that cannot beat it is passed over.
            let worst = (top.len() >= limit).then(|| top.iter().map(|t| t.0).min().unwrap_or(0));
            let parts: Vec<&mut Part> = if round.len() >= PARALLEL_MIN && threads > 1 {
                let share = round.len().div_ceil(threads);
                // (A matcher is a quarter of a megabyte, zeroed: one per thread for the whole scan.)
                if pool.is_empty() {
                    pool = (0..threads).map(|_| (Matcher::new(Config::DEFAULT), Vec::new(), Part::default())).collect();
                }
                std::thread::scope(|s| {
                    let handles: Vec<_> = round
                        .chunks(share)
                        .zip(round_bounds.chunks(share))
                        .zip(pool.iter_mut())
                        .map(|((chunk, prev), (matcher, buf, part))| {
                            s.spawn(move || {
                                self.scan_part(chunk, prev, sc, worst, below, limit, matcher, buf, part);
                                part
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().expect("search thread")).collect()
                })
            } else {
                self.scan_part(&round, &round_bounds, sc, worst, below, limit, &mut matcher, &mut buf, &mut solo);
                vec![&mut solo]
            };
            for part in parts {
                keep.extend_from_slice(&part.keep);
                bounds.extend_from_slice(&part.bounds);
                at_most += part.hits.iter().filter(|h| h.0 >= most).count();
                top.append(&mut part.hits);
            }
            if top.len() > limit {
                top.select_nth_unstable_by(limit, cut);
                top.truncate(limit);
            }
            size = (size * 2).min(MAX_ROUND);
            if !seeded && at_most < limit {
                seeded = true;
                below = below.max(self.seed(sc, only, limit, &from.top, &mut matcher, &mut buf));
            }
        }
        // Exact names, wherever they are (scored like any other, so the kind and tag still apply).
        if !sc.folded.is_empty() {
            for i in self.names.get(sc.folded) {
                if top.iter().all(|t| t.1 != i) {
                    if let Some((Some(s), _)) = self.score(i, sc, false, &mut matcher, &mut buf, &mut 0) {
                        top.push((s, i));
                    }
                }
            }
        }
        // Left for the next keystroke: what was kept, then what was not scanned.
        keep.extend_from_slice(&from.list[listed..]);
        let needle = if word > 0 {
            bounds.extend(from.list[listed..].iter().enumerate().map(|(k, _)| match grow {
                UNKNOWN => UNKNOWN,
                g => from.bounds[listed + k].saturating_add(g),
            }));
            word
        } else {
            bounds.clear();
            0
        };
        let hits = top.iter().filter_map(|t| u32::try_from(t.1).ok()).collect();
        (top, Candidates { list: keep, rest, ordered: true, bounds, needle, version: 0, sparse, top: hits })
    }

    /// The worst of the best `limit` scores of `positions` (None: fewer match).
    fn floor_of(
        &self,
        positions: &[u32],
        sc: &Scorer<'_>,
        limit: usize,
        matcher: &mut Matcher,
        buf: &mut Vec<char>,
    ) -> Option<u32> {
        let mut scores: Vec<u32> = positions
            .iter()
            .filter_map(|&p| self.score(p as usize, sc, false, matcher, buf, &mut 0).and_then(|s| s.0))
            .collect();
        if scores.len() < limit || limit == 0 {
            return None;
        }
        scores.select_nth_unstable_by(limit - 1, |a, b| b.cmp(a));
        Some(scores[limit - 1])
    }

    /// The letters (indexes of `ALNUM`) whose [`Starts`] lists a scan for this query may keep
    /// to, if any: the first of the query, when it is a letter or digit and the query is fuzzy,
    /// and its second likewise (not for a query with a word of one letter: see `Prepared::letter`).
    fn sparse_letters(&self, sc: &Scorer<'_>) -> Option<Letters> {
        if self.starts.overflow || sc.needs == 0 || !sc.pattern.atoms.iter().all(|a| a.kind == AtomKind::Fuzzy) {
            return None;
        }
        let first = sc.firsts.first()?.trailing_zeros() as usize;
        // (Without a word of one letter, the first step is the first word's second letter.)
        let second = sc.steps.first().map(|s| s.0.trailing_zeros() as usize).filter(|&l| !sc.letter && l < ALNUM);
        (first < ALNUM).then_some((first, second))
    }

    /// Where entry `p` is in the scan order.
    fn resume_of(&self, p: u32) -> Resume {
        self.entries[p as usize].as_ref().map_or(Resume { kind: usize::MAX, id: 0 }, |e| Resume {
            kind: slot_of(e.kind).unwrap_or(usize::MAX),
            id: e.number as usize,
        })
    }

    /// `from` with every record of its sparse region a candidate (listed or not): the records
    /// listed before the region, and everything from its start on.
    fn unsparse(&self, from: &Candidates) -> Candidates {
        let Some((start, _)) = from.sparse else { return from.clone() };
        let at = from.list.partition_point(|&p| self.resume_of(p) < start);
        Candidates {
            list: from.list[..at].to_vec(),
            bounds: if from.bounds.len() == from.list.len() { from.bounds[..at].to_vec() } else { Vec::new() },
            rest: Some(start),
            sparse: None,
            ordered: from.ordered,
            needle: from.needle,
            version: from.version,
            top: from.top.clone(),
        }
    }

    /// As `fill`, of the records listed under `letters` in [`Starts`] only (under either).
    fn fill_sparse(
        &self,
        mut r: Resume,
        letters: Letters,
        only: Option<usize>,
        n: usize,
        out: &mut Vec<u32>,
    ) -> Option<Resume> {
        let want = out.len() + n;
        let from = |ids: &'_ [u32], r: Resume| -> usize { ids.partition_point(|&id| (id as usize) < r.id) };
        while r.kind < self.slots.dense.len() {
            if only.is_none_or(|k| k == r.kind) {
                let v = &self.slots.dense[r.kind];
                let a = self.starts.get(r.kind, letters.0);
                let b = letters.1.map_or(&[][..], |l| self.starts.get(r.kind, l));
                let (mut i, mut j) = (from(a, r), from(b, r));
                // The two lists merged, in order, each id once.
                loop {
                    let id = match (a.get(i), b.get(j)) {
                        (Some(&x), Some(&y)) => {
                            i += usize::from(x <= y);
                            j += usize::from(y <= x);
                            x.min(y)
                        }
                        (Some(&x), None) => {
                            i += 1;
                            x
                        }
                        (None, Some(&y)) => {
                            j += 1;
                            y
                        }
                        (None, None) => break,
                    };
                    if out.len() >= want {
                        return Some(Resume { kind: r.kind, id: id as usize });
                    }
                    if let Some(&p) = v.get(id as usize).filter(|&&p| p != 0) {
                        out.push(p - 1);
                    }
                }
            }
            r = Resume { kind: r.kind + 1, id: 0 };
        }
        None
    }

    /// When the first round did not find enough of the best hits, they may be records of a kind
    /// further on (companies after contacts), or far down the ids: the worst score of the best
    /// `limit` hits among the records with a word of their name starting as the query does
    /// ([`Prefixes`]; those that may score the most first, until no other can do better) or,
    /// when they are not enough, those and the first records of every kind. No record that
    /// cannot reach it can make the cut (those hits beat it, whatever the ids), so the scan
    /// passes over them from the start.
    fn seed(
        &self,
        sc: &Scorer<'_>,
        only: Option<usize>,
        limit: usize,
        prev: &[u32],
        matcher: &mut Matcher,
        buf: &mut Vec<char>,
    ) -> Option<u32> {
        // The records named alike (their first three letters, or if that is not enough, two), by
        // what they may score; each once. (Score, position.)
        let mut best: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::with_capacity(limit + 1);
        let (mut named, mut scored) = (Vec::<(u32, u32)>::new(), Vec::new());
        for n in [3, 2] {
            let Some(start) = sc.word.and_then(|w| w.get(..n)).filter(|_| best.len() < limit) else { continue };
            named.clear();
            let listed = self.prefixes.get(start);
            let listed = &listed[..listed.len().min(SEED_LISTED)];
            // (Reading the bits of records spread over the index waits on memory: both cores
            // wait at once.)
            if listed.len() >= PARALLEL_MIN && cores() > 1 {
                let (a, b) = listed.split_at(listed.len() / 2);
                let other = std::thread::scope(|s| {
                    let other = s.spawn(|| {
                        let mut out = Vec::new();
                        self.named_bounds(b, sc, &mut out);
                        out
                    });
                    self.named_bounds(a, sc, &mut named);
                    other.join().expect("search thread")
                });
                named.extend(other);
            } else {
                self.named_bounds(listed, sc, &mut named);
            }
            let by_most = |a: &(u32, u32), b: &(u32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            if named.len() > SEED_NAMES {
                named.select_nth_unstable_by(SEED_NAMES, by_most);
                named.truncate(SEED_NAMES);
            }
            named.sort_unstable_by(by_most);
            named.dedup_by_key(|n| n.1);
            best.clear();
            scored.clear();
            for &(most, p) in &named {
                // The best `limit` of these cannot get better.
                if best.len() >= limit && best.peek().is_some_and(|w| w.0 .0 >= most) {
                    break;
                }
                scored.push(p);
                if let Some((Some(s), _)) = self.score(p as usize, sc, false, matcher, buf, &mut 0) {
                    best.push(Reverse((s, p)));
                    if best.len() > limit {
                        best.pop();
                    }
                }
            }
        }
        let mut scores: Vec<(u32, u32)> = best.into_iter().map(|r| r.0).collect();
        // Then, if that is not enough, the first records of every kind (not those scored above).
        if scores.len() < limit {
            scored.sort_unstable();
            for (k, slots) in self.slots.dense.iter().enumerate() {
                if only.is_some_and(|o| o != k) {
                    continue;
                }
                for &p in slots.iter().filter(|&&p| p != 0).take(SEED) {
                    if scored.binary_search(&(p - 1)).is_err() {
                        let s = self.score(p as usize - 1, sc, false, matcher, buf, &mut 0).and_then(|s| s.0);
                        scores.extend(s.map(|s| (s, p - 1)));
                    }
                }
            }
        }
        // And the last keystroke's hits (each record counted once).
        for &p in prev {
            let s = self.score(p as usize, sc, false, matcher, buf, &mut 0).and_then(|s| s.0);
            scores.extend(s.map(|s| (s, p)));
        }
        scores.sort_unstable_by_key(|s| s.1);
        scores.dedup_by_key(|s| s.1);
        if scores.len() < limit {
            return None;
        }
        scores.select_nth_unstable_by(limit - 1, |a, b| b.0.cmp(&a.0));
        Some(scores[limit - 1].0)
    }

    /// Adds to `out` the most each of `listed` may score, with its position, for those that may
    /// match at all (see `seed`).
    fn named_bounds(&self, listed: &[u32], sc: &Scorer<'_>, out: &mut Vec<(u32, u32)>) {
        for (k, &p) in listed.iter().enumerate() {
            if let Some(&ahead) = listed.get(k + AHEAD) {
                self.prefetch_bits(ahead as usize);
            }
            let [name, others] = self.masks[p as usize];
            if (name | others) & sc.needs == sc.needs {
                let (name, others) = self.bound(p as usize, sc, UNKNOWN, |_| true);
                out.push((name.max(others), p));
            }
        }
    }

    /// Asks for what `bound` reads of entry `i` (its masks and signatures) to be fetched.
    fn prefetch_bits(&self, i: usize) {
        prefetch(self.masks.get(i));
        prefetch(self.names_sig.get(i));
        prefetch(self.others_sig.get(i));
    }

    /// Adds up to `n` positions to `out`, in scan order from `r` (records of slot `only` when
    /// set); returns where to go on from, or None at the end.
    fn fill(&self, mut r: Resume, only: Option<usize>, n: usize, out: &mut Vec<u32>) -> Option<Resume> {
        let want = out.len() + n;
        while r.kind < self.slots.dense.len() {
            if only.is_none_or(|k| k == r.kind) {
                let v = &self.slots.dense[r.kind];
                while r.id < v.len() {
                    if out.len() >= want {
                        return Some(r);
                    }
                    if v[r.id] != 0 {
                        out.push(v[r.id] - 1);
                    }
                    r.id += 1;
                }
            }
            r = Resume { kind: r.kind + 1, id: 0 };
        }
        None
    }

    /// Scores `positions` (in scan order), passing over a record that cannot beat `worst` nor
    /// the worst of the best `limit` hits this part has found (records before it, which win a
    /// tie), nor reach `below` (see `seed`).
    #[allow(clippy::too_many_arguments)]
    fn scan_part(
        &self,
        positions: &[u32],
        prev: &[u32],
        sc: &Scorer<'_>,
        worst: Option<u32>,
        below: Option<u32>,
        limit: usize,
        matcher: &mut Matcher,
        buf: &mut Vec<char>,
        part: &mut Part,
    ) {
        part.hits.clear();
        part.keep.clear();
        part.bounds.clear();
        // The best `limit` scores of this part, worst on top.
        let mut best: BinaryHeap<Reverse<u32>> = BinaryHeap::with_capacity(limit + 1);
        // Whether a score can make the cut.
        let beats = |b: u32, best: &BinaryHeap<Reverse<u32>>| {
            let local = (best.len() >= limit).then(|| best.peek().map_or(0, |r| r.0));
            let floor = worst.max(local);
            !(floor.is_some_and(|f| b <= f) || below.is_some_and(|f| b < f))
        };
        // The records to score, a few at a time: their entries, fields and names are fetched
        // together rather than one after another (scoring was mostly waiting for them).
        let mut pending: Vec<Pending> = Vec::with_capacity(BATCH);
        let mut dropped = false;
        let mut flush = |pending: &mut Vec<Pending>, part: &mut Part, best: &mut BinaryHeap<Reverse<u32>>| {
            for q in pending.iter() {
                if let Some(e) = &self.entries[q.i] {
                    prefetch(self.arena.fields.get(e.fields as usize));
                    prefetch(self.arena.text.as_bytes().get(e.text as usize));
                }
            }
            let mut raw = 0;
            for q in pending.drain(..) {
                // (Hits since may have raised the cut.)
                if !beats(q.name, best) && !beats(q.others, best) {
                    part.bounds[q.slot] = q.name.max(q.others);
                    continue;
                }
                // When only the name can, its score is the record's, if it makes the cut at all.
                let name_only = !beats(q.others, best);
                let Some((score, _)) = self.score(q.i, sc, name_only, matcher, buf, &mut raw) else {
                    // (The other fields, not matched, may hold the query.)
                    part.bounds[q.slot] = if name_only { q.others } else { DROPPED };
                    dropped |= !name_only;
                    continue;
                };
                part.bounds[q.slot] = if name_only { raw.max(q.others) } else { raw };
                if let Some(s) = score {
                    part.hits.push((s, q.i));
                    best.push(Reverse(s));
                    if best.len() > limit {
                        best.pop();
                    }
                }
            }
        };
        for (k, &p) in positions.iter().enumerate() {
            // (The records a scan reads are far apart when it keeps to `Starts`: it waited on
            // memory for each.)
            if let Some(&ahead) = positions.get(k + AHEAD) {
                self.prefetch_bits(ahead as usize);
            }
            let i = p as usize;
            // (As `score`: these cannot match. A removed entry has no mask; the entry itself is
            // read only when the query asks for a type or tag.)
            let Some(&[name_mask, others_mask]) = self.masks.get(i) else { continue };
            if (name_mask | others_mask) & sc.needs != sc.needs {
                continue;
            }
            if sc.needs == 0 || sc.query.kind.is_some() || sc.query.tag.is_some() {
                let Some(e) = self.entries[i].as_ref() else { continue };
                if sc.query.kind.is_some_and(|k| k != e.kind)
                    || sc.query.tag.as_ref().is_some_and(|t| !e.has_tag(&self.arena, t))
                {
                    continue;
                }
            }
            // (`GROWTH` holds where nucleo aligns optimally; a text that long is rare.)
            let last = prev.get(k).copied().filter(|_| !self.long(i)).unwrap_or(UNKNOWN);
            let (name, others) = self.bound(i, sc, last, |b| beats(b, &best));
            part.keep.push(p);
            if !beats(name, &best) && !beats(others, &best) {
                part.bounds.push(name.max(others));
                continue;
            }
            prefetch(self.entries.get(i));
            pending.push(Pending { slot: part.bounds.len(), i, name, others });
            part.bounds.push(DROPPED);
            if pending.len() == BATCH {
                flush(&mut pending, part, &mut best);
            }
        }
        flush(&mut pending, part, &mut best);
        // Out with the records that turned out not to match.
        if dropped {
            let mut at = 0;
            for r in 0..part.keep.len() {
                if part.bounds[r] != DROPPED {
                    (part.keep[at], part.bounds[at]) = (part.keep[r], part.bounds[r]);
                    at += 1;
                }
            }
            part.keep.truncate(at);
            part.bounds.truncate(at);
        }
    }
}

/// A record a scan is to score (see `scan_part`): its entry, where it is in `Part::keep`, and
/// its bounds.
struct Pending {
    i: usize,
    slot: usize,
    name: u32,
    others: u32,
}

/// Records scored together (see `scan_part`).
const BATCH: usize = 16;

/// How many records ahead a scan asks for the bits it will read (see `prefetch_bits`).
const AHEAD: usize = 12;

/// Stands in `Part::bounds` for a record found not to match.
const DROPPED: u32 = u32::MAX - 1;

/// Asks the processor to fetch what `at` points at into its cache, without waiting for it.
fn prefetch<T>(at: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(at) = at {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch reads nothing the program sees and cannot fault; the pointer is a
        // live reference's besides.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((at as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

impl SearchIndex {
    /// The most entry `i` can score (but for an exact name), no more than `last` (what the last
    /// keystroke's scores say, `UNKNOWN`: nothing): its name half as much again as the ceiling,
    /// its other fields the ceiling; less where they lack the query's letters, or as [`most_in`]
    /// and [`name_most`] say, or where the name does not have a word starting with the query
    /// (see [`starts_a_word_with`]). Returns the bounds of the name and of the other fields. Reads as
    /// little as it may for `beats` (whether a bound can make the cut) to tell: the other
    /// fields' [`Sig`] only when the ceiling beats, the name itself only when whether one of its
    /// words starts with the query decides.
    fn bound(&self, i: usize, sc: &Scorer<'_>, last: u32, beats: impl Fn(u32) -> bool) -> (u32, u32) {
        let [name_mask, others_mask] = self.masks[i];
        let others = if others_mask & sc.needs != sc.needs {
            0
        } else if beats(sc.ceiling.min(last)) {
            let [starts, pairs] = self.others_sig[i];
            most_in(sc.ceiling, sc.firsts, sc.steps, starts, pairs, u64::MAX).min(last)
        } else {
            sc.ceiling.min(last)
        };
        let name = if name_mask & sc.needs == sc.needs {
            let mut sig = self.names_sig[i];
            if sc.letter {
                sig[3] = u64::MAX;
            }
            let mut s = name_most(sc.ceiling, sc.firsts, sc.steps, sc.word, sig);
            if let Some(word) = sc.word.filter(|_| s == sc.ceiling) {
                if beats(as_name(s).min(last)) && !beats(as_name(s - 1).min(last)) {
                    let name = self.entries[i].as_ref().and_then(|e| e.ascii_name(&self.arena));
                    if name.is_some_and(|name| !starts_a_word_with(name, word)) {
                        s -= 1;
                    }
                }
            }
            as_name(s).min(last)
        } else {
            0
        };
        (name, others)
    }

    /// Whether entry `i` has more than `MAX_TEXT` bytes of text, where nucleo may not align a
    /// query optimally (see `GROWTH`).
    fn long(&self, i: usize) -> bool {
        self.long.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// The most a record not listed under `letters` in [`Starts`] can score (but for an exact
/// name): its other fields the ceiling; its name, whose first letter has no bonus there
/// ([`OFF_MID_START`]; [`OFF_START`] for a query with a word of one letter, see
/// `Prepared::letter`), and whose second letter has none either: it follows on from the first
/// with the bonus of a run, 4, or comes after a gap, which costs more ([`OFF_MID_RUN`]).
fn sparse_cap(sc: &Scorer<'_>, letters: Letters) -> u32 {
    let first = if sc.letter { OFF_START } else { OFF_MID_START };
    let second = if letters.1.is_some() { OFF_MID_RUN } else { 0 };
    as_name(sc.ceiling.saturating_sub(first + second)).max(sc.ceiling)
}

/// See [`sparse_cap`]: 10 for the bonus of a word start, less the 4 of a run.
pub(super) const OFF_MID_RUN: u32 = 6;

/// What a name's score counts for: half as much again.
fn as_name(s: u32) -> u32 {
    s + s / 2
}

/// Whether a word of `hay` (at its start or after whitespace) starts with `word` (lowered), in
/// any case. A word of a query scores its ceiling only there: every character must have the
/// bonus of a word start after whitespace (10), by standing there or by following on from one
/// (the first character of a field counts as after whitespace); elsewhere a bonus is 9 at most.
pub(super) fn starts_a_word_with(hay: &[u8], word: &[u8]) -> bool {
    !word.is_empty()
        && hay
            .windows(word.len())
            .enumerate()
            .any(|(i, w)| (i == 0 || hay[i - 1].is_ascii_whitespace()) && w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: u64, name: &str, city: &str) -> Record {
        let mut c = Contact { id: ContactId(id), name: name.into(), ..Contact::default() };
        c.address.city = city.into();
        Record::Contact(c)
    }

    fn company(id: u64, name: String) -> Record {
        Record::Company(Company { id: CompanyId(id), name, ..Company::default() })
    }

    /// Every entry scored, no shortcut: what the ordered scan must agree with.
    fn exhaustive(idx: &SearchIndex, q: &str, limit: usize) -> Vec<Hit> {
        let query = Query::parse(q);
        let Some(p) = Prepared::new(&query) else { return Vec::new() };
        let list: Vec<u32> = (0..idx.entries.len() as u32).collect();
        idx.search_prepared(&query, &p, Some(&Candidates::unordered(list)), limit).0
    }

    #[test]
    fn stopping_early_and_passing_over_records_find_what_scoring_all_finds() {
        // Many ties on the best score, exact names far down the ids, names that hold the query
        // only in another field, trashed records between.
        let first = ["Anna", "Ann", "Marta", "Mark", "Jo", "Müller", "Élodie", "Berlin"];
        let last = ["Müller", "Berg", "Annan", "Koval", "Martinez", "Bernal", "Mull", "Ann"];
        let cities = ["Berlin", "Annaberg", "Köln", "Mumbai", ""];
        let mut idx = SearchIndex::default();
        for n in 1..=9_000u64 {
            let name = if n % 997 == 0 {
                // An exact name, late.
                ["Ann", "Mull", "Koval"][(n / 997) as usize % 3].to_string()
            } else {
                format!("{} {}", first[(n * 7 % 8) as usize], last[(n * 5 % 8) as usize])
            };
            idx.upsert(&contact(n, &name, cities[(n % 5) as usize]));
        }
        for n in (3..9_000u64).step_by(101) {
            idx.remove(&Ref::Contact(ContactId(n)));
        }
        for n in 1..=300u64 {
            idx.upsert(&company(n, format!("{} GmbH", last[(n % 8) as usize])));
        }
        let queries =
            ["a", "an", "ann", "anna", "m", "mu", "mul", "mull", "muller", "koval", "ber", "berlin", "k", "@m"];
        for limit in [1, 7, 50, 200] {
            for q in queries {
                assert_eq!(idx.search(&Query::parse(q), limit), exhaustive(&idx, q, limit), "{q:?}, limit {limit}");
                // And typed a letter at a time, each keystroke within the last one's candidates.
                let mut last: Option<(Query, Candidates)> = None;
                for n in 1..=q.chars().count() {
                    let typed: String = q.chars().take(n).collect();
                    let query = Query::parse(&typed);
                    let within = last.as_ref().filter(|(p, _)| narrows(p, &query)).map(|(_, c)| c);
                    let (hits, next) = idx.search_within(&query, within, limit);
                    assert_eq!(hits, exhaustive(&idx, &typed, limit), "{typed:?} typed, limit {limit}");
                    last = Some((query, next));
                }
            }
        }
        // The first letter stops early: it leaves the rest of the records open.
        let (_, next) = idx.search_within(&Query::parse("a"), None, 10);
        assert!(next.open_ended() && next.listed() < 9_000, "{} listed", next.listed());
    }

    #[test]
    fn seeding_from_names_that_start_alike_finds_what_scoring_all_finds() {
        // Contacts holding the query's letters here and there (in their names and towns), then
        // companies whose names start as it does; contacts renamed and removed after their
        // names were listed by how they start.
        let first = ["Pia", "Per", "Nora", "Ola", "Petra", "Tor"];
        let last = ["Ek", "Olsen", "Dahl", "Nordmann", "Trane", "Peters"];
        let towns = ["Perth", "Nordby", "Petrozavodsk", "", "Tromsø"];
        let mut idx = SearchIndex::default();
        for n in 1..=12_000u64 {
            let name = format!("{} {}", first[(n * 7 % 6) as usize], last[(n * 5 % 6) as usize]);
            idx.upsert(&contact(n, &name, towns[(n % 5) as usize]));
        }
        let companies = ["Perrin Transports", "Nordic Trade", "Petro Atlas", "Atlas Nordic", "Pedro Torres"];
        for n in 1..=500u64 {
            idx.upsert(&company(
                n,
                format!("{} {}", companies[(n % 5) as usize], ["AB", "SA", "Oy"][(n % 3) as usize]),
            ));
        }
        for n in (5..12_000u64).step_by(7) {
            idx.upsert(&contact(n, "Zed Quist", ""));
        }
        for n in (6..12_000u64).step_by(11) {
            idx.remove(&Ref::Contact(ContactId(n)));
        }
        assert!(idx.prefixes.get(b"pe").len() > 4_000, "{} listed", idx.prefixes.get(b"pe").len());
        let queries = ["pet", "petro", "petra", "nordi", "nordic", "pt", "atlasn", "perrin", "zed", "tro", "pedrot"];
        for limit in [1, 10, 50, 300] {
            for q in queries {
                assert_eq!(idx.search(&Query::parse(q), limit), exhaustive(&idx, q, limit), "{q:?}, limit {limit}");
                let mut last: Option<(Query, Candidates)> = None;
                for n in 1..=q.len() {
                    let query = Query::parse(&q[..n]);
                    let within = last.as_ref().filter(|(p, _)| narrows(p, &query)).map(|(_, c)| c);
                    let (hits, next) = idx.search_within(&query, within, limit);
                    assert_eq!(hits, exhaustive(&idx, &q[..n], limit), "{:?} typed, limit {limit}", &q[..n]);
                    last = Some((query, next));
                }
            }
        }
    }

    /// Each query typed a letter at a time, each keystroke within the last one's candidates, at
    /// several limits: the hits must be those of scoring every record. Returns how often a scan
    /// kept to `Starts` lists (with two letters), and how often the next keystroke then had to
    /// look at what it had left.
    fn typed_as_exhaustive(idx: &SearchIndex, queries: &[&str]) -> [usize; 3] {
        let mut seen = [0; 3];
        for limit in [1, 10, 50] {
            for q in queries {
                let mut last: Option<(Query, Candidates)> = None;
                for n in 1..=q.len() {
                    let query = Query::parse(&q[..n]);
                    let within = last.as_ref().filter(|(p, _)| narrows(p, &query)).map(|(_, c)| c);
                    let (hits, next) = idx.search_within(&query, within, limit);
                    assert_eq!(hits, exhaustive(idx, &q[..n], limit), "{:?} typed, limit {limit}", &q[..n]);
                    seen[0] += usize::from(next.sparse.is_some());
                    seen[1] += usize::from(next.sparse.is_some_and(|(_, l)| l.1.is_some()));
                    let kept = within.and_then(|w| w.sparse).is_some_and(|s| next.sparse.is_some_and(|n| n.0 == s.0));
                    seen[2] += usize::from(within.is_some_and(|w| w.sparse.is_some()) && !kept);
                    last = Some((query, next));
                }
            }
        }
        seen
    }

    #[test]
    fn keeping_to_names_listed_by_their_first_letters_finds_what_scoring_all_finds() {
        // Contacts holding the query's letters mid-word, in camelCase and after digits, and in
        // their towns; companies and deals named with words starting as the query does, after
        // them. Then names moved into and out of the lists, records removed, and a name put back
        // as it was (an undo): the lists are kept current.
        let first = ["Opel", "Ruperta", "Kasper", "Nora", "Olaf", "Tepes", "Eva"];
        let last = ["Spetro", "Kopetz", "Dahl", "McPeterson", "Trapp", "X9pet", "Ek"];
        let towns = ["Perth", "Petrozavodsk", "", "Tromsø", "Pet-Town"];
        let mut idx = SearchIndex::default();
        for n in 1..=20_000u64 {
            let name = format!("{} {}", first[(n * 7 % 7) as usize % 7], last[(n * 5 % 7) as usize]);
            let name =
                if n % 3 == 0 { format!("{} {}", first[(n % 7) as usize], last[(n / 7 % 7) as usize]) } else { name };
            // Late, unlisted under "p" and "e", and the best for "petz": a scan must not keep to
            // the lists for it.
            let name = if n > 15_000 && n % 50 == 0 { "Ope Tzara".to_string() } else { name };
            idx.upsert(&contact(n, &name, towns[(n % 5) as usize]));
        }
        let companies = ["Petro Atlas", "Peter Nordic", "Ola Petrov", "Nordic Trade", "Eko Petrol"];
        for n in 1..=400u64 {
            idx.upsert(&company(
                n,
                format!("{} {}", companies[(n % 5) as usize], ["AB", "SA", "Oy"][(n % 3) as usize]),
            ));
        }
        for n in 1..=300u64 {
            let title = format!("Supply – {}", companies[(n % 5) as usize]);
            idx.upsert(&Record::Deal(Deal { id: DealId(n), title, stage: "lead".into(), ..Deal::default() }));
        }
        let queries = [
            "petrov", "petrol", "pet", "ekp", "nordic", "kope", "mcpe", "x9p", "ola", "@petro", "trapp", "perth",
            "petz", "pel",
        ];
        let mut seen = typed_as_exhaustive(&idx, &queries);
        idx.upsert(&contact(17, "Petra Quist", ""));
        idx.upsert(&contact(18_000, "Petrov Nordic", "Perth"));
        idx.upsert(&company(3, "Zed".into()));
        for n in (5..20_000u64).step_by(97) {
            idx.remove(&Ref::Contact(ContactId(n)));
        }
        let (_, before) = idx.search_within(&Query::parse("pe"), None, 10);
        idx.upsert(&contact(17, "Opel Spetro", "Perth"));
        let (hits, _) = idx.search_within(&Query::parse("pet"), Some(&before), 10);
        assert_eq!(hits, exhaustive(&idx, "pet", 10));
        for (a, b) in typed_as_exhaustive(&idx, &queries).iter().zip(seen.iter_mut()) {
            *b += a;
        }
        let [sparse, two, left] = seen;
        assert!(sparse > 20 && two > 10 && left > 0, "sparse {sparse}, with two letters {two}, left {left}");
    }

    #[test]
    fn a_seed_of_many_names_alike_split_over_threads_gives_the_exhaustive_hits() {
        // Thousands of names with a word starting "ope" (more than `PARALLEL_MIN`, so `seed`
        // reads their bits on two threads when there are two cores), none starting with the
        // longer queries: the first round does not find the best hits, the scan is seeded from
        // the lists, over rounds that reuse their buffers. Then edits, and a name put back.
        let lasts = ["Dahl", "Kopetz", "Lund", "Trapp", "Edlund", "Kasdal"];
        let mut idx = SearchIndex::default();
        for n in 1..=(PARALLEL_MIN as u64 * 2 + 700) {
            let name = format!("Opel {}", lasts[(n * 5 % 6) as usize]);
            let name = if n % 13 == 0 { format!("Kasper {}", lasts[(n % 6) as usize]) } else { name };
            idx.upsert(&contact(n, &name, ["Odense", "Oldenburg", ""][(n % 3) as usize]));
        }
        assert!(idx.prefixes.get(b"ope").len() > PARALLEL_MIN);
        let queries = ["opeld", "opelund", "opekas", "odl", "opetz"];
        typed_as_exhaustive(&idx, &queries);
        idx.upsert(&contact(9_000, "Opeldahl", ""));
        idx.upsert(&contact(44, "Ole Peldun", "Odense"));
        for n in (7..9_000u64).step_by(61) {
            idx.remove(&Ref::Contact(ContactId(n)));
        }
        typed_as_exhaustive(&idx, &queries);
        idx.upsert(&contact(9_000, "Opel Dahl", "Odense"));
        typed_as_exhaustive(&idx, &queries);
    }

    #[test]
    fn exact_names_are_found_and_forgotten_with_their_records() {
        let mut idx = SearchIndex::default();
        for n in 1..=5_000u64 {
            idx.upsert(&contact(n, "Anna Berg", ""));
        }
        idx.upsert(&contact(5_001, "Anna", ""));
        assert_eq!(idx.search(&Query::parse("anna"), 3)[0].label, "Anna");
        idx.upsert(&contact(5_001, "Bo", ""));
        assert!(idx.search(&Query::parse("anna"), 3).iter().all(|h| h.label == "Anna Berg"));
        idx.upsert(&contact(4_000, "ANNA", ""));
        assert_eq!(idx.search(&Query::parse("anna"), 3)[0].label, "ANNA");
        idx.remove(&Ref::Contact(ContactId(4_000)));
        assert!(idx.search(&Query::parse("anna"), 3).iter().all(|h| h.label == "Anna Berg"));
        assert_eq!(idx.names.get("anna").count(), 0);
        assert_eq!(idx.names.get("bo").count(), 1);
    }

    #[test]
    fn what_a_search_leaves_is_not_used_once_the_index_changes() {
        let mut idx = SearchIndex::default();
        for n in 1..=3_000u64 {
            idx.upsert(&contact(n, if n == 2_999 { "Joanna" } else { "Xavier Lind" }, ""));
        }
        let (_, left) = idx.search_within(&Query::parse("ann"), None, 5);
        // A record that did not match the last search now does.
        idx.upsert(&contact(5, "Anna Smith", ""));
        let (hits, _) = idx.search_within(&Query::parse("anna"), Some(&left), 5);
        assert_eq!(hits, idx.search(&Query::parse("anna"), 5));
        assert_eq!(hits[0].label, "Anna Smith");
    }
}
