//! Throttling of password guesses, per account and per peer.
//!
//! Each login attempt, successful or not, takes a cell from two keyed
//! `governor` limiters: one for the account and one, four times larger, for
//! the peer (on the Unix socket, the caller's uid). Signups take a cell from
//! the peer limiter, as each costs a password hash.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AuthError;

/// Who is on the other end of a connection, as far as throttling cares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Peer(pub String);

/// Keys kept before old, refilled ones are dropped.
const MAX_KEYS: usize = 10_000;

/// Rate limits on password guesses.
#[derive(Debug)]
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_peer: DefaultKeyedRateLimiter<Peer>,
    clock: DefaultClock,
}

impl LoginThrottle {
    /// Allows `per_minute` attempts per account and four times as many per
    /// peer, in bursts of the same size.
    pub fn new(per_minute: NonZeroU32) -> LoginThrottle {
        let per_peer = per_minute.saturating_mul(NonZeroU32::new(4).unwrap_or(NonZeroU32::MIN));
        LoginThrottle {
            per_account: RateLimiter::keyed(Quota::per_minute(per_minute)),
            per_peer: RateLimiter::keyed(Quota::per_minute(per_peer)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `account` (a lower-cased username) from `peer`.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the wait before the next attempt.
    pub fn login_attempt(&self, account: &str, peer: &Peer) -> Result<(), AuthError> {
        self.prune();
        self.peer_attempt(peer)?;
        self.per_account
            .check_key(&account.to_owned())
            .map_err(|not_until| throttled(not_until.wait_time_from(self.clock.now())))
    }

    /// Takes one attempt from `peer` alone (signups).
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the wait before the next attempt.
    pub fn peer_attempt(&self, peer: &Peer) -> Result<(), AuthError> {
        self.per_peer
            .check_key(peer)
            .map_err(|not_until| throttled(not_until.wait_time_from(self.clock.now())))
    }

    fn prune(&self) {
        if self.per_account.len() > MAX_KEYS || self.per_peer.len() > MAX_KEYS {
            self.per_account.retain_recent();
            self.per_peer.retain_recent();
        }
    }
}

fn throttled(wait: Duration) -> AuthError {
    AuthError::Throttled {
        retry_after: Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_holds_across_peers_and_says_when() {
        let throttle = LoginThrottle::new(NonZeroU32::new(3).expect("non-zero"));
        for peer in ["uid:1", "uid:2", "uid:3"] {
            throttle
                .login_attempt("alice", &Peer(peer.to_owned()))
                .expect("within the limit");
        }
        let error = throttle
            .login_attempt("alice", &Peer("uid:4".to_owned()))
            .expect_err("fourth attempt on the account");
        match error {
            AuthError::Throttled { retry_after } => {
                assert!(retry_after >= Duration::from_secs(1), "{retry_after:?}");
                assert!(retry_after <= Duration::from_secs(20), "{retry_after:?}");
            }
            other => panic!("unexpected {other}"),
        }
        throttle
            .login_attempt("bob", &Peer("uid:4".to_owned()))
            .expect("another account is not affected");
    }

    #[test]
    fn peer_limit_spans_accounts() {
        let throttle = LoginThrottle::new(NonZeroU32::new(1).expect("non-zero"));
        let peer = Peer("uid:7".to_owned());
        for account in ["a", "b", "c", "d"] {
            throttle
                .login_attempt(account, &peer)
                .expect("within peer limit");
        }
        assert!(throttle.login_attempt("e", &peer).is_err());
    }
}
