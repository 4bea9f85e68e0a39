//! Signing in, for the API and the web alike: username, password and a TOTP code, all
//! required. Argon2id runs off the async threads and costs the same for an unknown
//! user; each TOTP step is good once; every refusal goes to the security log.

use writ_core::Username;
use writ_store::User;

use crate::ApiError;
use crate::access::{AppState, Caller, SESSION_COOKIE};
use crate::credentials::{
    PasswordHash, SESSION_PREFIX, SecretToken, TotpSecret, dummy_verify, new_token, verify_password,
};

/// How long a session lasts.
pub(crate) const SESSION_HOURS: i64 = 8;
/// Failed sign-ins in a row that lock a person out (passwords and codes alike)...
const LOCK_AFTER_FAILURES: i32 = 5;
/// ...for this long.
const LOCK_MINUTES: i64 = 15;

/// Why a sign-in was refused, as the person reads it.
pub(crate) enum Refusal {
    Incomplete,
    Credentials,
    NoSecondFactor,
    WrongCode,
    CodeUsed,
    Locked,
    AwaitingConfirmation,
}

impl Refusal {
    pub(crate) fn message(&self) -> &'static str {
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
            Self::Locked => {
                "Too many failed sign-ins: this account is locked for 15 minutes. Ask an admin if it was not you."
            }
        }
    }

    pub(crate) fn field(&self) -> &'static str {
        match self {
            Self::Incomplete | Self::Credentials | Self::Locked | Self::AwaitingConfirmation => {
                "username"
            }
            Self::NoSecondFactor | Self::WrongCode | Self::CodeUsed => "totp",
        }
    }
}

/// The person, if the password and the code are right (the code is then spent).
pub(crate) async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    code: &str,
) -> Result<Result<User, Refusal>, ApiError> {
    if username.is_empty() || password.is_empty() {
        return Ok(Err(Refusal::Incomplete));
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
    .map_err(ApiError::internal)?;
    let now = state.clock.now();
    let Some(user) = user else {
        tracing::warn!(target: "writ::security", %username, "login refused: no such user");
        return Ok(Err(Refusal::Credentials));
    };
    if user.locked_until.is_some_and(|until| until > now) {
        tracing::warn!(target: "writ::security", %username, "login refused: locked out");
        return Ok(Err(Refusal::Locked));
    }
    // Said only to whoever knows the password: it is not a guess's business.
    if password_ok && user.awaiting_change.is_some() {
        tracing::warn!(target: "writ::security", %username, "login refused: awaiting a second admin's confirmation");
        return Ok(Err(Refusal::AwaitingConfirmation));
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
            Ok(Ok(user))
        }
        Some(refusal) => {
            tracing::warn!(target: "writ::security", %username, reason = refusal.message(), "login refused");
            // Passwords and codes alike: both can be guessed, so both count.
            if !matches!(refusal, Refusal::NoSecondFactor) {
                let until = now
                    .checked_add(time::Duration::minutes(LOCK_MINUTES))
                    .unwrap_or(now);
                store
                    .count_login_failure(&user, LOCK_AFTER_FAILURES, now, until)
                    .await?;
            }
            Ok(Err(refusal))
        }
    }
}

/// Checks the TOTP code and spends its time step; the refusal, if any.
async fn second_factor(
    state: &AppState,
    user: &User,
    code: &str,
    now: writ_core::Timestamp,
) -> Result<Option<Refusal>, ApiError> {
    if code.is_empty() {
        return Ok(Some(Refusal::NoSecondFactor));
    }
    let secret = TotpSecret::parse(&user.totp_secret).map_err(ApiError::internal)?;
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

/// Opens a session for `user`: the session's secret and its `Set-Cookie` value.
pub(crate) async fn open_session(
    state: &AppState,
    user: User,
) -> Result<(Caller, SecretToken, String), ApiError> {
    let now = state.clock.now();
    let (token, hash) = new_token(SESSION_PREFIX).map_err(ApiError::internal)?;
    let expires = now
        .checked_add(time::Duration::hours(SESSION_HOURS))
        .unwrap_or(now);
    let caller = Caller { user };
    state
        .unsafe_store()
        .start_session(hash.as_str(), &caller.user, &caller.actor(), now, expires)
        .await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
        token.expose(),
        SESSION_HOURS * 3600
    );
    Ok((caller, token, cookie))
}
