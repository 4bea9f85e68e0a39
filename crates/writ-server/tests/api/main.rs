//! The server's integration tests: one binary (each file under tests/ would be another
//! to link), a fresh app on a free port and a fresh database per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod audit;
mod health;
mod helpers;
mod notices;
mod openapi;
mod production;
mod transparency;
mod web;
mod workflow;
