//! 32 random bytes that are somebody's secret (a case's, behind its receipt; a count's
//! salt), written as unpadded base64url: 43 characters, the only length that parses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand_core::{OsRng, RngCore};

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SecretBytes(pub(crate) [u8; SecretBytes::SIZE]);

impl SecretBytes {
    pub(crate) const SIZE: usize = 32;

    /// New bytes from the operating system's generator.
    pub(crate) fn generate() -> Self {
        let mut bytes = [0; Self::SIZE];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub(crate) fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// `None` unless `text` is exactly 43 characters of base64url.
    pub(crate) fn from_base64url(text: &str) -> Option<Self> {
        if text.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }
}
