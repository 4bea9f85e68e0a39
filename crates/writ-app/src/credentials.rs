//! Credential primitives: password hashes, TOTP second factors, bearer tokens and CSRF
//! tokens. Pure functions and small types: no HTTP, no database, no clock (the caller
//! passes `now`). The auth layer decides when to call them and what to store.
//!
//! What to store, and what never to store:
//! - passwords: only the [`PasswordHash`] (Argon2id PHC string);
//! - TOTP: the [`TotpSecret`] itself (it must be recoverable to check codes; keep it
//!   encrypted at rest), and the last accepted step for [`TotpSecret::verify_once`];
//! - API tokens and session ids: only the [`TokenHash`]; the plaintext [`SecretToken`]
//!   is shown to its owner once (or set as a cookie) and looked up by its hash;
//! - CSRF tokens: nothing; they are derived from the session secret on each request.

use std::fmt;

use argon2::password_hash::Error as PhcError;
use argon2::{
    Algorithm, Argon2, PasswordHash as PhcHash, PasswordHasher, PasswordVerifier, Version,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use writ_core::Timestamp;

/// Everything that can go wrong making or checking credentials. The password-policy
/// messages are written to be shown to the person choosing the password.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("the password is too short: use at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password is too long: use at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error(
        "the password is too simple: mix at least two kinds of character \
         (lower-case letters, upper-case letters, digits, and spaces or other symbols)"
    )]
    PasswordTooSimple,
    #[error("hashing the password failed")]
    Hashing(#[source] PhcError),
    #[error("the operating system's random number generator failed")]
    Randomness(#[source] getrandom::Error),
    #[error("not a TOTP secret: expected base32 (RFC 4648) text of at least 16 bytes")]
    InvalidTotpSecret,
    #[error("the otpauth {field} must not be empty and must not contain a colon")]
    InvalidOtpauthLabel { field: &'static str },
    #[error("not a token hash: expected 64 lower-case hexadecimal digits")]
    InvalidTokenHash,
}

// ---------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------

/// Fewest characters (Unicode scalar values) a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most characters a new password may have: long passphrases are welcome, megabytes
/// are not.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane.
const ARGON2_M_COST_KIB: u32 = 19 * 1024;
const ARGON2_T_COST: u32 = 2;
const ARGON2_P_COST: u32 = 1;

/// Refuse to verify against stored parameters beyond these: a tampered row must not
/// make one login allocate gigabytes.
const MAX_STORED_M_COST_KIB: u32 = 1024 * 1024;
const MAX_STORED_T_COST: u32 = 32;
const MAX_STORED_P_COST: u32 = 16;

/// A hash, with the same parameters as [`hash_password`], of a random password nobody
/// knows; [`dummy_verify`] checks against it so an unknown account costs as much time
/// as a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$z6q9X1xmZyT2sxhXvBatyw$NlMsgRVwbLfwprPXa1GPtaZBMePqs39TC3kdgEs0o4k";

/// An Argon2id password hash in PHC string format (`$argon2id$v=19$m=19456,t=2,p=1$…`),
/// what the store keeps instead of the password. `Debug` does not show it: a leaked
/// hash can still be attacked offline.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string read back from the store. Not validated here, so loading an
    /// account never fails on a bad row; [`verify_password`] refuses (and logs) one.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, to store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// The hasher for new hashes, with writ's parameters spelled out rather than the
/// crate's defaults, so an upgrade cannot change them silently.
fn argon2_for_new_hashes() -> Result<Argon2<'static>, CredentialError> {
    let params = argon2::Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, None)
        .map_err(|error| CredentialError::Hashing(error.into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against writ's policy, deliberately simple (in the spirit of
/// NIST SP 800-63B, which favours length over composition rules):
/// - at least [`MIN_PASSWORD_CHARS`] and at most [`MAX_PASSWORD_CHARS`] characters;
/// - not all of one kind, the kinds being lower-case letters, upper-case letters,
///   digits, and everything else (spaces, punctuation, uncased letters). So
///   `correct horse battery staple` passes, `aaaaaaaaaaaaaaaa` and `123456789012` don't.
///
/// Call it when a password is set or changed, never at login.
pub fn check_password_strength(password: &str) -> Result<(), CredentialError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooShort {
            min: MIN_PASSWORD_CHARS,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooLong {
            max: MAX_PASSWORD_CHARS,
        });
    }
    let kind = |c: char| {
        if c.is_lowercase() {
            0u8
        } else if c.is_uppercase() {
            1
        } else if c.is_numeric() {
            2
        } else {
            3
        }
    };
    let mut kinds = password.chars().map(kind);
    let first = kinds.next();
    if kinds.all(|k| Some(k) == first) {
        return Err(CredentialError::PasswordTooSimple);
    }
    Ok(())
}

/// Hashes a password with Argon2id (OWASP parameters, 16-byte salt from the OS).
///
/// Slow on purpose (tens of milliseconds in release builds, 19 MiB of memory): from
/// async code, run it in `tokio::task::spawn_blocking`. Does not apply the policy; call
/// [`check_password_strength`] first when the password is new.
pub fn hash_password(password: &str) -> Result<PasswordHash, CredentialError> {
    let salt = password_salt()?;
    let hash = argon2_for_new_hashes()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(CredentialError::Hashing)?;
    Ok(PasswordHash(hash.to_string()))
}

fn password_salt() -> Result<[u8; 16], CredentialError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(CredentialError::Randomness)?;
    Ok(salt)
}

/// Whether `password` matches `stored`, in constant time (the crate compares outputs
/// with `subtle`). A malformed or non-Argon2id stored hash is `false` and an error in
/// the log, never a panic.
///
/// As slow as [`hash_password`]: run it in `tokio::task::spawn_blocking`. When the
/// account does not exist, call [`dummy_verify`] instead so the answer takes as long.
pub fn verify_password(stored: &PasswordHash, password: &str) -> bool {
    let Some(parsed) = parse_stored(stored) else {
        return false;
    };
    // Verification takes algorithm, version and costs from the stored hash, not from
    // the hasher; `parse_stored` has checked them.
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => true,
        Err(PhcError::PasswordInvalid) => false,
        Err(error) => {
            tracing::error!(%error, "verifying a password against its stored hash failed");
            false
        }
    }
}

/// Spends the time of one [`verify_password`] and returns `false`: for a login naming
/// an account that does not exist, so response times do not reveal which accounts do.
pub fn dummy_verify(password: &str) -> bool {
    let dummy = PasswordHash(DUMMY_HASH.to_owned());
    let _ = verify_password(&dummy, password);
    false
}

/// Whether `stored` was made with other parameters than [`hash_password`] uses now
/// (or is unreadable): after a successful login, rehash the password and store the
/// new hash.
pub fn needs_rehash(stored: &PasswordHash) -> bool {
    let Ok(parsed) = PhcHash::new(stored.as_str()) else {
        return true;
    };
    match argon2::Params::try_from(&parsed) {
        Ok(params) => {
            parsed.algorithm != argon2::ARGON2ID_IDENT
                || parsed.version != Some(Version::V0x13.into())
                || params.m_cost() != ARGON2_M_COST_KIB
                || params.t_cost() != ARGON2_T_COST
                || params.p_cost() != ARGON2_P_COST
                || params.output_len() != Some(argon2::Params::DEFAULT_OUTPUT_LEN)
        }
        Err(_) => true,
    }
}

/// Parses a stored hash, refusing (with an error log, without the hash) anything but a
/// well-formed Argon2id hash with sane costs.
fn parse_stored(stored: &PasswordHash) -> Option<PhcHash> {
    let parsed = match PhcHash::new(stored.as_str()) {
        Ok(parsed) => parsed,
        Err(error) => {
            tracing::error!(%error, "a stored password hash is not a PHC string");
            return None;
        }
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        tracing::error!(algorithm = %parsed.algorithm, "a stored password hash is not Argon2id");
        return None;
    }
    match argon2::Params::try_from(&parsed) {
        Ok(params)
            if params.m_cost() <= MAX_STORED_M_COST_KIB
                && params.t_cost() <= MAX_STORED_T_COST
                && params.p_cost() <= MAX_STORED_P_COST =>
        {
            Some(parsed)
        }
        Ok(params) => {
            tracing::error!(
                m_cost = params.m_cost(),
                t_cost = params.t_cost(),
                p_cost = params.p_cost(),
                "a stored password hash has implausibly high costs"
            );
            None
        }
        Err(error) => {
            tracing::error!(%error, "a stored password hash has invalid Argon2 parameters");
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// TOTP (RFC 6238)
// ---------------------------------------------------------------------------------------

/// Seconds per TOTP step, what authenticator apps use.
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Digits in a TOTP code.
pub const TOTP_DIGITS: u8 = 6;
/// Steps of clock skew accepted either side of the current one.
pub const TOTP_SKEW_STEPS: u64 = 1;
/// Bytes of a generated TOTP secret (160 bits, RFC 4226's recommendation).
const TOTP_SECRET_BYTES: usize = 20;
/// RFC 4226's minimum for a secret we accept (128 bits).
const TOTP_MIN_SECRET_BYTES: usize = 16;
/// Longest secret we accept when parsing (SHA-1's block size).
const TOTP_MAX_SECRET_BYTES: usize = 64;

/// A TOTP shared secret (HMAC-SHA-1, 6 digits, 30-second steps). `Debug` does not show
/// it; [`TotpSecret::expose_base32`] does, for storage and enrolment.
#[derive(Clone)]
pub struct TotpSecret {
    /// Built with no skew: [`Self::matching_step`] walks the window itself, so that
    /// the replay guard can skip steps already used.
    totp: totp_rs::Totp,
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    /// A new random 160-bit secret from the operating system.
    pub fn generate() -> Result<Self, CredentialError> {
        let mut bytes = [0u8; TOTP_SECRET_BYTES];
        getrandom::fill(&mut bytes).map_err(CredentialError::Randomness)?;
        Self::from_bytes(bytes.to_vec(), TOTP_DIGITS)
    }

    /// Reads a secret from its base32 text (RFC 4648; case, spaces and `=` padding
    /// ignored, as authenticator apps show it). At least 16 bytes, at most 64.
    pub fn parse(base32: &str) -> Result<Self, CredentialError> {
        let bytes = decode_base32(base32).ok_or(CredentialError::InvalidTotpSecret)?;
        Self::from_bytes(bytes, TOTP_DIGITS)
    }

    fn from_bytes(bytes: Vec<u8>, digits: u8) -> Result<Self, CredentialError> {
        if !(TOTP_MIN_SECRET_BYTES..=TOTP_MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(CredentialError::InvalidTotpSecret);
        }
        let totp = totp_rs::Builder::new()
            .with_algorithm(totp_rs::Algorithm::SHA1)
            .with_digits(digits)
            .with_skew(0)
            .with_step_duration(TOTP_STEP_SECONDS)
            .with_secret(bytes)
            .build()
            .map_err(|_| CredentialError::InvalidTotpSecret)?;
        Ok(Self { totp })
    }

    /// The secret as unpadded upper-case base32, the form [`Self::parse`] reads and
    /// authenticator apps accept. Handle it like a password.
    pub fn expose_base32(&self) -> String {
        self.totp.secret().to_base32()
    }

    /// The code for the step containing `now` (for tests and the demo; a time before
    /// 1970 counts as 1970).
    pub fn code_at(&self, now: Timestamp) -> String {
        self.totp
            .generate(unix_seconds(now).unwrap_or(0))
            .to_string()
    }

    /// Whether `code` is right for the step containing `now` or the one either side
    /// (clock skew). Spaces in the code are ignored. Prefer [`Self::verify_once`] at
    /// login: a code must be accepted only once (RFC 6238 §5.2).
    pub fn verify(&self, code: &str, now: Timestamp) -> bool {
        self.matching_step(code, now, None).is_some()
    }

    /// Like [`Self::verify`], but refuses a code whose step is not after
    /// `last_used_step` (replay, or an older code after a newer one). Returns the step
    /// used: the caller stores it as the account's new `last_used_step`, atomically
    /// (compare-and-set on the old value) so two concurrent logins cannot both spend
    /// the same code. Callers must also limit failed attempts: a guess has a
    /// 3-in-a-million chance.
    pub fn verify_once(
        &self,
        code: &str,
        now: Timestamp,
        last_used_step: Option<u64>,
    ) -> Option<u64> {
        self.matching_step(code, now, last_used_step)
    }

    fn matching_step(&self, code: &str, now: Timestamp, after: Option<u64>) -> Option<u64> {
        // A code is a handful of digits; do not copy arbitrary input around.
        if code.len() > 32 {
            return None;
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let current = unix_seconds(now)? / TOTP_STEP_SECONDS;
        let first = current.saturating_sub(TOTP_SKEW_STEPS);
        let last = current.saturating_add(TOTP_SKEW_STEPS);
        (first..=last)
            .filter(|&step| after.is_none_or(|used| step > used))
            .find(|&step| {
                // The crate compares tokens in constant time.
                step.checked_mul(TOTP_STEP_SECONDS)
                    .and_then(|at| self.totp.check(&code, at))
                    .is_some()
            })
    }

    /// The `otpauth://` URI an authenticator app enrols from (usually shown as a QR
    /// code), per Google's Key Uri Format: label `issuer:account`, the secret, and the
    /// algorithm, digits and period spelled out. `issuer` and `account` must be
    /// non-empty and contain no colon (the label's separator).
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<String, CredentialError> {
        if issuer.is_empty() || issuer.contains(':') {
            return Err(CredentialError::InvalidOtpauthLabel { field: "issuer" });
        }
        if account.is_empty() || account.contains(':') {
            return Err(CredentialError::InvalidOtpauthLabel { field: "account" });
        }
        let issuer = percent_encode(issuer);
        Ok(format!(
            "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
             &algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_STEP_SECONDS}",
            account = percent_encode(account),
            secret = self.expose_base32(),
        ))
    }
}

/// Whole seconds since 1970, or `None` before it.
fn unix_seconds(now: Timestamp) -> Option<u64> {
    u64::try_from(now.unix_micros().div_euclid(1_000_000)).ok()
}

fn decode_base32(text: &str) -> Option<Vec<u8>> {
    if text.len() > 256 {
        return None;
    }
    let normalized: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let unpadded = normalized.trim_end_matches('=');
    totp_rs::Secret::try_from_base32(unpadded)
        .ok()
        .map(|secret| secret.as_bytes().to_vec())
}

/// Percent-encodes everything but RFC 3986's unreserved characters (so a space is
/// `%20`, which authenticator apps expect, not `+`).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tokens: API tokens, session ids
// ---------------------------------------------------------------------------------------

/// Prefix of API tokens, so a leaked one is recognisable (and secret scanners can
/// match it).
pub const API_TOKEN_PREFIX: &str = "writ_at_";
/// Prefix of session ids (the session cookie's value).
pub const SESSION_PREFIX: &str = "writ_ses_";
/// Random bytes in a token (256 bits).
const TOKEN_BYTES: usize = 32;

/// A token's plaintext: an API token shown once to its owner, or a session cookie's
/// value. `Debug` does not show it, and there is no `Display`: use
/// [`SecretToken::expose`] where the text must leave the process.
#[derive(Clone)]
pub struct SecretToken(String);

impl SecretToken {
    /// Wraps a token presented by a client (bearer header, cookie), to hash it or
    /// derive its CSRF token.
    pub fn from_presented(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The plaintext.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What to store and look up by.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// SHA-256 of a token's full text (prefix included), as 64 lower-case hex digits: what
/// the store keeps and indexes. A fast hash is right here, unlike for passwords: the
/// token has 256 random bits, so there is nothing to guess. Looking a token up by its
/// hash also means the database never compares secrets, so its timing reveals nothing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// The hash of a token's text.
    pub fn of(token: &str) -> Self {
        Self(hex::encode(Sha256::digest(token.as_bytes())))
    }

    /// Reads a hash back from the store.
    pub fn from_hex(text: &str) -> Result<Self, CredentialError> {
        let valid = text.len() == 64
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(CredentialError::InvalidTokenHash)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` hashes to this, compared in constant time (for when a hash
    /// is compared in memory rather than looked up).
    pub fn matches(&self, presented: &str) -> bool {
        Self::of(presented)
            .0
            .as_bytes()
            .ct_eq(self.0.as_bytes())
            .into()
    }
}

impl fmt::Display for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new token: `prefix` (used verbatim, e.g. [`API_TOKEN_PREFIX`]) followed by 32
/// random bytes from the OS in URL-safe base64 without padding (43 characters). Give
/// the [`SecretToken`] to its owner; store only the [`TokenHash`].
pub fn new_token(prefix: &str) -> Result<(SecretToken, TokenHash), CredentialError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(CredentialError::Randomness)?;
    let token = SecretToken(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)));
    let hash = token.hash();
    Ok((token, hash))
}

// ---------------------------------------------------------------------------------------
// CSRF
// ---------------------------------------------------------------------------------------

/// What the CSRF MAC covers; versioned so the derivation can change.
const CSRF_LABEL: &[u8] = b"writ csrf token v1";

/// The CSRF token for a session: HMAC-SHA256 over a fixed label, keyed with SHA-256 of
/// the session secret, in URL-safe base64 (43 characters). The same for the whole
/// session, so it can go in every form; useless with another session. Reveals nothing
/// about the session secret.
pub fn csrf_token(session_secret: &SecretToken) -> String {
    URL_SAFE_NO_PAD.encode(csrf_mac(session_secret).finalize().into_bytes())
}

/// Whether `submitted` is the CSRF token of this session, compared in constant time.
pub fn verify_csrf(session_secret: &SecretToken, submitted: &str) -> bool {
    if submitted.len() > 64 {
        return false;
    }
    match URL_SAFE_NO_PAD.decode(submitted.trim()) {
        Ok(tag) => csrf_mac(session_secret).verify_slice(&tag).is_ok(),
        Err(_) => false,
    }
}

fn csrf_mac(session_secret: &SecretToken) -> Hmac<Sha256> {
    // HMAC zero-pads a key shorter than the hash's block, so this is exactly
    // HMAC-SHA256 keyed with SHA-256(secret), built from a fixed-size key (which cannot
    // fail, unlike `new_from_slice`).
    let digest = Sha256::digest(session_secret.expose().as_bytes());
    let mut key = hmac::digest::Key::<Hmac<Sha256>>::default();
    for (slot, byte) in key.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&key);
    mac.update(CSRF_LABEL);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    // --- passwords ---

    #[test]
    fn hashes_verify_and_refuse_the_wrong_password() {
        let first = hash_password("correct horse battery staple").unwrap();
        let second = hash_password("correct horse battery staple").unwrap();
        for hash in [&first, &second] {
            assert!(
                hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
                "{}",
                hash.as_str()
            );
            assert!(!needs_rehash(hash));
        }
        assert_ne!(first, second, "each hash has its own salt");
        let salt = |h: &PasswordHash| h.as_str().split('$').nth(4).unwrap().to_owned();
        assert_ne!(salt(&first), salt(&second));

        assert!(verify_password(&first, "correct horse battery staple"));
        assert!(verify_password(&second, "correct horse battery staple"));
        assert!(!verify_password(&first, "correct horse battery stapl"));
        assert!(!verify_password(&first, "Correct horse battery staple"));
        assert!(!verify_password(&first, ""));
    }

    #[test]
    fn a_malformed_stored_hash_is_refused_without_panicking() {
        for stored in [
            "",
            "plaintext",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$bm90LWJhc2U2NA",
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$!!!",
            // Another algorithm: a genuine Argon2i hash of "password", refused anyway.
            "$argon2i$v=19$m=16,t=2,p=1$c3Nzc3Nzc3Nzc3Nzc3Nzcw$+6Afu58pVTHKNXZkTfS/HLgP506POfX29PjQiBvcN3U",
            // Costs nobody should have stored: refused before allocating 4 TiB.
            "$argon2id$v=19$m=4294967295,t=2,p=1$c3Nzc3Nzc3Nzc3Nzc3Nzcw$0Wkc5TKBIscVT7GtvFlJ6LI6UqYeEeux0ZPddHVNE60",
        ] {
            let stored = PasswordHash::from_stored(stored.to_owned());
            assert!(!verify_password(&stored, "password"), "{stored:?}");
            assert!(needs_rehash(&stored));
        }
    }

    #[test]
    fn older_parameters_still_verify_but_ask_for_a_rehash() {
        // Argon2id of "password" with m=4096, t=3 (made with the crate directly).
        let old = PasswordHash::from_stored(
            "$argon2id$v=19$m=4096,t=3,p=1$c3Nzc3Nzc3Nzc3Nzc3Nzcw$0Wkc5TKBIscVT7GtvFlJ6LI6UqYeEeux0ZPddHVNE60"
                .to_owned(),
        );
        assert!(verify_password(&old, "password"));
        assert!(!verify_password(&old, "passwore"));
        assert!(needs_rehash(&old));
    }

    #[test]
    fn dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::from_stored(DUMMY_HASH.to_owned());
        assert!(!needs_rehash(&dummy), "same parameters as hash_password");
        assert!(parse_stored(&dummy).is_some());
        assert!(!dummy_verify("anything at all"));
    }

    #[test]
    fn password_policy() {
        assert!(check_password_strength("correct horse battery staple").is_ok());
        assert!(check_password_strength("Tr0ub4dor&3x").is_ok());
        assert!(check_password_strength("lowercase123").is_ok());
        assert!(matches!(
            check_password_strength("Short1!"),
            Err(CredentialError::PasswordTooShort { min: 12 })
        ));
        // Eleven characters, however varied, is too short; twelve is enough.
        assert!(check_password_strength("Ab1!Ab1!Ab1").is_err());
        assert!(check_password_strength("Ab1!Ab1!Ab1!").is_ok());
        // Length counts characters, not bytes.
        assert!(check_password_strength("ééééééééééé1").is_ok());
        assert!(check_password_strength("éééééé1").is_err());
        for one_kind in [
            "aaaaaaaaaaaaaaaa",
            "ABCDEFGHIJKLMNOP",
            "123456789012",
            "!@#$%^&*()_+-=",
            "            ",
        ] {
            assert!(
                matches!(
                    check_password_strength(one_kind),
                    Err(CredentialError::PasswordTooSimple)
                ),
                "{one_kind:?}"
            );
        }
        assert!(matches!(
            check_password_strength(&"aB".repeat(513)),
            Err(CredentialError::PasswordTooLong { max: 1024 })
        ));
        assert!(
            CredentialError::PasswordTooShort { min: 12 }
                .to_string()
                .contains("at least 12 characters")
        );
    }

    #[test]
    fn debug_never_shows_a_password_hash() {
        let hash = PasswordHash::from_stored(DUMMY_HASH.to_owned());
        let shown = format!("{hash:?}");
        assert!(!shown.contains("argon2"), "{shown}");
        assert!(!shown.contains("z6q9X1xm"), "{shown}");
    }

    // --- TOTP ---

    /// RFC 6238 Appendix B, SHA-1 column: the ASCII secret "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";
    const RFC_VECTORS: [(i64, &str); 6] = [
        (59, "94287082"),
        (1_111_111_109, "07081804"),
        (1_111_111_111, "14050471"),
        (1_234_567_890, "89005924"),
        (2_000_000_000, "69279037"),
        (20_000_000_000, "65353130"),
    ];

    #[test]
    fn rfc6238_vectors_with_eight_digits() {
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec(), 8).unwrap();
        for (seconds, code) in RFC_VECTORS {
            assert_eq!(secret.code_at(at(seconds)), code, "T = {seconds}");
            assert!(secret.verify(code, at(seconds)));
        }
    }

    #[test]
    fn rfc6238_vectors_truncated_to_six_digits() {
        // The secret in base32, as an app would be given it.
        let secret = TotpSecret::parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        for (seconds, code) in RFC_VECTORS {
            let six = &code[2..];
            assert_eq!(secret.code_at(at(seconds)), six, "T = {seconds}");
            assert!(secret.verify(six, at(seconds)));
            assert!(
                !secret.verify(code, at(seconds)),
                "eight digits are not six"
            );
        }
    }

    #[test]
    fn accepts_one_step_of_skew_either_side_and_no_more() {
        let secret = TotpSecret::generate().unwrap();
        // Step 40_000_000 begins at 1_200_000_000.
        let now = 1_200_000_000 + 10;
        let code = secret.code_at(at(now));
        assert!(secret.verify(&code, at(now)));
        // The same code, seen from the step before (client's clock ahead) and after.
        assert!(secret.verify(&code, at(now - 30)));
        assert!(secret.verify(&code, at(now + 30)));
        // Edges of the ±1 window: the first second of the previous step's window and
        // the last second of the next one.
        assert!(secret.verify(&code, at(1_200_000_000 - 30)));
        assert!(secret.verify(&code, at(1_200_000_000 + 59)));
        // Two steps away.
        assert!(!secret.verify(&code, at(1_200_000_000 - 31)));
        assert!(!secret.verify(&code, at(1_200_000_000 + 60)));
        assert!(!secret.verify(&code, at(now + 60)));
        assert!(!secret.verify(&code, at(now - 60)));
    }

    #[test]
    fn refuses_malformed_codes_and_ignores_spaces() {
        let secret = TotpSecret::parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let now = at(59);
        assert!(secret.verify("287 082", now));
        assert!(secret.verify(" 287082\n", now));
        for bad in [
            "",
            "28708",
            "2870820",
            "+87082",
            "-87082",
            "28708a",
            "２８７０８２",
        ] {
            assert!(!secret.verify(bad, now), "{bad:?}");
        }
        assert!(!secret.verify(&"2".repeat(10_000), now));
        // Before 1970 nothing verifies.
        assert!(!secret.verify("287082", at(-1)));
    }

    #[test]
    fn replay_of_a_used_step_is_refused() {
        let secret = TotpSecret::generate().unwrap();
        let now = at(1_700_000_000);
        let code = secret.code_at(now);
        let step = secret.verify_once(&code, now, None).unwrap();
        assert_eq!(step, 1_700_000_000 / 30);
        // Same code again, now or a step later while it is still in the window.
        assert_eq!(secret.verify_once(&code, now, Some(step)), None);
        assert_eq!(
            secret.verify_once(&code, at(1_700_000_030), Some(step)),
            None
        );
        // An older code after a newer one was used is refused too.
        let previous = secret.code_at(at(1_700_000_000 - 30));
        assert_eq!(secret.verify_once(&previous, now, Some(step)), None);
        // The next step's code is fine.
        let next_time = at(1_700_000_030);
        let next = secret.code_at(next_time);
        assert_eq!(
            secret.verify_once(&next, next_time, Some(step)),
            Some(step + 1)
        );
        // A wrong code is refused whatever the history.
        let wrong = if code == "000000" { "000001" } else { "000000" };
        assert_eq!(secret.verify_once(wrong, now, None), None);
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let secret = TotpSecret::generate().unwrap();
        let text = secret.expose_base32();
        assert_eq!(text.len(), 32, "20 bytes are 32 base32 characters");
        let again = TotpSecret::parse(&text).unwrap();
        let now = at(1_700_000_000);
        assert_eq!(again.code_at(now), secret.code_at(now));
        // As apps and people write it: lower case, spaced, padded.
        let spaced = text
            .to_lowercase()
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            TotpSecret::parse(&spaced).unwrap().code_at(now),
            secret.code_at(now)
        );
        assert_ne!(
            TotpSecret::generate().unwrap().expose_base32(),
            text,
            "random"
        );
    }

    #[test]
    fn refuses_bad_secrets() {
        for bad in [
            "",
            "not base32!",
            "GEZDGNBVGY3TQOJQ", // 10 bytes: under RFC 4226's 128 bits
            "01234567890123456789012345678901",
        ] {
            assert!(
                matches!(
                    TotpSecret::parse(bad),
                    Err(CredentialError::InvalidTotpSecret)
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn otpauth_uri_for_enrolment() {
        let secret = TotpSecret::parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(
            secret.otpauth_uri("writ", "alice@example.org").unwrap(),
            "otpauth://totp/writ:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=writ&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            secret.otpauth_uri("Acme Writ", "Zoë & co").unwrap(),
            "otpauth://totp/Acme%20Writ:Zo%C3%AB%20%26%20co?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Acme%20Writ&algorithm=SHA1&digits=6&period=30"
        );
        assert!(secret.otpauth_uri("a:b", "alice").is_err());
        assert!(secret.otpauth_uri("writ", "alice:admin").is_err());
        assert!(secret.otpauth_uri("", "alice").is_err());
        assert!(secret.otpauth_uri("writ", "").is_err());
    }

    #[test]
    fn debug_never_shows_a_totp_secret() {
        let secret = TotpSecret::parse("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        let shown = format!("{secret:?}");
        assert_eq!(shown, "TotpSecret(<redacted>)");
        assert!(!format!("{:?}", Some(&secret)).contains("GEZDG"));
    }

    // --- tokens ---

    #[test]
    fn new_tokens_are_prefixed_random_and_hashed() {
        let (token, hash) = new_token(API_TOKEN_PREFIX).unwrap();
        let text = token.expose();
        assert!(text.starts_with("writ_at_"), "{text}");
        let body = &text["writ_at_".len()..];
        assert_eq!(body.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(body).unwrap().len(), 32);
        assert!(
            body.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(hash, TokenHash::of(text));
        assert_eq!(hash, token.hash());

        let (other, other_hash) = new_token(API_TOKEN_PREFIX).unwrap();
        assert_ne!(other.expose(), text);
        assert_ne!(other_hash, hash);
    }

    #[test]
    fn token_hash_is_stable_sha256_hex() {
        // SHA-256("abc"), FIPS 180-2.
        assert_eq!(
            TokenHash::of("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (token, hash) = new_token(SESSION_PREFIX).unwrap();
        let presented = SecretToken::from_presented(token.expose().to_owned());
        assert_eq!(presented.hash(), hash, "lookup by hash finds it again");
        assert_eq!(TokenHash::from_hex(hash.as_str()).unwrap(), hash);
        assert!(hash.matches(token.expose()));
        assert!(!hash.matches("writ_ses_guess"));
        assert_eq!(hash.to_string(), hash.as_str());
    }

    #[test]
    fn token_hash_from_store_is_checked() {
        for bad in [
            "",
            "abc",
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015azz",
            "za7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ] {
            assert!(TokenHash::from_hex(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_a_token() {
        let (token, _) = new_token(API_TOKEN_PREFIX).unwrap();
        let shown = format!("{token:?}");
        assert_eq!(shown, "SecretToken(<redacted>)");
        assert!(!shown.contains(token.expose()));
    }

    // --- CSRF ---

    #[test]
    fn csrf_tokens_are_bound_to_their_session() {
        let (session, _) = new_token(SESSION_PREFIX).unwrap();
        let (other_session, _) = new_token(SESSION_PREFIX).unwrap();
        let token = csrf_token(&session);
        assert_eq!(token.len(), 43);
        assert_eq!(csrf_token(&session), token, "stable for the session");
        assert!(!token.contains(session.expose()));

        assert!(verify_csrf(&session, &token));
        let presented = SecretToken::from_presented(session.expose());
        assert!(verify_csrf(&presented, &token), "from the cookie's value");

        assert!(
            !verify_csrf(&other_session, &token),
            "another session's token"
        );
        assert!(!verify_csrf(&session, &csrf_token(&other_session)));
        assert!(!verify_csrf(&session, ""));
        assert!(!verify_csrf(&session, "not base64 !"));
        assert!(!verify_csrf(&session, &token[..42]));
        assert!(!verify_csrf(&session, &format!("{token}AA")));
        let mut flipped = token.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        assert!(!verify_csrf(&session, &String::from_utf8(flipped).unwrap()));
    }

    #[test]
    fn csrf_token_is_hmac_sha256_of_the_label() {
        // Independent computation through the variable-length-key API.
        let key = Sha256::digest(b"writ_ses_fixed");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        mac.update(CSRF_LABEL);
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(
            csrf_token(&SecretToken::from_presented("writ_ses_fixed")),
            expected
        );
    }
}
