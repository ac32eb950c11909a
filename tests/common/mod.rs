//! Helpers shared by the integration tests: temporary databases on either engine and a way
//! to run the real `crm` binary against them with a pinned clock.
#![allow(dead_code)]

pub mod tui;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every store test runs on both engines.
pub const ENGINES: [&str; 2] = ["redb", "sled"];

/// The pinned "now" of the CLI tests: Friday 2026-11-27 09:00 UTC.
pub const NOW: &str = "2026-11-27T09:00:00Z";

pub struct Db {
    pub dir: tempfile::TempDir,
    pub engine: &'static str,
}

impl Db {
    pub fn new(engine: &'static str) -> Db {
        Db { dir: tempfile::tempdir().expect("temp dir"), engine }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("db")
    }

    pub fn cmd(&self) -> Command {
        crm_command(&self.path(), self.engine)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run crm")
    }

    /// Runs crm and insists on success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "crm {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    /// Runs crm with `--format json` and parses the output.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("crm {args:?} gave bad JSON ({e}):\n{text}"))
    }

    /// Runs crm expecting failure with `code`; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "crm {args:?}: expected exit {code}\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }
}

pub fn crm_command(db: &Path, engine: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crm"));
    c.env("CRM_DB", db)
        .env("CRM_ENGINE", engine)
        .env("CRM_CONFIG", db.with_extension("config.toml"))
        .env("CRM_NOW", NOW)
        .env("CRM_USER", "anna")
        .env("TZ", "UTC")
        .env_remove("CRM_REPORT_PEAK_RSS");
    c
}
