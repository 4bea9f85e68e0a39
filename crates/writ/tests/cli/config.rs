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
fn an_unknown_key_is_named_with_its_file_and_the_keys_allowed_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("writ.toml");
    let at = file.display();
    for (text, expected) in [
        (
            "lisen = \"127.0.0.1:8080\"".to_owned(),
            format!(
                "writ: unknown key `lisen` in {at}; the top level allows: data_dir, listen, \
                 database_url, log_format, metrics, policy, audit, report, production, smtp, \
                 deadlines, hi1, sources\n"
            ),
        ),
        (
            "[metrics]\nenabeld = true".to_owned(),
            format!(
                "writ: unknown key `metrics.enabeld` in {at}; [metrics] allows: enabled, listen\n"
            ),
        ),
    ] {
        std::fs::write(&file, &text).unwrap();
        let check = run(writ().args(["config", "check"]).arg(&file));
        assert_eq!(check.status.code(), Some(2), "{text}");
        assert_eq!(stderr(&check), expected, "{text}");
    }
    // Set in the environment, the variable's source is named instead of the file.
    std::fs::write(&file, "").unwrap();
    let check = run(writ()
        .args(["config", "check"])
        .arg(&file)
        .env("WRIT_METRICS__ENABELD", "true"));
    assert_eq!(check.status.code(), Some(2));
    let stderr = stderr(&check);
    assert!(
        stderr.contains("unknown key `metrics.enabeld` in `WRIT_` environment"),
        "{stderr}"
    );
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
