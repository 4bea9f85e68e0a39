//! A production checks out with standard tools alone, as README.txt tells the
//! recipient: `age -d`, `tar x`, `sha256sum -c`, `openssl pkeyutl -verify`. Skipped,
//! saying so, when a tool is not installed.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::Fixture;

/// Whether `tool` runs; says `skipped: TOOL not installed` when not, so the skip shows
/// in `cargo test -- --nocapture` and in CI logs.
#[allow(clippy::print_stdout)]
fn installed(tool: &str, version_arg: &str) -> bool {
    let found = Command::new(tool)
        .arg(version_arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        println!("skipped: {tool} not installed");
    }
    found
}

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn standard_tools_open_and_check_a_production() {
    let tools = [
        ("age", "--version"),
        ("tar", "--version"),
        ("sha256sum", "--version"),
        ("openssl", "version"),
    ];
    if !tools.iter().all(|(tool, arg)| installed(tool, arg)) {
        return;
    }
    let fixture = Fixture::mailbox();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    std::fs::write(work.join("prod.age"), fixture.seal()).unwrap();
    let identity_file = format!(
        "# created by writ-seal's tests\n# public key: {}\n{}\n",
        fixture.recipient, fixture.identity_text
    );
    std::fs::write(work.join("identity.txt"), identity_file).unwrap();
    std::fs::write(
        work.join("provider.pem"),
        fixture.key.provider_key().to_pem(),
    )
    .unwrap();

    run(
        work,
        "sh",
        &[
            "-c",
            "set -e; age -d -i identity.txt prod.age > prod.tar; mkdir out; tar -xf prod.tar -C out",
        ],
    );
    let out = work.join("out");
    let checked = run(&out, "sha256sum", &["-c", "SHA256SUMS"]);
    assert_eq!(
        checked.lines().filter(|l| l.ends_with(": OK")).count(),
        fixture.manifest.items.len(),
        "{checked}"
    );
    let verified = run(
        &out,
        "openssl",
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "../provider.pem",
            "-rawin",
            "-in",
            "manifest.json",
            "-sigfile",
            "manifest.json.sig",
        ],
    );
    assert!(
        verified.contains("Signature Verified Successfully"),
        "{verified}"
    );
    let readme = std::fs::read_to_string(out.join("README.txt")).unwrap();
    assert!(readme.contains("sha256sum -c SHA256SUMS"), "{readme}");
    assert!(!readme.contains("AGE-SECRET-KEY"), "{readme}");

    // The check fails by hand too when an extracted item changes.
    std::fs::write(
        out.join("items/acc-alice/mail/INBOX/42.eml"),
        b"From: someone else\r\n",
    )
    .unwrap();
    let status = Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success());
}

#[test]
fn openssl_and_writ_agree_on_the_keys() {
    if !installed("openssl", "version") {
        return;
    }
    let key = writ_seal::ProductionKey::generate();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.pem"), key.to_pkcs8_pem()).unwrap();
    let public = run(
        dir.path(),
        "openssl",
        &["pkey", "-in", "key.pem", "-pubout"],
    );
    assert_eq!(public, key.provider_key().to_pem());

    // And a key openssl made reads as a production key.
    run(
        dir.path(),
        "openssl",
        &["genpkey", "-algorithm", "ed25519", "-out", "openssl.pem"],
    );
    let pem = std::fs::read_to_string(dir.path().join("openssl.pem")).unwrap();
    let read = writ_seal::ProductionKey::from_pkcs8_pem(&pem).unwrap();
    let public = run(
        dir.path(),
        "openssl",
        &["pkey", "-in", "openssl.pem", "-pubout"],
    );
    assert_eq!(public, read.provider_key().to_pem());
}
