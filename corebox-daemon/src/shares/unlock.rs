//! Unlock cookies: a browser's proof that it gave a share's password, so
//! that the page, its preview and its download do not ask again.
//!
//! A cookie is `EXPIRES.MAC`: the Unix time it stops working and an
//! HMAC-SHA256, under a key the daemon keeps in its database, of the share
//! token, that time and the share's password hash. It names nothing a
//! visitor does not already know, cannot be made without the key, and
//! opens only the share it was made for. The daemon keeps no list of them:
//! one ends at its expiry, or with the share.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::store::ShareRow;

/// How long a browser stays unlocked, at most.
pub const UNLOCK_SECS: i64 = 12 * 3600;

/// The key that signs unlock cookies.
pub struct UnlockKey(Vec<u8>);

impl std::fmt::Debug for UnlockKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockKey(..)")
    }
}

impl UnlockKey {
    /// A key from the daemon's secret.
    pub fn new(secret: Vec<u8>) -> UnlockKey {
        UnlockKey(secret)
    }

    fn mac(&self, share: &ShareRow, expires_at: i64) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(share.token.as_bytes());
        mac.update(b"\0");
        mac.update(expires_at.to_string().as_bytes());
        mac.update(b"\0");
        mac.update(
            share
                .password_hash
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        mac
    }

    /// A cookie value for `share` that works until `expires_at`.
    pub fn seal(&self, share: &ShareRow, expires_at: i64) -> String {
        let tag = self.mac(share, expires_at).finalize().into_bytes();
        format!("{expires_at}.{}", hex::encode(tag))
    }

    /// Whether `value` is a cookie this key made for `share` that has not
    /// expired at `now`.
    pub fn opens(&self, share: &ShareRow, value: &str, now: i64) -> bool {
        let Some((expires, tag)) = value.split_once('.') else {
            return false;
        };
        let (Ok(expires_at), Ok(tag)) = (expires.parse::<i64>(), hex::decode(tag)) else {
            return false;
        };
        // The MAC check is constant-time.
        expires_at > now && self.mac(share, expires_at).verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(token: &str, hash: &str) -> ShareRow {
        ShareRow {
            token: token.to_owned(),
            file_id: "f".to_owned(),
            owner_id: 1,
            created_at: 0,
            expires_at: None,
            max_downloads: None,
            password_hash: Some(hash.to_owned()),
            downloads: 0,
            bytes_served: 0,
            revoked_at: None,
            file_name: "n".to_owned(),
            size: 1,
            sha256: "0".repeat(64),
            media_type: "text/plain".to_owned(),
            quarantine: None,
            owner_disabled: false,
        }
    }

    #[test]
    fn a_cookie_opens_its_share_until_it_expires_and_nothing_else() {
        let key = UnlockKey::new(vec![7; 32]);
        let mine = share("tokenAAAAAAAAAAAAAAAAA", "$argon2id$one");
        let cookie = key.seal(&mine, 1_000);
        assert!(key.opens(&mine, &cookie, 999));
        assert!(!key.opens(&mine, &cookie, 1_000), "expired");
        let other = share("tokenBBBBBBBBBBBBBBBBB", "$argon2id$one");
        assert!(!key.opens(&other, &cookie, 0), "another share");
        let repassworded = share("tokenAAAAAAAAAAAAAAAAA", "$argon2id$two");
        assert!(!key.opens(&repassworded, &cookie, 0), "another password");
        assert!(
            !UnlockKey::new(vec![8; 32]).opens(&mine, &cookie, 0),
            "another key"
        );
        let (_, tag) = cookie.split_once('.').expect("two parts");
        assert!(
            !key.opens(&mine, &format!("99999.{tag}"), 0),
            "moved expiry"
        );
        for junk in ["", ".", "1.", ".ab", "x.y", "1000.zz", "1000.abcd"] {
            assert!(!key.opens(&mine, junk, 0), "{junk:?}");
        }
    }
}
