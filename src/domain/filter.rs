//! The filter language of lists, in the spirit of taskwarrior:
//! `tag:vip owner:me stage:proposal value>5000 due.before:fri last_contact.before:-30d müller`.
//!
//! This module only parses and prints; the services resolve values (`me`, dates, money,
//! stages) and evaluate the terms against rows.
//!
//! # Grammar
//!
//! A filter is a sequence of tokens separated by whitespace; every term must hold (AND).
//! A token runs to the next whitespace outside double quotes; inside quotes `\"` is a quote
//! and `\\` a backslash (any other backslash is kept as is). Quotes may appear anywhere in a
//! token and are removed: `company:"atlas gmbh"` has the value `atlas gmbh`.
//!
//! - `name:value`, `name=value` — [`Op::Is`]
//! - `name.before:value`, `name.after:value` — [`Op::Before`], [`Op::After`] (`=` also works)
//! - `name>value`, `name>=value`, `name<value`, `name<=value` — comparisons
//! - `-` before any of these negates it: `-tag:vip`
//! - anything else is free text, collected in order for the fuzzy matcher: words, and
//!   quoted phrases (`"anna m"`). A quoted token is always free text (`"tag:vip"`).
//!
//! `name` is an ASCII letter or `_` followed by ASCII letters, `_` and `.`, directly followed
//! by an operator; names are case-insensitive. A token of that shape with an unknown name is
//! an error (it is most likely a typo), except `scheme://…` (a URL, free text). Words such as
//! `10:30` or `müller:x` do not have that shape and are free text.
//!
//! Errors carry the character offsets of the offending part of the input, and
//! [`FilterError::render`] draws a caret line under it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A field a filter term can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Tag,
    /// The owner of a record; for tasks the assignee (`assignee` is an alias).
    Owner,
    Company,
    Contact,
    Stage,
    Value,
    Probability,
    /// A deal's expected close day.
    Close,
    Due,
    LastContact,
    Created,
    City,
    Country,
    Title,
    Email,
    Phone,
    Priority,
    State,
    Kind,
    Repeat,
}

/// What kind of values a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `:` / `=` only.
    Text,
    /// `:` `=` `>` `>=` `<` `<=`.
    Number,
    /// `.before` `.after` `:` `=` `>` `>=` `<` `<=`.
    Date,
    /// An ordered choice (priority): `:` `=` `>` `>=` `<` `<=`.
    Ordered,
}

impl Field {
    pub const ALL: [Field; 20] = [
        Field::Tag,
        Field::Owner,
        Field::Company,
        Field::Contact,
        Field::Stage,
        Field::Value,
        Field::Probability,
        Field::Close,
        Field::Due,
        Field::LastContact,
        Field::Created,
        Field::City,
        Field::Country,
        Field::Title,
        Field::Email,
        Field::Phone,
        Field::Priority,
        Field::State,
        Field::Kind,
        Field::Repeat,
    ];

    /// The canonical name, as written in filters.
    pub fn name(self) -> &'static str {
        match self {
            Field::Tag => "tag",
            Field::Owner => "owner",
            Field::Company => "company",
            Field::Contact => "contact",
            Field::Stage => "stage",
            Field::Value => "value",
            Field::Probability => "probability",
            Field::Close => "close",
            Field::Due => "due",
            Field::LastContact => "last_contact",
            Field::Created => "created",
            Field::City => "city",
            Field::Country => "country",
            Field::Title => "title",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Priority => "priority",
            Field::State => "state",
            Field::Kind => "kind",
            Field::Repeat => "repeat",
        }
    }

    /// Every name a filter may use, aliases included, in the order they are listed to people.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Field::ALL.into_iter().map(Field::name).flat_map(|n| {
            let alias = if n == "owner" { Some("assignee") } else { None };
            std::iter::once(n).chain(alias)
        })
    }

    /// Looks a name up, any case; `assignee` is `owner`.
    pub fn from_name(name: &str) -> Option<Field> {
        let n = name.to_ascii_lowercase();
        if n == "assignee" {
            return Some(Field::Owner);
        }
        Field::ALL.into_iter().find(|f| f.name() == n)
    }

    pub fn field_type(self) -> FieldType {
        match self {
            Field::Value | Field::Probability => FieldType::Number,
            Field::Close | Field::Due | Field::LastContact | Field::Created => FieldType::Date,
            Field::Priority => FieldType::Ordered,
            _ => FieldType::Text,
        }
    }

    /// The operators this field takes.
    pub fn ops(self) -> &'static [Op] {
        match self.field_type() {
            FieldType::Text => &[Op::Is],
            FieldType::Number | FieldType::Ordered => &[Op::Is, Op::Gt, Op::Ge, Op::Lt, Op::Le],
            FieldType::Date => &[Op::Is, Op::Before, Op::After, Op::Gt, Op::Ge, Op::Lt, Op::Le],
        }
    }

    pub fn accepts(self, op: Op) -> bool {
        self.ops().contains(&op)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a term compares the field with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// `:` or `=`: contains (text), equals (numbers), the same day (dates).
    Is,
    /// `.before:` — strictly before.
    Before,
    /// `.after:` — strictly after.
    After,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl Op {
    /// How the operator is written between the field name and the value.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Is => ":",
            Op::Before => ".before:",
            Op::After => ".after:",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    /// The operator as people refer to it in messages (`.before`, `>`, `:`).
    fn label(self) -> &'static str {
        match self {
            Op::Before => ".before",
            Op::After => ".after",
            other => other.symbol(),
        }
    }
}

/// One `field<op>value` test, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub negated: bool,
    pub field: Field,
    pub op: Op,
    /// As typed, without the quotes; never empty.
    pub value: String,
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("-")?;
        }
        write!(f, "{}{}", self.field.name(), self.op.symbol())?;
        if value_needs_quotes(&self.value) {
            f.write_str(&quote(&self.value))
        } else {
            f.write_str(&self.value)
        }
    }
}

/// A parsed filter: terms that must all hold, and free text for the fuzzy matcher.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Filter {
    pub terms: Vec<Term>,
    /// Free words and phrases, in order, without quotes.
    pub text: Vec<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.text.is_empty()
    }

    /// The free text joined with spaces; None when there is none.
    pub fn text_joined(&self) -> Option<String> {
        if self.text.is_empty() {
            None
        } else {
            Some(self.text.join(" "))
        }
    }
}

/// The canonical form: field terms in order, then the free text; values and phrases quoted
/// where needed, so that `parse(&f.to_string()) == Ok(f)`.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for t in &self.terms {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{t}")?;
        }
        for w in &self.text {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            if text_needs_quotes(w) {
                f.write_str(&quote(w))?;
            } else {
                f.write_str(w)?;
            }
        }
        Ok(())
    }
}

/// A parse error with the character range (`start..end`) of the offending part of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl FilterError {
    pub fn new(start: usize, end: usize, message: impl Into<String>) -> FilterError {
        FilterError { start, end, message: message.into() }
    }

    /// Two lines: the input, then carets under the offending part followed by the message.
    ///
    /// ```text
    /// tag:vip stge:proposal
    ///         ^^^^ unknown field "stge" (did you mean "stage"?); fields are tag, owner, …
    /// ```
    pub fn render(&self, input: &str) -> String {
        let line: String = input.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
        // Tabs are copied so that the carets line up under them in a terminal.
        let pad: String = input.chars().take(self.start).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
        let width = self.end.saturating_sub(self.start).max(1);
        format!("{line}\n{pad}{} {}", "^".repeat(width), self.message)
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

/// Where a term sits in the input, in characters: the whole token (with its `-`) and its value
/// (with its quotes). `parse_spanned` returns one per term, so that later checks (a date that
/// does not parse, a stage that does not exist) can point at the right place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermSpan {
    pub start: usize,
    pub end: usize,
    pub value_start: usize,
    pub value_end: usize,
}

/// Parses a filter; see the module documentation for the grammar.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    parse_spanned(input).map(|(f, _)| f)
}

/// Like [`parse`], with the position of every term in the input.
pub fn parse_spanned(input: &str) -> Result<(Filter, Vec<TermSpan>), FilterError> {
    let mut filter = Filter::default();
    let mut spans = Vec::new();
    for token in tokenize(input)? {
        match classify(&token)? {
            Some((term, span)) => {
                filter.terms.push(term);
                spans.push(span);
            }
            None => {
                let text = unquote(&token.chars);
                // An empty phrase (`""`) asks for nothing.
                if !text.is_empty() {
                    filter.text.push(text);
                }
            }
        }
    }
    Ok((filter, spans))
}

/// A character of a token, and whether it sits inside quotes (quote characters themselves
/// and escaping backslashes are kept, marked as syntax).
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    /// Inside a quoted section (or one of its delimiting quotes).
    quoted: bool,
    /// A delimiting quote or an escaping backslash: not part of the text.
    syntax: bool,
}

struct Token {
    /// Character offset of the first character.
    start: usize,
    chars: Vec<Ch>,
}

impl Token {
    fn end(&self) -> usize {
        self.start + self.chars.len()
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut token = Vec::new();
        while i < chars.len() && !chars[i].is_whitespace() {
            if chars[i] != '"' {
                token.push(Ch { c: chars[i], quoted: false, syntax: false });
                i += 1;
                continue;
            }
            let open = i;
            token.push(Ch { c: '"', quoted: true, syntax: true });
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(FilterError::new(
                            open,
                            chars.len(),
                            "this quote is not closed; add a closing \" (write \\\" for a quote inside quotes)",
                        ))
                    }
                    Some('"') => {
                        token.push(Ch { c: '"', quoted: true, syntax: true });
                        i += 1;
                        break;
                    }
                    Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                        token.push(Ch { c: '\\', quoted: true, syntax: true });
                        token.push(Ch { c: chars[i + 1], quoted: true, syntax: false });
                        i += 2;
                    }
                    Some(&c) => {
                        token.push(Ch { c, quoted: true, syntax: false });
                        i += 1;
                    }
                }
            }
        }
        tokens.push(Token { start, chars: token });
    }
    Ok(tokens)
}

fn unquote(chars: &[Ch]) -> String {
    chars.iter().filter(|c| !c.syntax).map(|c| c.c).collect()
}

fn is_name_start(c: &Ch) -> bool {
    !c.quoted && (c.c.is_ascii_alphabetic() || c.c == '_')
}

fn is_name_char(c: &Ch) -> bool {
    !c.quoted && (c.c.is_ascii_alphabetic() || c.c == '_' || c.c == '.')
}

/// The operator at the start of `chars`, if any, and its length.
fn operator(chars: &[Ch]) -> Option<(Op, usize)> {
    let at = |i: usize| chars.get(i).filter(|c| !c.quoted).map(|c| c.c);
    match (at(0), at(1)) {
        (Some('>'), Some('=')) => Some((Op::Ge, 2)),
        (Some('<'), Some('=')) => Some((Op::Le, 2)),
        (Some('>'), _) => Some((Op::Gt, 1)),
        (Some('<'), _) => Some((Op::Lt, 1)),
        (Some(':' | '='), _) => Some((Op::Is, 1)),
        _ => None,
    }
}

/// A field term, or None for free text.
fn classify(token: &Token) -> Result<Option<(Term, TermSpan)>, FilterError> {
    let chars = &token.chars;
    let negated = chars.first().is_some_and(|c| c.c == '-' && !c.quoted);
    let name_from = usize::from(negated);
    if !chars.get(name_from).is_some_and(is_name_start) {
        return Ok(None);
    }
    let name_len = chars[name_from..].iter().take_while(|c| is_name_char(c)).count();
    let name_to = name_from + name_len;
    let Some((op, op_len)) = operator(&chars[name_to..]) else {
        return Ok(None);
    };
    let value_from = name_to + op_len;
    let raw_value = &chars[value_from..];
    // `https://example.com` is a URL, not a field.
    if op == Op::Is && raw_value.len() >= 2 && raw_value[..2].iter().all(|c| c.c == '/' && !c.quoted) {
        return Ok(None);
    }
    let at = |i: usize| token.start + i;
    let name: String = chars[name_from..name_to].iter().map(|c| c.c).collect();
    let (field_name, modifier) = match name.split_once('.') {
        Some((f, m)) => (f, Some(m)),
        None => (name.as_str(), None),
    };
    let field_end = name_from + field_name.chars().count();
    let field = Field::from_name(field_name)
        .ok_or_else(|| FilterError::new(at(name_from), at(field_end), unknown_field_message(field_name)))?;
    let op = match modifier {
        None => op,
        Some(m) => {
            let m_span = (at(field_end), at(name_to));
            let modifier_op = match m.to_ascii_lowercase().as_str() {
                "before" => Op::Before,
                "after" => Op::After,
                _ => {
                    let hint = match closest(m, ["before", "after"].into_iter()) {
                        Some(s) => format!(" (did you mean \".{s}\"?)"),
                        None => String::new(),
                    };
                    return Err(FilterError::new(
                        m_span.0,
                        m_span.1,
                        format!("unknown modifier \".{m}\"{hint}; modifiers are .before and .after"),
                    ));
                }
            };
            if op != Op::Is {
                return Err(FilterError::new(
                    at(0),
                    token.end(),
                    format!(
                        "write {field}.{m}:VALUE; \".{m}\" cannot be combined with \"{}\"",
                        chars[name_to..value_from].iter().map(|c| c.c).collect::<String>()
                    ),
                ));
            }
            modifier_op
        }
    };
    if !field.accepts(op) {
        let allowed: Vec<String> = field.ops().iter().map(|o| format!("\"{}\"", o.label())).collect();
        let allowed = match allowed.as_slice() {
            [one] => format!("only {one}, as in {field}:VALUE"),
            many => many.join(", "),
        };
        return Err(FilterError::new(
            at(0),
            token.end(),
            format!("{field} does not take \"{}\"; it takes {allowed}", op.label()),
        ));
    }
    let value = unquote(raw_value);
    if value.is_empty() {
        let hint = if raw_value.is_empty() { "; no space after the operator; quote values with spaces" } else { "" };
        return Err(FilterError::new(
            at(0),
            token.end(),
            format!("{field}{} needs a value{hint}", op.symbol().trim_end_matches(':')),
        ));
    }
    let span = TermSpan { start: at(0), end: token.end(), value_start: at(value_from), value_end: token.end() };
    Ok(Some((Term { negated, field, op, value }, span)))
}

fn unknown_field_message(name: &str) -> String {
    let hint = match closest(name, Field::names()) {
        Some(s) => format!(" (did you mean \"{s}\"?)"),
        None => String::new(),
    };
    let list: Vec<&str> = Field::names().collect();
    format!(
        "unknown field \"{name}\"{hint}; fields are {}. Quote text that is not a filter: \"{name}:…\"",
        list.join(", ")
    )
}

/// The candidate closest to `word` by edit distance (any case), when at most 2 edits away.
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates.map(|c| (edit_distance(&w, c), c)).filter(|(d, _)| *d <= 2).min_by_key(|(d, _)| *d).map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn value_needs_quotes(v: &str) -> bool {
    // `=` first would merge with `>`/`<` into `>=`/`<=`; `//` first would read as a URL.
    v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '"') || v.starts_with(['=', '/'])
}

fn text_needs_quotes(w: &str) -> bool {
    if w.is_empty() || w.contains(|c: char| c.is_whitespace() || c == '"') {
        return true;
    }
    // A word that would read as a field term.
    let rest = w.strip_prefix('-').unwrap_or(w);
    let mut chars = rest.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    let after = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '.');
    after.starts_with([':', '=', '<', '>'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn term(negated: bool, field: Field, op: Op, value: &str) -> Term {
        Term { negated, field, op, value: value.into() }
    }

    fn one(input: &str) -> Term {
        let f = parse(input).unwrap();
        assert!(f.text.is_empty(), "{input}: {f:?}");
        assert_eq!(f.terms.len(), 1, "{input}: {f:?}");
        f.terms[0].clone()
    }

    fn err(input: &str) -> FilterError {
        parse(input).unwrap_err()
    }

    #[test]
    fn each_form_parses_to_its_term() {
        assert_eq!(one("tag:vip"), term(false, Field::Tag, Op::Is, "vip"));
        assert_eq!(one("tag=vip"), term(false, Field::Tag, Op::Is, "vip"));
        assert_eq!(one("due.before:fri"), term(false, Field::Due, Op::Before, "fri"));
        assert_eq!(one("due.after:fri"), term(false, Field::Due, Op::After, "fri"));
        assert_eq!(one("due.before=fri"), term(false, Field::Due, Op::Before, "fri"));
        assert_eq!(one("value>5000"), term(false, Field::Value, Op::Gt, "5000"));
        assert_eq!(one("value>=5000"), term(false, Field::Value, Op::Ge, "5000"));
        assert_eq!(one("value<5000"), term(false, Field::Value, Op::Lt, "5000"));
        assert_eq!(one("value<=5000"), term(false, Field::Value, Op::Le, "5000"));
        assert_eq!(one("value:5000"), term(false, Field::Value, Op::Is, "5000"));
        assert_eq!(one("probability>=50"), term(false, Field::Probability, Op::Ge, "50"));
        assert_eq!(one("close<2026-12-31"), term(false, Field::Close, Op::Lt, "2026-12-31"));
        assert_eq!(one("last_contact.before:-30d"), term(false, Field::LastContact, Op::Before, "-30d"));
        assert_eq!(one("last_contact:never"), term(false, Field::LastContact, Op::Is, "never"));
        assert_eq!(one("created>=-7d"), term(false, Field::Created, Op::Ge, "-7d"));
        assert_eq!(one("priority>=high"), term(false, Field::Priority, Op::Ge, "high"));
        assert_eq!(one("owner:me"), term(false, Field::Owner, Op::Is, "me"));
        assert_eq!(one("assignee:me"), term(false, Field::Owner, Op::Is, "me"));
        assert_eq!(one("state:overdue"), term(false, Field::State, Op::Is, "overdue"));
        assert_eq!(one("kind:call"), term(false, Field::Kind, Op::Is, "call"));
        assert_eq!(one("repeat:yes"), term(false, Field::Repeat, Op::Is, "yes"));
        // Names are case-insensitive; values are kept as typed.
        assert_eq!(one("TAG:VIP"), term(false, Field::Tag, Op::Is, "VIP"));
        assert_eq!(one("Due.BEFORE:Fri"), term(false, Field::Due, Op::Before, "Fri"));
        // Operator characters after the operator belong to the value.
        assert_eq!(one("title:a:b"), term(false, Field::Title, Op::Is, "a:b"));
        assert_eq!(one("value>>5"), term(false, Field::Value, Op::Gt, ">5"));
    }

    #[test]
    fn every_field_name_parses() {
        for f in Field::ALL {
            let op = f.ops()[0];
            let t = one(&format!("{}{}x", f.name(), op.symbol()));
            assert_eq!(t, term(false, f, op, "x"));
        }
    }

    #[test]
    fn the_issue_example() {
        let f = parse(
            "tag:vip owner:me stage:proposal value>5000 due.before:fri last_contact.before:-30d company:acme müller",
        )
        .unwrap();
        assert_eq!(
            f.terms,
            vec![
                term(false, Field::Tag, Op::Is, "vip"),
                term(false, Field::Owner, Op::Is, "me"),
                term(false, Field::Stage, Op::Is, "proposal"),
                term(false, Field::Value, Op::Gt, "5000"),
                term(false, Field::Due, Op::Before, "fri"),
                term(false, Field::LastContact, Op::Before, "-30d"),
                term(false, Field::Company, Op::Is, "acme"),
            ]
        );
        assert_eq!(f.text, vec!["müller"]);
        assert_eq!(f.text_joined().as_deref(), Some("müller"));
    }

    #[test]
    fn negation() {
        assert_eq!(one("-tag:vip"), term(true, Field::Tag, Op::Is, "vip"));
        assert_eq!(one("-due.before:fri"), term(true, Field::Due, Op::Before, "fri"));
        assert_eq!(one("-value>10"), term(true, Field::Value, Op::Gt, "10"));
        // A minus before a word that is not a field term is part of the text.
        assert_eq!(parse("-foo -").unwrap().text, vec!["-foo", "-"]);
        assert_eq!(parse("--tag:vip").unwrap().text, vec!["--tag:vip"]);
        assert_eq!(parse("-tag:vip").unwrap().to_string(), "-tag:vip");
    }

    #[test]
    fn quoted_values_and_phrases() {
        assert_eq!(one(r#"company:"atlas gmbh""#), term(false, Field::Company, Op::Is, "atlas gmbh"));
        assert_eq!(one(r#"title:"say \"hi\"""#), term(false, Field::Title, Op::Is, r#"say "hi""#));
        assert_eq!(one(r#"title:"back\\slash""#), term(false, Field::Title, Op::Is, r"back\slash"));
        assert_eq!(one(r#"title:"a\b""#), term(false, Field::Title, Op::Is, r"a\b"));
        assert_eq!(one(r#"-company:"Müller & Söhne""#), term(true, Field::Company, Op::Is, "Müller & Söhne"));
        assert_eq!(one(r#"company:atlas" gmbh""#), term(false, Field::Company, Op::Is, "atlas gmbh"));
        assert_eq!(one(r#"due.before:"next week""#), term(false, Field::Due, Op::Before, "next week"));
        let f = parse(r#"tag:vip "anna m" müller "Иван Петров""#).unwrap();
        assert_eq!(f.terms, vec![term(false, Field::Tag, Op::Is, "vip")]);
        assert_eq!(f.text, vec!["anna m", "müller", "Иван Петров"]);
        assert_eq!(f.text_joined().as_deref(), Some("anna m müller Иван Петров"));
        // A quoted token is text, even when it reads like a term.
        assert_eq!(parse(r#""tag:vip""#).unwrap().text, vec!["tag:vip"]);
        // An empty phrase asks for nothing.
        assert_eq!(parse(r#""" x"#).unwrap().text, vec!["x"]);
    }

    #[test]
    fn words_that_are_not_terms_are_text() {
        let f = parse("10:30 https://example.com/x müller:x a-b:c 3>2 x_1:y").unwrap();
        assert!(f.terms.is_empty());
        assert_eq!(f.text, vec!["10:30", "https://example.com/x", "müller:x", "a-b:c", "3>2", "x_1:y"]);
        assert_eq!(parse("").unwrap(), Filter::default());
        assert_eq!(parse("  \t ").unwrap(), Filter::default());
        assert!(parse("").unwrap().is_empty());
        assert_eq!(parse("").unwrap().text_joined(), None);
    }

    #[test]
    fn unknown_field_points_at_the_name() {
        let input = "tag:vip stge:proposal";
        let e = err(input);
        assert_eq!((e.start, e.end), (8, 12));
        assert!(e
            .message
            .starts_with(r#"unknown field "stge" (did you mean "stage"?); fields are tag, owner, assignee,"#));
        let rendered = e.render(input);
        let lines: Vec<&str> = rendered.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], input);
        assert!(lines[1].starts_with("        ^^^^ unknown field"), "{rendered}");
        // Far from every name: no suggestion.
        let e = err("-zzzzzz:1");
        assert_eq!((e.start, e.end), (1, 7));
        assert!(e.message.starts_with(r#"unknown field "zzzzzz"; fields are"#), "{}", e.message);
    }

    #[test]
    fn offsets_are_in_characters() {
        let input = "Müller Иван stge:x";
        let e = err(input);
        assert_eq!((e.start, e.end), (12, 16));
        assert_eq!(e.render(input).lines().nth(1).unwrap(), format!("{}^^^^ {}", " ".repeat(12), e.message));
        // Tabs are kept in the padding so that the carets line up.
        let e = err("a\tstge:x");
        assert!(e.render("a\tstge:x").lines().nth(1).unwrap().starts_with(" \t^^^^ "));
    }

    #[test]
    fn bad_operator_points_at_the_term() {
        let input = "owner:me tag>3";
        let e = err(input);
        assert_eq!((e.start, e.end), (9, 14));
        assert_eq!(e.message, r#"tag does not take ">"; it takes only ":", as in tag:VALUE"#);
        assert_eq!(e.render(input), format!("{input}\n         ^^^^^ {}", e.message));
        let e = err("value.before:3");
        assert_eq!((e.start, e.end), (0, 14));
        assert_eq!(e.message, r#"value does not take ".before"; it takes ":", ">", ">=", "<", "<=""#);
        let e = err("-due.before>fri");
        assert_eq!((e.start, e.end), (0, 15));
        assert!(e.message.starts_with("write due.before:VALUE"), "{}", e.message);
        let e = err("due.befor:fri");
        assert_eq!((e.start, e.end), (3, 9));
        assert_eq!(
            e.message,
            r#"unknown modifier ".befor" (did you mean ".before"?); modifiers are .before and .after"#
        );
        let e = err("due.x.y:fri");
        assert_eq!((e.start, e.end), (3, 7));
    }

    #[test]
    fn empty_value_points_at_the_term() {
        let input = "city:berlin tag:";
        let e = err(input);
        assert_eq!((e.start, e.end), (12, 16));
        assert!(e.message.starts_with("tag needs a value"), "{}", e.message);
        assert_eq!(e.render(input).lines().nth(1).unwrap(), format!("            ^^^^ {}", e.message));
        let e = err(r#"x -company:"""#);
        assert_eq!((e.start, e.end), (2, 13));
        assert_eq!(e.message, "company needs a value");
        let e = err("due.before: fri");
        assert_eq!((e.start, e.end), (0, 11));
        assert!(e.message.starts_with("due.before needs a value"), "{}", e.message);
        assert_eq!(err("value>=").message.split(';').next(), Some("value>= needs a value"));
    }

    #[test]
    fn unterminated_quote_points_from_the_quote_to_the_end() {
        let input = r#"tag:vip company:"atlas gmbh"#;
        let e = err(input);
        assert_eq!((e.start, e.end), (16, 27));
        assert!(e.message.contains("not closed"));
        assert_eq!(
            e.render(input).lines().nth(1).unwrap(),
            format!("{}{} {}", " ".repeat(16), "^".repeat(11), e.message)
        );
        let e = err(r#"x "anna \""#);
        assert_eq!((e.start, e.end), (2, 10));
    }

    #[test]
    fn spans_locate_terms_and_values() {
        let (f, spans) = parse_spanned(r#"müller -company:"a b" value>5"#).unwrap();
        assert_eq!(f.terms.len(), 2);
        assert_eq!(spans[0], TermSpan { start: 7, end: 21, value_start: 16, value_end: 21 });
        assert_eq!(spans[1], TermSpan { start: 22, end: 29, value_start: 28, value_end: 29 });
    }

    #[test]
    fn canonical_form() {
        let f = parse(r#"müller TAG=vip "anna m" -due.before:"next week" value>=5000 company:"say \"hi\"" tag:=x"#)
            .unwrap();
        assert_eq!(
            f.to_string(),
            r#"tag:vip -due.before:"next week" value>=5000 company:"say \"hi\"" tag:"=x" müller "anna m""#
        );
        assert_eq!(parse(&f.to_string()), Ok(f));
        let text = Filter { terms: vec![], text: vec!["tag:vip".into(), "-a.b<c".into(), "10:30".into()] };
        assert_eq!(text.to_string(), r#""tag:vip" "-a.b<c" 10:30"#);
        assert_eq!(parse(&text.to_string()), Ok(text));
    }

    #[test]
    fn serde_round_trip() {
        let f = parse("-tag:vip last_contact.before:-30d müller").unwrap();
        let json = serde_json::to_string(&f).unwrap();
        assert!(json.contains(r#""field":"last_contact","op":"before""#), "{json}");
        assert_eq!(serde_json::from_str::<Filter>(&json).unwrap(), f);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("stge", "stage"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("müller", "muller"), 1);
        assert_eq!(closest("ownr", Field::names()), Some("owner"));
        assert_eq!(closest("http", Field::names()), None);
    }

    fn arb_field_op() -> impl Strategy<Value = (Field, Op)> {
        prop::sample::select(Field::ALL.to_vec())
            .prop_flat_map(|f| prop::sample::select(f.ops().to_vec()).prop_map(move |op| (f, op)))
    }

    fn arb_value() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "Müller",
                "Иван",
                "atlas gmbh",
                r#"say "hi""#,
                r"back\slash",
                "=5",
                ">5",
                "//x",
                "-30d",
                "tag:vip",
                "a b  c",
                "\"",
                "\\",
                "ünï cödé",
                "日本",
                " lead",
                "trail ",
            ])
            .prop_map(String::from),
            "[a-zA-Z0-9 \"\\\\:=<>./_\\-üМИвн日\t]{1,12}",
        ]
    }

    fn arb_text() -> impl Strategy<Value = String> {
        prop_oneof![arb_value(), "-?[a-z_][a-z_.]{0,5}[:=<>][a-z]{0,3}", "[a-zA-Zü0-9:/\\-]{1,8}"]
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        let term = (any::<bool>(), arb_field_op(), arb_value()).prop_map(|(negated, (field, op), value)| Term {
            negated,
            field,
            op,
            value,
        });
        (prop::collection::vec(term, 0..5), prop::collection::vec(arb_text(), 0..4))
            .prop_map(|(terms, text)| Filter { terms, text })
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(f in arb_filter()) {
            prop_assert_eq!(parse(&f.to_string()), Ok(f));
        }

        #[test]
        fn parse_never_panics_and_errors_point_inside(input in "[a-z_.:=<>\" \\\\\\-üИ0-9]{0,24}") {
            match parse(&input) {
                Ok(f) => prop_assert_eq!(parse(&f.to_string()), Ok(f)),
                Err(e) => {
                    let n = input.chars().count();
                    prop_assert!(e.start < e.end && e.end <= n, "{:?} in {:?}", e, input);
                }
            }
        }
    }
}
