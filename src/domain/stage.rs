//! Pipeline stages: ordered, configurable, each with a default probability, a kind
//! (open / won / lost) and an optional staleness limit.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Stable key stored in deals (`proposal`); lower case, no spaces.
    pub key: String,
    /// Name shown to people (`Proposal`).
    pub name: String,
    /// Default win probability in percent.
    pub probability: u8,
    pub kind: StageKind,
    /// A deal that stays longer than this many days in the stage is stale.
    pub stale_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    pub stages: Vec<Stage>,
}

impl Default for Pipeline {
    fn default() -> Self {
        let s = |key: &str, name: &str, p: u8, kind: StageKind, stale: Option<u32>| Stage {
            key: key.into(),
            name: name.into(),
            probability: p,
            kind,
            stale_days: stale,
        };
        Pipeline {
            stages: vec![
                s("lead", "Lead", 10, StageKind::Open, Some(14)),
                s("qualified", "Qualified", 25, StageKind::Open, Some(21)),
                s("proposal", "Proposal", 50, StageKind::Open, Some(14)),
                s("negotiation", "Negotiation", 75, StageKind::Open, Some(21)),
                s("won", "Won", 100, StageKind::Won, None),
                s("lost", "Lost", 0, StageKind::Lost, None),
            ],
        }
    }
}

impl Pipeline {
    pub fn get(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.key == key)
    }

    /// Finds a stage by what a person typed: key or name, any case, or a unique prefix.
    pub fn find(&self, text: &str) -> Result<&Stage, String> {
        let t = text.trim().to_lowercase();
        if let Some(s) = self.stages.iter().find(|s| s.key == t || s.name.to_lowercase() == t) {
            return Ok(s);
        }
        let matches: Vec<&Stage> = self
            .stages
            .iter()
            .filter(|s| !t.is_empty() && (s.key.starts_with(&t) || s.name.to_lowercase().starts_with(&t)))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            _ => Err(format!(
                "unknown stage \"{}\"; stages are: {}",
                text.trim(),
                self.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    /// The first stage, where new deals start.
    pub fn first(&self) -> Option<&Stage> {
        self.stages.first()
    }

    /// The open stage after / before `key` (for "next stage" keys), if any.
    pub fn neighbour(&self, key: &str, forward: bool) -> Option<&Stage> {
        let i = self.position(key)?;
        if forward {
            self.stages.get(i + 1)
        } else {
            i.checked_sub(1).and_then(|j| self.stages.get(j))
        }
    }

    /// Checks the list itself: at least one open stage, unique keys, probabilities ≤ 100.
    pub fn validate(&self) -> Result<(), String> {
        if !self.stages.iter().any(|s| s.kind == StageKind::Open) {
            return Err("the pipeline needs at least one open stage".into());
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.key.is_empty() || s.key.contains(char::is_whitespace) {
                return Err(format!("stage {} needs a key without spaces", i + 1));
            }
            if s.probability > 100 {
                return Err(format!("stage {}: probability {}% is over 100%", s.name, s.probability));
            }
            if self.stages[..i].iter().any(|o| o.key == s.key) {
                return Err(format!("stage key \"{}\" is used twice", s.key));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pipeline_matches_the_spec() {
        let p = Pipeline::default();
        let got: Vec<(&str, u8)> = p.stages.iter().map(|s| (s.name.as_str(), s.probability)).collect();
        assert_eq!(
            got,
            [("Lead", 10), ("Qualified", 25), ("Proposal", 50), ("Negotiation", 75), ("Won", 100), ("Lost", 0)]
        );
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn finds_stages_by_name_key_or_prefix() {
        let p = Pipeline::default();
        assert_eq!(p.find("Negotiation").unwrap().key, "negotiation");
        assert_eq!(p.find("prop").unwrap().key, "proposal");
        assert_eq!(p.find("WON").unwrap().key, "won");
        let err = p.find("l").unwrap_err();
        assert!(err.contains("unknown stage \"l\""), "{err}");
        assert!(p.find("closing").unwrap_err().contains("Lead, Qualified"));
    }

    #[test]
    fn neighbours() {
        let p = Pipeline::default();
        assert_eq!(p.neighbour("lead", true).unwrap().key, "qualified");
        assert!(p.neighbour("lead", false).is_none());
    }
}
