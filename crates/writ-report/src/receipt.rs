//! Transparency receipts: what a notice gives the person concerned, so that once the
//! period is published they can check their case was counted.
//!
//! `writ-receipt:v1:<period>:<secret>`, the secret being the case's 32 bytes in
//! unpadded base64url (43 characters), e.g.
//! `writ-receipt:v1:2013-H1:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc`.

use std::fmt;
use std::str::FromStr;

use crate::period::{HalfYear, PeriodError};
use crate::record::CaseSecret;
use crate::secret::SecretBytes;

const PREFIX: &str = "writ-receipt:";
const VERSION: &str = "v1";

/// A case's receipt: the period its record is published in and the case's secret.
/// `Debug` does not print the secret; `Display` does (it is the receipt).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub period: HalfYear,
    pub secret: CaseSecret,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("not a writ receipt: it should start with `writ-receipt:v1:`")]
    NotAReceipt,
    #[error("receipt version {0:?} is not supported (this writ reads v1)")]
    Version(String),
    #[error("receipt period: {0}")]
    Period(#[from] PeriodError),
    #[error("receipt secret: expected 43 characters of base64url (32 bytes)")]
    Secret,
}

impl Receipt {
    pub fn new(period: HalfYear, secret: CaseSecret) -> Self {
        Self { period, secret }
    }
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = self.secret.0.to_base64url();
        write!(f, "{PREFIX}{VERSION}:{}:{secret}", self.period)
    }
}

impl FromStr for Receipt {
    type Err = ReceiptError;

    /// Surrounding whitespace is ignored (receipts are pasted from letters and mail).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rest = s
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(ReceiptError::NotAReceipt)?;
        let mut parts = rest.splitn(3, ':');
        let (version, period, secret) = match (parts.next(), parts.next(), parts.next()) {
            (Some(version), Some(period), Some(secret)) => (version, period, secret),
            _ => return Err(ReceiptError::NotAReceipt),
        };
        if version != VERSION {
            return Err(ReceiptError::Version(version.chars().take(20).collect()));
        }
        let period = HalfYear::parse(period)?;
        let secret = SecretBytes::from_base64url(secret).ok_or(ReceiptError::Secret)?;
        Ok(Self::new(period, CaseSecret(secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIPT: &str = "writ-receipt:v1:2013-H1:BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";

    #[test]
    fn receipts_round_trip() {
        let receipt: Receipt = RECEIPT.parse().unwrap();
        assert_eq!(receipt.period.to_string(), "2013-H1");
        assert_eq!(receipt.secret, CaseSecret::from_bytes([7; 32]));
        assert_eq!(receipt.to_string(), RECEIPT);
        assert_eq!(format!(" {RECEIPT}\n").parse::<Receipt>().unwrap(), receipt);
        assert!(!format!("{receipt:?}").contains("BwcH"));

        let secret = CaseSecret::from_bytes([0xfb; 32]);
        let url_safe = Receipt::new(receipt.period, secret).to_string();
        assert!(
            url_safe.contains('-') || url_safe.contains('_'),
            "{url_safe}"
        );
        assert_eq!(
            url_safe.parse::<Receipt>().unwrap().secret.as_bytes(),
            &[0xfb; 32]
        );
    }

    #[test]
    fn bad_receipts_say_what_is_wrong() {
        let cases = [
            (
                "writ-receipt:v2:2013-H1:x",
                ReceiptError::Version("v2".to_owned()),
            ),
            ("receipt:v1:2013-H1:x", ReceiptError::NotAReceipt),
            ("writ-receipt:v1:2013-H1", ReceiptError::NotAReceipt),
            (&RECEIPT[..RECEIPT.len() - 1], ReceiptError::Secret),
            (&format!("{RECEIPT}A"), ReceiptError::Secret),
            (&RECEIPT.replace("BwcH", "Bwc+"), ReceiptError::Secret),
            (&format!("{RECEIPT}="), ReceiptError::Secret),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Receipt>(), Err(want), "{text}");
        }
        let error = RECEIPT.replace("2013-H1", "2013-H3").parse::<Receipt>();
        assert!(
            error
                .unwrap_err()
                .to_string()
                .starts_with("receipt period:"),
            "period named"
        );
    }
}
