//! writ's productions: the one sealed file an authority receives after a demand is
//! approved, and the check its recipient runs on it.
//!
//! A production is an [age] file, encrypted to the authority's X25519 recipient, holding
//! a plain tar of, in this order:
//!
//! 1. `manifest.json`: the [`Manifest`] (case, instrument, approved scope, audit
//!    checkpoint, every item with path, SHA-256, size, source, account, category);
//! 2. `manifest.json.sig`: the raw 64-byte Ed25519 signature over those exact bytes, by
//!    the provider's [`ProductionKey`];
//! 3. `SHA256SUMS`: one `sha256sum -c` line per item, in manifest order;
//! 4. `README.txt`: how to check all this by hand;
//! 5. the items, each at its manifest path.
//!
//! So `age -d`, `tar x`, `sha256sum -c` and `openssl pkeyutl -verify` are enough to
//! check a production without writ. [`seal`] makes one from a spool directory in one
//! streaming pass; [`verify`] checks one and names every problem it finds.
//!
//! ```
//! use writ_seal::{Authority, FORMAT, Manifest, ProductionKey, new_identity,
//!                 parse_identity, parse_recipient, seal, verify};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spool = tempfile::tempdir()?;
//! let key = ProductionKey::generate();
//! let (identity, recipient) = new_identity();
//! let manifest = Manifest {
//!     format: FORMAT.to_owned(),
//!     production: "5f0c6a53-3b1e-4c8e-9a57-0c1f3f3e2a10".to_owned(),
//!     case: "0b6d3c55-8f6a-4b2e-a0c1-6f7d2e9b1a44".parse()?,
//!     reference: "2026-MJ-0042".to_owned(),
//!     authority: Authority { name: "Example Police".to_owned(), country: "US".to_owned() },
//!     instrument: "us.warrant".to_owned(),
//!     scope: serde_json::from_str(r#"{"categories": ["content"],
//!         "targets": [{"type": "email", "value": "nobody@example.com"}], "period": null}"#)?,
//!     sealed_at: "2026-03-02T09:00:00Z".parse()?,
//!     audit_checkpoint: String::new(),
//!     accounts: Vec::new(),
//!     not_found: vec!["nobody@example.com".to_owned()],
//!     no_data: true,
//!     items: Vec::new(),
//! };
//! let mut production = Vec::new();
//! seal(&manifest, spool.path(), &key, &parse_recipient(&recipient)?, &mut production)?;
//!
//! let checked = verify(&production[..], &parse_identity(&identity)?, &key.provider_key())?;
//! assert!(checked.is_ok(), "{:?}", checked.problems);
//! assert_eq!(checked.manifest, Some(manifest));
//! # Ok(())
//! # }
//! ```
//!
//! [age]: https://age-encryption.org/v1

mod hashing;
mod keys;
mod manifest;
mod seal;
mod verify;

pub use keys::{
    Identity, KeyError, ProductionKey, ProviderKey, Recipient, new_identity, parse_identity,
    parse_recipient,
};
pub use manifest::{
    Authority, FORMAT, MANIFEST_FILE, Manifest, ManifestError, ManifestItem, PathProblem,
    README_FILE, SIGNATURE_FILE, SUMS_FILE, check_path,
};
pub use seal::{SealError, Sealed, SpoolDirectory, SpoolSource, seal, seal_from, seal_to_path};
pub use verify::{Problem, Verification, VerifyError, verify};
