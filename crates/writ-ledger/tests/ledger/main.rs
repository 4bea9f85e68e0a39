//! writ-ledger's tests: one binary. `support` holds the naive RFC 6962 reference and the
//! driver for the `Needs` API; the other modules test one concern each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod checkpoint;
mod leaves;
mod proofs;
mod rfc6962;
mod support;
