//! Plain types and rules of a small-business CRM. No I/O, no storage, no terminal:
//! everything here is a pure function of its inputs and tested without a database.

pub mod agenda;
pub mod change;
pub mod dates;
pub mod entities;
pub mod filter;
pub mod ids;
pub mod money;
pub mod recurrence;
pub mod report;
pub mod stage;
pub mod time;
pub mod token;
pub mod urgency;
pub mod validate;
pub mod visibility;

pub use change::{Change, Edit, FieldConflict};
pub use entities::*;
pub use ids::{ActivityId, CompanyId, ContactId, DealId, EntityKind, Ref, TaskId};
pub use money::{Currency, Money};
pub use recurrence::Recurrence;
pub use stage::{Pipeline, Stage, StageKind};
pub use time::{Day, Timestamp};
pub use validate::ValidationError;
pub use visibility::Visibility;
