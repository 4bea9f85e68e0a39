//! What the tests share: the reference folder, an authority, a context.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use writ_core::demand::Authority;
use writ_core::{CountryCode, Timestamp};
use writ_hi1::{Context, Hi1Config};

/// `../shared/reference/etsi-ts-103-120` beside the repository (or `WRIT_HI1_REFERENCE`).
pub fn reference() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("WRIT_HI1_REFERENCE") {
        return Some(PathBuf::from(dir));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/reference/etsi-ts-103-120"))
        .chain(
            manifest
                .ancestors()
                .map(|dir| dir.join("../shared/reference/etsi-ts-103-120")),
        )
        .find(|dir| dir.join("examples").is_dir())
}

pub fn authority() -> Authority {
    Authority {
        name: "Landeskriminalamt Berlin".to_owned(),
        country: CountryCode::parse("DE").unwrap(),
        contact: None,
    }
}

pub fn at(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

pub fn received() -> Timestamp {
    at("2026-09-01T08:00:00Z")
}

pub fn context<'a>(authority: &'a Authority, config: &'a Hi1Config) -> Context<'a> {
    Context {
        authority,
        received_at: received(),
        config,
    }
}
