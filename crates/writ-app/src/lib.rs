//! writ's application layer: what people and background work may do with cases, and
//! nothing of HTTP.
//!
//! Who may do what is enforced by types: a desk (`access/`) comes only from a role
//! that was admitted from an authenticated [`access::Caller`], and [`App`] keeps the
//! store private to this crate. `writ-server` turns HTTP requests into callers and
//! desk calls, and [`AppError`]s into HTTP answers.

pub mod access;
pub mod checkpoint;
pub mod credentials;
mod error;
pub mod jobs;
pub mod login;
pub mod mailer;
mod notices;
pub mod production;
mod throttle;
pub mod transparency;

use std::sync::Arc;

use writ_core::Clock;
use writ_core::policy::{Directory, Rules};
use writ_store::Store;

pub use error::{AppError, error_chain};

/// The rules and the directory the policy engine reads demands against.
pub struct Policy {
    pub rules: Rules,
    pub directory: Option<Arc<dyn Directory>>,
}

/// The application: what every caller reaches, the store only through a desk (its
/// fields are private to this crate; outside it, only [`App::unsafe_store`] reaches the
/// store).
#[derive(Clone)]
pub struct App {
    store: Store,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<Policy>,
    /// The 50 U.S.C. 1874 option the public report's national-security figures use.
    pub report_bands: writ_report::BandOption,
    /// Whether assistance orders are published in bands (`report.assistance_orders`).
    pub report_assistance: writ_report::AssistanceOption,
    /// Collection, sealing and delivery; without it, approved cases wait.
    productions: Option<Arc<production::Productions>>,
    /// When deadlines escalate, and to whom.
    pub deadlines: jobs::Deadlines,
    /// Where notices go out; without it, they wait in the outbox.
    mailer: Option<Arc<dyn mailer::Mailer>>,
    /// Transparency reports already counted, per period, bands and checkpoint.
    pub reports: Arc<transparency::ReportCache>,
    /// Failed sign-ins per source address, on this node.
    pub(crate) login_throttle: Arc<throttle::AddressThrottle>,
}

impl App {
    /// What the transparency report publishes, as configured.
    pub fn publication(&self) -> transparency::Publication {
        transparency::Publication {
            bands: self.report_bands,
            assistance_orders: self.report_assistance,
        }
    }

    pub fn new(store: Store, clock: Arc<dyn Clock>, policy: Arc<Policy>) -> Self {
        Self {
            store,
            clock,
            policy,
            report_bands: writ_report::BandOption::Band1000,
            report_assistance: writ_report::AssistanceOption::Omit,
            productions: None,
            mailer: None,
            deadlines: jobs::Deadlines::default(),
            reports: Arc::default(),
            login_throttle: Arc::default(),
        }
    }

    pub fn with_productions(mut self, productions: production::Productions) -> Self {
        self.productions = Some(Arc::new(productions));
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn mailer::Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The store without a desk: for what needs no authorization (health, the audit
    /// log's public checkpoints and proofs, logging in). Never for case data.
    pub fn unsafe_store(&self) -> &Store {
        &self.store
    }
}
