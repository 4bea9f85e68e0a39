//! writ-seal's integration tests: one binary (each file under tests/ would be another to
//! link), `helpers` for fixtures and tar surgery, one module per concern.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod by_hand;
mod helpers;
mod properties;
mod refusals;
mod round_trip;
mod tampering;
