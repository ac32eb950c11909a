//! Keymaps: TOML files in `keymaps/` (the default one embedded in the binary). One section per
//! mode; each binding is `{ keys, action, desc }`. Loading never fails: problems come back as
//! diagnostics with file, line and column, and the binding is skipped.

use super::action::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where a set of bindings applies. The active modes are searched in order (most specific
/// first, `global` last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    List,
    Contacts,
    Card,
    Pipeline,
    Deal,
    Reminders,
    Overdue,
    Form,
    Confirm,
    Search,
    Help,
}

impl Mode {
    pub const ALL: [Mode; 12] = [
        Mode::Global,
        Mode::List,
        Mode::Contacts,
        Mode::Card,
        Mode::Pipeline,
        Mode::Deal,
        Mode::Reminders,
        Mode::Overdue,
        Mode::Form,
        Mode::Confirm,
        Mode::Search,
        Mode::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::List => "list",
            Mode::Contacts => "contacts",
            Mode::Card => "card",
            Mode::Pipeline => "pipeline",
            Mode::Deal => "deal",
            Mode::Reminders => "reminders",
            Mode::Overdue => "overdue",
            Mode::Form => "form",
            Mode::Confirm => "confirm",
            Mode::Search => "search",
            Mode::Help => "help",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::List => "Lists",
            Mode::Contacts => "Contacts",
            Mode::Card => "Contact card",
            Mode::Pipeline => "Pipeline",
            Mode::Deal => "Deal card",
            Mode::Reminders => "Reminders",
            Mode::Overdue => "Overdue reminder at startup",
            Mode::Form => "Forms",
            Mode::Confirm => "Confirmation",
            Mode::Search => "Search palette",
            Mode::Help => "Help",
        }
    }

    fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One key press: a key and its modifiers (shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            // Shift is already in the character; BackTab is shift-tab.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(if mods.contains(KeyModifiers::CONTROL) { c.to_ascii_lowercase() } else { c })
            }
            KeyCode::BackTab => {
                mods.insert(KeyModifiers::SHIFT);
                KeyCode::Tab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn from_event(e: &KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    /// Parses `q`, `Q`, `ctrl-c`, `alt-x`, `shift-tab`, `enter`, `esc`, `space`, `f1`, `pgdn`, `?`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") || lower.starts_with("ctrl+") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("c-") && rest.len() > 2 {
                (KeyModifiers::CONTROL, 2)
            } else if lower.starts_with("alt-") || lower.starts_with("alt+") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("m-") && rest.len() > 2 {
                (KeyModifiers::ALT, 2)
            } else if lower.starts_with("shift-") || lower.starts_with("shift+") {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" | "ret" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            "space" | "spc" => KeyCode::Char(' '),
            "backspace" | "bs" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" | "pgdown" => KeyCode::PageDown,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].chars().all(|c| c.is_ascii_digit()) => {
                let n: u8 = f[1..].parse().map_err(|_| format!("unknown key \"{text}\""))?;
                if !(1..=24).contains(&n) {
                    return Err(format!("unknown key \"{text}\" (function keys are f1 … f24)"));
                }
                KeyCode::F(n)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => {
                        return Err(format!(
                            "unknown key \"{text}\"; use a character, ctrl-x, alt-x, shift-tab, enter, esc, space, tab, backspace, up, down, left, right, home, end, pgup, pgdn or f1 … f24"
                        ))
                    }
                }
            }
        };
        Ok(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub desc: String,
}

/// A problem in a keymap file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
    lookup: HashMap<(Mode, Key), Action>,
}

#[derive(Deserialize)]
struct RawBinding {
    keys: toml::Spanned<String>,
    action: toml::Spanned<String>,
    desc: Option<String>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Keymap {
    /// The embedded default keymap.
    pub fn default_keymap() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP, "keymaps/default.toml").0
    }

    /// Parses a keymap file; bad bindings are skipped and reported.
    pub fn parse(text: &str, file: &str) -> (Keymap, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut km = Keymap::default();
        let diag = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            Diagnostic { file: file.to_string(), line, column, message }
        };
        let raw: BTreeMap<toml::Spanned<String>, Vec<RawBinding>> = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let offset = e.span().map(|s| s.start).unwrap_or(0);
                diags.push(diag(offset, e.message().to_string()));
                return (km, diags);
            }
        };
        for (mode_name, bindings) in raw {
            let Some(mode) = Mode::from_name(mode_name.get_ref()) else {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                diags.push(diag(
                    mode_name.span().start,
                    format!("unknown section \"{}\"; sections are {}", mode_name.get_ref(), names.join(", ")),
                ));
                continue;
            };
            for b in bindings {
                let key = match Key::parse(b.keys.get_ref()) {
                    Ok(k) => k,
                    Err(m) => {
                        diags.push(diag(b.keys.span().start, m));
                        continue;
                    }
                };
                let Some(action) = Action::from_name(b.action.get_ref()) else {
                    diags.push(diag(
                        b.action.span().start,
                        format!("unknown action \"{}\"; `crm keys --actions` lists them", b.action.get_ref()),
                    ));
                    continue;
                };
                if let Some(prev) = km.lookup.get(&(mode, key)) {
                    diags.push(diag(
                        b.keys.span().start,
                        format!("{key} is bound twice in [{}] ({} and {})", mode.name(), prev.name(), action.name()),
                    ));
                    continue;
                }
                km.lookup.insert((mode, key), action);
                km.modes.entry(mode).or_default().push(Binding {
                    key,
                    action,
                    desc: b.desc.unwrap_or_else(|| action.description().to_string()),
                });
            }
        }
        (km, diags)
    }

    /// Lays `user` over this keymap: a user binding replaces the default for the same mode and
    /// key; everything else stays.
    pub fn merge(&mut self, user: Keymap) {
        for (mode, bindings) in user.modes {
            for b in bindings {
                let list = self.modes.entry(mode).or_default();
                match list.iter_mut().find(|x| x.key == b.key) {
                    Some(existing) => *existing = b.clone(),
                    None => list.push(b.clone()),
                }
                self.lookup.insert((mode, b.key), b.action);
            }
        }
    }

    /// The action bound to `key` in the first of `modes` that binds it.
    pub fn action(&self, modes: &[Mode], key: Key) -> Option<Action> {
        modes.iter().find_map(|m| self.lookup.get(&(*m, key)).copied())
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key bound to `action` among `modes`, for hints ("a add").
    pub fn key_for(&self, modes: &[Mode], action: Action) -> Option<Key> {
        modes.iter().find_map(|m| self.bindings(*m).iter().find(|b| b.action == action).map(|b| b.key))
    }
}

/// The bindings of a keymap as Markdown, grouped by mode (docs/keymaps.md is this output).
pub fn markdown(km: &Keymap) -> String {
    let mut out = String::from(
        "# Keys\n\nGenerated by `crm keys --markdown` from `keymaps/default.toml`; a test keeps this file in sync.\nEvery action and its description: `crm keys --actions`.\n",
    );
    for mode in Mode::ALL {
        let bindings = km.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n## {} (`{}`)\n\n| key | action | what it does |\n|---|---|---|\n",
            mode.title(),
            mode.name()
        ));
        for b in bindings {
            let key = b.key.to_string().replace('|', "\\|");
            out.push_str(&format!("| `{key}` | `{}` | {} |\n", b.action.name(), b.desc));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(Key::parse("Q").unwrap(), Key::new(KeyCode::Char('Q'), KeyModifiers::SHIFT));
        assert_eq!(Key::parse("shift-tab").unwrap(), Key::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(Key::parse("f5").unwrap().to_string(), "f5");
        assert_eq!(Key::parse("space").unwrap().to_string(), "space");
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").unwrap_err().contains("unknown key"));
        assert!(Key::parse("f99").is_err());
    }

    #[test]
    fn the_default_keymap_loads_cleanly_and_binds_no_key_twice() {
        let (km, diags) = Keymap::parse(DEFAULT_KEYMAP, "keymaps/default.toml");
        assert_eq!(diags, vec![]);
        assert_eq!(km.action(&[Mode::Global], Key::parse("q").unwrap()), Some(Action::Quit));
        // Every action is reachable somewhere.
        for a in Action::ALL {
            assert!(
                Mode::ALL.iter().any(|m| km.bindings(*m).iter().any(|b| b.action == *a)),
                "{} is not bound",
                a.name()
            );
        }
    }

    #[test]
    fn user_bindings_override_per_mode_and_key() {
        let mut km = Keymap::default_keymap();
        let (user, d) = Keymap::parse(
            "global = [{ keys = \"q\", action = \"help\" }, { keys = \"F\", action = \"quit\" }]\n",
            "user.toml",
        );
        assert_eq!(d, vec![]);
        km.merge(user);
        assert_eq!(km.action(&[Mode::Global], Key::parse("q").unwrap()), Some(Action::Help));
        assert_eq!(km.action(&[Mode::Global], Key::parse("F").unwrap()), Some(Action::Quit));
        assert_eq!(km.action(&[Mode::Global], Key::parse("ctrl-c").unwrap()), Some(Action::Quit));
        assert_eq!(km.bindings(Mode::Global).iter().filter(|b| b.key == Key::parse("q").unwrap()).count(), 1);
    }

    #[test]
    fn bad_bindings_are_reported_with_line_and_column() {
        let text = "[[nothing]]\n";
        let (_, d) = Keymap::parse(text, "k.toml");
        assert_eq!(d.len(), 1);
        let text = "global = [\n  { keys = \"q\", action = \"quit\" },\n  { keys = \"hyper-q\", action = \"quit\" },\n  { keys = \"x\", action = \"explode\" },\n  { keys = \"q\", action = \"help\" },\n]\nnowhere = []\n";
        let (km, d) = Keymap::parse(text, "k.toml");
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs[0].starts_with("k.toml:3:12: unknown key \"hyper-q\""), "{msgs:?}");
        assert!(msgs[1].starts_with("k.toml:4:26: unknown action \"explode\""), "{msgs:?}");
        assert!(msgs[2].starts_with("k.toml:5:12: q is bound twice in [global]"), "{msgs:?}");
        assert!(msgs[3].contains("unknown section \"nowhere\""), "{msgs:?}");
        assert_eq!(km.action(&[Mode::Global], Key::parse("q").unwrap()), Some(Action::Quit));
    }
}
