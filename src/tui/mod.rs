//! The full-screen terminal interface. Elm-style: terminal events → keymap → `Action` →
//! `update(&mut App, …) -> Vec<Effect>` → the runtime performs effects → redraw when dirty.

pub mod action;
pub mod app;
pub mod form;
pub mod keymap;
pub mod panes;
pub mod runtime;
pub mod theme;
pub mod ui;
pub mod worker;

use crate::api::Client;
use crate::services::config::{Config, Diagnostic};
use app::App;
use keymap::Keymap;
use theme::Theme;

/// Whether colours should be left out (`NO_COLOR` set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether the terminal shows no colour at all (`TERM=dumb`, or no TERM).
pub fn colourless_terminal() -> bool {
    std::env::var("TERM").map_or(true, |t| t.is_empty() || t == "dumb")
}

/// The theme to use: `mono` under `NO_COLOR` or on a terminal without colour, else the
/// config's choice (default: `default`).
pub fn theme_name(config: &Config) -> &str {
    if no_color() || colourless_terminal() {
        "mono"
    } else {
        config.theme.as_deref().unwrap_or("default")
    }
}

/// The keymap and theme the config chooses, with the user's `keymap.toml` and `theme.toml` (in
/// the config directory) laid over them; problems in those files come back as diagnostics,
/// never errors, and the broken bindings or styles keep the preset's.
pub fn load_config_files(config: &Config, config_dir: Option<&std::path::Path>) -> (Keymap, Theme, Vec<Diagnostic>) {
    let keymap_name = config.keymap.as_deref().unwrap_or("default");
    let mut keymap = Keymap::preset(keymap_name).unwrap_or_else(Keymap::default_keymap);
    let theme_name = theme_name(config);
    // theme.toml is read over the theme the config chooses (its palette names mean something
    // there), also when mono is forced; mono then takes only the styles the file sets.
    let chosen = config.theme.as_deref().unwrap_or("default");
    let mut theme = Theme::preset(chosen).unwrap_or_else(Theme::default_theme);
    let mut diagnostics = Vec::new();
    if let Some(dir) = config_dir {
        let path = dir.join("keymap.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let (user, d) = Keymap::parse(&text, &path.display().to_string());
            diagnostics.extend(d);
            keymap.merge(user);
        }
        let path = dir.join("theme.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let (user, d) = theme.parse_over(&text, &path.display().to_string());
            diagnostics.extend(d);
            theme = user;
        }
    }
    if theme_name == "mono" && theme.name != "mono" {
        let mut mono = Theme::preset(theme_name).unwrap_or_default();
        mono.overlay_written(&theme);
        theme = mono;
    }
    if theme_name == "mono" {
        // NO_COLOR means no colour, whatever theme.toml says.
        theme = theme.without_colour();
    }
    (keymap, theme, diagnostics)
}

/// Opens the TUI on `crm` until the user quits.
pub fn run(crm: Client) -> anyhow::Result<()> {
    let (keymap, theme, mut diagnostics) = load_config_files(crm.config(), crm.config_dir());
    diagnostics.splice(0..0, crm.config_diagnostics().iter().cloned());
    // On a team server, its address stands where the database's path would.
    let place = crm.server_url().unwrap_or_else(|| crm.db_dir().display().to_string());
    let mut app = App::new(crm.user().to_string(), place, keymap, theme);
    if crm.server_url().is_none() {
        app.db_arg = db_arg(crm.db_dir(), crate::services::config::default_db_dir().as_deref());
    }
    show_diagnostics(&mut app, &diagnostics);
    runtime::run(crm, app)
}

/// `--db PATH` (quoted for a POSIX shell when it needs to be) when `db` is not the default
/// database, so that a command the TUI suggests acts on the database that is open.
pub fn db_arg(db: &std::path::Path, default: Option<&std::path::Path>) -> Option<String> {
    if default == Some(db) {
        return None;
    }
    let path = db.display().to_string();
    let plain = path.chars().all(|c| c.is_alphanumeric() || "/._-+,:@%".contains(c));
    Some(if plain { format!("--db {path}") } else { format!("--db '{}'", path.replace('\'', r"'\''")) })
}

/// Says once, in the status line, what was wrong with the config files (the broken parts fell
/// back to the defaults): how many problems and where to see them all first, since the line is
/// cut at the terminal's width, then the first one, its file named without the directory.
pub fn show_diagnostics(app: &mut App, diagnostics: &[Diagnostic]) {
    if let Some(first) = diagnostics.first() {
        let file = std::path::Path::new(&first.file).file_name().map(|n| n.to_string_lossy().into_owned());
        let short = Diagnostic { file: file.unwrap_or_else(|| first.file.clone()), ..first.clone() };
        if diagnostics.len() > 1 {
            app.error(format!("{} config problems (`crm config check`): {short}", diagnostics.len()));
        } else {
            app.error(short.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_commands_name_the_database_unless_it_is_the_default() {
        use std::path::Path;
        let default = Path::new("/home/anna/.local/share/crm/db");
        assert_eq!(db_arg(default, Some(default)), None);
        assert_eq!(db_arg(Path::new("/tmp/qa-db"), Some(default)).as_deref(), Some("--db /tmp/qa-db"));
        assert_eq!(db_arg(Path::new("/tmp/my crm"), None).as_deref(), Some("--db '/tmp/my crm'"));
        assert_eq!(db_arg(Path::new("/tmp/anna's"), None).as_deref(), Some(r"--db '/tmp/anna'\''s'"));
    }

    #[test]
    fn no_color_picks_mono_whatever_the_config_says_and_user_files_merge_over_the_preset() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("keymap.toml"), "global = [{ keys = \"Q\", action = \"quit\" }]\n")
            .expect("keymap.toml");
        std::fs::write(dir.path().join("theme.toml"), "[styles]\n\"text\" = { fg = \"accent\", italic = true }\n")
            .expect("theme.toml");
        let config = Config { keymap: Some("vim".into()), theme: Some("light".into()), ..Config::default() };
        // The only test that touches these variables.
        std::env::set_var("TERM", "xterm-256color");
        std::env::remove_var("NO_COLOR");
        let (km, theme, diags) = load_config_files(&config, Some(dir.path()));
        assert_eq!(diags, vec![]);
        assert_eq!(km.preset, "vim");
        assert_eq!(theme.name, "light");
        let q = keymap::Key::parse("Q").expect("key");
        assert_eq!(km.action(&[keymap::Mode::Global], q), Some(action::Action::Quit));
        let text = theme.style(theme::Role::Text);
        assert_eq!(text.fg, Theme::preset("light").expect("light").style(theme::Role::Title).fg);
        std::env::set_var("NO_COLOR", "1");
        let (_, theme, _) = load_config_files(&config, Some(dir.path()));
        std::env::remove_var("NO_COLOR");
        assert_eq!(theme.name, "mono");
        for r in theme::Role::ALL {
            let s = theme.style(*r);
            assert_eq!((s.fg, s.bg), (None, None), "{}", r.key());
        }
        assert!(theme.style(theme::Role::Text).add_modifier.contains(ratatui::style::Modifier::ITALIC));
        std::env::set_var("TERM", "dumb");
        assert_eq!(theme_name(&config), "mono");
        std::env::set_var("TERM", "xterm-256color");
        assert_eq!(theme_name(&config), "light");
    }

    #[test]
    fn broken_files_are_said_once_in_the_status_line() {
        let (_, diags) = Keymap::parse(
            "global = [{ keys = \"q\", action = \"fly\" }, { keys = \"\", action = \"quit\" }]\n",
            "keymap.toml",
        );
        assert_eq!(diags.len(), 2);
        let mut app = App::new("anna".into(), "db".into(), Keymap::default_keymap(), Theme::default_theme());
        show_diagnostics(&mut app, &[]);
        assert_eq!(app.message, None);
        show_diagnostics(&mut app, &diags);
        let (text, kind) = app.message.clone().expect("a message");
        assert_eq!(kind, app::MessageKind::Error);
        assert!(text.starts_with("2 config problems (`crm config check`): keymap.toml:1:"), "{text}");
        assert!(text.contains("unknown action \"fly\""), "{text}");
        // One problem: just it, named by its file without the directory.
        let one = Diagnostic { file: "/home/anna/.config/crm/keymap.toml".into(), ..diags[0].clone() };
        show_diagnostics(&mut app, &[one]);
        let (text, _) = app.message.clone().expect("a message");
        assert!(text.starts_with("keymap.toml:1:") && text.contains("unknown action \"fly\""), "{text}");
    }
}
