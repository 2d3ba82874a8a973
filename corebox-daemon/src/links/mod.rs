//! Short links: codes that redirect to a target URL, with expiry, a click
//! limit, an optional password, and click analytics.
//!
//! Owns the `links`, `link_clicks` and daily count tables ([`store`]). The
//! owner's operations take the acting identity and check it here; a link
//! that is not the caller's answers like one that does not exist.
//! Visitors hold no identity: [`Links::find`] answers only for live links,
//! so expired, used-up, removed and unknown codes cannot be told apart, and
//! it counts misses per client so that codes cannot be enumerated quickly.
//!
//! The redirect path touches no disk in the steady state: links are read
//! through an in-memory cache (`moka`), which every change on this daemon
//! invalidates at once, and clicks go to a queue that [`recorder`] writes in
//! batches. A change also bumps its code's epoch; a lookup that read the
//! database before the change cannot put its stale row into the cache
//! after it, because the row is cached only while the epoch it started
//! with is still current. A change to an account (deleted, disabled,
//! enabled) bumps the epoch of every code at once through
//! [`Links::owners_changed`]: a disabled owner's links answer nobody, a
//! deleted owner's are gone.
//!
//! A click limit holds exactly under concurrency: the clicks of a limited
//! link are counted in memory, in one atomic counter per link that is
//! never evicted, started from the database once per run; a redirect takes
//! a click from it only while it is under the limit.

pub mod agent;
mod recorder;
pub mod rules;
pub mod store;

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corebox_proto::Scope;
use corebox_proto::types::{DayClicks, LinkCreate, LinkEdit, LinkInfo, LinkStats, Tally};
use moka::sync::Cache;
use rand::Rng;
use rand::distr::Alphanumeric;

use crate::auth::store as auth_store;
use crate::auth::strikes::{Strikes, throttled};
use crate::auth::{Actor, Auth, AuthError, GuessThrottle};
use crate::clock::unix_now;
use crate::config::ClientAddress;
use crate::db::{Db, DbError};
pub use recorder::Click;
use recorder::Recorder;
pub use rules::{Own, RESERVED_WORDS};
use store::{LinkRow, NewLink, TallyKind};

/// The name under which the visitor-hash key is kept.
const VISITOR_KEY_NAME: &str = "link-visitor-key";

/// Longest password, in bytes.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Latest expiry accepted: about a hundred years from now.
const MAX_EXPIRY_SECS: i64 = 100 * 366 * 24 * 3600;

/// Longest statistics window, in days.
const MAX_STATS_DAYS: u32 = 3660;

/// Names listed in each top list of `links stats`.
const TOP: u32 = 10;

/// Random codes tried before giving up (a collision at the default length
/// is rarer than one in a billion; this bounds a tiny `link_code_length`).
const CODE_TRIES: usize = 20;

/// Links kept in the cache.
const CACHE_LINKS: u64 = 100_000;

/// Failures of link operations.
#[derive(Debug, thiserror::Error)]
pub enum LinksError {
    /// A value breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// The alias belongs to another link.
    #[error("the alias '{0}' is taken: choose another")]
    Taken(String),
    /// No such link for this caller.
    #[error("no such short link: see corebox links ls")]
    NotFound,
    /// Authentication, permission or throttling.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for LinksError {
    fn from(error: rusqlite::Error) -> LinksError {
        LinksError::Db(DbError::Sqlite(error))
    }
}

/// The UTC day of `at`, as `YYYY-MM-DD`.
pub fn day_of(at: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// How the links subsystem is set up.
#[derive(Debug, Clone)]
pub struct LinksConfig {
    /// The base of printed short URLs (no trailing `/`).
    pub base_url: String,
    /// Addresses of this daemon, which no target may point at.
    pub own: Own,
    /// Characters in a random code.
    pub code_length: usize,
    /// What click records keep of the address.
    pub client_address: ClientAddress,
    /// Misses allowed per client and minute before it is throttled.
    pub misses_per_minute: NonZeroU32,
    /// Wrong passwords allowed per link and minute.
    pub guesses_per_minute: NonZeroU32,
}

/// A visit to record with a redirect.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The client's address.
    pub ip: IpAddr,
    /// The User-Agent header.
    pub user_agent: Option<String>,
    /// The Referer header.
    pub referrer: Option<String>,
}

/// How often codes changed on this run: each on its own, and all at once.
/// Both only grow, so their sum changes whenever either does.
#[derive(Debug, Default)]
struct Epochs {
    all: u64,
    keys: HashMap<String, u64>,
}

impl Epochs {
    fn of(&self, key: &str) -> u64 {
        self.all + self.keys.get(key).copied().unwrap_or(0)
    }
}

/// The short-link subsystem.
#[derive(Debug)]
pub struct Links {
    db: Db,
    auth: Arc<Auth>,
    config: LinksConfig,
    cache: Cache<String, Option<Arc<LinkRow>>>,
    /// How often each code changed on this run; see the module docs.
    epochs: Mutex<Epochs>,
    /// Clicks of limited links, by link id: the authority on their limit.
    counters: Mutex<HashMap<i64, Arc<AtomicU64>>>,
    recorder: Recorder,
    misses: Strikes<IpAddr>,
    guesses: GuessThrottle,
}

impl Links {
    /// The subsystem, with its click writer started.
    ///
    /// # Errors
    ///
    /// Database failures loading (or making) the visitor-hash key.
    pub async fn open(db: Db, auth: Arc<Auth>, config: LinksConfig) -> Result<Links, LinksError> {
        let key = db
            .write(|conn| Ok::<_, LinksError>(auth_store::named_secret(conn, VISITOR_KEY_NAME)?))
            .await?;
        let recorder = Recorder::start(db.clone(), config.client_address, key);
        Ok(Links {
            cache: Cache::builder()
                .max_capacity(CACHE_LINKS)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            counters: Mutex::new(HashMap::new()),
            epochs: Mutex::new(Epochs::default()),
            recorder,
            misses: Strikes::per_minute(config.misses_per_minute),
            guesses: GuessThrottle::new(config.guesses_per_minute),
            db,
            auth,
            config,
        })
    }

    /// The short URL of `code`.
    pub fn url(&self, code: &str) -> String {
        format!("{}/{code}", self.config.base_url)
    }

    fn counter(&self, link: &LinkRow) -> Option<Arc<AtomicU64>> {
        link.max_clicks?;
        let mut counters = self
            .counters
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Some(Arc::clone(
            counters
                .entry(link.id)
                .or_insert_with(|| Arc::new(AtomicU64::new(link.clicks))),
        ))
    }

    /// Clicks so far: the in-memory count for limited links, else the row.
    fn clicks(&self, link: &LinkRow) -> u64 {
        self.counter(link)
            .map_or(link.clicks, |counter| counter.load(Ordering::Acquire))
    }

    fn is_live(&self, link: &LinkRow, now: i64) -> bool {
        !link.owner_disabled
            && link.expires_at.is_none_or(|at| at > now)
            && link.max_clicks.is_none_or(|max| self.clicks(link) < max)
    }

    fn info(&self, link: &LinkRow) -> LinkInfo {
        LinkInfo {
            code: link.code.clone(),
            url: self.url(&link.code),
            target: link.target.clone(),
            created_at: link.created_at,
            expires_at: link.expires_at,
            max_clicks: link.max_clicks,
            clicks: self.clicks(link),
            has_password: link.password_hash.is_some(),
            live: self.is_live(link, unix_now()),
        }
    }

    fn check_expiry(expires_at: Option<i64>) -> Result<(), LinksError> {
        let now = unix_now();
        match expires_at {
            Some(at) if at <= now => Err(LinksError::Invalid(
                "that expiry is in the past: give a later time".to_owned(),
            )),
            Some(at) if at - now > MAX_EXPIRY_SECS => Err(LinksError::Invalid(
                "a link expires within 100 years: give an earlier time".to_owned(),
            )),
            _ => Ok(()),
        }
    }

    fn check_max_clicks(max_clicks: Option<u64>) -> Result<(), LinksError> {
        if max_clicks == Some(0) || max_clicks > Some(i64::MAX as u64) {
            return Err(LinksError::Invalid(
                "--max-clicks must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }

    /// Makes a short link for `actor`.
    ///
    /// # Errors
    ///
    /// [`LinksError::Invalid`] for a bad target, alias, expiry, limit or
    /// password; [`LinksError::Taken`] for an alias in use.
    pub async fn create(&self, actor: &Actor, request: LinkCreate) -> Result<LinkInfo, LinksError> {
        actor.require(Scope::LinksWrite)?;
        let target = rules::check_target(&request.target, &self.config.own)?;
        if let Some(alias) = &request.alias {
            rules::check_alias(alias)?;
        }
        Self::check_expiry(request.expires_at)?;
        Self::check_max_clicks(request.max_clicks)?;
        let password_hash = match request.password {
            Some(password) => {
                let password = password.expose().to_owned();
                if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
                    return Err(LinksError::Invalid(
                        "a link password is 1 to 1024 bytes".to_owned(),
                    ));
                }
                Some(self.auth.hasher().hash(password).await?)
            }
            None => None,
        };
        let (owner, alias, length) = (actor.user_id, request.alias, self.config.code_length);
        let (expires_at, max_clicks) = (request.expires_at, request.max_clicks);
        let row = self
            .db
            .write(move |conn| {
                let tries = if alias.is_some() { 1 } else { CODE_TRIES };
                for _ in 0..tries {
                    let code = alias.clone().unwrap_or_else(|| new_code(length));
                    let key = rules::key_of(&code);
                    if RESERVED_WORDS.contains(&key.as_str()) {
                        continue;
                    }
                    let link = NewLink {
                        code: &code,
                        code_key: &key,
                        is_alias: alias.is_some(),
                        owner_id: owner,
                        target: &target,
                        created_at: unix_now(),
                        expires_at,
                        max_clicks,
                        password_hash: password_hash.as_deref(),
                    };
                    if store::insert(conn, &link)?.is_some() {
                        return store::by_key(conn, &key)?.ok_or(LinksError::NotFound);
                    }
                    if let Some(alias) = &alias {
                        return Err(LinksError::Taken(alias.clone()));
                    }
                }
                Err(LinksError::Invalid(
                    "no free random code is left at this link_code_length: raise it".to_owned(),
                ))
            })
            .await?;
        // A miss for this code may be cached from before it existed.
        self.changed(&rules::key_of(&row.code));
        tracing::info!(link = row.id, "short link created");
        Ok(self.info(&row))
    }

    /// `actor`'s links, newest first.
    ///
    /// # Errors
    ///
    /// Missing scope; database failures.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<LinkInfo>, LinksError> {
        actor.require(Scope::LinksRead)?;
        self.recorder.flush().await;
        let owner = actor.user_id;
        let rows = self
            .db
            .read(move |conn| Ok::<_, LinksError>(store::by_owner(conn, owner)?))
            .await?;
        Ok(rows.iter().map(|row| self.info(row)).collect())
    }

    /// `actor`'s link with `code`, from the database.
    async fn owned(&self, actor: &Actor, code: &str) -> Result<LinkRow, LinksError> {
        if !rules::is_code_shaped(code) {
            return Err(LinksError::NotFound);
        }
        let (key, owner) = (rules::key_of(code), actor.user_id);
        self.db
            .read(move |conn| match store::by_key(conn, &key)? {
                Some(row) if row.owner_id == owner => Ok(row),
                _ => Err(LinksError::NotFound),
            })
            .await
    }

    /// One of `actor`'s links.
    ///
    /// # Errors
    ///
    /// [`LinksError::NotFound`] for a code that is not the actor's.
    pub async fn show(&self, actor: &Actor, code: &str) -> Result<LinkInfo, LinksError> {
        actor.require(Scope::LinksRead)?;
        self.recorder.flush().await;
        Ok(self.info(&self.owned(actor, code).await?))
    }

    /// Changes one of `actor`'s links; visitors see the change at once.
    ///
    /// # Errors
    ///
    /// [`LinksError::NotFound`]; [`LinksError::Invalid`] for a bad value.
    pub async fn edit(&self, actor: &Actor, edit: LinkEdit) -> Result<LinkInfo, LinksError> {
        actor.require(Scope::LinksWrite)?;
        if edit.max_clicks.is_some() {
            // The clicks so far, all written, to hold a new limit against.
            self.recorder.flush().await;
        }
        let mut link = self.owned(actor, &edit.code).await?;
        if let Some(target) = &edit.target {
            link.target = rules::check_target(target, &self.config.own)?;
        }
        if let Some(expires_at) = edit.expires_at {
            Self::check_expiry(expires_at)?;
            link.expires_at = expires_at;
        }
        if let Some(max_clicks) = edit.max_clicks {
            Self::check_max_clicks(max_clicks)?;
            let clicks = self.clicks(&link);
            if let Some(max) = max_clicks
                && max < clicks
            {
                return Err(LinksError::Invalid(format!(
                    "this link has {clicks} clicks already: --max-clicks must be at least \
                     {clicks} (exactly {clicks} ends it now)"
                )));
            }
            link.max_clicks = max_clicks;
        }
        let row = link.clone();
        self.db
            .write(move |conn| Ok::<_, LinksError>(store::update(conn, &row)?))
            .await?;
        self.changed(&rules::key_of(&link.code));
        if edit.max_clicks.is_some() {
            // Count from what is written, once the queue is.
            self.recorder.flush().await;
            self.forget_counter(link.id);
            let key = rules::key_of(&link.code);
            if let Some(fresh) = self
                .db
                .read(move |conn| Ok::<_, LinksError>(store::by_key(conn, &key)?))
                .await?
            {
                link = fresh;
            }
        }
        tracing::info!(link = link.id, "short link changed");
        Ok(self.info(&link))
    }

    /// Drops the cached row of `key` after a change, so that no lookup
    /// serves the old one, not even one that read it just before.
    fn changed(&self, key: &str) {
        let mut epochs = self.epochs();
        *epochs.keys.entry(key.to_owned()).or_default() += 1;
        self.cache.invalidate(key);
    }

    /// Drops every cached row after an account was deleted, disabled or
    /// enabled, so that its links follow at once.
    pub fn owners_changed(&self) {
        let mut epochs = self.epochs();
        epochs.all += 1;
        self.cache.invalidate_all();
    }

    fn epochs(&self) -> std::sync::MutexGuard<'_, Epochs> {
        self.epochs
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The row of `key`, through the cache.
    async fn cached(&self, key: String) -> Result<Option<Arc<LinkRow>>, LinksError> {
        if let Some(found) = self.cache.get(&key) {
            return Ok(found);
        }
        let before = self.epochs().of(&key);
        let lookup = key.clone();
        let found = self
            .db
            .read(move |conn| Ok::<_, LinksError>(store::by_key(conn, &lookup)?))
            .await?
            .map(Arc::new);
        let epochs = self.epochs();
        if epochs.of(&key) == before {
            self.cache.insert(key, found.clone());
        }
        drop(epochs);
        Ok(found)
    }

    fn forget_counter(&self, id: i64) {
        self.counters
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&id);
    }

    /// Removes one of `actor`'s links and its clicks; it stops at once.
    ///
    /// # Errors
    ///
    /// [`LinksError::NotFound`].
    pub async fn remove(&self, actor: &Actor, code: &str) -> Result<(), LinksError> {
        actor.require(Scope::LinksWrite)?;
        let link = self.owned(actor, code).await?;
        let id = link.id;
        self.db
            .write(move |conn| Ok::<_, LinksError>(store::delete(conn, id)?))
            .await?;
        self.changed(&rules::key_of(&link.code));
        self.forget_counter(id);
        tracing::info!(link = id, "short link removed");
        Ok(())
    }

    /// A link's clicks over its last `days` days (today included).
    ///
    /// # Errors
    ///
    /// [`LinksError::NotFound`]; [`LinksError::Invalid`] for a window out
    /// of range.
    pub async fn stats(
        &self,
        actor: &Actor,
        code: &str,
        days: u32,
    ) -> Result<LinkStats, LinksError> {
        actor.require(Scope::LinksRead)?;
        if !(1..=MAX_STATS_DAYS).contains(&days) {
            return Err(LinksError::Invalid(format!(
                "--days is 1 to {MAX_STATS_DAYS}"
            )));
        }
        self.recorder.flush().await;
        let link = self.owned(actor, code).await?;
        let now = unix_now();
        let window: Vec<String> = (0..i64::from(days))
            .rev()
            .map(|back| day_of(now - back * 86_400))
            .collect();
        let first = window.first().cloned().unwrap_or_else(|| day_of(now));
        let id = link.id;
        let (counted, referrers, browsers) = self
            .db
            .read(move |conn| {
                Ok::<_, LinksError>((
                    store::days_since(conn, id, &first)?,
                    store::top(conn, TallyKind::Referrer, id, &first, TOP)?,
                    store::top(conn, TallyKind::Browser, id, &first, TOP)?,
                ))
            })
            .await?;
        let counted: HashMap<String, (u64, u64, u64)> = counted
            .into_iter()
            .map(|(day, clicks, unique, bots)| (day, (clicks, unique, bots)))
            .collect();
        let per_day: Vec<DayClicks> = window
            .into_iter()
            .map(|day| {
                let (clicks, unique, bots) = counted.get(&day).copied().unwrap_or_default();
                DayClicks {
                    day,
                    clicks,
                    unique,
                    bots,
                }
            })
            .collect();
        let tallies = |rows: Vec<(String, u64)>| {
            rows.into_iter()
                .map(|(name, clicks)| Tally { name, clicks })
                .collect()
        };
        Ok(LinkStats {
            link: self.info(&link),
            days,
            clicks: per_day.iter().map(|day| day.clicks).sum(),
            unique: per_day.iter().map(|day| day.unique).sum(),
            bots: per_day.iter().map(|day| day.bots).sum(),
            per_day,
            top_referrers: tallies(referrers),
            top_browsers: tallies(browsers),
        })
    }

    /// The live link behind `code`, for a visitor from `client`; `None`
    /// for unknown, expired, used-up and removed codes alike, each counted
    /// as a miss against the client.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] (in [`LinksError::Auth`]) while the client
    /// has missed too often; database failures.
    pub async fn find(
        &self,
        code: &str,
        client: IpAddr,
    ) -> Result<Option<Arc<LinkRow>>, LinksError> {
        if let Some(wait) = self.misses.wait(&client) {
            return Err(throttled(wait).into());
        }
        let found = if rules::is_code_shaped(code) {
            self.cached(rules::key_of(code))
                .await?
                // A random code only as it was made; an alias in any case.
                .filter(|link| link.is_alias || link.code == code)
                .filter(|link| self.is_live(link, unix_now()))
        } else {
            None
        };
        if found.is_none() {
            self.misses.strike(&client);
        }
        Ok(found)
    }

    /// Takes a click of `link` for `visit` and queues its record; false
    /// when a limited link has no click left (another visitor took the
    /// last one), which the visitor must see as a missing link.
    pub async fn follow(&self, link: &LinkRow, visit: Visit) -> bool {
        if let (Some(max), Some(counter)) = (link.max_clicks, self.counter(link)) {
            let taken = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |clicks| {
                (clicks < max).then_some(clicks + 1)
            });
            if taken.is_err() {
                return false;
            }
        }
        self.recorder
            .record(Click {
                link_id: link.id,
                at: unix_now(),
                ip: visit.ip,
                user_agent: visit.user_agent,
                referrer: visit.referrer,
            })
            .await;
        true
    }

    /// Checks a visitor's password for a link. Wrong guesses are throttled
    /// per link and per client; while either is throttled every guess is
    /// refused, right or wrong.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the wait.
    pub async fn check_password(
        &self,
        link: &LinkRow,
        password: String,
        client: IpAddr,
    ) -> Result<bool, LinksError> {
        let guarded = format!("link:{}", link.id);
        self.guesses.check(&guarded, client)?;
        let Some(hash) = link.password_hash.clone() else {
            return Ok(true);
        };
        if password.len() > MAX_PASSWORD_BYTES {
            self.guesses.wrong(&guarded, client);
            return Ok(false);
        }
        let right = self.auth.hasher().verify(password, Some(hash)).await?;
        if !right {
            self.guesses.wrong(&guarded, client);
        }
        Ok(right)
    }

    /// Writes every queued click; the daemon calls it when it stops.
    pub async fn flush(&self) {
        self.recorder.flush().await;
    }
}

/// A random base62 code of `length` characters, from the thread's CSPRNG.
fn new_code(length: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_dates() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(86_399), "1970-01-01");
        assert_eq!(day_of(86_400), "1970-01-02");
        assert_eq!(day_of(1_796_342_400), "2026-12-04");
    }

    #[test]
    fn random_codes_are_base62_of_the_length_asked() {
        let code = new_code(7);
        assert_eq!(code.len(), 7);
        assert!(code.bytes().all(|byte| byte.is_ascii_alphanumeric()));
        assert_ne!(new_code(12), new_code(12));
    }
}
