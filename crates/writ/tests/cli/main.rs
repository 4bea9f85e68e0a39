//! The `writ` binary, run as a user would run it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod audit;
mod bundle;
mod config;
mod demand;
mod demo;
mod helpers;
mod nodes;
mod production;
mod report;
mod serve;
mod transparency;
