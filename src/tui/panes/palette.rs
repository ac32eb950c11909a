//! The command palette (`:` in the default and vim keymaps, `alt-x` in emacs): every action by
//! name, fuzzy-matched as you type (the search's matcher), each with the key that runs it where
//! you are. Enter runs the selected action as if its key had been pressed.

use crate::services::search::TextMatcher;
use crate::tui::action::Action;
use crate::tui::app::{step, App, Effect, Modal};
use crate::tui::form::Field;
use crate::tui::keymap::{Key, Keymap, Mode};

/// Actions that only mean something inside a form or a question; the palette leaves them out.
const MODAL_ONLY: &[Action] = &[
    Action::NextField,
    Action::PrevField,
    Action::Submit,
    Action::PickNext,
    Action::PickPrev,
    Action::Confirm,
    Action::CommandPalette,
];

/// Modes of the panes (not of a modal), where an action not bound here may be found.
fn pane_modes() -> impl Iterator<Item = Mode> {
    Mode::ALL.into_iter().filter(|m| {
        !matches!(m, Mode::Form | Mode::Confirm | Mode::Search | Mode::Help | Mode::Palette | Mode::Overdue)
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub action: Action,
    /// The keys that run it where the palette was opened, if any.
    pub keys: Option<String>,
    /// Where it works instead, when it does not work here: the mode and its keys.
    pub elsewhere: Option<(Mode, String)>,
}

impl Item {
    pub fn here(&self) -> bool {
        self.keys.is_some() || self.elsewhere.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommandPalette {
    pub input: Field,
    /// The modes that were active when the palette opened: actions run there.
    pub modes: Vec<Mode>,
    pub all: Vec<Item>,
    /// Indices into `all`, best match first.
    pub shown: Vec<usize>,
    pub selected: usize,
}

impl CommandPalette {
    pub fn new(keymap: &Keymap, modes: Vec<Mode>) -> CommandPalette {
        let all = Action::ALL
            .iter()
            .filter(|a| !MODAL_ONLY.contains(a))
            .map(|&action| {
                let keys = keymap.key_for(&modes, action).map(|c| c.to_string());
                let elsewhere = if keys.is_some() {
                    None
                } else {
                    pane_modes()
                        .find_map(|m| keymap.key_for(&[m], action).map(|c| (m, c.to_string())))
                        .filter(|(m, _)| !modes.contains(m))
                };
                Item { action, keys, elsewhere }
            })
            .collect();
        let mut p =
            CommandPalette { input: Field::new("command", "Command", "", ""), modes, all, shown: vec![], selected: 0 };
        p.refilter();
        p
    }

    /// Orders the actions by how well they match the query: what works here first.
    fn refilter(&mut self) {
        let query = self.input.value.trim().to_string();
        let mut scored: Vec<(u32, usize)> = if query.is_empty() {
            (0..self.all.len()).map(|i| (0, i)).collect()
        } else {
            let mut m = TextMatcher::new(&query);
            self.all
                .iter()
                .enumerate()
                .filter_map(|(i, it)| {
                    let label = it.action.label();
                    // The name counts double: "undo" should beat a description that mentions it.
                    let name = m.score(&[&label, it.action.name()]).map(|s| s * 2);
                    let desc = m.score(&[it.action.description()]);
                    name.max(desc).map(|s| (s, i))
                })
                .collect()
        };
        scored.sort_by_key(|&(s, i)| (!self.all[i].here(), std::cmp::Reverse(s), i));
        self.shown = scored.into_iter().map(|(_, i)| i).collect();
        self.selected = 0;
    }

    pub fn selected_item(&self) -> Option<&Item> {
        self.shown.get(self.selected).map(|&i| &self.all[i])
    }
}

pub fn open(app: &mut App) -> Vec<Effect> {
    let modes = app.modes();
    app.modal = Some(Modal::Palette(CommandPalette::new(&app.keymap, modes)));
    vec![]
}

/// Keys in the palette: text goes to the query; moving, running and closing come from the keymap.
pub fn key(app: &mut App, key: Key, action: Option<Action>) -> Vec<Effect> {
    let Some(Modal::Palette(p)) = &mut app.modal else { return vec![] };
    if p.input.edit(&key) {
        p.refilter();
        return vec![];
    }
    match action {
        Some(a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom)) => {
            p.selected = step(p.selected, p.shown.len(), a, 10);
            vec![]
        }
        Some(Action::Back) => {
            app.modal = None;
            vec![]
        }
        Some(Action::Open | Action::Submit) => {
            let item = p.selected_item().cloned();
            app.modal = None;
            match item {
                Some(Item { action, elsewhere: Some((mode, keys)), keys: None }) => {
                    app.info(format!("{} works in {} ({keys}), not here", action.label(), mode.title()));
                    vec![]
                }
                Some(item) => crate::tui::app::run_action(app, item.action),
                None => vec![],
            }
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_actions_by_name_or_description_and_shows_their_keys_here() {
        let km = Keymap::default_keymap();
        let mut p = CommandPalette::new(&km, vec![Mode::Reminders, Mode::List, Mode::Global]);
        assert!(!p.all.iter().any(|i| i.action == Action::Submit));
        for c in "snooze tom".chars() {
            p.input.insert(c);
        }
        p.refilter();
        let first = p.selected_item().unwrap();
        assert_eq!(first.action, Action::SnoozeTomorrow);
        assert_eq!(first.keys.as_deref(), Some("Z"));

        // From the contacts pane, "done" is found but works in the reminders pane.
        let mut p = CommandPalette::new(&km, vec![Mode::Contacts, Mode::List, Mode::Global]);
        p.input.insert('d');
        p.input.insert('o');
        p.input.insert('n');
        p.input.insert('e');
        p.refilter();
        let done = p.all.iter().find(|i| i.action == Action::Done).unwrap();
        assert_eq!(done.keys, None);
        assert_eq!(done.elsewhere.as_ref().map(|(m, _)| *m), Some(Mode::Reminders));
        // What works here comes before what does not.
        let here: Vec<bool> = p.shown.iter().map(|&i| p.all[i].here()).collect();
        assert!(here.windows(2).all(|w| w[0] >= w[1]), "{here:?}");
    }
}
