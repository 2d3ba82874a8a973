//! Signed tokens: the JWT layer, without the database.
//!
//! Tokens are HS256 JWTs signed with a 256-bit key the daemon makes on first
//! start and keeps in its database. A token names its row (`jti`) and user
//! (`sub`); whether it still works is decided by that row (revocation,
//! expiry, scopes), which the caller checks after [`TokenKeys::decode`].

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::AuthError;

const ISSUER: &str = "corebox";

/// The claims inside every CoreBox token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Always `corebox`.
    pub iss: String,
    /// The user's row id.
    pub sub: String,
    /// The token's row id.
    pub jti: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expiry, Unix seconds; absent for API tokens made without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// The signing and verifying keys.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(<redacted>)")
    }
}

impl TokenKeys {
    /// Keys from a secret of at least 32 bytes.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] for a short or unusable secret.
    pub fn from_secret(secret: &[u8]) -> Result<TokenKeys, AuthError> {
        if secret.len() < 32 {
            return Err(AuthError::Internal(
                "token signing key is too short".to_owned(),
            ));
        }
        let bad_key = |error: jsonwebtoken::errors::Error| {
            AuthError::Internal(format!("unusable token signing key: {error}"))
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["iss", "sub"]);
        validation.validate_exp = true;
        validation.leeway = 0;
        Ok(TokenKeys {
            encoding: EncodingKey::from_secret(secret).map_err(bad_key)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad_key)?,
            validation,
        })
    }

    /// Signs a token for token row `jti` of user `user_id`.
    ///
    /// # Errors
    ///
    /// [`AuthError::Internal`] if signing fails.
    pub fn encode(
        &self,
        user_id: i64,
        jti: &str,
        iat: i64,
        exp: Option<i64>,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: user_id.to_string(),
            jti: jti.to_owned(),
            iat,
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| AuthError::Internal(format!("cannot sign token: {error}")))
    }

    /// Checks a token's signature, algorithm, issuer and expiry, and returns
    /// its claims.
    ///
    /// # Errors
    ///
    /// [`AuthError::TokenExpired`] past its expiry, [`AuthError::TokenInvalid`]
    /// for anything else wrong with it.
    pub fn decode(&self, token: &str) -> Result<Claims, AuthError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => AuthError::TokenExpired,
                _ => AuthError::TokenInvalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::unix_now;

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(&[7; 32]).expect("keys")
    }

    #[test]
    fn round_trip() {
        let now = unix_now();
        let token = keys().encode(42, "abc", now, Some(now + 60)).expect("sign");
        let claims = keys().decode(&token).expect("valid");
        assert_eq!((claims.sub.as_str(), claims.jti.as_str()), ("42", "abc"));
    }

    #[test]
    fn token_without_expiry_is_accepted() {
        let token = keys().encode(1, "t", unix_now(), None).expect("sign");
        assert_eq!(keys().decode(&token).expect("valid").exp, None);
    }

    #[test]
    fn expired_token_is_refused_as_expired() {
        let now = unix_now();
        let token = keys()
            .encode(1, "t", now - 120, Some(now - 60))
            .expect("sign");
        assert!(matches!(
            keys().decode(&token),
            Err(AuthError::TokenExpired)
        ));
    }

    #[test]
    fn tampered_signature_is_refused() {
        let token = keys().encode(1, "t", unix_now(), None).expect("sign");
        let mut bytes = token.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let token = String::from_utf8(bytes).expect("ascii");
        assert!(matches!(
            keys().decode(&token),
            Err(AuthError::TokenInvalid)
        ));
    }

    #[test]
    fn tampered_claims_are_refused() {
        let token = keys().encode(1, "t", unix_now(), None).expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        let other = keys().encode(2, "t", unix_now(), None).expect("sign");
        let other_claims = other.split('.').nth(1).expect("claims part");
        let forged = format!("{}.{}.{}", parts[0], other_claims, parts[2]);
        assert!(matches!(
            keys().decode(&forged),
            Err(AuthError::TokenInvalid)
        ));
    }

    #[test]
    fn other_key_is_refused() {
        let token = TokenKeys::from_secret(&[8; 32])
            .expect("keys")
            .encode(1, "t", unix_now(), None)
            .expect("sign");
        assert!(matches!(
            keys().decode(&token),
            Err(AuthError::TokenInvalid)
        ));
    }

    #[test]
    fn wrong_algorithm_is_refused() {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: "1".to_owned(),
            jti: "t".to_owned(),
            iat: unix_now(),
            exp: None,
        };
        let key = EncodingKey::from_secret(&[7; 32]).expect("key");
        let hs512 =
            jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &key).expect("sign");
        assert!(matches!(
            keys().decode(&hs512),
            Err(AuthError::TokenInvalid)
        ));

        // An unsigned token ("alg": "none") must never pass.
        let header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";
        let body = hs512.split('.').nth(1).expect("claims part");
        let unsigned = format!("{header}.{body}.");
        assert!(matches!(
            keys().decode(&unsigned),
            Err(AuthError::TokenInvalid)
        ));
    }

    #[test]
    fn garbage_is_refused() {
        for token in ["", "a.b.c", "not a token", &"x".repeat(10_000)] {
            assert!(matches!(keys().decode(token), Err(AuthError::TokenInvalid)));
        }
    }
}
