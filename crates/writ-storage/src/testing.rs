//! For tests (the `testing` feature): a fresh bucket on the S3 server `scripts/test`
//! starts (moto; `WRIT_TEST_S3_*`), or `None` with a line saying why.

use crate::S3Config;

pub const ENDPOINT_VAR: &str = "WRIT_TEST_S3_ENDPOINT";

/// A new, empty bucket's configuration, keys under `prefix`; `None` (and the skip line,
/// shown with `--nocapture`) without a server.
#[allow(clippy::print_stdout)]
pub fn s3_bucket(prefix: &str) -> Option<S3Config> {
    let Some(endpoint) = std::env::var(ENDPOINT_VAR).ok().filter(|v| !v.is_empty()) else {
        println!("skipped: S3 not running (set {ENDPOINT_VAR}; scripts/test starts it)");
        return None;
    };
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let id = uuid::Uuid::new_v4().simple().to_string();
    let config = S3Config {
        endpoint: Some(endpoint),
        bucket: format!("writ-productions-{}", id.get(..16).unwrap_or(&id)),
        prefix: prefix.to_owned(),
        region: var("WRIT_TEST_S3_REGION", "us-east-1"),
        access_key_id: var("WRIT_TEST_S3_ACCESS_KEY_ID", "test"),
        secret_access_key: var("WRIT_TEST_S3_SECRET_ACCESS_KEY", "test").into(),
        server_side_encryption: true,
    };
    // object_store cannot create a bucket: a signed request by hand.
    if let Err(error) = curl(&config, &["-X", "PUT"], "") {
        println!("skipped: creating an S3 bucket failed: {error}");
        return None;
    }
    Some(config)
}

/// SHA-256 of no bytes.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A signed `curl` request with no body to `config`'s server, for `bucket/path`; its output.
pub fn curl(config: &S3Config, args: &[&str], path: &str) -> Result<String, String> {
    use secrecy::ExposeSecret;
    let endpoint = config.endpoint.as_deref().unwrap_or_default();
    let output = std::process::Command::new("curl")
        .args(["-sS", "--fail-with-body"])
        .args(args)
        // Every request here has no body. Some servers (s3s-fs) require the payload's
        // hash as a header; curl signs it when given.
        .args(["-H", &format!("x-amz-content-sha256: {EMPTY_SHA256}")])
        .arg("--aws-sigv4")
        .arg(format!("aws:amz:{}:s3", config.region))
        .arg("--user")
        .arg(format!(
            "{}:{}",
            config.access_key_id,
            config.secret_access_key.expose_secret()
        ))
        .arg(format!(
            "{}/{}/{path}",
            endpoint.trim_end_matches('/'),
            config.bucket
        ))
        .output()
        .map_err(|e| format!("curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!("{text}{}", String::from_utf8_lossy(&output.stderr)))
    }
}
