//! Saved views: named filters, kept in `views.toml` beside the user's config file.

use super::{Crm, Result, ServiceError, Settings};
use crate::domain::Pipeline;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Views {
    #[serde(default)]
    pub views: BTreeMap<String, String>,
}

// Views are the user's files: they live on the user's side, whichever process holds the database.
impl Settings {
    fn views_path(&self) -> Result<PathBuf> {
        self.config_dir()
            .map(|d| d.join("views.toml"))
            .ok_or_else(|| ServiceError::Invalid("no config directory for saved views; pass --config".into()))
    }

    pub fn views(&self) -> Result<Views> {
        let path = self.views_path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| ServiceError::Invalid(format!("{}: {}", path.display(), e.message())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Views::default()),
            Err(e) => Err(ServiceError::Invalid(format!("cannot read {}: {e}", path.display()))),
        }
    }

    fn write_views(&self, views: &Views) -> Result<()> {
        let path = self.views_path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| ServiceError::Invalid(format!("cannot create {}: {e}", dir.display())))?;
        }
        let text = toml::to_string(views).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| ServiceError::Invalid(format!("cannot write {}: {e}", path.display())))
    }

    /// Saves (or replaces) a view; the filter is checked first (against `pipeline`'s stages)
    /// and stored in its canonical form.
    pub fn save_view_in(&self, pipeline: &Pipeline, name: &str, filter: &str) -> Result<String> {
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(ServiceError::Invalid(format!("\"{name}\" is not a view name (one word)")));
        }
        let canonical = self.compile_filter_in(pipeline, filter, None)?.filter().to_string();
        let mut views = self.views()?;
        views.views.insert(name.to_string(), canonical.clone());
        self.write_views(&views)?;
        Ok(canonical)
    }

    pub fn remove_view(&self, name: &str) -> Result<()> {
        let mut views = self.views()?;
        if views.views.remove(name).is_none() {
            return Err(ServiceError::NotFound(format!("there is no view \"{name}\"; `crm view list` shows them")));
        }
        self.write_views(&views)
    }

    /// The filter text of a view, combined with more filter words.
    pub fn view_filter(&self, view: Option<&str>, more: &[String]) -> Result<String> {
        let mut parts = Vec::new();
        if let Some(v) = view {
            let views = self.views()?;
            let f = views.views.get(v).ok_or_else(|| {
                ServiceError::NotFound(format!("there is no view \"{v}\"; `crm view list` shows them"))
            })?;
            parts.push(f.clone());
        }
        parts.extend(more.iter().cloned());
        Ok(parts.join(" "))
    }
}

impl Crm {
    /// Saves (or replaces) a view; the filter is checked first and stored in its canonical form.
    pub fn save_view(&self, name: &str, filter: &str) -> Result<String> {
        self.save_view_in(self.store().pipeline(), name, filter)
    }
}
