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
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, value: &str, hint: &'static str) -> Field {
        Field { name, label, value: value.to_string(), cursor: value.chars().count(), hint, error: None }
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.value.char_indices().nth(char_pos).map(|(i, _)| i).unwrap_or(self.value.len())
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.value.insert(at, c);
        self.cursor += 1;
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let at = self.byte_at(self.cursor - 1);
            self.value.remove(at);
            self.cursor -= 1;
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
