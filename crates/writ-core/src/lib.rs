//! writ's domain: the values a demand is made of, parsed so that what exists is valid,
//! and the life of a case. No IO and no clock here: time is a parameter.

pub mod audit;
pub mod case;
pub mod country;
pub mod demand;
pub mod identifier;
pub mod people;
pub mod policy;
pub mod preservation;
pub mod review;
pub mod text;
pub mod time;
pub mod workflow;

pub use audit::{Actor, AuditEntry};
pub use case::{CaseEvent, CaseId, CaseState, IllegalTransition, ProductionId};
pub use country::CountryCode;
pub use demand::{Action, Category, Demand, DemandError, Period, Target, UsOrder};
pub use identifier::{Identifier, TargetKind, TargetValue};
pub use people::{AgencyId, Role, UserId, Username};
pub use time::{Clock, ManualClock, Timestamp};
