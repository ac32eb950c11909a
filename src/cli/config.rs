//! `crm keys` (the bindings in force or of a preset) and `crm config check|path|show|edit`.
//! These read the config files themselves: they work without a database, and open one only
//! when it already exists (to check the stage list against the deals in it).

use super::args::{Cli, ConfigCmd};
use super::output::{Format, Out};
use super::{exit, Exit};
use crate::api::Client;
use crate::domain::{Pipeline, Stage};
use crate::services::config::{self, Config, Diagnostic};
use crate::services::ServiceError;
use crate::tui::action::Action;
use crate::tui::keymap::{self, Keymap, Mode};
use anyhow::Result;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The config file, what it says, and what is wrong with it.
struct Files {
    path: Option<PathBuf>,
    config: Config,
    diagnostics: Vec<Diagnostic>,
}

impl Files {
    fn load(cli: &Cli) -> Files {
        let path = config::config_path(cli.config.as_deref());
        let (config, diagnostics) = match &path {
            Some(p) => Config::load(p),
            None => (Config::default(), Vec::new()),
        };
        Files { path, config, diagnostics }
    }

    fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// The keymap and theme in force and the problems of keymap.toml and theme.toml.
    fn tui(&self) -> (Keymap, crate::tui::theme::Theme, Vec<Diagnostic>) {
        crate::tui::load_config_files(&self.config, self.dir())
    }

    /// The database, when one exists already (never creates one): through the crm that
    /// holds it, if one does.
    fn existing_db(&self, cli: &Cli) -> Option<Result<Client>> {
        let db = cli.db.clone().or_else(|| self.config.db.clone()).or_else(config::default_db_dir)?;
        db.exists().then(|| super::connect(cli))
    }
}

/// `crm keys`.
pub fn keys(cli: &Cli, actions: bool, markdown: bool, preset: Option<&str>, out: &Out) -> Result<()> {
    if markdown {
        return out_text(&keymap::markdown());
    }
    if actions {
        let rows: Vec<Vec<String>> =
            Action::ALL.iter().map(|a| vec![a.name().to_string(), a.description().to_string()]).collect();
        return out.rows(&["action", "description"], &rows);
    }
    let (km, title) = match preset {
        Some(name) => match Keymap::preset(name) {
            Some(km) => (km, format!("Keys of the `{name}` preset (`keymaps/{name}.toml`)")),
            None => {
                let names: Vec<&str> = keymap::PRESETS.iter().map(|(n, _)| *n).collect();
                return Err(ServiceError::Invalid(format!(
                    "unknown keymap preset \"{name}\"; presets are {}",
                    names.join(", ")
                ))
                .into());
            }
        },
        None => {
            let files = Files::load(cli);
            let (km, _, diags) = files.tui();
            warn(files.diagnostics.iter().chain(&diags));
            let title = format!("Keys in force: the `{}` preset with your keymap.toml", km.preset);
            (km, title)
        }
    };
    if out.format == Format::Md {
        return out_text(&format!("# {title}\n{}", keymap::markdown_tables(&km, "##")));
    }
    let mut rows = Vec::new();
    for mode in Mode::ALL {
        for b in km.bindings(mode) {
            rows.push(vec![mode.name().to_string(), b.keys.to_string(), b.action.name().to_string(), b.desc.clone()]);
        }
    }
    out.rows(&["mode", "keys", "action", "description"], &rows)
}

fn out_text(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Problems found while doing something else: on stderr, so they never mix with output.
fn warn<'a>(diags: impl Iterator<Item = &'a Diagnostic>) {
    for d in diags {
        eprintln!("crm: warning: {d}");
    }
}

pub fn run(cli: &Cli, cmd: &ConfigCmd, out: &Out) -> Result<()> {
    match cmd {
        ConfigCmd::Check => check(cli, out),
        ConfigCmd::Path => path(cli, out),
        ConfigCmd::Show => show(cli, out),
        ConfigCmd::Edit => edit(cli, out),
    }
}

/// Every diagnostic of config.toml (with the stage list checked against the deals when a
/// database exists), keymap.toml and theme.toml.
fn diagnostics(cli: &Cli) -> (Files, Vec<Diagnostic>, Option<String>) {
    let files = Files::load(cli);
    let mut diags = files.diagnostics.clone();
    let mut note = None;
    match files.existing_db(cli) {
        // Opening checks the stages against the deals; its diagnostics include the file's.
        Some(Ok(crm)) => diags = crm.config_diagnostics().to_vec(),
        Some(Err(e)) => note = Some(format!("the stage list was not checked against the deals: {e:#}")),
        None => {}
    }
    diags.extend(files.tui().2);
    (files, diags, note)
}

fn check(cli: &Cli, out: &Out) -> Result<()> {
    let (files, diags, note) = diagnostics(cli);
    let rows: Vec<Vec<String>> = diags
        .iter()
        .map(|d| vec![d.file.clone(), d.line.to_string(), d.column.to_string(), d.message.clone()])
        .collect();
    if out.format == Format::Table {
        for d in &diags {
            super::output::print(&format!("{d}\n"))?;
        }
        if let Some(n) = &note {
            eprintln!("crm: {n}");
        }
        if diags.is_empty() {
            let dir = files.dir().map(|d| d.display().to_string()).unwrap_or_else(|| "(no config directory)".into());
            super::output::print(&format!("No problems in config.toml, keymap.toml or theme.toml ({dir}).\n"))?;
        }
    } else {
        out.rows(&["file", "line", "column", "message"], &rows)?;
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Exit(exit::INVALID).into())
    }
}

fn path(cli: &Cli, out: &Out) -> Result<()> {
    let files = Files::load(cli);
    let Some(p) = &files.path else {
        return Err(ServiceError::Invalid("no home directory to keep a config in; pass --config PATH".into()).into());
    };
    if out.quiet {
        super::output::print(&format!("{}\n", p.display()))?;
        return Ok(());
    }
    let dir = files.dir().map(Path::to_path_buf).unwrap_or_default();
    let mut rows = Vec::new();
    for (name, path, what) in [
        ("config.toml", p.clone(), "settings (docs/configuration.md)"),
        ("keymap.toml", dir.join("keymap.toml"), "your key bindings over the preset"),
        ("theme.toml", dir.join("theme.toml"), "your styles over the theme"),
        ("views.toml", dir.join("views.toml"), "saved views (crm view)"),
    ] {
        let state = if path.exists() { "exists" } else { "missing" };
        rows.push(vec![name.to_string(), path.display().to_string(), state.to_string(), what.to_string()]);
    }
    out.rows(&["file", "path", "state", "what"], &rows)
}

/// The settings in force, defaults filled in.
#[derive(Serialize)]
struct Shown {
    user: String,
    db: String,
    engine: String,
    currency: String,
    day_first: bool,
    date_format: String,
    week_start: String,
    morning: String,
    afternoon: String,
    evening: String,
    keymap: String,
    theme: String,
    urgency: crate::domain::urgency::Weights,
    stages: Vec<Stage>,
}

fn show(cli: &Cli, out: &Out) -> Result<()> {
    let files = Files::load(cli);
    warn(files.diagnostics.iter());
    let c = &files.config;
    let opts = c.date_options();
    let crm = match files.existing_db(cli) {
        Some(Ok(crm)) => Some(crm),
        _ => None,
    };
    let db = cli.db.clone().or_else(|| c.db.clone()).or_else(config::default_db_dir);
    let shown = Shown {
        user: crm
            .as_ref()
            .map(|x| x.user().to_string())
            .or_else(|| cli.user.clone())
            .or_else(|| c.user.clone())
            .unwrap_or_else(crate::services::login_from_env),
        db: db.map(|d| d.display().to_string()).unwrap_or_default(),
        engine: crm
            .as_ref()
            .and_then(|x| x.db_info().ok())
            .map(|i| i.engine)
            .or_else(|| c.engine.clone())
            .unwrap_or_else(|| crate::store::EngineKind::DEFAULT.to_string()),
        currency: c.currency.unwrap_or(crate::domain::Currency::EUR).to_string(),
        day_first: opts.day_first,
        date_format: c.date_format.clone().unwrap_or_else(|| "%Y-%m-%d".into()),
        week_start: weekday_name(opts.week_start).to_string(),
        morning: opts.morning.format("%H:%M").to_string(),
        afternoon: opts.afternoon.format("%H:%M").to_string(),
        evening: opts.evening.format("%H:%M").to_string(),
        keymap: c.keymap.clone().unwrap_or_else(|| "default".into()),
        theme: crate::tui::theme_name(c).to_string(),
        urgency: c.urgency.unwrap_or_default(),
        stages: crm
            .as_ref()
            .and_then(|x| x.pipeline().ok())
            .or_else(|| c.stages.clone())
            .unwrap_or_else(Pipeline::default)
            .stages,
    };
    match out.format {
        Format::Json | Format::Csv => out_text(&(serde_json::to_string_pretty(&shown)? + "\n")),
        _ => {
            let head = format!(
                "# The settings in force (config: {}); defaults filled in.\n",
                files.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "none".into())
            );
            out_text(&(head + &toml::to_string(&shown)?))
        }
    }
}

fn weekday_name(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match d {
        Mon => "monday",
        Tue => "tuesday",
        Wed => "wednesday",
        Thu => "thursday",
        Fri => "friday",
        Sat => "saturday",
        Sun => "sunday",
    }
}

/// A new config.toml: every setting, commented out, at its default.
const TEMPLATE: &str = r#"# crm configuration. Every setting is optional; see docs/configuration.md.
# `crm config check` reports any problem with file, line and column.

# user = "anna"              # your login (default: $USER)
# name = "Anna Koch"         # your name, when crm creates your user
# db = "~/.local/share/crm/db"
# engine = "redb"            # for new databases: redb or sled
# currency = "EUR"           # of amounts typed without one
# day_first = true           # 03/04 is 3 April (false: 4 March)
# date_format = "%Y-%m-%d"   # how dates are shown (strftime)
# week_start = "monday"      # "next week" starts on this day
# morning = "09:00"          # "tomorrow morning", snooze to tomorrow
# afternoon = "14:00"
# evening = "18:00"
# keymap = "default"         # default, vim or emacs
# theme = "default"          # default, light, high-contrast or mono

# The pipeline, in order. Deals keep their stage key: a list that leaves out a stage deals
# are in is not used (crm config check says which).
# [[stages]]
# name = "Lead"
# probability = 10
# stale_days = 14
# [[stages]]
# name = "Won"
# kind = "won"
# [[stages]]
# name = "Lost"
# kind = "lost"
"#;

fn edit(cli: &Cli, out: &Out) -> Result<()> {
    let files = Files::load(cli);
    let Some(path) = files.path.clone() else {
        return Err(ServiceError::Invalid("no home directory to keep a config in; pass --config PATH".into()).into());
    };
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, TEMPLATE)?;
    }
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".into());
    // The editor command may carry arguments ("code --wait").
    let mut parts = editor.split_whitespace();
    let Some(program) = parts.next() else {
        return Err(ServiceError::Invalid("$EDITOR is empty".into()).into());
    };
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status()
        .map_err(|e| ServiceError::Invalid(format!("cannot run {editor}: {e}")))?;
    if !status.success() {
        return Err(ServiceError::Invalid(format!("{editor} exited with {status}")).into());
    }
    check(cli, out)
}
