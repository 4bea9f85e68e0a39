//! Who owns an identifier: the provider's account directory, as the policy engine
//! sees it (`docs/policy.md` §3.6), and the JSON directory file used offline.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::identifier::{EmailAddress, Identifier, TargetKind};
use crate::time::Timestamp;

/// Resolves identifiers to accounts. The evaluation is pure, so an implementation
/// answers from memory (a file, a snapshot); it must not block or fail: an identifier
/// it cannot resolve is simply not known.
pub trait Directory: Send + Sync {
    /// The account `identifier` names; for an IP address, the account that used it
    /// at `at` (a static directory may ignore `at`).
    fn resolve(&self, identifier: &Identifier, at: Option<Timestamp>) -> Option<Account>;
}

/// An account, and the tenant (organisation) it belongs to, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub tenant: Option<Tenant>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub seats: u32,
    pub admin_email: EmailAddress,
}

/// A directory read from a JSON file:
/// `{"accounts": [{"id", "identifiers": [{"type", "value"}], "tenant": null | "id"}],
///   "tenants": [{"id", "name", "seats", "admin_email"}]}`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DirectoryFile {
    accounts: Vec<Account>,
    /// Identifier → index into `accounts`.
    index: BTreeMap<Identifier, usize>,
}

/// What is wrong with a directory file, and where (`accounts[2].identifiers[0].value`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct DirectoryError {
    pub field: String,
    pub problem: String,
}

impl DirectoryError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

mod wire {
    use super::*;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct File {
        pub accounts: Vec<Account>,
        #[serde(default)]
        pub tenants: Vec<Tenant>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Account {
        pub id: String,
        pub identifiers: Vec<IdentifierEntry>,
        #[serde(default)]
        pub tenant: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct IdentifierEntry {
        #[serde(rename = "type")]
        pub kind: TargetKind,
        pub value: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Tenant {
        pub id: String,
        pub name: String,
        pub seats: u32,
        pub admin_email: String,
    }
}

impl DirectoryFile {
    pub fn from_json(text: &str) -> Result<Self, DirectoryError> {
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let file: wire::File = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            let problem = e.inner().to_string();
            let missing = problem
                .strip_prefix("missing field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(name, _)| name.to_owned());
            let field = match (missing, path.as_str()) {
                (Some(name), "." | "") => name,
                (Some(name), parent) => format!("{parent}.{name}"),
                (None, path) => path.to_owned(),
            };
            DirectoryError::new(field, problem)
        })?;

        let mut tenants: BTreeMap<String, Tenant> = BTreeMap::new();
        for (i, tenant) in file.tenants.into_iter().enumerate() {
            let field = |name: &str| format!("tenants[{i}].{name}");
            if tenant.id.trim().is_empty() {
                return Err(DirectoryError::new(field("id"), "must not be empty"));
            }
            let admin_email = EmailAddress::parse(&tenant.admin_email)
                .map_err(|e| DirectoryError::new(field("admin_email"), e.problem))?;
            if tenants.contains_key(&tenant.id) {
                return Err(DirectoryError::new(
                    field("id"),
                    format!("tenant {:?} is listed twice", tenant.id),
                ));
            }
            tenants.insert(
                tenant.id.clone(),
                Tenant {
                    id: tenant.id,
                    name: tenant.name,
                    seats: tenant.seats,
                    admin_email,
                },
            );
        }

        let mut accounts = Vec::with_capacity(file.accounts.len());
        let mut index: BTreeMap<Identifier, usize> = BTreeMap::new();
        let mut account_ids: BTreeMap<String, usize> = BTreeMap::new();
        for (i, account) in file.accounts.into_iter().enumerate() {
            let field = |name: &str| format!("accounts[{i}].{name}");
            if account.id.trim().is_empty() {
                return Err(DirectoryError::new(field("id"), "must not be empty"));
            }
            if let Some(other) = account_ids.insert(account.id.clone(), i) {
                return Err(DirectoryError::new(
                    field("id"),
                    format!("account {:?} is also accounts[{other}]", account.id),
                ));
            }
            let tenant = match account.tenant {
                None => None,
                Some(id) => Some(tenants.get(&id).cloned().ok_or_else(|| {
                    DirectoryError::new(field("tenant"), format!("no tenant has id {id:?}"))
                })?),
            };
            for (j, entry) in account.identifiers.into_iter().enumerate() {
                let at = field(&format!("identifiers[{j}].value"));
                let identifier = Identifier::parse_specific(entry.kind, &entry.value)
                    .map_err(|e| DirectoryError::new(&at, e.to_string()))?;
                if let Some(other) = index.insert(identifier, i).filter(|other| *other != i) {
                    return Err(DirectoryError::new(
                        at,
                        format!("{:?} already belongs to accounts[{other}]", entry.value),
                    ));
                }
            }
            accounts.push(Account {
                id: account.id,
                tenant,
            });
        }
        Ok(Self { accounts, index })
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }
}

impl Directory for DirectoryFile {
    fn resolve(&self, identifier: &Identifier, _at: Option<Timestamp>) -> Option<Account> {
        self.index
            .get(identifier)
            .and_then(|i| self.accounts.get(*i))
            .cloned()
    }
}
