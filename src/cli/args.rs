//! The command line, declared with clap derive. `crm <noun> <verb>`; every listing takes
//! `--format table|json|csv` and `-q`.

use super::output::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Dates: \"tomorrow 10:00\", \"+3d\", \"in 2h\", \"fri\", \"2026-12-01 14:30\", \"31/12\".
Records: c12 (contact), co3 (company), d7 (deal), t30 (task), a4 (activity); contacts,
companies and deals may also be named by a unique part of their name.

Exit codes: 0 ok, 1 nothing to do (nothing to undo, nothing found), 2 usage error,
3 not found or ambiguous, 4 invalid input, 5 database in use, 6 conflict, 7 storage error,
8 not allowed (role, disabled user, refused token).";

#[derive(Debug, Parser)]
#[command(name = "crm", version, about = "A terminal CRM for small sales teams", after_help = AFTER_HELP)]
pub struct Cli {
    /// Database directory [default: ~/.local/share/crm/db]
    #[arg(long, global = true, env = "CRM_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Config file [default: ~/.config/crm/config.toml]
    #[arg(long, global = true, env = "CRM_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Storage engine for a new database (an existing one keeps its own)
    #[arg(long, global = true, env = "CRM_ENGINE", value_name = "redb|sled")]
    pub engine: Option<String>,
    /// Act as this user (login) instead of the configured one or $USER
    #[arg(long = "as", global = true, env = "CRM_USER", value_name = "LOGIN")]
    pub user: Option<String>,
    /// Output format of listings and cards
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Print ids only
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Work against a team server (`crm serve`) instead of a database here
    #[arg(long, global = true, env = "CRM_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Your personal token for --server (`crm user token LOGIN` issues one)
    #[arg(long, global = true, env = "CRM_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// People at your customers
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm contact add \"Anna Müller\" --company Atlas\n  crm contact list --tag vip"
    )]
    Contact(ContactCmd),
    /// Customer organisations
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  crm company add \"Atlas GmbH\" --website atlas.de\n  crm company show atlas")]
    Company(CompanyCmd),
    /// Opportunities on the pipeline
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm deal add \"Annual supply\" --contact anna --value 12000\n  crm deal move d7 negotiation"
    )]
    Deal(DealCmd),
    /// Reminders and to-dos
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm task add \"Send the quote\" --due \"fri 10:00\" --contact anna\n  crm task list --overdue"
    )]
    Task(TaskCmd),
    /// Log a call, meeting, email or note with a contact
    #[command(
        after_help = "Examples:\n  crm log call \"Anna\" \"Discussed the quote\" --outcome reached --duration 15m\n  crm log meeting c12 \"Site visit\" --at \"yesterday 14:00\" --deal d7"
    )]
    Log(LogArgs),
    /// Logged calls, meetings, emails and notes
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm activity list --contact anna\n  crm activity list --kind call --limit 20"
    )]
    Activity(ActivityCmd),
    /// What needs attention, most urgent first: tasks, follow-ups by cadence, stale deals
    #[command(
        after_help = "Examples:\n  crm agenda\n  crm agenda --explain\n  crm agenda --all --days 14 --format json"
    )]
    Agenda {
        /// Everyone's, not only yours
        #[arg(long)]
        all: bool,
        /// Show why each item ranks where it does
        #[arg(long)]
        explain: bool,
        /// How many days ahead to look
        #[arg(long, default_value_t = 7)]
        days: i64,
    },
    /// Overdue and today's items, compact, for a shell rc or cron (exit 1 when something is overdue)
    #[command(
        after_help = "Examples:\n  crm remind                      # in ~/.bashrc: crm remind || true\n  crm remind --count              # for a prompt: 3\n\nExit status: 0 nothing overdue, 1 something overdue (other codes: errors, see crm --help)."
    )]
    Remind {
        /// Print only how many items are overdue or due today
        #[arg(long)]
        count: bool,
        /// Everyone's, not only yours
        #[arg(long)]
        all: bool,
    },
    /// Find any contact, company, deal or task by a few letters (fuzzy; exit 1 when nothing matches)
    #[command(
        after_help = "Examples:\n  crm search muller\n  crm search \"@atlas\"            # companies only (also $ deals, ! tasks)\n  crm search \"#vip ann\" --limit 5\n  crm search 0301234 --type contact --format json"
    )]
    Search {
        /// What to look for; @ restricts to companies, $ to deals, ! to tasks, #tag to a tag
        query: String,
        #[arg(long = "type", value_name = "contact|company|deal|task")]
        kind: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Undo your last change (repeatable; survives restarts)
    #[command(after_help = "Examples:\n  crm undo\n  crm undo && crm undo   # two steps back")]
    Undo,
    /// Redo what you last undid
    #[command(after_help = "Example:\n  crm redo")]
    Redo,
    /// Who changed what, when: of one record, or everything
    #[command(after_help = "Examples:\n  crm history\n  crm history c12")]
    History {
        /// A record id (c12, d7, t30, …); all changes when left out
        id: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Saved filters for the lists
    #[command(subcommand)]
    View(ViewCmd),
    /// Deleted records
    #[command(subcommand)]
    #[command(after_help = "Examples:\n  crm trash list\n  crm trash restore c12")]
    Trash(TrashCmd),
    /// People who use this database: roles, managers, tokens, disabling (docs/teams.md)
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm user list\n  crm user add kenji --name \"Kenji Sato\" --role rep --manager marta\n  crm user token kenji\n  crm user disable kenji --reassign-to marta"
    )]
    User(UserCmd),
    /// Share a record with users: in private visibility they see and edit it (docs/teams.md)
    #[command(
        after_help = "Examples:\n  crm share c12 bob            # bob sees and edits c12, its deals, tasks and activities\n  crm share d7 bob eve\n  crm share c12                # who c12 is shared with\n  crm unshare c12 bob"
    )]
    Share {
        /// A record id (c12, co3, d7, t30, a4)
        id: String,
        /// Logins to share it with; none: list who it is shared with
        logins: Vec<String>,
    },
    /// Take back a share made with crm share
    #[command(after_help = "Example:\n  crm unshare c12 bob")]
    Unshare {
        /// A record id (c12, co3, d7, t30, a4)
        id: String,
        #[arg(required = true)]
        logins: Vec<String>,
    },
    /// Who sees what: team (everyone sees everything) or private (reps see their own and shared
    /// records, managers their team's, admins all); setting it is for admins (docs/teams.md)
    #[command(after_help = "Examples:\n  crm visibility\n  crm visibility private\n  crm visibility team")]
    Visibility {
        /// team or private; left out: show the setting
        to: Option<String>,
    },
    /// The audit log: who created, changed, moved, merged, exported, trashed what, and when
    #[command(
        after_help = "Examples:\n  crm audit\n  crm audit --user olek --since \"-30d\"\n  crm audit --record c12\n  crm audit --user olek --format csv > olek.csv"
    )]
    Audit {
        /// Only what this user did
        // Not named `user`: that id is the global --as.
        #[arg(long = "user", value_name = "LOGIN")]
        by: Option<String>,
        /// Only from this date or time on ("2026-11-01", "-7d", "monday")
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        since: Option<String>,
        /// Only what happened to this record (c12, d7, t30, …)
        #[arg(long, value_name = "ID")]
        record: Option<String>,
        /// At most this many lines (0: all)
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Fill the database with realistic demo data
    #[command(after_help = "Example:\n  crm demo --contacts 1000")]
    Demo {
        #[arg(long, default_value_t = 200)]
        contacts: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Hold the database and serve the other crm processes of this machine until stopped
    /// (what an open TUI does; docs/teams.md "Many terminals, one database")
    #[command(
        after_help = "Example:\n  crm hold &        # CLI commands, crm remind and every TUI now go through it\n\nPrints \"holding DIR\" once serving, or \"DIR is held by another crm\" and exits 1 when one already does.\nStopped by Ctrl-C or SIGTERM; the next crm takes over."
    )]
    Hold,
    /// Check the database: indexes, records and journal; --repair rebuilds indexes
    #[command(after_help = "Examples:\n  crm doctor\n  crm doctor --repair")]
    Doctor {
        #[arg(long)]
        repair: bool,
    },
    /// Copy the database to the other storage engine and switch to it
    #[command(after_help = "Examples:\n  crm migrate --to sled\n  crm --db /srv/crm/db migrate --to redb")]
    Migrate {
        /// redb or sled
        #[arg(long, value_name = "ENGINE")]
        to: String,
    },
    /// Measure the storage engines on generated data (see docs/performance.md)
    #[command(after_help = "Examples:\n  crm bench --contacts 100000\n  crm bench --contacts 10000 --engines redb")]
    Bench(BenchArgs),
    /// Hold the database and serve the team over HTTP (docs/teams.md "Team server", docs/api.md)
    #[command(
        after_help = "Examples:\n  crm serve                                    # http://127.0.0.1:8750, this machine only\n  crm serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem\n  crm --server http://127.0.0.1:8750 --token crm_anna_… contact list\n\nA non-loopback address needs --tls-cert and --tls-key: crm refuses to serve a network in clear text."
    )]
    Serve(ServeArgs),
    /// Key bindings of the TUI (those in force: your preset and keymap.toml) and every action
    #[command(
        after_help = "Examples:\n  crm keys                          # the bindings in force\n  crm keys --preset vim --format md # a shipped preset, as Markdown\n  crm keys --actions\n  crm keys --markdown > docs/keymaps.md"
    )]
    Keys {
        /// List every action with its description instead of the bindings
        #[arg(long)]
        actions: bool,
        /// Print every shipped preset as the Markdown of docs/keymaps.md
        #[arg(long, conflicts_with_all = ["actions", "preset"])]
        markdown: bool,
        /// A shipped preset (default, vim, emacs) instead of the bindings in force
        #[arg(long, value_name = "PRESET")]
        preset: Option<String>,
    },
    /// The configuration: check it, find it, show what is in force, edit it
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm config check    # every problem in config.toml, keymap.toml, theme.toml; exit 4 if any\n  crm config path\n  crm config show\n  crm config edit     # in $VISUAL / $EDITOR, checked when you close it\n\nSettings: docs/configuration.md."
    )]
    Config(ConfigCmd),
    /// Write-heavy workload for crash tests: applies changes one by one and prints
    /// "ack N" after each is durable
    #[command(hide = true)]
    Stress {
        #[arg(long, default_value_t = 1000)]
        changes: u64,
    },
    /// Export tasks for other programs: an iCalendar file for calendar apps
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm export ics --out ~/calendar/crm.ics\n  crm export ics --events > tasks.ics"
    )]
    Export(ExportCmd),
    /// Reports: the pipeline, the forecast, activity KPIs and the team (docs/reports.md)
    #[command(
        after_help = "Examples:\n  crm report pipeline\n  crm report forecast --owner me\n  crm report activity --period week\n  crm report team --from 2026-10-01 --to 2026-12-31 --format csv"
    )]
    Report(super::report::ReportArgs),
    /// Bring data in: CSV (contacts, companies, deals, tasks), vCard, or a whole JSON backup
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  crm import csv contacts.csv --dry-run\n  crm import vcard phone.vcf\n  crm --db ~/crm-new import json backup.json\n\nOne import is one change: `crm undo` takes it all back. See docs/import-export.md."
    )]
    Import(super::import::ImportCmd),
    /// Write a timestamped JSON backup of the whole database into its data directory
    #[command(
        after_help = "Examples:\n  crm backup\n  crm --db ~/crm-restored import json ~/.local/share/crm/db/backups/crm-20261127-090000.json"
    )]
    Backup,
    /// Contacts that look like the same person: same email, same phone, same or similar name at the same company; then companies with the same name (legal form aside) or website
    #[command(
        after_help = "Examples:\n  crm dupes\n  crm dupes --format json\n  crm merge c12 c40   # then merge a pair\n  crm merge co3 co9   # or two companies"
    )]
    Dupes {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Merge two contacts (or two companies): the second's emails, phones, tags, activities, tasks and deals (a company's contacts, deals and activities) move to the first, which takes the fields you pick; the second goes to the trash (undoable)
    #[command(
        after_help = "Examples:\n  crm merge c12 c40 --dry-run\n  crm merge c12 c40 --take title --take address\n  crm merge co3 co9 --take website\n  crm merge --companies \"Atlas GmbH\" \"Atlas\"\n  crm undo   # splits them again"
    )]
    Merge(super::import::MergeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; anything but loopback needs --tls-cert and --tls-key
    #[arg(long, default_value = "127.0.0.1:8750", value_name = "ADDR:PORT")]
    pub listen: String,
    /// The server's certificate chain (PEM, leaf first)
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Largest request body accepted, in MiB
    #[arg(long, default_value_t = 16, value_name = "MIB")]
    pub max_body_mb: usize,
    /// Most connections served at once (each has a thread); more are turned away
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub max_connections: usize,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Contacts to generate per engine
    #[arg(long, default_value_t = 10_000)]
    pub contacts: usize,
    /// Engines to measure
    #[arg(long, value_delimiter = ',', default_value = "redb,sled")]
    pub engines: Vec<String>,
    /// Where to create the benchmark databases [default: a temporary directory]
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Measure the search instead, on the database of --db (per-keystroke latency, index
    /// build time and memory)
    #[arg(long)]
    pub search: bool,
    /// Measure `crm remind` instead, next to taskwarrior's `task +OVERDUE list`, on --tasks
    /// open tasks (half overdue) generated in --dir (kept there and reused)
    #[arg(long)]
    pub remind: bool,
    /// Open tasks to generate for --remind
    #[arg(long, default_value_t = 100_000)]
    pub tasks: usize,
    /// Whole-process runs per command for --remind
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
    /// Measure the team server instead: a copy of --db served by `crm serve` on loopback under
    /// --clients concurrent reps (search, list, log activity, move deal)
    #[arg(long)]
    pub serve: bool,
    /// Concurrent clients for --serve
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Requests per client for --serve
    #[arg(long, default_value_t = 500)]
    pub requests: usize,
    /// For --serve: each client sends this many requests a second, on a fixed schedule, and
    /// latency counts from when a request was due (a late server is not let off by clients
    /// waiting for it); 0: each sends the next as soon as the last is answered (saturation)
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
}

/// Fields shared by `contact add` and `contact edit`.
#[derive(Debug, Args, Default)]
pub struct ContactFields {
    /// Job title
    #[arg(long)]
    pub title: Option<String>,
    /// Company (id or name; created when no company has that name); "none" unlinks
    #[arg(long)]
    pub company: Option<String>,
    /// Email, optionally labelled: work:anna@acme.com (repeatable)
    #[arg(long = "email", value_name = "[LABEL:]EMAIL")]
    pub emails: Vec<String>,
    /// Phone, optionally labelled: mobile:+49 170 1234567 (repeatable)
    #[arg(long = "phone", value_name = "[LABEL:]PHONE")]
    pub phones: Vec<String>,
    /// Tag (repeatable)
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Custom field key=value (repeatable)
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Address: "street, postcode city, country"
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Owner login [default: you]
    #[arg(long)]
    pub owner: Option<String>,
    /// Follow up every N days after the last call or meeting ("none" to stop)
    #[arg(long, value_name = "DAYS")]
    pub cadence: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct RemoveFields {
    /// Remove an email (repeatable)
    #[arg(long = "rm-email")]
    pub rm_emails: Vec<String>,
    /// Remove a phone (repeatable)
    #[arg(long = "rm-phone")]
    pub rm_phones: Vec<String>,
    /// Remove a tag (repeatable)
    #[arg(long = "rm-tag")]
    pub rm_tags: Vec<String>,
    /// Remove a custom field (repeatable)
    #[arg(long = "rm-field")]
    pub rm_fields: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a contact
    #[command(
        after_help = "Example:\n  crm contact add \"Anna Müller\" --company \"Atlas GmbH\" --email work:anna@atlas.de --phone \"+49 30 1234567\" --tag vip"
    )]
    Add {
        name: String,
        #[command(flatten)]
        fields: ContactFields,
    },
    /// List contacts
    #[command(
        after_help = "Examples:\n  crm contact list --tag vip --sort last\n  crm contact list tag:vip last_contact.before:-30d\n  crm contact list owner:me müller --format json"
    )]
    List {
        /// Filter: tag:vip owner:me company:acme last_contact.before:-30d … plus free text; put negations after `--` (`-- -tag:vip`); see docs/search.md
        #[arg(value_name = "FILTER")]
        filter: Vec<String>,
        /// A saved view (`crm view save`) to start from
        #[arg(long)]
        view: Option<String>,

        /// Only those whose name, company, email or phone contains this
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        company: Option<String>,
        #[arg(long, value_enum, default_value_t = ContactSortArg::Name)]
        sort: ContactSortArg,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show a contact's card: details, company, deals, tasks, activity timeline
    #[command(after_help = "Examples:\n  crm contact show c12\n  crm contact show müller --format json")]
    Show { contact: String },
    /// Change a contact
    #[command(
        after_help = "Example:\n  crm contact edit c12 --title \"Head of Purchasing\" --email home:anna@example.org --rm-tag lead"
    )]
    Edit {
        contact: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: ContactFields,
        #[command(flatten)]
        remove: RemoveFields,
    },
    /// Move a contact to the trash (`crm trash restore` or `crm undo` brings it back)
    #[command(after_help = "Examples:\n  crm contact rm c12\n  crm undo   # brings it back")]
    Rm { contact: String },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ContactSortArg {
    Name,
    Company,
    Last,
    Owner,
}

#[derive(Debug, Args, Default)]
pub struct CompanyFields {
    /// Website or domain
    #[arg(long)]
    pub website: Option<String>,
    #[arg(long)]
    pub industry: Option<String>,
    #[arg(long)]
    pub address: Option<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    #[arg(long)]
    pub notes: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CompanyCmd {
    /// Add a company
    #[command(
        after_help = "Example:\n  crm company add \"Atlas GmbH\" --website atlas.de --industry wholesale --address \"Hauptstr. 1, 10115 Berlin, Germany\""
    )]
    Add {
        name: String,
        #[command(flatten)]
        fields: CompanyFields,
    },
    /// List companies
    #[command(
        after_help = "Examples:\n  crm company list --search atlas\n  crm company list tag:vip city:berlin --format csv"
    )]
    List {
        /// Filter: tag:vip owner:me company:acme last_contact.before:-30d … plus free text; put negations after `--` (`-- -tag:vip`); see docs/search.md
        #[arg(value_name = "FILTER")]
        filter: Vec<String>,
        /// A saved view (`crm view save`) to start from
        #[arg(long)]
        view: Option<String>,

        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show a company with its contacts and deals
    #[command(after_help = "Examples:\n  crm company show co3\n  crm company show atlas")]
    Show { company: String },
    /// Change a company
    #[command(
        after_help = "Examples:\n  crm company edit co3 --industry retail --tag vip\n  crm company edit atlas --rm-tag prospect"
    )]
    Edit {
        company: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: CompanyFields,
        #[arg(long = "rm-tag")]
        rm_tags: Vec<String>,
        #[arg(long = "rm-field")]
        rm_fields: Vec<String>,
    },
    /// Move a company to the trash
    #[command(after_help = "Example:\n  crm company rm co3")]
    Rm { company: String },
}

#[derive(Debug, Args, Default)]
pub struct DealFields {
    /// Value: 12500, "12,500.50 EUR", €12.5k
    #[arg(long, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// Company (id or name)
    #[arg(long)]
    pub company: Option<String>,
    /// Contact (id or name)
    #[arg(long)]
    pub contact: Option<String>,
    /// Expected close date
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub close: Option<String>,
    /// Win probability in percent, overriding the stage's ("default" to clear)
    #[arg(long)]
    pub probability: Option<String>,
    #[arg(long)]
    pub owner: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal
    #[command(
        after_help = "Example:\n  crm deal add \"Annual supply\" --company Atlas --contact Anna --value \"12000 EUR\" --stage proposal --close \"+30d\""
    )]
    Add {
        title: String,
        /// Stage [default: the first stage]
        #[arg(long)]
        stage: Option<String>,
        #[command(flatten)]
        fields: DealFields,
    },
    /// List deals
    #[command(
        after_help = "Examples:\n  crm deal list --stage proposal\n  crm deal list stage:prop value>5000 close.before:eom\n  crm deal list --open --owner anna --format json"
    )]
    List {
        /// Filter: tag:vip owner:me company:acme last_contact.before:-30d … plus free text; put negations after `--` (`-- -tag:vip`); see docs/search.md
        #[arg(value_name = "FILTER")]
        filter: Vec<String>,
        /// A saved view (`crm view save`) to start from
        #[arg(long)]
        view: Option<String>,
        #[arg(long)]
        stage: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        /// Only open deals (not won or lost)
        #[arg(long)]
        open: bool,
        #[arg(long)]
        company: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show a deal: links, stage history, tasks, activities
    #[command(after_help = "Example:\n  crm deal show d7")]
    Show { deal: String },
    /// Change a deal
    #[command(
        after_help = "Examples:\n  crm deal edit d7 --value \"15,000 EUR\" --close 2026-12-31\n  crm deal edit d7 --probability 60"
    )]
    Edit {
        deal: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: DealFields,
    },
    /// Move a deal to another stage (recorded in its stage history)
    #[command(
        after_help = "Examples:\n  crm deal move d7 negotiation\n  crm deal move d7 won --reason \"best delivery time\""
    )]
    Move {
        deal: String,
        stage: String,
        /// Why it was won or lost
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Move a deal to the trash
    #[command(after_help = "Example:\n  crm deal rm d7")]
    Rm { deal: String },
}

#[derive(Debug, Args, Default)]
pub struct TaskFields {
    /// Contact (id or name)
    #[arg(long)]
    pub contact: Option<String>,
    /// Deal (id or name)
    #[arg(long)]
    pub deal: Option<String>,
    /// low, normal, high, urgent
    #[arg(long)]
    pub priority: Option<String>,
    /// none, daily, weekdays, weekly, weekly:mon,thu, monthly, monthly:15, monthly:last, every 3 days
    #[arg(long)]
    pub repeat: Option<String>,
    /// Who does it [default: you]
    #[arg(long)]
    pub assignee: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Not actionable before then: kept off lists and reminders until it ("none" clears)
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub hidden_until: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Add a task (a reminder)
    #[command(
        after_help = "Examples:\n  crm task add \"Send the quote\" --due \"tomorrow 10:00\" --contact Anna\n  crm task add \"Weekly pipeline review\" --due mon --repeat weekly"
    )]
    Add {
        title: String,
        /// When it is due [default: today]
        #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
        due: Option<String>,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// List tasks (open ones by default)
    #[command(
        after_help = "Examples:\n  crm task list --overdue\n  crm task list --today --mine\n  crm task list priority>=high due.before:fri"
    )]
    List {
        /// Filter: tag:vip owner:me company:acme last_contact.before:-30d … plus free text; put negations after `--` (`-- -tag:vip`); see docs/search.md
        #[arg(value_name = "FILTER")]
        filter: Vec<String>,
        /// A saved view (`crm view save`) to start from
        #[arg(long)]
        view: Option<String>,

        #[arg(long, conflicts_with_all = ["today", "upcoming", "done", "all"])]
        overdue: bool,
        #[arg(long, conflicts_with_all = ["upcoming", "done", "all"])]
        today: bool,
        #[arg(long, conflicts_with_all = ["done", "all"])]
        upcoming: bool,
        #[arg(long, conflicts_with = "all")]
        done: bool,
        /// Open and done
        #[arg(long)]
        all: bool,
        /// Only tasks assigned to you
        #[arg(long, conflicts_with = "assignee")]
        mine: bool,
        #[arg(long)]
        assignee: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show a task
    #[command(after_help = "Example:\n  crm task show t30")]
    Show { task: String },
    /// Change a task
    #[command(
        after_help = "Examples:\n  crm task edit t30 --due \"mon 9:00\" --priority high\n  crm task edit t30 --repeat none"
    )]
    Edit {
        task: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
        due: Option<String>,
        #[command(flatten)]
        fields: TaskFields,
    },
    /// Mark tasks done (a repeating task gets its next occurrence)
    #[command(after_help = "Examples:\n  crm task done t30\n  crm task done t30 t31 t32")]
    Done {
        #[arg(required = true)]
        tasks: Vec<String>,
    },
    /// Open a done task again
    #[command(after_help = "Example:\n  crm task reopen t30")]
    Reopen { task: String },
    /// Do not remind before a time
    #[command(after_help = "Examples:\n  crm task snooze t30 \"tomorrow 9:00\"\n  crm task snooze t30 +2h")]
    Snooze {
        task: String,
        #[arg(allow_hyphen_values = true)]
        until: String,
    },
    /// Move a task to the trash
    #[command(after_help = "Example:\n  crm task rm t30")]
    Rm { task: String },
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// call, meeting, email or note
    pub kind: String,
    /// Contact (id or name)
    pub contact: String,
    /// What it was about
    pub summary: String,
    /// Longer text
    #[arg(long)]
    pub body: Option<String>,
    /// When it happened [default: now]
    #[arg(long, value_name = "WHEN", allow_hyphen_values = true)]
    pub at: Option<String>,
    /// Deal it belongs to (id or name)
    #[arg(long)]
    pub deal: Option<String>,
    /// For calls: reached, voicemail, no answer…
    #[arg(long)]
    pub outcome: Option<String>,
    /// How long: 15m, 1h30m
    #[arg(long)]
    pub duration: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ActivityCmd {
    /// List activities, newest first
    #[command(
        after_help = "Examples:\n  crm activity list --contact c12\n  crm activity list --deal d7 --format json"
    )]
    List {
        #[arg(long)]
        contact: Option<String>,
        #[arg(long)]
        deal: Option<String>,
        /// call, meeting, email or note
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Move an activity to the trash
    #[command(after_help = "Example:\n  crm activity rm a40")]
    Rm { activity: String },
}

#[derive(Debug, Subcommand)]
pub enum ViewCmd {
    /// Save a filter under a name (kept in views.toml beside your config)
    #[command(after_help = "Examples:\n  crm view save hot stage:negotiation value>10000\n  crm deal list --view hot")]
    Save {
        name: String,
        #[arg(value_name = "FILTER", trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        filter: Vec<String>,
    },
    /// List saved views
    #[command(after_help = "Example:\n  crm view list")]
    List,
    /// Delete a saved view
    #[command(after_help = "Example:\n  crm view rm hot")]
    Rm { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TrashCmd {
    /// What is in the trash
    #[command(after_help = "Example:\n  crm trash list")]
    List,
    /// Take a record out of the trash
    #[command(after_help = "Example:\n  crm trash restore c12")]
    Restore { id: String },
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// List users
    #[command(after_help = "Example:\n  crm user list")]
    List,
    /// Add a user (admins only)
    #[command(
        after_help = "Examples:\n  crm user add kenji --name \"Kenji Sato\" --role manager\n  crm user add olek --name \"Olek Nowak\" --manager kenji"
    )]
    Add {
        login: String,
        #[arg(long)]
        name: Option<String>,
        /// admin, manager or rep
        #[arg(long, default_value = "rep")]
        role: String,
        /// The user's manager (a login)
        #[arg(long, value_name = "LOGIN")]
        manager: Option<String>,
    },
    /// Change a user's role or manager (admins only)
    #[command(
        after_help = "Examples:\n  crm user set olek --role manager\n  crm user set olek --manager marta\n  crm user set olek --manager none"
    )]
    Set {
        login: String,
        /// admin, manager or rep
        #[arg(long)]
        role: Option<String>,
        /// The user's manager (a login), or "none"
        #[arg(long, value_name = "LOGIN")]
        manager: Option<String>,
    },
    /// Disable a user: they can no longer use crm; --reassign-to hands their records over
    #[command(
        after_help = "Examples:\n  crm user disable olek --reassign-to marta   # contacts, companies, deals, open tasks\n  crm undo                                   # takes the whole handover back\n  crm audit --user olek                      # what they did, exports included"
    )]
    Disable {
        login: String,
        /// Give every live contact, company and deal they own, and every open task assigned to
        /// them, to this user, in the same change
        #[arg(long, value_name = "LOGIN")]
        reassign_to: Option<String>,
    },
    /// Let a disabled user in again
    #[command(after_help = "Example:\n  crm user enable olek")]
    Enable { login: String },
    /// Issue a personal token (printed once, stored hashed; replaces the previous one), or revoke it
    #[command(
        after_help = "Examples:\n  crm user token olek            # prints crm_olek_… once: keep it\n  crm user token olek --revoke\n  crm user verify < token.txt    # whose token is it?"
    )]
    Token {
        login: String,
        /// Revoke the user's token instead of issuing a new one
        #[arg(long)]
        revoke: bool,
    },
    /// Check a token read from stdin and print whose it is (exit 8 when refused)
    #[command(after_help = "Example:\n  crm user verify < token.txt")]
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Your open tasks as an iCalendar (RFC 5545) file of to-dos with alarms (docs/calendar.md)
    #[command(
        after_help = "Examples:\n  crm export ics --out ~/calendar/crm.ics     # import it, or let a calendar app watch it\n  crm export ics --events > tasks.ics         # events, for Google Calendar\n  crm export ics --all-users --done --out team.ics\n\nEach task is a VTODO with UID t<ID>@crm, so importing again updates rather than duplicates."
    )]
    Ics {
        /// Write to FILE (replaced whole, never half-written) instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Every user's tasks, not only yours
        #[arg(long)]
        all_users: bool,
        /// Done tasks too (as COMPLETED)
        #[arg(long)]
        done: bool,
        /// Events (VEVENT) instead of to-dos (VTODO), for calendar apps that show only events
        #[arg(long)]
        events: bool,
    },
    /// Whole records as CSV (every email, phone, address part and custom field), filtered like the lists
    #[command(
        after_help = "Examples:\n  crm export csv contacts --out contacts.csv\n  crm export csv contacts tag:vip city:berlin\n  crm export csv deals stage:proposal --format csv\n  crm export csv tasks --view mine\n\n`crm import csv` reads these files back."
    )]
    Csv {
        /// contacts, companies, deals or tasks
        #[arg(value_name = "contacts|companies|deals|tasks")]
        kind: String,
        #[command(flatten)]
        filter: super::import::ExportFilter,
    },
    /// Contacts as vCards (4.0, or 3.0 for older address books), filtered like the list
    #[command(
        after_help = "Examples:\n  crm export vcard --out contacts.vcf\n  crm export vcard tag:vip --vcard-version 3.0 > vip.vcf"
    )]
    Vcard {
        #[command(flatten)]
        filter: super::import::ExportFilter,
        /// 4.0 or 3.0
        #[arg(long, default_value = "4.0")]
        vcard_version: String,
    },
    /// The whole database (records, trash, history, settings) as one versioned JSON file
    #[command(
        after_help = "Examples:\n  crm export json --out backup.json\n  crm --db ~/crm-copy import json backup.json"
    )]
    Json {
        /// Write to FILE instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Report every problem in config.toml, keymap.toml and theme.toml with file, line and
    /// column; exit status 4 when there is any
    Check,
    /// Where the config file and its companions are, and which exist
    Path,
    /// The settings in force (defaults filled in), as TOML
    Show,
    /// Open config.toml in $VISUAL / $EDITOR (created with every setting commented out), then check it
    Edit,
}
