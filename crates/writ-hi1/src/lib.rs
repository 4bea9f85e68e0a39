//! ETSI TS 103 120 (HI-1), the standard interface for warrant information, for writ:
//! an `HI1Message` read from XML or its JSON encoding into typed objects
//! ([`Message`]), its `CREATE`s mapped to writ demands ([`map_message`]), case states
//! in the ETSI status dictionaries ([`status`]), and the messages writ sends back
//! ([`emit`]); a mapped demand as writ's native demand JSON ([`native`]). No IO and no clock, like `writ-core`: the server passes the sender's
//! authority, the time of receipt and the config in.

pub mod emit;
pub mod error;
pub mod map;
pub mod message;
pub mod native;
pub mod status;
pub mod tree;

pub use error::{ErrorCode, Hi1Error};
pub use map::{
    Context, Hi1Config, Mapped, MappedDemand, MappedTask, SignedOrder, TaskKind, map_message,
};
pub use message::{Action, ActionRequest, Hi1Object, Message, Payload};
pub use status::{AuthorisationStatus, CaseFacts, LdTaskStatus, LpTaskStatus};
