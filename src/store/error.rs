//! What can go wrong in the store, in words a person can act on.

use crate::domain::{Ref, ValidationError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {} is in use by another crm process", .0.display())]
    Busy(PathBuf),
    #[error("database {} is a {found} database; open it with --engine {found}, or convert it with `crm migrate --to {wanted}`", .path.display())]
    WrongEngine { path: PathBuf, found: String, wanted: String },
    #[error("database {} was written by a newer crm (schema {found}, this crm knows up to {known}); update crm", .path.display())]
    NewerSchema { path: PathBuf, found: u32, known: u32 },
    #[error("{0}")]
    Validation(ValidationError),
    #[error("{0} does not exist")]
    NotFound(Ref),
    #[error("{0} is in the trash; restore it first with `crm trash restore {0}`")]
    Trashed(Ref),
    #[error("{0}")]
    Conflict(String),
    /// A field changed by someone else since the editor saw it (an edit with guards).
    #[error("{0}")]
    FieldConflict(crate::domain::FieldConflict),
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
    #[error("the database is damaged: {0}; run `crm doctor`")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Engine(String),
}

impl StoreError {
    pub fn validation(field: &str, message: impl Into<String>) -> StoreError {
        StoreError::Validation(ValidationError::new(field, message))
    }
}

impl From<ValidationError> for StoreError {
    fn from(e: ValidationError) -> Self {
        StoreError::Validation(e)
    }
}
