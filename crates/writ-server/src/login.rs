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

/// Why a sign-in was refused, as the person reads it.
pub(crate) enum Refusal {
    Incomplete,
    Credentials,
    NoSecondFactor,
    WrongCode,
    CodeUsed,
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
        }
    }

    pub(crate) fn field(&self) -> &'static str {
        match self {
            Self::Incomplete | Self::Credentials => "username",
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
    let Some(user) = user.filter(|_| password_ok) else {
        tracing::warn!(target: "writ::security", %username, "login refused: wrong username or password");
        return Ok(Err(Refusal::Credentials));
    };
    let code = code.trim();
    if code.is_empty() {
        tracing::warn!(target: "writ::security", %username, "login refused: no second factor");
        return Ok(Err(Refusal::NoSecondFactor));
    }
    let secret = TotpSecret::parse(&user.totp_secret).map_err(ApiError::internal)?;
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let Some(step) = secret.verify_once(code, state.clock.now(), last) else {
        tracing::warn!(target: "writ::security", %username, "login refused: wrong or reused code");
        return Ok(Err(Refusal::WrongCode));
    };
    let Ok(step) = i64::try_from(step) else {
        return Ok(Err(Refusal::WrongCode));
    };
    if !store.spend_totp_step(user.id, step).await? {
        tracing::warn!(target: "writ::security", %username, "login refused: code already used");
        return Ok(Err(Refusal::CodeUsed));
    }
    Ok(Ok(user))
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
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        token.expose(),
        SESSION_HOURS * 3600
    );
    Ok((caller, token, cookie))
}
