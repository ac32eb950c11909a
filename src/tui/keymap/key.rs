//! Keys and chords as keymap files write them (`ctrl-x`, `alt-x`, `g g`) and as the help shows them.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

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
            // The arrows as `crm keys` and the help print them, too.
            "up" | "↑" => KeyCode::Up,
            "down" | "↓" => KeyCode::Down,
            "left" | "←" => KeyCode::Left,
            "right" | "→" => KeyCode::Right,
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

/// A sequence of keys pressed one after the other (`g g`, `ctrl-x ctrl-s`); most are one key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chord(pub Vec<Key>);

impl Chord {
    pub fn single(key: Key) -> Chord {
        Chord(vec![key])
    }

    /// Parses keys separated by spaces: `g g`, `ctrl-x ctrl-c`, `esc`.
    pub fn parse(text: &str) -> Result<Chord, String> {
        let keys: Vec<&str> = text.split_whitespace().collect();
        if keys.is_empty() {
            return Err("no key given".into());
        }
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            match Key::parse(k) {
                Ok(key) => out.push(key),
                // "gg" reads like a chord: say how to write one.
                Err(m) if k.chars().count() > 1 && k.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    let spaced: Vec<String> = k.chars().map(String::from).collect();
                    return Err(format!("{m}; write a chord of several keys with spaces: \"{}\"", spaced.join(" ")));
                }
                Err(m) => return Err(m),
            }
        }
        Ok(Chord(out))
    }

    pub fn keys(&self) -> &[Key] {
        &self.0
    }

    pub fn starts_with(&self, other: &Chord) -> bool {
        self.0.starts_with(&other.0)
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    #[test]
    fn keys_parse_and_print() {
        assert_eq!(Key::parse("ctrl-c").unwrap(), Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(Key::parse("C-c").unwrap(), Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(Key::parse("M-x").unwrap(), Key::new(KeyCode::Char('x'), KeyModifiers::ALT));
        assert_eq!(Key::parse("Q").unwrap(), Key::new(KeyCode::Char('Q'), KeyModifiers::SHIFT));
        assert_eq!(Key::parse("shift-tab").unwrap(), Key::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        assert_eq!(Key::parse("f5").unwrap().to_string(), "f5");
        assert_eq!(Key::parse("space").unwrap().to_string(), "space");
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("hyper-x").unwrap_err().contains("unknown key"));
        assert!(Key::parse("f99").is_err());
    }

    proptest::proptest! {
        /// What `crm keys` and the help print can be pasted back into a keymap file.
        #[test]
        fn printed_keys_parse_back(
            code in proptest::prop_oneof![
                proptest::char::range('!', '~').prop_map(KeyCode::Char),
                proptest::char::range('à', 'ÿ').prop_map(KeyCode::Char),
                proptest::sample::select(vec![
                    KeyCode::Char(' '), KeyCode::Enter, KeyCode::Esc, KeyCode::Tab, KeyCode::BackTab,
                    KeyCode::Backspace, KeyCode::Delete, KeyCode::Insert, KeyCode::Up, KeyCode::Down,
                    KeyCode::Left, KeyCode::Right, KeyCode::Home, KeyCode::End, KeyCode::PageUp,
                    KeyCode::PageDown, KeyCode::F(1), KeyCode::F(12), KeyCode::F(24),
                ]),
            ],
            ctrl: bool,
            alt: bool,
            shift: bool,
        ) {
            let mut mods = KeyModifiers::NONE;
            for (on, m) in [(ctrl, KeyModifiers::CONTROL), (alt, KeyModifiers::ALT), (shift, KeyModifiers::SHIFT)] {
                if on {
                    mods |= m;
                }
            }
            let key = Key::new(code, mods);
            let printed = key.to_string();
            proptest::prop_assert_eq!(Key::parse(&printed), Ok(key), "printed as {}", printed);
            let chord = Chord(vec![key, key]);
            proptest::prop_assert_eq!(Chord::parse(&chord.to_string()), Ok(chord));
        }
    }

    #[test]
    fn chords_are_keys_separated_by_spaces() {
        let c = Chord::parse("g  g").unwrap();
        assert_eq!(c.keys().len(), 2);
        assert_eq!(c.to_string(), "g g");
        assert_eq!(Chord::parse("ctrl-x ctrl-s").unwrap().to_string(), "ctrl-x ctrl-s");
        assert!(Chord::parse("gg").unwrap_err().contains("\"g g\""));
        assert!(Chord::parse("  ").is_err());
        assert!(Chord::parse("g up").unwrap().starts_with(&Chord::parse("g").unwrap()));
    }
}
