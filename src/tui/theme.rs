//! Themes: TOML files in `themes/` (default (dark), light, high-contrast, mono; embedded in the
//! binary) with a palette and semantic style keys. Panes read styles only through
//! [`Theme::style`] with a [`Role`]. A theme may start from another (`inherits = "default"`):
//! it gets that theme's palette and styles, and changing a palette entry recolours every style
//! that names it. A user `theme.toml` is laid over the chosen theme the same way. Loading
//! reports problems with file, line and column and keeps the inherited style for what it cannot
//! read. `NO_COLOR` (or a terminal without colour) selects `mono`.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use toml::de::{DeTable, ValueDeserializer};

pub use super::keymap::Diagnostic;

pub const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

/// The themes shipped in the binary, by name (`theme = "light"` in config.toml).
pub const PRESETS: &[(&str, &str)] = &[
    ("default", DEFAULT_THEME),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

macro_rules! roles {
    ($($variant:ident => $key:literal;)*) => {
        /// What a piece of the screen is, for styling.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Role { $($variant,)* }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$variant,)*];
            pub fn key(self) -> &'static str {
                match self { $(Role::$variant => $key,)* }
            }
            fn from_key(k: &str) -> Option<Role> {
                match k { $($key => Some(Role::$variant),)* _ => None }
            }
        }
    };
}

roles! {
    Text => "text";
    Dim => "text.dim";
    Title => "title";
    Border => "border";
    BorderFocus => "border.focus";
    TabActive => "tab.active";
    TabInactive => "tab.inactive";
    ListSelected => "list.selected";
    Header => "list.header";
    Status => "status";
    StatusWarn => "status.warning";
    HintKey => "hint.key";
    HintDesc => "hint.desc";
    Message => "message";
    Error => "error";
    Overdue => "reminder.overdue";
    Today => "reminder.today";
    Upcoming => "reminder.upcoming";
    DoneTask => "reminder.done";
    Value => "deal.value";
    Stale => "deal.stale";
    Won => "deal.won";
    Lost => "deal.lost";
    FieldLabel => "field.label";
    FieldActive => "field.active";
    FieldError => "field.error";
    Match => "match";
    Tag => "tag";
}

/// A style as written: palette names or colours (checked when read), and modifiers.
#[derive(Debug, Clone, Default, PartialEq)]
struct Spec {
    fg: Option<String>,
    bg: Option<String>,
    mods: Modifier,
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    /// The shipped theme this one is or starts from.
    pub name: String,
    palette: BTreeMap<String, Color>,
    specs: HashMap<Role, Spec>,
    styles: HashMap<Role, Style>,
    /// The roles the last file parsed over this theme set itself.
    written: Vec<Role>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<toml::Spanned<String>>,
    bg: Option<toml::Spanned<String>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

fn parse_color(text: &str) -> Option<Color> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 {
            let v = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8));
        }
        return None;
    }
    if let Ok(n) = t.parse::<u8>() {
        return Some(Color::Indexed(n));
    }
    t.parse::<Color>().ok()
}

/// How deep `inherits` may go (a theme inheriting one inheriting one …); more is a loop.
const MAX_DEPTH: usize = 4;

impl Theme {
    pub fn default_theme() -> Theme {
        Theme::preset("default").unwrap_or_default()
    }

    /// A shipped theme by name.
    pub fn preset(name: &str) -> Option<Theme> {
        preset_at(name, 0)
    }

    /// Parses a theme file on its own (or over what it `inherits`).
    pub fn parse(text: &str, file: &str) -> (Theme, Vec<Diagnostic>) {
        parse_over(text, file, Theme::default(), 0)
    }

    /// Lays a user theme file over this theme: its palette entries recolour the styles that
    /// name them, its styles replace these per key. `inherits` in the file starts over from
    /// that theme instead.
    pub fn parse_over(&self, text: &str, file: &str) -> (Theme, Vec<Diagnostic>) {
        parse_over(text, file, self.clone(), 0)
    }

    /// Takes the styles (and palette) a file parsed over another theme set itself: how a user's
    /// theme.toml still counts under `mono`.
    pub fn overlay_written(&mut self, user: &Theme) {
        self.palette.extend(user.palette.iter().map(|(k, v)| (k.clone(), *v)));
        for r in &user.written {
            if let Some(spec) = user.specs.get(r) {
                self.specs.insert(*r, spec.clone());
            }
        }
        self.resolve();
    }

    /// Lays `user` (already parsed over this theme, or on its own) over this theme.
    pub fn merge(&mut self, user: Theme) {
        self.palette.extend(user.palette);
        self.specs.extend(user.specs);
        self.resolve();
    }

    fn resolve(&mut self) {
        let colour =
            |name: &Option<String>| name.as_ref().and_then(|n| self.palette.get(n).copied().or_else(|| parse_color(n)));
        self.styles = self
            .specs
            .iter()
            .map(|(role, spec)| {
                let mut s = Style::default().add_modifier(spec.mods);
                if let Some(c) = colour(&spec.fg) {
                    s = s.fg(c);
                }
                if let Some(c) = colour(&spec.bg) {
                    s = s.bg(c);
                }
                (*role, s)
            })
            .collect();
    }

    /// The same theme without any colour (for `NO_COLOR` and colourless terminals): modifiers
    /// stay, and selection falls back to reverse video so it is still visible.
    pub fn without_colour(mut self) -> Theme {
        for (role, s) in self.styles.iter_mut() {
            let mut plain = Style::default().add_modifier(s.add_modifier);
            if matches!(role, Role::ListSelected | Role::TabActive | Role::FieldActive) {
                plain = plain.add_modifier(Modifier::REVERSED);
            }
            *s = plain;
        }
        self
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }
}

fn preset_at(name: &str, depth: usize) -> Option<Theme> {
    let (n, text) = PRESETS.iter().find(|(n, _)| *n == name)?;
    let mut t = parse_over(text, &format!("themes/{n}.toml"), Theme::default(), depth).0;
    t.name = n.to_string();
    Some(t)
}

fn parse_over(text: &str, file: &str, base: Theme, depth: usize) -> (Theme, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let diag = |offset: usize, message: String| Diagnostic::at(text, file, offset, message);
    let table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => return (base, vec![Diagnostic::toml(text, file, &e, 0)]),
    };
    let table = table.get_ref();
    let mut theme = base;
    theme.written.clear();
    for (key, _) in table.iter() {
        if !matches!(key.get_ref().as_ref(), "inherits" | "palette" | "styles") {
            diags.push(diag(
                key.span().start,
                format!("unknown key \"{}\"; a theme has inherits, [palette] and [styles]", key.get_ref()),
            ));
        }
    }
    if let Some(v) = table.get("inherits") {
        let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
        match v.get_ref().as_str() {
            Some(name) if depth >= MAX_DEPTH => {
                diags.push(diag(v.span().start, format!("inherits \"{name}\" goes round in a loop")))
            }
            Some(name) => match preset_at(name, depth + 1) {
                Some(parent) => theme = parent,
                None => diags.push(diag(
                    v.span().start,
                    format!("unknown theme \"{name}\" to inherit; themes are {}", names.join(", ")),
                )),
            },
            None => diags.push(diag(v.span().start, format!("inherits must name a theme: {}", names.join(", ")))),
        }
    }
    if let Some(v) = table.get("palette") {
        match v.get_ref().as_table() {
            Some(p) => {
                for (name, value) in p.iter() {
                    match value.get_ref().as_str().and_then(parse_color) {
                        Some(c) => {
                            theme.palette.insert(name.get_ref().to_string(), c);
                        }
                        None => diags.push(diag(
                            value.span().start,
                            format!(
                                "palette entry \"{}\" is not a colour (use #rrggbb, a colour name like red, or 0–255)",
                                name.get_ref()
                            ),
                        )),
                    }
                }
            }
            None => diags.push(diag(v.span().start, "[palette] must be a table of name = \"#rrggbb\"".into())),
        }
    }
    if let Some(v) = table.get("styles") {
        match v.get_ref().as_table() {
            Some(styles) => {
                for (key, value) in styles.iter() {
                    let Some(role) = Role::from_key(key.get_ref()) else {
                        diags.push(diag(key.span().start, format!("unknown style key \"{}\"", key.get_ref())));
                        continue;
                    };
                    let raw = match RawStyle::deserialize(ValueDeserializer::from(value.clone())) {
                        Ok(r) => r,
                        Err(e) => {
                            diags.push(Diagnostic::toml(text, file, &e, value.span().start));
                            continue;
                        }
                    };
                    let mut spec = Spec::default();
                    let mut ok = true;
                    for (slot, v) in [(&mut spec.fg, &raw.fg), (&mut spec.bg, &raw.bg)] {
                        if let Some(v) = v {
                            let name = v.get_ref();
                            if theme.palette.contains_key(name) || parse_color(name).is_some() {
                                *slot = Some(name.clone());
                            } else {
                                ok = false;
                                diags.push(diag(v.span().start, format!("\"{name}\" is not a colour or a palette name (use #rrggbb, a colour name like red, or 0–255)")));
                            }
                        }
                    }
                    for (on, m) in [
                        (raw.bold, Modifier::BOLD),
                        (raw.dim, Modifier::DIM),
                        (raw.italic, Modifier::ITALIC),
                        (raw.underline, Modifier::UNDERLINED),
                        (raw.reversed, Modifier::REVERSED),
                    ] {
                        if on {
                            spec.mods |= m;
                        }
                    }
                    // A style with a bad colour keeps the inherited one whole.
                    if ok {
                        theme.specs.insert(role, spec);
                        theme.written.push(role);
                    }
                }
            }
            None => diags.push(diag(v.span().start, "[styles] must be a table of key = { fg, bg, bold … }".into())),
        }
    }
    theme.resolve();
    diags.sort_by_key(|d| (d.line, d.column));
    (theme, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_loads_cleanly_and_styles_every_role() {
        for (name, text) in PRESETS {
            let (t, d) = Theme::parse(text, &format!("themes/{name}.toml"));
            assert_eq!(d, vec![], "themes/{name}.toml");
            for r in Role::ALL {
                assert!(t.styles.contains_key(r), "{name}: {} has no style", r.key());
            }
        }
        // mono has no colour at all, and still shows the selection.
        let mono = Theme::preset("mono").unwrap();
        for r in Role::ALL {
            let s = mono.style(*r);
            assert_eq!((s.fg, s.bg), (None, None), "mono {}", r.key());
        }
        assert!(mono.style(Role::ListSelected).add_modifier.contains(Modifier::REVERSED));
        // The light theme is not the dark one.
        assert_ne!(Theme::preset("light").unwrap().style(Role::Text), Theme::default_theme().style(Role::Text));
    }

    #[test]
    fn inherits_takes_the_parent_and_a_palette_change_recolours_its_styles() {
        let text = "inherits = \"default\"\n[palette]\naccent = \"#ff0000\"\n[styles]\n\"tag\" = { fg = \"accent\", underline = true }\n";
        let (t, d) = Theme::parse(text, "t.toml");
        assert_eq!(d, vec![]);
        let red = Color::Rgb(255, 0, 0);
        // "title" is the default theme's { fg = "accent", bold = true }: now red, still bold.
        assert_eq!(t.style(Role::Title).fg, Some(red));
        assert!(t.style(Role::Title).add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.style(Role::Tag), Style::default().fg(red).add_modifier(Modifier::UNDERLINED));
        assert_eq!(t.style(Role::Text), Theme::default_theme().style(Role::Text));

        // A user file over the light theme, naming the light palette.
        let light = Theme::preset("light").unwrap();
        let (user, d) = light.parse_over("[styles]\n\"error\" = { fg = \"accent\" }\n", "theme.toml");
        assert_eq!(d, vec![]);
        let mut merged = light.clone();
        merged.merge(user);
        assert_eq!(merged.style(Role::Error).fg, light.style(Role::Title).fg);
        assert_eq!(merged.style(Role::Text), light.style(Role::Text));
    }

    #[test]
    fn bad_entries_are_reported_where_they_are() {
        let text = "[palette]\nred = \"#ff0000\"\npink = \"#ff00\"\n[styles]\n\"text\" = { fg = \"red\" }\n\"txet\" = { fg = \"red\" }\n\"error\" = { fg = \"rouge\" }\n\"match\" = { fg = \"red\", blink = true }\n";
        let (t, d) = Theme::parse(text, "t.toml");
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:3:8: palette entry \"pink\" is not a colour")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:6:1: unknown style key \"txet\"")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:7:") && m.contains("\"rouge\" is not a colour")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:8:") && m.contains("blink")), "{msgs:?}");
        assert_eq!(t.style(Role::Text).fg, Some(Color::Rgb(255, 0, 0)));
        let (_, d) = Theme::parse("inherits = \"sepia\"\ncolours = 1\n", "t.toml");
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d.iter().any(|x| x.to_string().starts_with("t.toml:1:12: unknown theme \"sepia\"")), "{d:?}");
    }

    #[test]
    fn no_colour_keeps_only_modifiers() {
        let t = Theme::default_theme().without_colour();
        for r in Role::ALL {
            let s = t.style(*r);
            assert_eq!((s.fg, s.bg), (None, None), "{}", r.key());
        }
        assert!(t.style(Role::ListSelected).add_modifier.contains(Modifier::REVERSED));
    }
}
