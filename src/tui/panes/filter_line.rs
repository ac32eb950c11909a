//! A filter line for a pane's list: free text (matched like the search palette) and field
//! terms of the filter language (`stage:proposal value>5000 due.before:fri`, docs/search.md),
//! which the worker resolves (dates, `me`, stage names) off the UI thread.

use crate::domain::EntityKind;
use crate::services::filter::Compiled;
use crate::services::search::TextMatcher;
use crate::tui::action::Action;
use crate::tui::app::{Effect, Request};
use crate::tui::keymap::Key;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

#[derive(Debug)]
pub struct FilterLine {
    /// What the records are (what field terms apply to).
    pub kind: EntityKind,
    pub text: String,
    /// Typing goes to the line.
    pub editing: bool,
    /// The line's field terms as the worker resolved them (for the text it was sent).
    pub compiled: Option<Compiled>,
    /// Why the line's field terms do not apply.
    pub error: Option<String>,
}

/// What a key did to the line.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The text changed: refilter, and perform these effects.
    Changed(Vec<Effect>),
    /// Editing ended (the text stays, or was cleared: then also `Changed`).
    Closed,
    /// Not a key for the line: let it act as usual (moving in the list, say).
    Pass,
}

/// What a row must pass: the resolved field terms (none while unresolved) and the free text.
pub struct RowTest<'a> {
    compiled: Option<&'a Compiled>,
    matcher: Option<TextMatcher>,
}

impl RowTest<'_> {
    /// Whether a row passes the field terms (`holds` tests them).
    pub fn holds<T>(&self, row: &T, holds: impl Fn(&Compiled, &T) -> bool) -> bool {
        self.compiled.is_none_or(|c| holds(c, row))
    }

    /// Whether these texts of a row match the free text.
    pub fn matches(&mut self, texts: &[&str]) -> bool {
        self.matcher.as_mut().is_none_or(|m| m.score(texts).is_some())
    }

    /// Both.
    pub fn keeps<T>(&mut self, row: &T, holds: impl Fn(&Compiled, &T) -> bool, texts: &[&str]) -> bool {
        self.holds(row, holds) && self.matches(texts)
    }
}

/// Whether `text` has field terms (`name:value`, `value>5000`), which need the worker.
pub fn has_field_terms(text: &str) -> bool {
    text.split_whitespace().any(|w| {
        let w = w.trim_start_matches('-');
        let name: String = w.chars().take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '.').collect();
        !name.is_empty() && w[name.len()..].starts_with([':', '=', '>', '<'])
    })
}

impl FilterLine {
    pub fn new(kind: EntityKind) -> FilterLine {
        FilterLine { kind, text: String::new(), editing: false, compiled: None, error: None }
    }

    /// Nothing typed: every row passes.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// Shown at all (being typed, or filtering).
    pub fn is_shown(&self) -> bool {
        self.editing || !self.is_empty()
    }

    /// The resolved field terms, if they are for what the line says now.
    pub fn current(&self) -> Option<&Compiled> {
        let text = self.text.trim();
        let now = crate::domain::filter::parse(text).map(|f| f.to_string()).unwrap_or_default();
        self.compiled.as_ref().filter(|c| c.filter().to_string() == now)
    }

    /// A matcher for the free text, None when there is none (or the terms are not resolved
    /// yet: then the line waits for the worker rather than matching `stage:…` as text).
    pub fn matcher(&self) -> Option<TextMatcher> {
        let free = match self.current() {
            Some(c) => c.text().unwrap_or("").to_string(),
            None if has_field_terms(&self.text) => String::new(),
            None => self.text.trim().to_string(),
        };
        (!free.is_empty()).then(|| TextMatcher::new(&free))
    }

    /// The test for rows, made once per refiltering (the line is parsed once, not per row).
    pub fn rows(&self) -> RowTest<'_> {
        RowTest { compiled: self.current(), matcher: self.matcher() }
    }

    /// The worker resolved `text`; keep it if the line still says that. True when kept.
    pub fn set_compiled(&mut self, text: &str, result: Result<Box<Compiled>, String>) -> bool {
        if text != self.text.trim() {
            return false;
        }
        match result {
            Ok(c) => {
                self.compiled = Some(*c);
                self.error = None;
            }
            Err(e) => {
                self.compiled = None;
                self.error = Some(e);
            }
        }
        true
    }

    /// Sets the whole line (a saved view, say).
    pub fn set(&mut self, text: &str) -> Vec<Effect> {
        self.text = text.to_string();
        self.editing = false;
        self.changed()
    }

    fn changed(&mut self) -> Vec<Effect> {
        self.error = None;
        if has_field_terms(&self.text) {
            vec![Effect::Load(Request::Filter(self.kind, self.text.trim().to_string()))]
        } else {
            self.compiled = None;
            vec![]
        }
    }

    /// A key while the line is being typed: characters and backspace edit it, back clears
    /// and closes it, open closes it and keeps the filter; anything else passes.
    pub fn key(&mut self, key: Key, action: Option<Action>) -> Outcome {
        let plain = key.mods.is_empty() || key.mods == KeyModifiers::SHIFT;
        match (key.code, action) {
            (KeyCode::Char(c), _) if plain => {
                self.text.push(c);
                Outcome::Changed(self.changed())
            }
            (KeyCode::Backspace, _) => {
                self.text.pop();
                Outcome::Changed(self.changed())
            }
            (_, Some(Action::Back)) => {
                self.editing = false;
                self.text.clear();
                self.compiled = None;
                self.error = None;
                Outcome::Changed(vec![])
            }
            (_, Some(Action::Open)) => {
                self.editing = false;
                Outcome::Closed
            }
            _ => Outcome::Pass,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_terms_are_told_from_free_text() {
        assert!(has_field_terms("stage:proposal"));
        assert!(has_field_terms("acme value>5000"));
        assert!(has_field_terms("-tag:vip"));
        assert!(!has_field_terms("müller 10:30"));
        assert!(!has_field_terms("acme"));
    }

    #[test]
    fn typing_asks_the_worker_only_for_field_terms() {
        let mut line = FilterLine::new(EntityKind::Deal);
        let k = |c| Key::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(line.key(k('a'), None), Outcome::Changed(vec![]));
        for c in " stage:".chars() {
            line.key(k(c), None);
        }
        assert_eq!(
            line.key(k('l'), None),
            Outcome::Changed(vec![Effect::Load(Request::Filter(EntityKind::Deal, "a stage:l".into()))])
        );
        // Until resolved, `stage:l` is not matched as text.
        assert!(line.matcher().is_none());
        assert_eq!(line.key(Key::new(KeyCode::Esc, KeyModifiers::NONE), Some(Action::Back)), Outcome::Changed(vec![]));
        assert!(line.is_empty() && !line.editing);
    }
}
