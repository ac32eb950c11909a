//! Themes: TOML files in `themes/` with a palette and semantic style keys. Panes read styles
//! only through [`Theme::style`] with a [`Role`]; loading reports problems with file, line and
//! column and falls back to the defaults for what it cannot read. `NO_COLOR` drops every colour.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

use super::keymap::Diagnostic;

pub const DEFAULT_THEME: &str = include_str!("../../themes/default.toml");

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

#[derive(Debug, Clone)]
pub struct Theme {
    styles: HashMap<Role, Style>,
}

#[derive(Deserialize)]
struct RawStyle {
    fg: Option<toml::Spanned<String>>,
    bg: Option<toml::Spanned<String>>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    palette: BTreeMap<String, toml::Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<toml::Spanned<String>, RawStyle>,
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

impl Theme {
    pub fn default_theme() -> Theme {
        Theme::parse(DEFAULT_THEME, "themes/default.toml").0
    }

    pub fn parse(text: &str, file: &str) -> (Theme, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let diag = |offset: usize, message: String| {
            let before = &text[..offset.min(text.len())];
            Diagnostic {
                file: file.to_string(),
                line: before.matches('\n').count() + 1,
                column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                message,
            }
        };
        let mut theme = Theme { styles: HashMap::new() };
        let raw: RawTheme = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                diags.push(diag(e.span().map(|s| s.start).unwrap_or(0), e.message().to_string()));
                return (theme, diags);
            }
        };
        let colour = |value: &toml::Spanned<String>, diags: &mut Vec<Diagnostic>| -> Option<Color> {
            let name = value.get_ref();
            let resolved = raw.palette.get(name).map(|p| p.get_ref().as_str()).unwrap_or(name);
            match parse_color(resolved) {
                Some(c) => Some(c),
                None => {
                    diags.push(diag(value.span().start, format!("\"{name}\" is not a colour or a palette name (use #rrggbb, a colour name like red, or 0–255)")));
                    None
                }
            }
        };
        for (key, rs) in &raw.styles {
            let Some(role) = Role::from_key(key.get_ref()) else {
                diags.push(diag(key.span().start, format!("unknown style key \"{}\"", key.get_ref())));
                continue;
            };
            let mut style = Style::default();
            if let Some(fg) = rs.fg.as_ref().and_then(|v| colour(v, &mut diags)) {
                style = style.fg(fg);
            }
            if let Some(bg) = rs.bg.as_ref().and_then(|v| colour(v, &mut diags)) {
                style = style.bg(bg);
            }
            for (on, m) in [
                (rs.bold, Modifier::BOLD),
                (rs.italic, Modifier::ITALIC),
                (rs.underline, Modifier::UNDERLINED),
                (rs.reversed, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            theme.styles.insert(role, style);
        }
        (theme, diags)
    }

    /// Lays the styles a user file sets over this theme.
    pub fn merge(&mut self, user: Theme) {
        self.styles.extend(user.styles);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_theme_loads_cleanly_and_styles_every_role() {
        let (t, d) = Theme::parse(DEFAULT_THEME, "themes/default.toml");
        assert_eq!(d, vec![]);
        for r in Role::ALL {
            assert!(t.styles.contains_key(r), "{} has no style", r.key());
        }
    }

    #[test]
    fn bad_entries_are_reported_where_they_are() {
        let text = "[palette]\nred = \"#ff0000\"\n[styles]\n\"text\" = { fg = \"red\" }\n\"txet\" = { fg = \"red\" }\n\"error\" = { fg = \"rouge\" }\n";
        let (t, d) = Theme::parse(text, "t.toml");
        let msgs: Vec<String> = d.iter().map(|x| x.to_string()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:5:1: unknown style key \"txet\"")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.starts_with("t.toml:6:") && m.contains("\"rouge\" is not a colour")), "{msgs:?}");
        assert_eq!(t.style(Role::Text).fg, Some(Color::Rgb(255, 0, 0)));
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
