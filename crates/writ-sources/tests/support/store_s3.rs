//! The S3 server for file-store tests (`scripts/lib/s3.sh` starts moto and sets the
//! `WRIT_TEST_S3_*` variables). object_store cannot create buckets, so each test makes
//! its own, randomly named, with a signed `curl --aws-sigv4` request.

#![allow(dead_code)]

use secrecy::SecretString;
use writ_sources::files::{FileSourceConfig, S3StoreConfig};

pub const ENDPOINT_VAR: &str = "WRIT_TEST_S3_ENDPOINT";

pub struct S3 {
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl S3 {
    /// The test server, or `None` (with the skip line printed) when none is running.
    // The skip line is for whoever runs the tests: it shows with `--nocapture`.
    #[allow(clippy::print_stdout)]
    pub fn from_env() -> Option<Self> {
        let Some(endpoint) = std::env::var(ENDPOINT_VAR).ok().filter(|v| !v.is_empty()) else {
            println!("skipped: S3 not running (set {ENDPOINT_VAR}; scripts/test starts it)");
            return None;
        };
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Some(Self {
            endpoint,
            region: var("WRIT_TEST_S3_REGION", "us-east-1"),
            access_key_id: var("WRIT_TEST_S3_ACCESS_KEY_ID", "test"),
            secret_access_key: var("WRIT_TEST_S3_SECRET_ACCESS_KEY", "test"),
        })
    }

    /// Creates a fresh bucket (`writ-test-<16 hex>`) and returns its name.
    pub fn create_bucket(&self) -> String {
        let bucket = format!("writ-test-{:016x}", rand::random::<u64>());
        let output = std::process::Command::new("curl")
            .args(["-sS", "--fail-with-body", "-X", "PUT"])
            .arg("--aws-sigv4")
            .arg(format!("aws:amz:{}:s3", self.region))
            .arg("--user")
            .arg(format!("{}:{}", self.access_key_id, self.secret_access_key))
            .arg(format!("{}/{bucket}", self.endpoint.trim_end_matches('/')))
            .output()
            .expect("curl runs");
        assert!(
            output.status.success(),
            "creating bucket {bucket}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        bucket
    }

    /// A file-source configuration for `bucket` on this server.
    pub fn config(&self, bucket: &str) -> FileSourceConfig {
        FileSourceConfig {
            local: None,
            s3: Some(S3StoreConfig {
                endpoint: Some(self.endpoint.clone()),
                bucket: bucket.to_owned(),
                region: self.region.clone(),
                access_key_id: self.access_key_id.clone(),
                secret_access_key: SecretString::from(self.secret_access_key.clone()),
                allow_http: true,
            }),
            prefix: None,
        }
    }
}
