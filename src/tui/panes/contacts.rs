//! The contacts pane: a sortable, filterable list and a contact's card.

use crate::domain::ActivityKind;
use crate::domain::{ContactId, Timestamp};
use crate::services::filter::ContactFields;
use crate::services::fold;
use crate::services::query::{ContactCard, ContactRow, ContactSort};
use crate::services::search::TextMatcher;
use crate::tui::action::Action;
use crate::tui::app::{company_choices, log_form, step, task_form, App, Effect, Modal, Request, Write};
use crate::tui::form::{Field, Form, FormKind};
use crate::tui::keymap::Key;
use ratatui::crossterm::event::KeyCode;

/// A contact as the list keeps it: what a row shows or the filter line reads, its text in one
/// allocation. 100k `ContactRow`s (nine allocations each) took ~75 MB; these take about a third.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub id: ContactId,
    pub last_contact: Option<Timestamp>,
    /// Name, title, company, email, phone, city and owner, back to back, then the tags
    /// separated by spaces (a tag holds none).
    text: Box<str>,
    /// Where each but the tags ends in `text`.
    ends: [u32; 7],
}

impl ListRow {
    fn part(&self, k: usize) -> &str {
        let start = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        let end = self.ends.get(k).map_or(self.text.len(), |&e| e as usize);
        self.text.get(start..end).unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.part(0)
    }

    pub fn title(&self) -> &str {
        self.part(1)
    }

    pub fn company(&self) -> &str {
        self.part(2)
    }

    pub fn email(&self) -> &str {
        self.part(3)
    }

    pub fn phone(&self) -> &str {
        self.part(4)
    }

    pub fn city(&self) -> &str {
        self.part(5)
    }

    pub fn owner(&self) -> &str {
        self.part(6)
    }

    /// The tags, separated by spaces.
    pub fn tags(&self) -> &str {
        self.part(7)
    }

    /// The fields the filter line's terms test.
    fn fields(&self) -> ContactFields<'_> {
        ContactFields {
            tags: self.tags(),
            owner: self.owner(),
            company: self.company(),
            name: self.name(),
            title: self.title(),
            email: self.email(),
            phone: self.phone(),
            city: self.city(),
            last_contact: self.last_contact,
        }
    }
}

impl From<ContactRow> for ListRow {
    fn from(r: ContactRow) -> ListRow {
        let parts = [&r.name, &r.title, &r.company, &r.email, &r.phone, &r.city, &r.owner];
        let tags = r.tags.iter().map(|t| t.len() + 1).sum::<usize>().saturating_sub(1);
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + tags);
        let mut ends = [0u32; 7];
        for (end, p) in ends.iter_mut().zip(parts) {
            text.push_str(p);
            // (A list row's fields are short; past 4 GB the rest would read as empty.)
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        for (i, t) in r.tags.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(t);
        }
        ListRow { id: r.id, last_contact: r.last_contact, text: text.into_boxed_str(), ends }
    }
}

#[derive(Debug, Default)]
pub struct ContactsPane {
    /// Every contact, sorted; None until loaded.
    pub rows: Option<Vec<ListRow>>,
    /// Indexes into `rows` that pass the filter.
    pub visible: Vec<usize>,
    pub selected: usize,
    pub filter: String,
    /// Typing goes to the filter.
    pub filtering: bool,
    pub sort: ContactSort,
    pub card: Option<ContactCard>,
    pub card_scroll: u16,
    /// The filter line resolved by the worker when it has field terms (`tag:vip owner:me`).
    pub compiled: Option<crate::services::filter::Compiled>,
    /// Why the filter line's terms do not apply (shown under the list).
    pub filter_error: Option<String>,
}

const PAGE: usize = 10;

impl ContactsPane {
    pub fn set_rows(&mut self, rows: Vec<ListRow>) {
        let keep = self.selected_row().map(|r| r.id);
        self.rows = Some(rows);
        // The worker sends them sorted by name already; other orders are sorted here.
        if self.sort == ContactSort::Name {
            self.refilter();
        } else {
            self.resort();
        }
        if let Some(id) = keep {
            self.select_id(id);
        }
    }

    pub fn set_card(&mut self, card: ContactCard) {
        if self.card.as_ref().is_none_or(|c| c.contact.id != card.contact.id) {
            self.card_scroll = 0;
        }
        self.card = Some(card);
    }

    fn select_id(&mut self, id: ContactId) {
        if let Some(rows) = &self.rows {
            if let Some(pos) = self.visible.iter().position(|&i| rows[i].id == id) {
                self.selected = pos;
            }
        }
    }

    fn resort(&mut self) {
        if let Some(rows) = &mut self.rows {
            match self.sort {
                ContactSort::Name => rows.sort_by_cached_key(|r| (fold(r.name()), r.id)),
                ContactSort::Company => {
                    rows.sort_by_cached_key(|r| (r.company().is_empty(), fold(r.company()), fold(r.name())))
                }
                ContactSort::Last => rows.sort_by_key(|r| (r.last_contact, r.id)),
                ContactSort::Owner => rows.sort_by_cached_key(|r| (r.owner().to_string(), fold(r.name()))),
            }
        }
        self.refilter();
    }

    /// The worker resolved the filter line `text`; use it if the line still says that.
    pub fn set_compiled(&mut self, text: &str, result: Result<Box<crate::services::filter::Compiled>, String>) {
        if text != self.filter.trim() {
            return;
        }
        match result {
            Ok(c) => {
                self.compiled = Some(*c);
                self.filter_error = None;
            }
            Err(e) => {
                self.compiled = None;
                self.filter_error = Some(e);
            }
        }
        self.refilter();
    }

    /// Whether the filter line has field terms, which the worker must resolve.
    pub fn needs_compiling(&self) -> bool {
        super::filter_line::has_field_terms(&self.filter)
    }

    /// Keeps the rows the filter line matches, in the list's sort order: its field terms (once
    /// the worker has resolved them), and its free text with the search palette's matcher.
    fn refilter(&mut self) {
        let text = self.filter.trim().to_string();
        let compiled = self.compiled.as_ref().filter(|c| {
            c.filter().to_string() == crate::domain::filter::parse(&text).map(|f| f.to_string()).unwrap_or_default()
        });
        let free = match compiled {
            Some(c) => c.text().unwrap_or("").to_string(),
            None if self.needs_compiling() => String::new(),
            None => text.clone(),
        };
        self.visible = match &self.rows {
            None => Vec::new(),
            Some(rows) if text.is_empty() => (0..rows.len()).collect(),
            Some(rows) => {
                let mut m = (!free.is_empty()).then(|| TextMatcher::new(&free));
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| compiled.is_none_or(|c| c.contact_fields(&r.fields())))
                    .filter(|(_, r)| match &mut m {
                        Some(m) => {
                            m.score(&[r.name(), r.company(), r.email(), r.phone(), r.tags(), r.city()]).is_some()
                        }
                        None => true,
                    })
                    .map(|(i, _)| i)
                    .collect()
            }
        };
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Shows only the contacts matching `text` (as if typed into the filter).
    pub fn set_filter(&mut self, text: &str) -> Vec<Effect> {
        self.filter = text.to_string();
        self.filtering = false;
        self.selected = 0;
        self.filter_changed()
    }

    /// After the filter line changed: filter by what can be done here, and ask the worker to
    /// resolve field terms.
    fn filter_changed(&mut self) -> Vec<Effect> {
        self.filter_error = None;
        self.refilter();
        if self.needs_compiling() {
            vec![Effect::Load(Request::ContactFilter(self.filter.trim().to_string()))]
        } else {
            self.compiled = None;
            vec![]
        }
    }

    pub fn selected_row(&self) -> Option<&ListRow> {
        let rows = self.rows.as_ref()?;
        self.visible.get(self.selected).map(|&i| &rows[i])
    }

    /// Keys while the filter line has focus: characters go to the filter; back clears it,
    /// open keeps it; moving still moves. None lets the key through as an action.
    pub fn filter_key(&mut self, key: Key, action: Option<Action>) -> Option<Vec<Effect>> {
        let plain = key.mods.is_empty() || key.mods == ratatui::crossterm::event::KeyModifiers::SHIFT;
        match (key.code, action) {
            (KeyCode::Char(c), _) if plain => {
                self.filter.push(c);
                self.selected = 0;
                return Some(self.filter_changed());
            }
            (KeyCode::Backspace, _) => {
                self.filter.pop();
                return Some(self.filter_changed());
            }
            (_, Some(Action::Back)) => {
                self.filtering = false;
                self.filter.clear();
                self.compiled = None;
                self.filter_error = None;
                self.refilter();
            }
            (_, Some(Action::Open)) => self.filtering = false,
            (_, Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown))) => {
                self.selected = step(self.selected, self.visible.len(), a, PAGE);
            }
            _ => return None,
        }
        Some(vec![])
    }
}

fn sort_name(s: ContactSort) -> &'static str {
    match s {
        ContactSort::Name => "name",
        ContactSort::Company => "company",
        ContactSort::Last => "last contact (longest ago first)",
        ContactSort::Owner => "owner",
    }
}

/// The contact an action is about: the open card, or the selected row.
fn current(app: &App) -> Option<(crate::domain::ContactId, String)> {
    match &app.contacts.card {
        Some(c) => Some((c.contact.id, c.contact.name.clone())),
        None => app.contacts.selected_row().map(|r| (r.id, r.name().to_string())),
    }
}

pub fn contact_form(kind: FormKind, title: &str, v: [&str; 6]) -> Form {
    Form::new(
        kind,
        title,
        vec![
            Field::new("name", "Name", v[0], "first and last name"),
            Field::new("company", "Company", v[1], "a company name or id; a new name creates it"),
            Field::new("title", "Job title", v[2], ""),
            Field::new("email", "Email", v[3], "work:anna@acme.com"),
            Field::new("phone", "Phone", v[4], "mobile:+49 170 1234567"),
            Field::new("tags", "Tags", v[5], "comma separated"),
        ],
    )
}

pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let pane = &mut app.contacts;
    if pane.card.is_some() {
        match action {
            Action::Back => {
                pane.card = None;
                return vec![];
            }
            Action::Up => pane.card_scroll = pane.card_scroll.saturating_sub(1),
            Action::Down => pane.card_scroll = pane.card_scroll.saturating_add(1),
            Action::PageUp => pane.card_scroll = pane.card_scroll.saturating_sub(10),
            Action::PageDown => pane.card_scroll = pane.card_scroll.saturating_add(10),
            Action::Top => pane.card_scroll = 0,
            _ => {}
        }
    } else {
        let n = pane.visible.len();
        match action {
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                pane.selected = step(pane.selected, n, action, PAGE);
                return vec![];
            }
            Action::Back if !pane.filter.is_empty() => {
                return pane.set_filter("");
            }
            Action::Filter => {
                pane.filtering = true;
                return vec![];
            }
            Action::PickView => {
                if app.views.is_empty() {
                    app.info("No saved views yet: `crm view save NAME FILTER…` makes one.");
                    return vec![];
                }
                let names = app.views.iter().map(|(n, _)| n.clone()).collect();
                let form =
                    Form::new(FormKind::PickView, "Saved view", vec![Field::new("view", "View", "", "a view's name")]);
                app.open_form(form.choices("view", names));
                return vec![];
            }
            Action::Sort => {
                pane.sort = match pane.sort {
                    ContactSort::Name => ContactSort::Company,
                    ContactSort::Company => ContactSort::Last,
                    ContactSort::Last => ContactSort::Owner,
                    ContactSort::Owner => ContactSort::Name,
                };
                pane.resort();
                pane.selected = 0;
                let text = format!("Sorted by {}", sort_name(pane.sort));
                app.info(text);
                return vec![];
            }
            Action::Open => {
                return match pane.selected_row() {
                    Some(r) => vec![Effect::Load(Request::ContactCard(r.id))],
                    None => vec![],
                };
            }
            Action::Add => {
                let form = contact_form(FormKind::AddContact, "Add a contact", ["", "", "", "", "", ""]);
                let companies = company_choices(app);
                app.open_form(form.choices("company", companies));
                return vec![];
            }
            _ => {}
        }
    }
    let Some((id, name)) = current(app) else { return vec![] };
    let kind = match action {
        Action::LogCall => Some(ActivityKind::Call),
        Action::LogMeeting => Some(ActivityKind::Meeting),
        Action::LogEmail => Some(ActivityKind::Email),
        Action::LogNote => Some(ActivityKind::Note),
        _ => None,
    };
    if let Some(kind) = kind {
        app.open_form(log_form(id, &name, kind));
        return vec![];
    }
    match action {
        Action::AddTask => {
            let title = format!("Follow up with {name}");
            app.open_form(task_form(
                FormKind::AddTask { contact: Some(id), deal: None },
                format!("Follow-up for {name}"),
                [&title, "tomorrow morning", "normal"],
            ));
        }
        Action::Edit => {
            let (company, title, email, phone, tags) = match &app.contacts.card {
                Some(c) => (
                    c.company.as_ref().map(|co| co.name.clone()).unwrap_or_default(),
                    c.contact.title.clone(),
                    c.contact.emails.first().map(|e| e.value.clone()).unwrap_or_default(),
                    c.contact.phones.first().map(|p| p.value.clone()).unwrap_or_default(),
                    c.contact.tags.join(", "),
                ),
                None => match app.contacts.selected_row() {
                    Some(r) => (
                        r.company().to_string(),
                        r.title().to_string(),
                        r.email().to_string(),
                        r.phone().to_string(),
                        r.tags().replace(' ', ", "),
                    ),
                    None => return vec![],
                },
            };
            app.open_form(contact_form(
                FormKind::EditContact(id),
                &format!("Edit {name}"),
                [&name, &company, &title, &email, &phone, &tags],
            ));
        }
        Action::EditNotes => {
            // Notes come with the card; from the list, open the card first.
            return match &app.contacts.card {
                Some(c) => vec![Effect::EditNotes {
                    target: crate::domain::Ref::Contact(id),
                    current: c.contact.notes.clone(),
                }],
                None => vec![Effect::Load(Request::ContactCard(id))],
            };
        }
        Action::Share => {
            let others: Vec<String> = app.users.iter().filter(|u| **u != app.user).cloned().collect();
            let form = Form::new(
                FormKind::Share(id),
                format!("Share {name} with"),
                vec![Field::new("login", "User", "", "a login (crm user list): they will see and edit the contact")],
            );
            app.open_form(form.choices("login", others));
        }
        Action::Delete => {
            app.modal = Some(Modal::Confirm {
                question: format!("Move {name} ({id}) to the trash? (undo brings it back)"),
                then: Write::Changes(vec![crate::domain::Change::Trash { target: crate::domain::Ref::Contact(id) }]),
            });
        }
        _ => {}
    }
    vec![]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_row_gives_back_every_field_of_the_contact() {
        let full = ContactRow {
            id: ContactId(7),
            name: "Zoë Fischer".into(),
            title: "".into(),
            company_id: None,
            company: "Fischer GmbH".into(),
            email: "zoe@fischer.de".into(),
            phone: "+49 30 1".into(),
            city: "Köln".into(),
            tags: vec!["vip".into(), "messe".into()],
            owner: "anna".into(),
            last_contact: Some(Timestamp(5)),
        };
        let row = ListRow::from(full.clone());
        assert_eq!(
            [row.name(), row.title(), row.company(), row.email(), row.phone(), row.city(), row.owner(), row.tags()],
            ["Zoë Fischer", "", "Fischer GmbH", "zoe@fischer.de", "+49 30 1", "Köln", "anna", "vip messe"]
        );
        assert_eq!((row.id, row.last_contact), (full.id, full.last_contact));
        let bare = ListRow::from(ContactRow { tags: vec![], owner: "".into(), ..full });
        assert_eq!((bare.owner(), bare.tags(), bare.city()), ("", "", "Köln"));
    }
}
