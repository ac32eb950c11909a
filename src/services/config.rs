//! User configuration (`~/.config/crm/config.toml`, or `--config` / `CRM_CONFIG`) and the
//! places where crm keeps its data.
//!
//! Loading never fails on content: every setting is read on its own, and a setting that cannot
//! be read is reported as a [`Diagnostic`] (file, line, column) and left at its default, so a
//! typo in one line never keeps crm from starting. `crm config check` prints the diagnostics.

use crate::domain::urgency::Weights;
use crate::domain::{Currency, Pipeline, Stage, StageKind};
use chrono::{NaiveTime, Weekday};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

/// A problem in a config, keymap or theme file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at byte `offset` of `text`.
    pub fn at(text: &str, file: &str, offset: usize, message: impl Into<String>) -> Diagnostic {
        let before = &text[..floor_char_boundary(text, offset)];
        Diagnostic {
            file: file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message: message.into(),
        }
    }

    /// A TOML error where TOML says it is (the start of the file when it does not say).
    pub fn toml(text: &str, file: &str, e: &toml::de::Error, fallback: usize) -> Diagnostic {
        let offset = e.span().map(|s| s.start).unwrap_or(fallback);
        Diagnostic::at(text, file, offset, e.message().trim_end().to_string())
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut i = offset.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
    }
}

/// Where a setting was written, to point at it in a diagnostic found later (stages that
/// would orphan deals are only known once the database is open).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Place {
    pub fn diagnostic(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic { file: self.file.clone(), line: self.line, column: self.column, message: message.into() }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Login of the current user; defaults to `$USER`.
    pub user: Option<String>,
    /// Display name used when the user is created on first run.
    pub name: Option<String>,
    /// Storage engine for new databases: "redb" or "sled".
    pub engine: Option<String>,
    /// Currency of amounts typed without one.
    pub currency: Option<Currency>,
    /// "31/12" style dates: true (default) reads day first, false reads month first.
    pub day_first: Option<bool>,
    /// Where the database lives (overridden by `--db` / `CRM_DB`).
    pub db: Option<PathBuf>,
    /// Weights of the agenda's urgency score (docs/reminders.md); unset ones keep their default.
    pub urgency: Option<Weights>,
    /// An open deal with no activity for this many days is stale (default 30).
    pub quiet_deal_days: Option<u32>,
    /// Keymap preset of the TUI: default, vim or emacs.
    pub keymap: Option<String>,
    /// Theme of the TUI: default, light, high-contrast or mono.
    pub theme: Option<String>,
    /// How dates are shown (strftime, e.g. "%d.%m.%Y"); default ISO "%Y-%m-%d".
    pub date_format: Option<String>,
    /// The first day of the week ("next week" is the coming one); default Monday.
    pub week_start: Option<Weekday>,
    /// What "morning", "afternoon" and "evening" mean ("tomorrow morning", snoozes).
    pub morning: Option<NaiveTime>,
    pub afternoon: Option<NaiveTime>,
    pub evening: Option<NaiveTime>,
    /// The pipeline's stages, in order (`[[stages]]`); None keeps the database's own.
    pub stages: Option<Pipeline>,
    /// Where `[[stages]]` starts, for diagnostics found once the database is open.
    pub stages_place: Option<Place>,
    /// Sales targets by rep login (`[targets.<login>]`; see docs/reports.md).
    pub targets: Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>>,
    /// A team server to work against (`crm serve`), overridden by `--server` / `CRM_SERVER`.
    pub server: Option<String>,
    /// The personal token for `server`, overridden by `--token` / `CRM_TOKEN`.
    pub token: Option<String>,
    /// A PEM certificate to trust for `server` (a private CA or the server's self-signed
    /// certificate), overridden by `CRM_CA_CERT`.
    pub ca_cert: Option<PathBuf>,
}

/// The settings config.toml knows, for the "unknown setting" message.
const SETTINGS: &[&str] = &[
    "user",
    "name",
    "engine",
    "db",
    "currency",
    "day_first",
    "date_format",
    "week_start",
    "morning",
    "afternoon",
    "evening",
    "keymap",
    "theme",
    "stages",
    "urgency",
    "quiet_deal_days",
    "targets",
    "server",
    "token",
    "ca_cert",
];

pub const KEYMAP_PRESETS: &[&str] = &["default", "vim", "emacs"];
pub const THEME_PRESETS: &[&str] = &["default", "light", "high-contrast", "mono"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    key: Option<Spanned<String>>,
    name: Spanned<String>,
    #[serde(default)]
    probability: Option<Spanned<i64>>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    stale_days: Option<Spanned<i64>>,
}

impl Config {
    /// Reads a config file; a missing file is an empty config.
    pub fn load(path: &Path) -> (Config, Vec<Diagnostic>) {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), vec![]),
            Err(e) => (
                Config::default(),
                vec![Diagnostic::at("", &path.display().to_string(), 0, format!("cannot read the file: {e}"))],
            ),
        }
    }

    /// Reads every setting it can; the others come back as diagnostics and stay unset.
    pub fn parse(text: &str, file: &str) -> (Config, Vec<Diagnostic>) {
        let mut cfg = Config::default();
        let mut diags = Vec::new();
        let table = match DeTable::parse(text) {
            Ok(t) => t,
            Err(e) => return (cfg, vec![Diagnostic::toml(text, file, &e, 0)]),
        };
        let at = |offset: usize, msg: String| Diagnostic::at(text, file, offset, msg);
        for (key, value) in table.get_ref().iter() {
            let start = value.span().start;
            // Reads the value as T, or says why not.
            macro_rules! read {
                ($t:ty) => {
                    match <$t>::deserialize(ValueDeserializer::from(value.clone())) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            diags.push(Diagnostic::toml(text, file, &e, start));
                            None
                        }
                    }
                };
            }
            match key.get_ref().as_ref() {
                "user" => cfg.user = read!(String),
                "name" => cfg.name = read!(String),
                "engine" => {
                    cfg.engine = read!(String).and_then(|e| match e.as_str() {
                        "redb" | "sled" => Some(e),
                        _ => {
                            diags.push(at(start, format!("engine \"{e}\" is not redb or sled")));
                            None
                        }
                    })
                }
                "db" => cfg.db = read!(PathBuf),
                "server" => cfg.server = read!(String),
                "token" => cfg.token = read!(String),
                "ca_cert" => cfg.ca_cert = read!(PathBuf),
                "day_first" => cfg.day_first = read!(bool),
                "currency" => {
                    cfg.currency = read!(String).and_then(|c| match Currency::parse(&c) {
                        Ok(c) => Some(c),
                        Err(m) => {
                            diags.push(at(start, m));
                            None
                        }
                    })
                }
                "date_format" => {
                    cfg.date_format = read!(String).and_then(|f| match check_date_format(&f) {
                        Ok(()) => Some(f),
                        Err(m) => {
                            diags.push(at(start, m));
                            None
                        }
                    })
                }
                "week_start" => {
                    cfg.week_start = read!(String).and_then(|d| match d.trim().parse::<Weekday>() {
                        Ok(w) => Some(w),
                        Err(_) => {
                            diags.push(at(start, format!("\"{d}\" is not a day of the week (monday … sunday)")));
                            None
                        }
                    })
                }
                k @ ("morning" | "afternoon" | "evening") => {
                    let t = read!(String).and_then(|t| match NaiveTime::parse_from_str(t.trim(), "%H:%M") {
                        Ok(v) => Some(v),
                        Err(_) => {
                            diags.push(at(start, format!("{k} = \"{t}\" is not a time of day like \"08:30\"")));
                            None
                        }
                    });
                    match k {
                        "morning" => cfg.morning = t,
                        "afternoon" => cfg.afternoon = t,
                        _ => cfg.evening = t,
                    }
                }
                k @ ("keymap" | "theme") => {
                    let presets = if k == "keymap" { KEYMAP_PRESETS } else { THEME_PRESETS };
                    let v = read!(String).and_then(|v| {
                        if presets.contains(&v.as_str()) {
                            Some(v)
                        } else {
                            diags.push(at(start, format!("unknown {k} \"{v}\"; choose {}", presets.join(", "))));
                            None
                        }
                    });
                    if k == "keymap" {
                        cfg.keymap = v;
                    } else {
                        cfg.theme = v;
                    }
                }
                "urgency" => cfg.urgency = read!(Weights),
                "quiet_deal_days" => {
                    cfg.quiet_deal_days = read!(u32).and_then(|n| match n {
                        0 => {
                            diags.push(at(start, "quiet_deal_days must be at least 1".into()));
                            None
                        }
                        n => Some(n),
                    })
                }
                "targets" => {
                    cfg.targets = read!(std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>)
                }
                "stages" => {
                    let (l, c) = {
                        let d = at(key.span().start, String::new());
                        (d.line, d.column)
                    };
                    cfg.stages_place = Some(Place { file: file.to_string(), line: l, column: c });
                    cfg.stages = stages(text, file, value, &mut diags);
                }
                other => diags.push(at(
                    key.span().start,
                    format!("unknown setting \"{other}\"; settings are {}", SETTINGS.join(", ")),
                )),
            }
        }
        // In the order of the file (the table comes back sorted by key).
        diags.sort_by_key(|d| (d.line, d.column));
        (cfg, diags)
    }

    /// The date parser's options: config over the defaults.
    pub fn date_options(&self) -> crate::domain::dates::DateOptions {
        let d = crate::domain::dates::DateOptions::default();
        crate::domain::dates::DateOptions {
            morning: self.morning.unwrap_or(d.morning),
            afternoon: self.afternoon.unwrap_or(d.afternoon),
            evening: self.evening.unwrap_or(d.evening),
            day_first: self.day_first.unwrap_or(d.day_first),
            week_start: self.week_start.unwrap_or(d.week_start),
        }
    }
}

/// A strftime pattern for dates: only known specifiers, and it must show the day.
pub fn check_date_format(f: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
        return Err(format!("date_format \"{f}\" has an unknown % specifier (see strftime: %Y %m %d %b %a …)"));
    }
    if !["%d", "%e", "%F", "%x", "%D", "%j"].iter().any(|s| f.contains(s)) {
        return Err(format!("date_format \"{f}\" does not show the day of the month (%d or %e)"));
    }
    Ok(())
}

/// `[[stages]]`: each with a name, optional key (the name in lower case), probability (0–100),
/// kind (open, won, lost) and stale_days. A bad list is reported whole and not used.
fn stages(text: &str, file: &str, value: &Spanned<DeValue<'_>>, diags: &mut Vec<Diagnostic>) -> Option<Pipeline> {
    let at = |offset: usize, msg: String| Diagnostic::at(text, file, offset, msg);
    let Some(items) = value.get_ref().as_array() else {
        diags.push(at(value.span().start, "stages must be a list: [[stages]] tables or [{ name = … }, …]".into()));
        return None;
    };
    let before = diags.len();
    let mut out = Vec::new();
    for item in items.iter() {
        let raw = match RawStage::deserialize(ValueDeserializer::from(item.clone())) {
            Ok(r) => r,
            Err(e) => {
                diags.push(Diagnostic::toml(text, file, &e, item.span().start));
                continue;
            }
        };
        let name = raw.name.get_ref().trim().to_string();
        let key = match &raw.key {
            Some(k) => k.get_ref().trim().to_string(),
            None => name.to_lowercase().replace(char::is_whitespace, "_"),
        };
        let place = raw.key.as_ref().map_or(raw.name.span().start, |k| k.span().start);
        if key.is_empty() || key.contains(char::is_whitespace) {
            diags.push(at(place, format!("stage \"{name}\" needs a key without spaces")));
            continue;
        }
        let kind = match raw.kind.as_ref().map(|k| k.get_ref().as_str()) {
            None | Some("open") => StageKind::Open,
            Some("won") => StageKind::Won,
            Some("lost") => StageKind::Lost,
            Some(other) => {
                let s = raw.kind.as_ref().map_or(place, |k| k.span().start);
                diags.push(at(s, format!("stage kind \"{other}\" is not open, won or lost")));
                continue;
            }
        };
        let default_p = match kind {
            StageKind::Won => 100,
            _ => 0,
        };
        let probability = match &raw.probability {
            None => default_p,
            Some(p) if (0..=100).contains(p.get_ref()) => *p.get_ref() as u8,
            Some(p) => {
                diags.push(at(p.span().start, format!("probability {} is not between 0 and 100", p.get_ref())));
                continue;
            }
        };
        let stale_days = match &raw.stale_days {
            None => None,
            Some(d) if (1..=3650).contains(d.get_ref()) => Some(*d.get_ref() as u32),
            Some(d) => {
                diags.push(at(d.span().start, format!("stale_days {} is not between 1 and 3650", d.get_ref())));
                continue;
            }
        };
        if out.iter().any(|s: &Stage| s.key == key) {
            diags.push(at(place, format!("stage key \"{key}\" is used twice")));
            continue;
        }
        out.push(Stage { key, name, probability, kind, stale_days });
    }
    if diags.len() > before {
        return None;
    }
    let p = Pipeline { stages: out };
    if let Err(m) = p.validate() {
        diags.push(at(value.span().start, m));
        return None;
    }
    Some(p)
}

/// Default config file: `~/.config/crm/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "crm").map(|d| d.config_dir().join("config.toml"))
}

/// The config file in force: `--config`, else `CRM_CONFIG` (clap reads both), else the default.
pub fn config_path(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(default_config_path)
}

/// Default database directory: `~/.local/share/crm/db` on Linux.
pub fn default_db_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "crm").map(|d| d.data_dir().join("db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<String>) {
        let (c, d) = Config::parse(text, "c.toml");
        (c, d.iter().map(|x| x.to_string()).collect())
    }

    #[test]
    fn urgency_weights_can_be_changed_one_by_one() {
        let (c, d) = parse("[urgency]\noverdue_per_day = 5.0\n");
        assert_eq!(d, Vec::<String>::new());
        let w = c.urgency.unwrap();
        assert_eq!(w.overdue_per_day, 5.0);
        assert_eq!(w.due_today, Weights::default().due_today);
        let (c, d) = parse("[urgency]\noverdue_per_dya = 5.0\n");
        assert!(c.urgency.is_none());
        assert!(d[0].starts_with("c.toml:2:1:") && d[0].contains("overdue_per_dya"), "{d:?}");
    }

    #[test]
    fn a_bad_setting_is_reported_where_it_is_and_the_others_still_apply() {
        let (c, d) = parse("user = \"anna\"\ncolour = 3\nengine = \"sled\"\ncurrency = \"EURO\"\nkeymap = \"vi\"\n");
        assert_eq!(c.user.as_deref(), Some("anna"));
        assert_eq!(c.engine.as_deref(), Some("sled"));
        assert_eq!(c.currency, None);
        assert_eq!(c.keymap, None);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].starts_with("c.toml:2:1: unknown setting \"colour\""), "{d:?}");
        assert!(d[1].starts_with("c.toml:4:12:"), "{d:?}");
        assert!(d[2].starts_with("c.toml:5:10: unknown keymap \"vi\"; choose default, vim, emacs"), "{d:?}");
        let (_, d) = parse("user = 3\n");
        assert!(d[0].starts_with("c.toml:1:8:"), "{d:?}");
        let (_, d) = parse("user = \"anna\n");
        assert!(d[0].starts_with("c.toml:1:"), "{d:?}");
    }

    #[test]
    fn dates_settings_flow_into_the_parser_options() {
        let (c, d) =
            parse("morning = \"07:30\"\nweek_start = \"sunday\"\ndate_format = \"%d.%m.%Y\"\nday_first = false\n");
        assert_eq!(d, Vec::<String>::new());
        let o = c.date_options();
        assert_eq!(o.morning, NaiveTime::from_hms_opt(7, 30, 0).unwrap());
        assert_eq!(o.week_start, Weekday::Sun);
        assert!(!o.day_first);
        assert_eq!(c.date_format.as_deref(), Some("%d.%m.%Y"));
        let (_, d) = parse("morning = \"7am\"\nweek_start = \"someday\"\ndate_format = \"%Q\"\n");
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0].contains("not a time of day"), "{d:?}");
        assert!(d[1].contains("not a day of the week"), "{d:?}");
        assert!(d[2].contains("unknown % specifier"), "{d:?}");
        assert!(check_date_format("%Y-%m").unwrap_err().contains("day of the month"));
    }

    #[test]
    fn stages_read_with_defaults_and_bad_lists_are_refused_whole() {
        let text = "[[stages]]\nname = \"New\"\nprobability = 5\nstale_days = 7\n\n[[stages]]\nname = \"Demo done\"\nprobability = 60\n\n[[stages]]\nname = \"Won\"\nkind = \"won\"\n\n[[stages]]\nname = \"Lost\"\nkind = \"lost\"\n";
        let (c, d) = parse(text);
        assert_eq!(d, Vec::<String>::new());
        let p = c.stages.unwrap();
        let got: Vec<(&str, u8, Option<u32>)> =
            p.stages.iter().map(|s| (s.key.as_str(), s.probability, s.stale_days)).collect();
        assert_eq!(got, [("new", 5, Some(7)), ("demo_done", 60, None), ("won", 100, None), ("lost", 0, None)]);
        assert_eq!(c.stages_place.unwrap().line, 1);
        let (c, d) = parse("[[stages]]\nname = \"A\"\nprobability = 150\n[[stages]]\nname = \"B\"\nkind = \"maybe\"\n");
        assert!(c.stages.is_none());
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("c.toml:3:15: probability 150"), "{d:?}");
        assert!(d[1].starts_with("c.toml:6:8: stage kind \"maybe\""), "{d:?}");
        let (c, d) = parse("[[stages]]\nname = \"Won\"\nkind = \"won\"\n");
        assert!(c.stages.is_none());
        assert!(d[0].contains("at least one open stage"), "{d:?}");
        let (_, d) = parse("[[stages]]\nname = \"A\"\nfoo = 1\n");
        assert!(d[0].starts_with("c.toml:3:1:") && d[0].contains("foo"), "{d:?}");
        let (_, d) = parse("stages = 3\n");
        assert!(d[0].contains("stages must be a list"), "{d:?}");
    }
}
