//! Marks the PostgreSQL half of the desk tests as ignored, with the reason shown by
//! `cargo test`, unless `WRIT_TEST_DATABASE_URL` names a server to run them on.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(writ_postgres)");
    println!("cargo::rerun-if-env-changed=WRIT_TEST_DATABASE_URL");
    if std::env::var_os("WRIT_TEST_DATABASE_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=writ_postgres");
    }
}
