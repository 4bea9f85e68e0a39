//! Who works in writ: staff by role, and the authorities' own users.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What someone may do. Staff roles are separate so that no one person can both
/// recommend and approve a disclosure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads the queue, narrows scope, asks for clarification, recommends.
    Reviewer,
    /// Decides on a reviewer's recommendation (never their own).
    Approver,
    /// Manages agencies and people.
    Admin,
    /// Reads the audit log.
    Auditor,
    /// A user of a requesting authority.
    Agency,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Reviewer,
        Self::Approver,
        Self::Admin,
        Self::Auditor,
        Self::Agency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Approver => "approver",
            Self::Admin => "admin",
            Self::Auditor => "auditor",
            Self::Agency => "agency",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Self::Agency
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a role (reviewer, approver, admin, auditor or agency)")]
pub struct RoleError(String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| RoleError(s.to_owned()))
    }
}

/// A person's id: a random UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(uuid::Uuid);

impl UserId {
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4())
    }

    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::try_parse(text).ok().map(Self)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// An agency's id: a short slug (`seattle-pd`), lower-case letters, digits and hyphens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AgencyId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an agency id (2 to 40 lower-case letters, digits and hyphens)")]
pub struct AgencyIdError(String);

impl AgencyId {
    pub fn parse(text: &str) -> Result<Self, AgencyIdError> {
        let ok = (2..=40).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        ok.then(|| Self(text.to_owned()))
            .ok_or_else(|| AgencyIdError(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AgencyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A username: what someone logs in with (an agency user's is their e-mail address).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a username (3 to 100 characters: letters, digits, . _ - @ +)")]
pub struct UsernameError(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, UsernameError> {
        let ok = (3..=100).contains(&text.chars().count())
            && text
                .chars()
                .all(|c| c.is_alphanumeric() || "._-@+".contains(c));
        ok.then(|| Self(text.to_lowercase()))
            .ok_or_else(|| UsernameError(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an authority's user may log in as `username`: their e-mail address must be
/// in one of the authority's registered domains (subdomains do not count).
pub fn in_allowed_domain(username: &Username, domains: &[String]) -> bool {
    username
        .as_str()
        .rsplit_once('@')
        .is_some_and(|(local, domain)| {
            !local.is_empty() && domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roles_round_trip_and_only_agency_is_not_staff() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_eq!(role.is_staff(), role != Role::Agency);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn ids_and_usernames_are_parsed() {
        assert!(AgencyId::parse("seattle-pd").is_ok());
        for bad in ["", "x", "Seattle", "seattle pd", "-pd", "pd-", "a/b"] {
            assert!(AgencyId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Username::parse("A.Reyes@Seattle.gov").unwrap().as_str(),
            "a.reyes@seattle.gov"
        );
        for bad in ["ab", "two words", "semi;colon", ""] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn agency_users_must_be_in_their_authoritys_domains() {
        let domains = vec!["seattle.gov".to_owned()];
        let user = |name| Username::parse(name).unwrap();
        assert!(in_allowed_domain(&user("areyes@seattle.gov"), &domains));
        assert!(in_allowed_domain(&user("AReyes@Seattle.GOV"), &domains));
        assert!(!in_allowed_domain(
            &user("areyes@seattle.gov.evil.example"),
            &domains
        ));
        assert!(!in_allowed_domain(
            &user("areyes@police.seattle.gov"),
            &domains
        ));
        assert!(!in_allowed_domain(&user("areyes@gmail.com"), &domains));
        assert!(!in_allowed_domain(&user("areyes"), &domains));
    }

    proptest! {
        #[test]
        fn parsed_agency_ids_are_slugs(text in "[a-z0-9-]{0,45}") {
            if let Ok(id) = AgencyId::parse(&text) {
                prop_assert_eq!(id.as_str(), text.as_str());
                prop_assert!(!id.as_str().starts_with('-'));
            }
        }
    }
}
