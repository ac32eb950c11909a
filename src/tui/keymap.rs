//! Keymaps: TOML files in `keymaps/` (the presets default, vim and emacs, embedded in the
//! binary). One section per mode; each binding is `{ keys, action, desc }`, where `keys` is
//! one key (`q`, `ctrl-s`) or a chord of keys separated by spaces (`g g`, `ctrl-x ctrl-c`).
//! Chords live in a key trie per mode (keymap/trie.rs). Loading never fails: problems come
//! back as diagnostics with file, line and column, and the binding is skipped.

mod key;
mod trie;

pub use crate::services::config::Diagnostic;
pub use key::{Chord, Key};

use super::action::Action;
use crate::domain::filter::closest;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::de::{DeTable, ValueDeserializer};
use trie::{Step, Trie};

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// The keymaps shipped in the binary, by name (`keymap = "vim"` in config.toml).
pub const PRESETS: &[(&str, &str)] = &[
    ("default", DEFAULT_KEYMAP),
    ("vim", include_str!("../../keymaps/vim.toml")),
    ("emacs", include_str!("../../keymaps/emacs.toml")),
];

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
    Reports,
    Overdue,
    Form,
    Confirm,
    Search,
    Help,
    Palette,
}

impl Mode {
    pub const ALL: [Mode; 14] = [
        Mode::Global,
        Mode::List,
        Mode::Contacts,
        Mode::Card,
        Mode::Pipeline,
        Mode::Deal,
        Mode::Reminders,
        Mode::Reports,
        Mode::Overdue,
        Mode::Form,
        Mode::Confirm,
        Mode::Search,
        Mode::Help,
        Mode::Palette,
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
            Mode::Reports => "reports",
            Mode::Overdue => "overdue",
            Mode::Form => "form",
            Mode::Confirm => "confirm",
            Mode::Search => "search",
            Mode::Help => "help",
            Mode::Palette => "palette",
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
            Mode::Reports => "Reports",
            Mode::Overdue => "Overdue reminder at startup",
            Mode::Form => "Forms",
            Mode::Confirm => "Confirmation",
            Mode::Search => "Search palette",
            Mode::Help => "Help",
            Mode::Palette => "Command palette",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Chord,
    pub action: Action,
    pub desc: String,
}

/// Where the keys pressed so far lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The start of a chord: wait for the next key.
    Pending,
    Unbound,
}

#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// The preset this keymap started from (`default`, `vim`, `emacs`).
    pub preset: String,
    modes: BTreeMap<Mode, Vec<Binding>>,
    tries: HashMap<Mode, Trie>,
    /// Chords a user file frees (`action = "none"`); `merge` removes them from the preset.
    unbound: Vec<(Mode, Chord)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: toml::Spanned<String>,
    action: toml::Spanned<String>,
    desc: Option<String>,
}

/// Whether two chords cannot both be bound in one mode: one is the start of the other.
fn overlap(a: &Chord, b: &Chord) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

impl Keymap {
    /// The embedded default keymap.
    pub fn default_keymap() -> Keymap {
        Keymap::preset("default").unwrap_or_default()
    }

    /// A shipped preset by name.
    pub fn preset(name: &str) -> Option<Keymap> {
        let (n, text) = PRESETS.iter().find(|(n, _)| *n == name)?;
        let mut km = Keymap::parse(text, &format!("keymaps/{n}.toml")).0;
        km.preset = n.to_string();
        Some(km)
    }

    /// Parses a keymap file; bad bindings are skipped and reported.
    pub fn parse(text: &str, file: &str) -> (Keymap, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let mut km = Keymap::default();
        let diag = |offset: usize, message: String| Diagnostic::at(text, file, offset, message);
        let table = match DeTable::parse(text) {
            Ok(t) => t,
            Err(e) => return (km, vec![Diagnostic::toml(text, file, &e, 0)]),
        };
        for (name, value) in table.get_ref().iter() {
            let Some(mode) = Mode::from_name(name.get_ref()) else {
                let names: Vec<&str> = Mode::ALL.iter().map(|m| m.name()).collect();
                diags.push(diag(
                    name.span().start,
                    format!(
                        "unknown section \"{}\"{}; sections are {}",
                        name.get_ref(),
                        did_you_mean(name.get_ref(), names.iter().copied()),
                        names.join(", ")
                    ),
                ));
                continue;
            };
            let Some(items) = value.get_ref().as_array() else {
                diags.push(diag(
                    value.span().start,
                    format!(
                        "{} must be a list of bindings: {} = [{{ keys = \"q\", action = \"quit\" }}]",
                        mode.name(),
                        mode.name()
                    ),
                ));
                continue;
            };
            for item in items.iter() {
                let b = match RawBinding::deserialize(ValueDeserializer::from(item.clone())) {
                    Ok(b) => b,
                    Err(e) => {
                        diags.push(Diagnostic::toml(text, file, &e, item.span().start));
                        continue;
                    }
                };
                let keys = match Chord::parse(b.keys.get_ref()) {
                    Ok(k) => k,
                    Err(m) => {
                        diags.push(diag(b.keys.span().start, m));
                        continue;
                    }
                };
                if b.action.get_ref() == "none" {
                    km.unbound.push((mode, keys));
                    continue;
                }
                let Some(action) = Action::from_name(b.action.get_ref()) else {
                    diags.push(diag(
                        b.action.span().start,
                        format!(
                            "unknown action \"{}\"{}; `crm keys --actions` lists them",
                            b.action.get_ref(),
                            did_you_mean(b.action.get_ref(), Action::ALL.iter().map(|a| a.name()))
                        ),
                    ));
                    continue;
                };
                let list = km.modes.entry(mode).or_default();
                if let Some(prev) = list.iter().find(|x| x.keys == keys) {
                    diags.push(diag(
                        b.keys.span().start,
                        format!(
                            "{keys} is bound twice in [{}] ({} and {})",
                            mode.name(),
                            prev.action.name(),
                            action.name()
                        ),
                    ));
                    continue;
                }
                if let Some(prev) = list.iter().find(|x| overlap(&x.keys, &keys)) {
                    let (short, long) = if prev.keys.keys().len() < keys.keys().len() {
                        (&prev.keys, &keys)
                    } else {
                        (&keys, &prev.keys)
                    };
                    diags.push(diag(
                        b.keys.span().start,
                        format!(
                            "{keys} clashes with {} ({}) in [{}]: \"{short}\" is the start of \"{long}\", so one of them could never run",
                            prev.keys,
                            prev.action.name(),
                            mode.name()
                        ),
                    ));
                    continue;
                }
                list.push(Binding { keys, action, desc: b.desc.unwrap_or_else(|| action.description().to_string()) });
            }
        }
        km.rebuild();
        diags.sort_by_key(|d| (d.line, d.column));
        (km, diags)
    }

    fn rebuild(&mut self) {
        self.tries.clear();
        for (mode, bindings) in &self.modes {
            let t = self.tries.entry(*mode).or_default();
            for b in bindings {
                t.insert(b.keys.keys(), b.action);
            }
        }
    }

    /// Lays `user` over this keymap, per mode and chord: a user binding replaces the one with
    /// the same chord, and drops those it would clash with (`g` over `g g`); `action = "none"`
    /// frees a chord; everything else stays.
    pub fn merge(&mut self, user: Keymap) {
        for (mode, chord) in &user.unbound {
            if let Some(list) = self.modes.get_mut(mode) {
                list.retain(|b| !b.keys.starts_with(chord));
            }
        }
        for (mode, bindings) in user.modes {
            let list = self.modes.entry(mode).or_default();
            for b in bindings {
                if let Some(existing) = list.iter_mut().find(|x| x.keys == b.keys) {
                    *existing = b;
                } else {
                    list.retain(|x| !overlap(&x.keys, &b.keys));
                    list.push(b);
                }
            }
        }
        self.rebuild();
    }

    /// Where `keys` lead in the first of `modes` (most specific first) that knows them.
    pub fn lookup(&self, modes: &[Mode], keys: &[Key]) -> Lookup {
        for m in modes {
            match self.tries.get(m).map(|t| t.step(keys)) {
                Some(Step::Action(a)) => return Lookup::Action(a),
                Some(Step::Prefix) => return Lookup::Pending,
                _ => {}
            }
        }
        Lookup::Unbound
    }

    /// The action a single key runs in the first of `modes` that binds it.
    pub fn action(&self, modes: &[Mode], key: Key) -> Option<Action> {
        match self.lookup(modes, &[key]) {
            Lookup::Action(a) => Some(a),
            _ => None,
        }
    }

    /// The keys that may follow `prefix` in `modes`, with the action each completes (None: the
    /// chord goes on), sorted; a more specific mode hides the same key of a less specific one.
    pub fn continuations(&self, modes: &[Mode], prefix: &[Key]) -> Vec<(Key, Option<Action>)> {
        let mut out: Vec<(Key, Option<Action>)> = Vec::new();
        for m in modes {
            for (k, a) in self.tries.get(m).map(|t| t.continuations(prefix)).unwrap_or_default() {
                if !out.iter().any(|(x, _)| *x == k) {
                    out.push((k, a));
                }
            }
        }
        out.sort_by_key(|(k, _)| k.to_string());
        out
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The shortest chord that runs `action` in `modes`, for hints: from the most specific mode
    /// that has one, leaving out chords a more specific mode takes for something else.
    pub fn key_for(&self, modes: &[Mode], action: Action) -> Option<&Chord> {
        modes.iter().find_map(|m| {
            self.bindings(*m)
                .iter()
                .filter(|b| b.action == action && self.lookup(modes, b.keys.keys()) == Lookup::Action(action))
                .map(|b| &b.keys)
                .min_by_key(|c| c.keys().len())
        })
    }

    /// Every action bound somewhere in this keymap.
    pub fn reaches(&self, action: Action) -> bool {
        self.modes.values().any(|l| l.iter().any(|b| b.action == action))
    }
}

/// The bindings of a keymap as Markdown tables, one per mode, headed at `level` (`##`).
pub fn markdown_tables(km: &Keymap, level: &str) -> String {
    let mut out = String::new();
    for mode in Mode::ALL {
        let bindings = km.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n{level} {} (`{}`)\n\n| keys | action | what it does |\n|---|---|---|\n",
            mode.title(),
            mode.name()
        ));
        for b in bindings {
            let keys = b.keys.to_string().replace('|', "\\|");
            out.push_str(&format!("| `{keys}` | `{}` | {} |\n", b.action.name(), b.desc.replace('|', "\\|")));
        }
    }
    out
}

/// docs/keymaps.md: every shipped preset (`crm keys --markdown`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Keys\n\nGenerated by `crm keys --markdown` from the presets in `keymaps/`; a test keeps this file in sync.\n\
         Choose a preset with `keymap = \"vim\"` in config.toml (see docs/configuration.md); your own\n\
         `keymap.toml` beside it is laid over the preset per mode and chord. `crm keys` prints the bindings in\n\
         force, `crm keys --actions` every action with its description.\n\n\
         A chord of several keys (`g g`) is typed one key after the other; the status line shows the keys\n\
         pressed so far and the hint line what may follow. A number typed before a movement repeats it\n\
         (`5 j` moves down five rows, `5 G` goes to the fifth row) wherever the number is not bound itself.\n",
    );
    for (name, _) in PRESETS {
        if let Some(km) = Keymap::preset(name) {
            out.push_str(&format!("\n## Preset `{name}` (`keymaps/{name}.toml`)\n"));
            out.push_str(&markdown_tables(&km, "###"));
        }
    }
    out
}

/// " (did you mean \"log_call\"?)" for a name one or two typos away from a known one.
fn did_you_mean<'a>(word: &str, names: impl Iterator<Item = &'a str>) -> String {
    closest(word, names).map(|n| format!(" (did you mean \"{n}\"?)")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Vec<Key> {
        Chord::parse(s).unwrap().0
    }

    #[test]
    fn every_preset_loads_cleanly_and_reaches_every_action() {
        for (name, text) in PRESETS {
            let (km, diags) = Keymap::parse(text, &format!("keymaps/{name}.toml"));
            assert_eq!(diags, vec![], "keymaps/{name}.toml");
            for a in Action::ALL {
                assert!(km.reaches(*a), "{} is not bound in keymaps/{name}.toml", a.name());
            }
            // Every modal can be left and do its job, or a preset would trap you in it.
            for (mode, does) in [
                (Mode::Help, Action::Down),
                (Mode::Overdue, Action::Done),
                (Mode::Form, Action::Submit),
                (Mode::Confirm, Action::Confirm),
                (Mode::Search, Action::Open),
                (Mode::Palette, Action::Open),
            ] {
                for a in [Action::Back, does] {
                    assert!(km.key_for(&[mode], a).is_some(), "{name}: no key for {} in {}", a.name(), mode.name());
                }
            }
            // Help and quit work from every pane; the palette is one key (or chord) away.
            for mode in [Mode::Contacts, Mode::Pipeline, Mode::Reminders, Mode::Reports] {
                let modes = [mode, Mode::List, Mode::Global];
                for a in [Action::Help, Action::Quit, Action::CommandPalette, Action::Search] {
                    assert!(km.key_for(&modes, a).is_some(), "{name}: no key for {} in {}", a.name(), mode.name());
                }
            }
        }
    }

    #[test]
    fn presets_bind_what_their_users_expect() {
        let vim = Keymap::preset("vim").unwrap();
        let list = [Mode::Contacts, Mode::List, Mode::Global];
        assert_eq!(vim.lookup(&list, &k("g")), Lookup::Pending);
        assert_eq!(vim.lookup(&list, &k("g g")), Lookup::Action(Action::Top));
        assert_eq!(vim.lookup(&list, &k("G")), Lookup::Action(Action::Bottom));
        assert_eq!(vim.lookup(&list, &k("j")), Lookup::Action(Action::Down));
        assert_eq!(vim.lookup(&list, &k(":")), Lookup::Action(Action::CommandPalette));
        assert_eq!(vim.lookup(&list, &k("5")), Lookup::Unbound, "digits are counts in vim");
        let emacs = Keymap::preset("emacs").unwrap();
        assert_eq!(emacs.lookup(&list, &k("ctrl-n")), Lookup::Action(Action::Down));
        assert_eq!(emacs.lookup(&list, &k("ctrl-p")), Lookup::Action(Action::Up));
        assert_eq!(emacs.lookup(&list, &k("ctrl-s")), Lookup::Action(Action::Search));
        assert_eq!(emacs.lookup(&list, &k("alt-x")), Lookup::Action(Action::CommandPalette));
        assert_eq!(emacs.lookup(&list, &k("ctrl-x")), Lookup::Pending);
        assert_eq!(emacs.lookup(&list, &k("ctrl-x ctrl-c")), Lookup::Action(Action::Quit));
        let default = Keymap::default_keymap();
        assert_eq!(default.lookup(&list, &k(":")), Lookup::Action(Action::CommandPalette));
        assert_eq!(default.lookup(&list, &k("down")), Lookup::Action(Action::Down));
    }

    #[test]
    fn chords_fall_through_to_less_specific_modes() {
        let (km, d) = Keymap::parse(
            "global = [{ keys = \"g t\", action = \"next_tab\" }]\nlist = [{ keys = \"g g\", action = \"top\" }]\n",
            "k.toml",
        );
        assert_eq!(d, vec![]);
        let modes = [Mode::List, Mode::Global];
        assert_eq!(km.lookup(&modes, &k("g")), Lookup::Pending);
        assert_eq!(km.lookup(&modes, &k("g g")), Lookup::Action(Action::Top));
        assert_eq!(km.lookup(&modes, &k("g t")), Lookup::Action(Action::NextTab));
        assert_eq!(km.lookup(&modes, &k("g x")), Lookup::Unbound);
        let next: Vec<String> = km.continuations(&modes, &k("g")).iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(next, ["g", "t"]);
        assert_eq!(km.key_for(&modes, Action::Top).map(|c| c.to_string()).as_deref(), Some("g g"));
        // A key another mode takes first is not offered as the key of an action.
        let (km, _) = Keymap::parse(
            "global = [{ keys = \"q\", action = \"quit\" }, { keys = \"ctrl-q\", action = \"quit\" }]\nhelp = [{ keys = \"q\", action = \"back\" }]\n",
            "k.toml",
        );
        let chord = km.key_for(&[Mode::Help, Mode::Global], Action::Quit).map(|c| c.to_string());
        assert_eq!(chord.as_deref(), Some("ctrl-q"));
    }

    #[test]
    fn user_bindings_override_per_mode_and_chord() {
        let mut km = Keymap::default_keymap();
        let (user, d) = Keymap::parse(
            "global = [{ keys = \"q\", action = \"help\" }, { keys = \"F\", action = \"quit\" }, { keys = \"u\", action = \"none\" }]\nlist = [{ keys = \"g\", action = \"page_down\" }, { keys = \"z z\", action = \"top\" }]\n",
            "user.toml",
        );
        assert_eq!(d, vec![]);
        km.merge(user);
        let g = [Mode::Global];
        assert_eq!(km.action(&g, Key::parse("q").unwrap()), Some(Action::Help));
        assert_eq!(km.action(&g, Key::parse("F").unwrap()), Some(Action::Quit));
        assert_eq!(km.action(&g, Key::parse("ctrl-c").unwrap()), Some(Action::Quit));
        assert_eq!(km.action(&g, Key::parse("u").unwrap()), None, "freed with action = \"none\"");
        assert_eq!(km.bindings(Mode::Global).iter().filter(|b| b.keys == Chord::parse("q").unwrap()).count(), 1);
        // The user's `g` replaces the preset's `g` in [list]; its chord `z z` is added.
        assert_eq!(km.action(&[Mode::List], Key::parse("g").unwrap()), Some(Action::PageDown));
        assert_eq!(km.lookup(&[Mode::List], &k("z z")), Lookup::Action(Action::Top));
        // Other modes keep the preset.
        assert_eq!(km.action(&[Mode::Pipeline], Key::parse("h").unwrap()), Some(Action::Left));

        // A user chord over a preset key drops the key it would shadow, and the reverse.
        let mut vim = Keymap::preset("vim").unwrap();
        let (user, d) = Keymap::parse("list = [{ keys = \"g\", action = \"bottom\" }]\n", "user.toml");
        assert_eq!(d, vec![]);
        vim.merge(user);
        assert_eq!(vim.lookup(&[Mode::List], &k("g")), Lookup::Action(Action::Bottom));
        assert!(!vim.bindings(Mode::List).iter().any(|b| b.keys == Chord::parse("g g").unwrap()), "g g is dropped");
    }

    #[test]
    fn bad_bindings_are_reported_with_line_and_column() {
        let (_, d) = Keymap::parse("[[nothing]]\n", "k.toml");
        assert_eq!(d.len(), 1);
        let text = "global = [\n  { keys = \"q\", action = \"quit\" },\n  { keys = \"hyper-q\", action = \"quit\" },\n  { keys = \"x\", action = \"explode\" },\n  { keys = \"q\", action = \"help\" },\n  { keys = \"g g\", action = \"top\" },\n  { keys = \"g\", action = \"bottom\" },\n  { key = \"y\", action = \"help\" },\n]\nnowhere = []\nlist = 3\n";
        let (km, d) = Keymap::parse(text, "k.toml");
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert_eq!(msgs.len(), 7, "{msgs:?}");
        assert!(msgs[0].starts_with("k.toml:3:12: unknown key \"hyper-q\""), "{msgs:?}");
        assert!(msgs[1].starts_with("k.toml:4:26: unknown action \"explode\""), "{msgs:?}");
        assert!(msgs[2].starts_with("k.toml:5:12: q is bound twice in [global]"), "{msgs:?}");
        assert!(msgs[3].starts_with("k.toml:7:12: g clashes with g g (top) in [global]"), "{msgs:?}");
        assert!(msgs[4].starts_with("k.toml:8:") && msgs[4].contains("key"), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("k.toml:11:8: list must be a list")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("k.toml:10:1: unknown section \"nowhere\"")), "{msgs:?}");
        let (_, d) = Keymap::parse(
            "contcts = [{ keys = \"c\", action = \"log_cal\" }]\ncontacts = [{ keys = \"c\", action = \"log_cal\" }]\n",
            "k.toml",
        );
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert!(
            msgs[0].starts_with("k.toml:1:1: unknown section \"contcts\" (did you mean \"contacts\"?); sections are"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].starts_with("k.toml:2:36: unknown action \"log_cal\" (did you mean \"log_call\"?);"),
            "{msgs:?}"
        );
        assert_eq!(km.action(&[Mode::Global], Key::parse("q").unwrap()), Some(Action::Quit));
        assert_eq!(km.lookup(&[Mode::Global], &k("g g")), Lookup::Action(Action::Top));
    }
}
