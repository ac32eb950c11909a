//! One form component for creating and editing anything: labelled text fields, a focused field
//! with a cursor, inline messages from the domain validation under the field they concern.

use crate::domain::{ActivityKind, ContactId, DealId, TaskId};

/// What a form creates or changes when it is submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    AddContact,
    EditContact(ContactId),
    LogActivity {
        contact: ContactId,
        kind: ActivityKind,
    },
    AddTask {
        contact: Option<ContactId>,
        deal: Option<DealId>,
    },
    EditTask(TaskId),
    AddDeal,
    EditDeal(DealId),
    /// Won or lost: why.
    Reason {
        deal: DealId,
        stage: String,
    },
    SnoozeUntil(TaskId),
    /// Share a contact with a user (a login).
    Share(ContactId),
    /// Choose a saved view for the contacts list (nothing is written).
    PickView,
    /// The days of the Reports pane's period (nothing is written).
    ReportPeriod,
    /// A file to import: planned (dry run) and confirmed before anything is written.
    Import,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name validation errors use for this field (`name`, `email`, `due`, …).
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    /// Cursor position in characters.
    pub cursor: usize,
    /// Shown under the field when it is focused and valid: what to type.
    pub hint: &'static str,
    pub error: Option<String>,
    /// Values to pick from (companies, contacts, stages…); typing narrows them.
    pub choices: Vec<String>,
    /// What was typed before picking, so that picking again cycles through its matches.
    pub typed: Option<String>,
    pub pick: usize,
    /// The value the form opened with: an edit sends only the fields that differ from it, so
    /// that what another `crm` changed meanwhile is not overwritten with what this form showed.
    pub initial: String,
    /// After a conflict: what someone else saved in this field meanwhile. While set, saving
    /// again keeps what was typed (knowingly replacing theirs); `take_theirs` takes theirs.
    pub theirs: Option<String>,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, value: &str, hint: &'static str) -> Field {
        Field {
            name,
            label,
            value: value.to_string(),
            cursor: value.chars().count(),
            hint,
            error: None,
            choices: Vec::new(),
            typed: None,
            pick: 0,
            initial: value.to_string(),
            theirs: None,
        }
    }

    pub fn with_choices(mut self, choices: Vec<String>) -> Field {
        self.choices = choices;
        self
    }

    /// The choices matching what was typed (fuzzy, like the search palette), at most `limit`,
    /// in their order.
    pub fn matches(&self, limit: usize) -> Vec<&str> {
        let typed = self.typed.as_deref().unwrap_or(&self.value).trim();
        if typed.is_empty() {
            return self.choices.iter().take(limit).map(String::as_str).collect();
        }
        let mut m = crate::services::search::TextMatcher::new(typed);
        self.choices.iter().filter(|c| m.score(&[c.as_str()]).is_some()).take(limit).map(String::as_str).collect()
    }

    /// Replaces the value with the next (or previous) matching choice.
    pub fn pick(&mut self, forward: bool) {
        if self.typed.is_none() {
            self.typed = Some(self.value.clone());
            self.pick = if forward { 0 } else { usize::MAX };
        } else if forward {
            self.pick = self.pick.wrapping_add(1);
        } else {
            self.pick = self.pick.wrapping_sub(1);
        }
        let matches: Vec<String> = self.matches(usize::MAX).into_iter().map(str::to_string).collect();
        if matches.is_empty() {
            return;
        }
        let i = if self.pick == usize::MAX { matches.len() - 1 } else { self.pick % matches.len() };
        self.pick = i;
        self.value = matches[i].clone();
        self.cursor = self.value.chars().count();
    }

    /// Typing after picking starts a new search.
    fn typed_changed(&mut self) {
        self.typed = None;
        self.error = None;
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.value.char_indices().nth(char_pos).map(|(i, _)| i).unwrap_or(self.value.len())
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.value.insert(at, c);
        self.cursor += 1;
        self.typed_changed();
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let at = self.byte_at(self.cursor - 1);
            self.value.remove(at);
            self.cursor -= 1;
            self.typed_changed();
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.value.chars().count() {
            let at = self.byte_at(self.cursor);
            self.value.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.value.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.value.chars().count();
    }

    /// Deletes the word before the cursor (ctrl-w).
    /// Line editing shared by forms and palettes: characters, backspace/delete, arrows,
    /// home/end, ctrl-a/e (start/end), ctrl-w (word), ctrl-u (all). False when the key is not
    /// an editing key (the caller may then treat it as an action).
    pub fn edit(&mut self, key: &crate::tui::keymap::Key) -> bool {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = key.mods.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char('a') if ctrl => self.home(),
            KeyCode::Char('e') if ctrl => self.end(),
            KeyCode::Char('u') if ctrl => {
                self.value.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) if !ctrl && !key.mods.contains(KeyModifiers::ALT) => self.insert(c),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.left(),
            KeyCode::Right => self.right(),
            KeyCode::Home => self.home(),
            KeyCode::End => self.end(),
            _ => return false,
        }
        true
    }

    pub fn delete_word(&mut self) {
        while self.cursor > 0 && self.value.chars().nth(self.cursor - 1).is_some_and(char::is_whitespace) {
            self.backspace();
        }
        while self.cursor > 0 && self.value.chars().nth(self.cursor - 1).is_some_and(|c| !c.is_whitespace()) {
            self.backspace();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A message about the whole form (not tied to one field).
    pub error: Option<String>,
    /// Submitted and waiting for the store's answer.
    pub pending: bool,
}

impl Form {
    pub fn new(kind: FormKind, title: impl Into<String>, fields: Vec<Field>) -> Form {
        Form { kind, title: title.into(), fields, focus: 0, error: None, pending: false }
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn next(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
    }

    pub fn prev(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
    }

    /// Gives the field `name` a list of choices to pick from.
    pub fn choices(mut self, name: &str, choices: Vec<String>) -> Form {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.choices = choices;
        }
        self
    }

    /// Sets the value of field `name` (cursor at its end).
    pub fn set(mut self, name: &str, value: &str) -> Form {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.value = value.to_string();
            f.cursor = f.value.chars().count();
        }
        self
    }

    /// Whether the form edits a record that exists (rather than creating one).
    pub fn is_edit(&self) -> bool {
        matches!(self.kind, FormKind::EditContact(_) | FormKind::EditDeal(_) | FormKind::EditTask(_))
    }

    /// The values to save: every field of a new record; of an edit, only the fields the user
    /// changed (the others are left as they are in the database, whoever changed them since).
    pub fn submitted(&self) -> Vec<(&'static str, String)> {
        let edit = self.is_edit();
        self.fields
            .iter()
            .filter(|f| !edit || f.value.trim() != f.initial.trim())
            .map(|f| (f.name, f.value.trim().to_string()))
            .collect()
    }

    /// What the changed fields showed when the form opened; the store refuses a save that
    /// would replace a value someone else saved since. A field whose conflict was seen and
    /// saved again anyway is left out: the user chose theirs over ours.
    pub fn shown(&self) -> Vec<(&'static str, String)> {
        self.fields
            .iter()
            .filter(|f| f.value.trim() != f.initial.trim() && f.theirs.is_none())
            .map(|f| (f.name, f.initial.trim().to_string()))
            .collect()
    }

    /// Marks a conflict on field `name`: someone else saved `theirs` since the form opened.
    /// `name` is the field as the store names it (`name` is a deal's or task's title).
    /// `save_key`/`take_key` name the keys that save and take theirs. The message fits the form.
    pub fn show_conflict(&mut self, name: &str, theirs: String, save_key: &str, take_key: &str) {
        let name = match (name, &self.kind) {
            ("name", FormKind::EditDeal(_) | FormKind::EditTask(_)) => "title",
            ("close date", _) => "close",
            (n, _) => n,
        };
        self.show_error(Some(name), format!("someone else saved \"{theirs}\" meanwhile"));
        self.error = Some(format!("Keep yours: {save_key} · take theirs: {take_key}"));
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.theirs = Some(theirs);
        }
    }

    /// Takes the value someone else saved into the focused field in conflict (or the first
    /// one): it is no longer changed by this form. False when no field is in conflict.
    pub fn take_theirs(&mut self) -> bool {
        let i = match self.fields.get(self.focus).filter(|f| f.theirs.is_some()) {
            Some(_) => self.focus,
            None => match self.fields.iter().position(|f| f.theirs.is_some()) {
                Some(i) => i,
                None => return false,
            },
        };
        let f = &mut self.fields[i];
        if let Some(theirs) = f.theirs.take() {
            f.value = theirs.clone();
            f.cursor = f.value.chars().count();
            f.initial = theirs;
            f.error = None;
        }
        self.focus = i;
        self.error = None;
        true
    }

    pub fn value(&self, name: &str) -> Option<String> {
        self.fields.iter().find(|f| f.name == name).map(|f| f.value.trim().to_string())
    }

    /// Shows an error from the store: under the field it names (and focuses it), or for the
    /// whole form.
    pub fn show_error(&mut self, field: Option<&str>, message: String) {
        self.pending = false;
        for f in &mut self.fields {
            f.error = None;
        }
        self.error = None;
        let pos = field
            .and_then(|name| self.fields.iter().position(|f| f.name == name || f.label.eq_ignore_ascii_case(name)));
        match pos {
            Some(i) => {
                self.fields[i].error = Some(message);
                self.focus = i;
            }
            None => self.error = Some(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_keys_are_the_same_in_forms_and_palettes() {
        use crate::tui::keymap::Key;
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let k = |code| Key::new(code, KeyModifiers::NONE);
        let ctrl = |c| Key::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut f = Field::new("query", "Search", "", "");
        for c in "acme gmbh".chars() {
            assert!(f.edit(&k(KeyCode::Char(c))));
        }
        assert!(f.edit(&ctrl('w')));
        assert_eq!(f.value, "acme ");
        assert!(f.edit(&ctrl('a')) && f.edit(&k(KeyCode::Right)) && f.edit(&k(KeyCode::Char('X'))));
        assert_eq!(f.value, "aXcme ");
        assert!(f.edit(&k(KeyCode::End)) && f.edit(&k(KeyCode::Backspace)));
        assert_eq!(f.value, "aXcme");
        assert!(f.edit(&ctrl('u')));
        assert_eq!((f.value.as_str(), f.cursor), ("", 0));
        // Not editing keys: left to the keymap (moving in a list, closing).
        assert!(!f.edit(&k(KeyCode::Up)) && !f.edit(&k(KeyCode::Esc)) && !f.edit(&ctrl('n')));
    }

    #[test]
    fn editing_text_with_a_cursor() {
        let mut f = Field::new("name", "Name", "Zoë", "");
        f.left();
        f.insert('x');
        assert_eq!(f.value, "Zoxë");
        f.end();
        f.backspace();
        assert_eq!(f.value, "Zox");
        f.home();
        f.delete();
        assert_eq!(f.value, "ox");
        f.end();
        f.insert(' ');
        f.insert('y');
        f.delete_word();
        assert_eq!(f.value, "ox ");
    }

    #[test]
    fn picking_cycles_through_matching_choices() {
        let mut f = Field::new("company", "Company", "", "").with_choices(vec![
            "Atlas GmbH".into(),
            "Åtlas AB".into(),
            "Nordlicht".into(),
        ]);
        f.insert('a');
        f.insert('t');
        assert_eq!(f.matches(5), vec!["Atlas GmbH", "Åtlas AB"]);
        f.pick(true);
        assert_eq!(f.value, "Atlas GmbH");
        f.pick(true);
        assert_eq!(f.value, "Åtlas AB");
        f.pick(true);
        assert_eq!(f.value, "Atlas GmbH");
        f.pick(false);
        assert_eq!(f.value, "Åtlas AB");
        f.backspace();
        assert_eq!(f.typed, None, "editing starts a new search");
    }

    #[test]
    fn errors_land_on_their_field() {
        let mut form = Form::new(
            FormKind::AddContact,
            "Add",
            vec![Field::new("name", "Name", "", ""), Field::new("email", "Email", "x", "")],
        );
        form.show_error(Some("email"), "not an email".into());
        assert_eq!(form.focus, 1);
        assert_eq!(form.fields[1].error.as_deref(), Some("not an email"));
        form.show_error(None, "busy".into());
        assert_eq!(form.fields[1].error, None);
        assert_eq!(form.error.as_deref(), Some("busy"));
    }
}
