//! Where notices and escalations go out: one e-mail ([`Mail`]) through a [`Mailer`],
//! SMTP in production (lettre), a recorder or a real sink in tests.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// One e-mail to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("sending through SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("{0}")]
    Other(String),
}

/// Where notices go out: SMTP in production, a recorder in tests.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// How writ talks to the SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS required: the connection fails rather than send in the clear.
    Starttls,
}

/// The SMTP server notices are sent through.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// The sender (`From:`), e.g. `Legal <legal@provider.example>`.
    pub from: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub timeout: std::time::Duration,
}

/// Sends through an SMTP server with lettre.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, MailError> {
        let from: Mailbox = settings.from.parse().map_err(|e| MailError::Invalid {
            field: "smtp.from",
            message: format!("not a mailbox: {e}"),
        })?;
        let mut builder = match settings.tls {
            SmtpTls::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            }
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
        }
        .port(settings.port)
        .timeout(Some(settings.timeout));
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.expose_secret().to_owned(),
                ));
            }
            (None, None) => {}
            _ => {
                return Err(MailError::Invalid {
                    field: "smtp.username",
                    message: "give both smtp.username and smtp.password (WRIT_SMTP__PASSWORD), or neither".into(),
                });
            }
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail.to.parse().map_err(|e| MailError::Invalid {
            field: "notice.address",
            message: format!("{:?} is not a mailbox: {e}", mail.to),
        })?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        // A letter written as plain text only (the enterprise redirect) goes as such.
        let message = if mail.html.is_empty() {
            builder
                .header(lettre::message::header::ContentType::TEXT_PLAIN)
                .body(mail.text.clone())
        } else {
            builder.multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
        }
        .map_err(|e| MailError::Other(format!("building the message: {e}")))?;
        self.transport.send(message).await?;
        Ok(())
    }
}
