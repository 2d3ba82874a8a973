//! Throttling of wrong share passwords, per share and per client.
//!
//! Each wrong guess takes a cell from two keyed `governor` limiters. When a
//! limiter refuses, its key is blocked until the limiter would allow the
//! next guess, and every guess under a blocked key is refused, right or
//! wrong, so guessing cannot go on at full speed behind the 429s. Right
//! guesses cost nothing, so a visitor who knows the password is not
//! slowed by others' mistakes beyond the block.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::AuthError;

/// Keys kept before old ones are dropped.
const MAX_KEYS: usize = 10_000;

/// Rate limits on wrong share passwords.
#[derive(Debug)]
pub struct GuessThrottle {
    per_share: DefaultKeyedRateLimiter<String>,
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    blocked: Mutex<HashMap<Key, Instant>>,
    clock: DefaultClock,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Share(String),
    Client(IpAddr),
}

impl GuessThrottle {
    /// Allows `per_minute` wrong guesses per share and twice as many per
    /// client, in bursts of the same size.
    pub fn new(per_minute: NonZeroU32) -> GuessThrottle {
        let per_client = per_minute.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        GuessThrottle {
            per_share: RateLimiter::keyed(Quota::per_minute(per_minute)),
            per_client: RateLimiter::keyed(Quota::per_minute(per_client)),
            blocked: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// Refuses a guess while the share or the client is blocked.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the time left.
    pub fn check(&self, share: &str, client: IpAddr) -> Result<(), AuthError> {
        let now = Instant::now();
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        blocked.retain(|_, until| *until > now);
        let wait = [Key::Share(share.to_owned()), Key::Client(client)]
            .iter()
            .filter_map(|key| blocked.get(key))
            .map(|until| until.duration_since(now))
            .max();
        match wait {
            Some(wait) => Err(throttled(wait)),
            None => Ok(()),
        }
    }

    /// Counts a wrong guess, blocking the share or client whose limit it
    /// passes.
    pub fn wrong(&self, share: &str, client: IpAddr) {
        if self.per_share.len() > MAX_KEYS || self.per_client.len() > MAX_KEYS {
            self.per_share.retain_recent();
            self.per_client.retain_recent();
        }
        let now = self.clock.now();
        let mut blocks = Vec::new();
        if let Err(not_until) = self.per_share.check_key(&share.to_owned()) {
            blocks.push((Key::Share(share.to_owned()), not_until.wait_time_from(now)));
        }
        if let Err(not_until) = self.per_client.check_key(&client) {
            blocks.push((Key::Client(client), not_until.wait_time_from(now)));
        }
        if blocks.is_empty() {
            return;
        }
        let mut blocked = self
            .blocked
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if blocked.len() > MAX_KEYS {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
        for (key, wait) in blocks {
            blocked.insert(key, Instant::now() + wait);
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
    fn wrong_guesses_block_the_share_and_right_ones_cost_nothing() {
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
}
