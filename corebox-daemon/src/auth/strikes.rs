//! Limits on failures that an attacker repeats: wrong passwords for a
//! share or a short link, and misses on short-link codes (enumeration).
//!
//! Each failure takes a cell from a keyed `governor` limiter. When the
//! limiter refuses, the key is blocked until the limiter would allow the
//! next failure, and while it is blocked every attempt under it is refused,
//! good or bad, so guessing cannot go on at full speed behind the 429s.
//! Successes cost nothing.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AuthError;

/// Keys kept before idle ones are dropped.
const MAX_KEYS: usize = 10_000;

/// Failures per key, and the keys blocked for having too many.
#[derive(Debug)]
pub struct Strikes<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    blocked: Mutex<HashMap<K, Instant>>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> Strikes<K> {
    /// Allows `per_minute` failures per key, in bursts of the same size.
    pub fn per_minute(per_minute: NonZeroU32) -> Strikes<K> {
        Strikes {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// How long `key` stays blocked, if it is.
    pub fn wait(&self, key: &K) -> Option<Duration> {
        let now = Instant::now();
        let blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        blocked
            .get(key)
            .filter(|until| **until > now)
            .map(|until| until.duration_since(now))
    }

    /// Counts a failure under `key`, blocking it once past the limit.
    pub fn strike(&self, key: &K) {
        if self.limiter.len() > MAX_KEYS {
            self.limiter.retain_recent();
        }
        let Err(not_until) = self.limiter.check_key(key) else {
            return;
        };
        let wait = not_until.wait_time_from(self.clock.now());
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if blocked.len() > MAX_KEYS {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(key.clone(), Instant::now() + wait);
    }
}

/// The error for a wait, in whole seconds rounded up.
pub fn throttled(wait: Duration) -> AuthError {
    AuthError::Throttled {
        retry_after: Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)),
    }
}

/// Wrong guesses of a password that guards one thing (a share, a short
/// link), limited per thing and per client.
#[derive(Debug)]
pub struct GuessThrottle {
    per_secret: Strikes<String>,
    per_client: Strikes<IpAddr>,
}

impl GuessThrottle {
    /// Allows `per_minute` wrong guesses per guarded thing and twice as
    /// many per client.
    pub fn new(per_minute: NonZeroU32) -> GuessThrottle {
        let per_client = per_minute.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        GuessThrottle {
            per_secret: Strikes::per_minute(per_minute),
            per_client: Strikes::per_minute(per_client),
        }
    }

    /// Refuses a guess while the thing (`guarded`) or the client is
    /// blocked.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the time left.
    pub fn check(&self, guarded: &str, client: IpAddr) -> Result<(), AuthError> {
        let waits = [
            self.per_secret.wait(&guarded.to_owned()),
            self.per_client.wait(&client),
        ];
        match waits.into_iter().flatten().max() {
            Some(wait) => Err(throttled(wait)),
            None => Ok(()),
        }
    }

    /// Counts a wrong guess.
    pub fn wrong(&self, guarded: &str, client: IpAddr) {
        self.per_secret.strike(&guarded.to_owned());
        self.per_client.strike(&client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_guesses_block_the_thing_and_right_ones_cost_nothing() {
        let throttle = GuessThrottle::new(NonZeroU32::new(3).expect("nonzero"));
        let client: IpAddr = "192.0.2.1".parse().expect("ip");
        let other: IpAddr = "192.0.2.2".parse().expect("ip");
        for _ in 0..10 {
            throttle
                .check("share", client)
                .expect("right guesses are free");
        }
        for _ in 0..3 {
            throttle.check("share", client).expect("within the burst");
            throttle.wrong("share", client);
        }
        throttle
            .check("share", client)
            .expect("the block starts past the limit");
        throttle.wrong("share", client);
        let error = throttle
            .check("share", other)
            .expect_err("the share is blocked");
        assert!(
            matches!(error, AuthError::Throttled { retry_after } if retry_after.as_secs() >= 1)
        );
        throttle
            .check("another", other)
            .expect("other shares are not");
    }

    #[test]
    fn strikes_block_one_key_only() {
        let strikes = Strikes::per_minute(NonZeroU32::new(2).expect("nonzero"));
        for _ in 0..2 {
            strikes.strike(&1);
            assert_eq!(strikes.wait(&1), None);
        }
        strikes.strike(&1);
        assert!(strikes.wait(&1).is_some_and(|wait| wait > Duration::ZERO));
        assert_eq!(strikes.wait(&2), None);
    }
}
