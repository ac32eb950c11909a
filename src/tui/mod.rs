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

/// Opens the TUI on `crm` until the user quits.
pub fn run(crm: Crm) -> anyhow::Result<()> {
    let keymap = Keymap::default_keymap();
    let mut theme = Theme::default_theme();
    if no_color() {
        theme = theme.without_colour();
    }
    let app = App::new(crm.user().to_string(), crm.store().dir().display().to_string(), keymap, theme);
    runtime::run(crm, app)
}
