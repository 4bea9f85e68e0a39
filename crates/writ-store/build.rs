//! Marks the PostgreSQL half of the conformance suite as ignored, with the reason shown
//! by `cargo test`, unless `WRIT_TEST_DATABASE_URL` names a server to run it on; and
//! rebuilds the crate when a migration is added.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(writ_postgres)");
    println!("cargo::rerun-if-env-changed=WRIT_TEST_DATABASE_URL");
    // The migrations are embedded: a new one must rebuild the crate.
    println!("cargo::rerun-if-changed=migrations");
    if std::env::var_os("WRIT_TEST_DATABASE_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=writ_postgres");
    }
}
