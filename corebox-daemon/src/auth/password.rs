//! Password rules and hashing.
//!
//! Passwords are hashed with Argon2id (the crate's defaults: 19 MiB, two
//! passes) into PHC strings. A hash takes tens of milliseconds and 19 MiB of
//! memory, so hashes run on the blocking pool behind a semaphore sized to
//! the cores: a flood of logins queues instead of exhausting memory.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use super::AuthError;

/// Shortest accepted password, in bytes.
pub const MIN_PASSWORD_BYTES: usize = 8;
/// Longest accepted password, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password against the rules.
///
/// # Errors
///
/// [`AuthError::InvalidPassword`] saying which rule it breaks.
pub fn check_rules(password: &str) -> Result<(), AuthError> {
    let len = password.len();
    if len < MIN_PASSWORD_BYTES {
        return Err(AuthError::InvalidPassword(format!(
            "password is too short ({len} bytes): use at least {MIN_PASSWORD_BYTES}"
        )));
    }
    if len > MAX_PASSWORD_BYTES {
        return Err(AuthError::InvalidPassword(format!(
            "password is too long ({len} bytes): use at most {MAX_PASSWORD_BYTES}"
        )));
    }
    Ok(())
}

/// Hashes and verifies passwords off the async runtime, a bounded number at
/// a time.
#[derive(Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified against when a user does not
    /// exist, so an unknown user costs the same time as a wrong password.
    decoy: String,
}

impl Hasher {
    /// Makes a hasher allowing `concurrency` hashes at once.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] if the decoy hash cannot be made.
    pub fn new(concurrency: usize) -> Result<Hasher, AuthError> {
        let random: [u8; 32] = rand::random();
        let decoy = hash_now(&hex::encode(random))?;
        Ok(Hasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            decoy,
        })
    }

    /// Hashes a password into a PHC string.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] if hashing fails.
    pub async fn hash(&self, password: String) -> Result<String, AuthError> {
        let _permit = self.permit().await?;
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .map_err(|error| AuthError::Internal(format!("hashing task failed: {error}")))?
    }

    /// Whether `password` matches `hash`; with no hash (unknown user) it
    /// spends the same time on a decoy and answers false.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] if the blocking task fails.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AuthError> {
        let _permit = self.permit().await?;
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.decoy.clone());
        let matches = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .verify_password(password.as_bytes(), hash.as_str())
                .is_ok()
        })
        .await
        .map_err(|error| AuthError::Internal(format!("hashing task failed: {error}")))?;
        Ok(known && matches)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AuthError> {
        self.permits
            .acquire()
            .await
            .map_err(|_| AuthError::Internal("password hasher is closed".to_owned()))
    }
}

fn hash_now(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| AuthError::Internal(format!("cannot hash password: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_length_rules() {
        assert!(check_rules("").is_err());
        assert!(check_rules("1234567").is_err());
        check_rules("12345678").expect("8 bytes is enough");
        check_rules(&"x".repeat(1024)).expect("1024 bytes is allowed");
        assert!(check_rules(&"x".repeat(1025)).is_err());
        // Bytes, not characters: four 2-byte characters are 8 bytes.
        check_rules("éééé").expect("8 bytes");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_and_verify() {
        let hasher = Hasher::new(1).expect("hasher");
        let hash = hasher.hash("correct horse".to_owned()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(
            hasher
                .verify("correct horse".to_owned(), Some(hash.clone()))
                .await
                .expect("ok")
        );
        assert!(
            !hasher
                .verify("wrong horse".to_owned(), Some(hash))
                .await
                .expect("ok")
        );
        assert!(
            !hasher
                .verify("anything".to_owned(), None)
                .await
                .expect("ok")
        );
    }
}
