//! writ's domain: the values a demand is made of, parsed so that what exists is valid,
//! and the life of a case. No IO and no clock here: time is a parameter.

/// `impl utoipa::ToSchema for $public` with the schema of `$wire`, the private type it
/// is read from or written as: a parsed type's JSON is its wire shape's.
#[cfg(feature = "openapi")]
macro_rules! schema_of_wire {
    ($public:ty => $wire:ty) => {
        impl utoipa::PartialSchema for $public {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <$wire as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $public {
            fn name() -> std::borrow::Cow<'static, str> {
                <$wire as utoipa::ToSchema>::name()
            }

            fn schemas(
                schemas: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                <$wire as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

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
