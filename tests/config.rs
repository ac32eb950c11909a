//! The configuration through the real binary: `crm config check|path|show`, `crm keys` with
//! presets and user keymaps, broken files that warn instead of failing, and settings (stages,
//! currency, date format, "morning", first day of the week) that reach what commands do.

mod common;

use common::*;

fn write(db: &Db, name: &str, text: &str) {
    std::fs::write(db.dir.path().join(name), text).expect("write config file");
}

/// The config file of `db` (common.rs points CRM_CONFIG at it).
fn config(db: &Db, text: &str) {
    std::fs::write(db.path().with_extension("config.toml"), text).expect("write config.toml");
}

#[test]
fn config_check_reports_every_problem_with_file_line_and_column_and_exits_4() {
    let db = Db::new("redb");
    assert!(db.ok(&["config", "check"]).contains("No problems"));
    config(
        &db,
        "keymap = \"vim\"\ncolour = \"blue\"\nmorning = \"7am\"\n[[stages]]\nname = \"Lead\"\nprobability = 120\n",
    );
    write(
        &db,
        "keymap.toml",
        "global = [\n  { keys = \"q\", action = \"quit\" },\n  { keys = \"q\", action = \"help\" },\n  { keys = \"x\", action = \"fly\" },\n  { keys = \"hyper-x\", action = \"quit\" },\n]\nlist = [\n  { keys = \"z\", action = \"top\" },\n  { keys = \"z z\", action = \"bottom\" },\n]\n",
    );
    write(&db, "theme.toml", "[styles]\n\"txet\" = { fg = \"red\" }\n\"error\" = { fg = \"rouge\" }\n");
    let out = db.run(&["config", "check"]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let has = |file: &str, at: &str, what: &str| {
        assert!(
            lines.iter().any(|l| l.contains(file) && l.contains(&format!("{file}:{at}: ")) && l.contains(what)),
            "no {file}:{at} {what} in:\n{text}"
        )
    };
    has("config.toml", "2:1", "unknown setting \"colour\"");
    has("config.toml", "3:11", "not a time of day");
    has("config.toml", "6:15", "probability 120");
    has("keymap.toml", "3:12", "q is bound twice in [global]");
    has("keymap.toml", "4:26", "unknown action \"fly\"");
    has("keymap.toml", "5:12", "unknown key \"hyper-x\"");
    has("keymap.toml", "9:12", "\"z\" is the start of \"z z\"");
    has("theme.toml", "2:1", "unknown style key \"txet\"");
    has("theme.toml", "3:18", "\"rouge\" is not a colour");
    assert_eq!(lines.len(), 9, "{text}");

    // Other commands still run, with the broken settings at their defaults, and say why.
    let out = db.run(&["contact", "list"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning:") && stderr.contains("unknown setting \"colour\""), "{stderr}");
    assert!(out.stdout.iter().all(|b| *b != b'!'), "warnings stay off stdout");

    // As JSON: one object per diagnostic.
    let out = db.run(&["config", "check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(9));
}

#[test]
fn keys_prints_the_bindings_in_force_and_any_preset() {
    let db = Db::new("redb");
    let default = db.ok(&["keys"]);
    assert!(default.lines().any(|l| l.contains("contacts") && l.contains(" a ") && l.contains("add")), "{default}");
    config(&db, "keymap = \"vim\"\n");
    write(&db, "keymap.toml", "list = [{ keys = \"ctrl-j\", action = \"down\", desc = \"Mine\" }]\n");
    let vim = db.ok(&["keys"]);
    assert!(vim.lines().any(|l| l.contains("list") && l.contains("g g") && l.contains("top")), "{vim}");
    assert!(vim.lines().any(|l| l.contains("ctrl-j") && l.contains("Mine")), "{vim}");
    // A preset on its own, as Markdown: the user's keymap.toml is not in it.
    let md = db.ok(&["keys", "--preset", "emacs", "--format", "md"]);
    assert!(md.starts_with("# Keys of the `emacs` preset"), "{md}");
    assert!(md.contains("| `ctrl-x ctrl-c` | `quit` |"), "{md}");
    assert!(md.contains("| `alt-x` | `command_palette` |"), "{md}");
    assert!(!md.contains("Mine"));
    let e = db.fails(&["keys", "--preset", "vi"], 4);
    assert!(e.contains("unknown keymap preset \"vi\"; presets are default, vim, emacs"), "{e}");
}

#[test]
fn docs_keymaps_md_is_generated_from_the_presets() {
    let db = Db::new("redb");
    let generated = db.ok(&["keys", "--markdown"]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/keymaps.md")).expect("docs/keymaps.md");
    assert!(
        generated == committed,
        "docs/keymaps.md is out of date: run `cargo run -- keys --markdown > docs/keymaps.md`"
    );
    for preset in ["default", "vim", "emacs"] {
        assert!(generated.contains(&format!("## Preset `{preset}`")), "{preset} missing");
    }
}

#[test]
fn config_path_and_show() {
    let db = Db::new("redb");
    config(&db, "currency = \"USD\"\nmorning = \"07:30\"\ntheme = \"light\"\n");
    write(&db, "keymap.toml", "");
    let paths = db.ok(&["config", "path"]);
    assert!(paths.lines().any(|l| l.contains("config.toml") && l.contains("exists")), "{paths}");
    assert!(paths.lines().any(|l| l.contains("keymap.toml") && l.contains("exists")), "{paths}");
    assert!(paths.lines().any(|l| l.contains("theme.toml") && l.contains("missing")), "{paths}");
    assert_eq!(db.ok(&["config", "path", "-q"]).trim(), db.path().with_extension("config.toml").display().to_string());
    let shown = db.json(&["config", "show"]);
    assert_eq!(shown["currency"], "USD");
    assert_eq!(shown["morning"], "07:30");
    assert_eq!(shown["evening"], "18:00");
    assert_eq!(shown["keymap"], "default");
    assert_eq!(shown["week_start"], "monday");
    assert_eq!(shown["stages"].as_array().map(Vec::len), Some(6));
    let toml = db.ok(&["config", "show"]);
    assert!(toml.contains("currency = \"USD\""), "{toml}");
}

#[test]
fn morning_week_start_and_date_format_reach_dates_typed_and_shown() {
    let db = Db::new("redb");
    config(&db, "morning = \"07:30\"\nweek_start = \"sunday\"\ndate_format = \"%d.%m.%Y\"\n");
    // Friday 2026-11-27 09:00 UTC: tomorrow morning is Saturday 07:30; next week starts Sunday.
    db.ok(&["task", "add", "Early call", "--due", "tomorrow morning"]);
    db.ok(&["task", "add", "Plan the week", "--due", "next week"]);
    let list = db.ok(&["task", "list"]);
    assert!(list.contains("28.11.2026 07:30"), "{list}");
    assert!(list.contains("29.11.2026"), "{list}");
    // JSON stays ISO, for scripts.
    let json = db.json(&["task", "list"]);
    let text = json.to_string();
    assert!(text.contains("2026-11-28T07:30:00Z") || text.contains("2026-11-28 07:30"), "{text}");
}

#[test]
fn stages_from_the_config_are_written_to_the_database_unless_they_orphan_deals() {
    let db = Db::new("redb");
    let stages = "[[stages]]\nname = \"New\"\nprobability = 5\n[[stages]]\nname = \"Demo\"\nprobability = 40\nstale_days = 10\n[[stages]]\nname = \"Won\"\nkind = \"won\"\n[[stages]]\nname = \"Lost\"\nkind = \"lost\"\n";
    config(&db, stages);
    db.ok(&["deal", "add", "Big one", "--value", "1000", "--stage", "demo"]);
    let deals = db.json(&["deal", "list"]);
    assert_eq!(deals[0]["stage"], "demo", "{deals}");
    // The stored pipeline now has them: without the config, deals still move among them.
    config(&db, "");
    db.ok(&["deal", "move", "d1", "won"]);
    assert!(db.fails(&["deal", "move", "d1", "qualified"], 4).contains("unknown stage"));
    // A list that leaves out "won", where d1 is, is not used: a warning, and nothing changes.
    config(&db, "[[stages]]\nname = \"New\"\n[[stages]]\nname = \"Lost\"\nkind = \"lost\"\n");
    let out = db.run(&["deal", "list"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.toml:1:3: stages not used") && stderr.contains("1 deal in \"won\""), "{stderr}");
    assert_eq!(db.fails(&["config", "check"], 4).len(), 0);
    let check = String::from_utf8_lossy(&db.run(&["config", "check"]).stdout).to_string();
    assert!(check.contains("1 deal in \"won\""), "{check}");
    db.ok(&["deal", "move", "d1", "demo"]);
}

#[test]
fn config_edit_creates_a_commented_template_and_checks_it_when_the_editor_closes() {
    let db = Db::new("redb");
    let path = db.path().with_extension("config.toml");
    // `true` stands in for an editor that saves nothing new.
    let out = db.cmd().args(["config", "edit"]).env("VISUAL", "true").output().expect("run crm");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let template = std::fs::read_to_string(&path).expect("config.toml created");
    assert!(template.contains("# keymap = \"default\"") && template.contains("# [[stages]]"), "{template}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("No problems"));
    // An editor that leaves a mistake behind: the check after it fails with the place.
    std::fs::write(&path, "theme = \"sepia\"\n").expect("write");
    let out = db.cmd().args(["config", "edit"]).env("VISUAL", "true").output().expect("run crm");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stdout).contains("config.toml:1:9: unknown theme \"sepia\""));
}
