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

use crate::services::Crm;
use app::App;
use keymap::Keymap;
use theme::Theme;

/// Whether colours should be left out (`NO_COLOR` set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The default keymap and theme with the user's `keymap.toml` and `theme.toml` (in the config
/// directory) laid over them; problems in those files come back as diagnostics, never errors.
pub fn load_config_files(config_dir: Option<&std::path::Path>) -> (Keymap, Theme, Vec<String>) {
    let mut keymap = Keymap::default_keymap();
    let mut theme = Theme::default_theme();
    let mut diagnostics = Vec::new();
    if let Some(dir) = config_dir {
        let path = dir.join("keymap.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let (user, d) = Keymap::parse(&text, &path.display().to_string());
            diagnostics.extend(d.iter().map(|x| x.to_string()));
            keymap.merge(user);
        }
        let path = dir.join("theme.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let (user, d) = Theme::parse(&text, &path.display().to_string());
            diagnostics.extend(d.iter().map(|x| x.to_string()));
            theme.merge(user);
        }
    }
    if no_color() {
        theme = theme.without_colour();
    }
    (keymap, theme, diagnostics)
}

/// Opens the TUI on `crm` until the user quits.
pub fn run(crm: Crm, config_dir: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let (keymap, theme, diagnostics) = load_config_files(config_dir.as_deref());
    let mut app = App::new(crm.user().to_string(), crm.store().dir().display().to_string(), keymap, theme);
    if let Some(first) = diagnostics.first() {
        // Shown once in the status line; the broken bindings or styles fall back to the defaults.
        let more = if diagnostics.len() > 1 {
            format!(" (and {} more; see `crm keys`)", diagnostics.len() - 1)
        } else {
            String::new()
        };
        app.error(format!("{first}{more}"));
    }
    runtime::run(crm, app)
}
