//! ISO 3166-1 alpha-2 country codes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An assigned ISO 3166-1 alpha-2 code, in upper case (`US`, `DE`, `GB`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?} is not an ISO 3166-1 alpha-2 country code{hint}")]
pub struct CountryCodeError {
    code: String,
    hint: &'static str,
}

/// The member states bound by the e-Evidence Regulation (EU) 2023/1543: all but Denmark.
const E_EVIDENCE_STATES: [&str; 26] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

impl CountryCode {
    pub fn parse(code: &str) -> Result<Self, CountryCodeError> {
        let error = |hint| CountryCodeError {
            code: code.to_owned(),
            hint,
        };
        let bytes: [u8; 2] = code
            .as_bytes()
            .try_into()
            .map_err(|_| error(" (two upper-case letters)"))?;
        if !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(error(" (two upper-case letters)"));
        }
        match code {
            "UK" => return Err(error("; the United Kingdom is GB")),
            "EL" => return Err(error("; Greece is GR")),
            "EU" => return Err(error("; name the member state")),
            _ => {}
        }
        isocountry::CountryCode::for_alpha2(code).map_err(|_| error(""))?;
        Ok(Self(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Built only from two ASCII upper-case letters.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The English short name (`Germany`).
    pub fn name(&self) -> &'static str {
        isocountry::CountryCode::for_alpha2(self.as_str()).map_or("", |c| c.name())
    }

    pub fn is_us(&self) -> bool {
        self.as_str() == "US"
    }

    /// Bound by the e-Evidence Regulation (every EU member state but Denmark).
    pub fn is_e_evidence_state(&self) -> bool {
        E_EVIDENCE_STATES.contains(&self.as_str())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigned_codes_parse() {
        for code in ["US", "DE", "GB", "FR", "BR", "JP"] {
            assert_eq!(CountryCode::parse(code).unwrap().as_str(), code);
        }
        assert_eq!(CountryCode::parse("DE").unwrap().name(), "Germany");
    }

    #[test]
    fn others_are_refused_with_a_hint() {
        for code in ["us", "USA", "U", "", "ZZ", "12"] {
            assert!(CountryCode::parse(code).is_err(), "{code}");
        }
        assert!(
            CountryCode::parse("UK")
                .unwrap_err()
                .to_string()
                .contains("GB")
        );
    }

    #[test]
    fn e_evidence_states_are_the_eu_without_denmark() {
        assert!(CountryCode::parse("DE").unwrap().is_e_evidence_state());
        assert!(!CountryCode::parse("DK").unwrap().is_e_evidence_state());
        assert!(!CountryCode::parse("GB").unwrap().is_e_evidence_state());
        assert!(!CountryCode::parse("US").unwrap().is_e_evidence_state());
    }
}
