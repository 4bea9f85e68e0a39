use crate::helpers::{run, stderr, writ};

#[test]
fn the_example_passes_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let example = run(writ().args(["config", "example"]));
    assert!(example.status.success());
    let file = dir.path().join("writ.toml");
    std::fs::write(&file, &example.stdout).unwrap();
    let check = run(writ().args(["config", "check"]).arg(&file));
    assert!(check.status.success(), "{}", stderr(&check));
    let summary = String::from_utf8(check.stdout).unwrap();
    assert!(
        summary.contains(": ok") && summary.contains("listen = 127.0.0.1:8080"),
        "{summary}"
    );
}

#[test]
fn a_bad_config_is_refused_with_exit_2_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("writ.toml");
    for (text, named) in [
        ("lisen = \"127.0.0.1:8080\"", "lisen"),
        ("listen = 8080", "listen"),
        ("[metrics]\nenabled = \"yes\"", "enabled"),
        ("database_url = \"sqlite::memory:\"", "database_url"),
    ] {
        std::fs::write(&file, text).unwrap();
        let check = run(writ().args(["config", "check"]).arg(&file));
        assert_eq!(check.status.code(), Some(2), "{text}");
        assert!(stderr(&check).contains(named), "{text}: {}", stderr(&check));
    }
}

#[test]
fn the_database_password_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("writ.toml");
    std::fs::write(
        &file,
        "database_url = \"postgres://writ:hunter2@db.internal/writ\"\n",
    )
    .unwrap();
    let check = run(writ().args(["config", "check"]).arg(&file));
    assert!(check.status.success(), "{}", stderr(&check));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        stderr(&check)
    );
    assert!(printed.contains("writ:***@db.internal/writ"), "{printed}");
    assert!(!printed.contains("hunter2"), "{printed}");
}
