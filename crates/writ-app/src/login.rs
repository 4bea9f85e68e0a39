//! Signing in, for the API and the web alike: username, password and a TOTP code, all
//! required. Argon2id runs off the async threads and costs the same for an unknown
//! user; each TOTP step is good once; every refusal goes to the security log.
//!
//! Failed sign-ins are throttled, not punished with a lock a stranger could set off
//! (NIST SP 800-63B §5.2.2): after each failure, per account and per source address,
//! the next try must wait twice as long as the last (1 s, 2 s, 4 s, … at most a
//! minute). The wait is an answer (429 with `Retry-After`), never a sleep that holds
//! the server.

use std::net::IpAddr;

use writ_core::{Timestamp, Username};
use writ_store::User;

use crate::access::Caller;
use crate::credentials::{
    PasswordHash, SESSION_PREFIX, SecretToken, TotpSecret, dummy_verify, new_token, verify_password,
};
use crate::throttle::delay_after;
use crate::{App, AppError};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;
/// Failed sign-ins in a row (passwords and codes alike) that write a `user.throttled`
/// audit event.
const AUDIT_AFTER_FAILURES: i32 = 5;

/// Why a sign-in was refused, as the person reads it.
pub enum Refusal {
    Incomplete,
    Credentials,
    NoSecondFactor,
    WrongCode,
    CodeUsed,
    /// Too many failures: not before then.
    Throttled(Timestamp),
    AwaitingConfirmation,
    /// An admin disabled the account.
    Disabled,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Self::Incomplete => {
                "Enter your username, password and the code from your authenticator app."
            }
            Self::Credentials => "Wrong username or password.",
            Self::NoSecondFactor => {
                "A second factor is required: enter the 6-digit code from your authenticator app."
            }
            Self::WrongCode => {
                "That code is not right, or has expired: enter the code your authenticator app shows now."
            }
            Self::CodeUsed => "That code was already used: wait for the next one.",
            Self::AwaitingConfirmation => {
                "This account waits for a second admin's confirmation before it can sign in."
            }
            Self::Disabled => "This account is disabled; an admin can enable it again.",
            Self::Throttled(_) => {
                "Too many failed sign-ins: wait a little before trying again (each failure doubles the wait, up to a minute)."
            }
        }
    }

    /// Whole seconds to wait before trying again, for a throttled sign-in.
    pub fn retry_after(&self, now: Timestamp) -> Option<u64> {
        match self {
            Self::Throttled(until) => {
                let micros = until.unix_micros().saturating_sub(now.unix_micros());
                let seconds = micros.saturating_add(999_999) / 1_000_000;
                Some(u64::try_from(seconds).unwrap_or(1).max(1))
            }
            _ => None,
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Self::Incomplete
            | Self::Credentials
            | Self::Throttled(_)
            | Self::AwaitingConfirmation
            | Self::Disabled => "username",
            Self::NoSecondFactor | Self::WrongCode | Self::CodeUsed => "totp",
        }
    }
}

/// The person, if the password and the code are right (the code is then spent).
pub async fn authenticate(
    state: &App,
    address: IpAddr,
    username: &str,
    password: &str,
    code: &str,
) -> Result<Result<User, Refusal>, AppError> {
    if username.is_empty() || password.is_empty() {
        return Ok(Err(Refusal::Incomplete));
    }
    // Before Argon2: a throttled address costs the server nothing.
    if let Some(until) = state.login_throttle.waits_until(address, state.clock.now()) {
        tracing::warn!(target: "writ::security", %username, %address, "login refused: the address is throttled");
        return Ok(Err(Refusal::Throttled(until)));
    }
    let store = state.unsafe_store();
    let user = match Username::parse(username) {
        Ok(name) => store.user_by_name(&name).await?,
        Err(_) => None,
    };
    let stored = user
        .as_ref()
        .map(|u| PasswordHash::from_stored(u.password_hash.clone()));
    let password = password.to_owned();
    // Argon2 is slow on purpose: off the async threads. Unknown users cost the same.
    let password_ok = tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_password(&hash, &password),
        None => dummy_verify(&password),
    })
    .await
    .map_err(AppError::internal)?;
    let now = state.clock.now();
    let Some(user) = user else {
        tracing::warn!(target: "writ::security", %username, %address, "login refused: no such user");
        state.login_throttle.failed(address, now);
        return Ok(Err(Refusal::Credentials));
    };
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        tracing::warn!(target: "writ::security", %username, "login refused: the account is throttled");
        return Ok(Err(Refusal::Throttled(until)));
    }
    // Said only to whoever knows the password: it is not a guess's business.
    if password_ok && user.awaiting_change.is_some() {
        tracing::warn!(target: "writ::security", %username, "login refused: awaiting a second admin's confirmation");
        return Ok(Err(Refusal::AwaitingConfirmation));
    }
    if password_ok && user.disabled_at.is_some() {
        tracing::warn!(target: "writ::security", %username, "login refused: the account is disabled");
        return Ok(Err(Refusal::Disabled));
    }
    let refusal = if password_ok {
        second_factor(state, &user, code.trim(), now).await?
    } else {
        Some(Refusal::Credentials)
    };
    match refusal {
        None => {
            if user.failed_logins > 0 {
                store.clear_login_failures(&user).await?;
            }
            state.login_throttle.succeeded(address);
            Ok(Ok(user))
        }
        Some(refusal) => {
            tracing::warn!(target: "writ::security", %username, reason = refusal.message(), "login refused");
            // Passwords and codes alike: both can be guessed, so both count.
            if !matches!(refusal, Refusal::NoSecondFactor) {
                let until = |failures| now.checked_add(delay_after(failures)).unwrap_or(now);
                store
                    .count_login_failure(&user, AUDIT_AFTER_FAILURES, now, &until)
                    .await?;
                state.login_throttle.failed(address, now);
            }
            Ok(Err(refusal))
        }
    }
}

/// Checks the TOTP code and spends its time step; the refusal, if any.
async fn second_factor(
    state: &App,
    user: &User,
    code: &str,
    now: writ_core::Timestamp,
) -> Result<Option<Refusal>, AppError> {
    if code.is_empty() {
        return Ok(Some(Refusal::NoSecondFactor));
    }
    let secret = TotpSecret::parse(&user.totp_secret).map_err(AppError::internal)?;
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let Some(step) = secret.verify_once(code, now, last) else {
        // Right, but for a time step already spent: say so, so the person waits for
        // the next code instead of doubting the one they have.
        let replayed = last.is_some() && secret.verify_once(code, now, None).is_some();
        return Ok(Some(if replayed {
            Refusal::CodeUsed
        } else {
            Refusal::WrongCode
        }));
    };
    let Ok(step) = i64::try_from(step) else {
        return Ok(Some(Refusal::WrongCode));
    };
    if !state.unsafe_store().spend_totp_step(user.id, step).await? {
        return Ok(Some(Refusal::CodeUsed));
    }
    Ok(None)
}

/// Opens a session for `user`: the caller, the session's secret and when it ends.
pub async fn open_session(
    state: &App,
    user: User,
) -> Result<(Caller, SecretToken, Timestamp), AppError> {
    let now = state.clock.now();
    let (token, hash) = new_token(SESSION_PREFIX).map_err(AppError::internal)?;
    let expires = now
        .checked_add(time::Duration::hours(SESSION_HOURS))
        .unwrap_or(now);
    let caller = Caller { user };
    state
        .unsafe_store()
        .start_session(hash.as_str(), &caller.user, &caller.actor(), now, expires)
        .await?;
    Ok((caller, token, expires))
}
