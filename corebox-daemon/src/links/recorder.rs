//! Click recording off the redirect path.
//!
//! A redirect hands its click to a bounded queue and answers at once; one
//! writer task takes whatever has queued up (up to [`BATCH`] clicks) and
//! writes it in a single transaction: the click rows, the visitors of the
//! day, and the daily counts, summed per link and day in memory first, so
//! a busy link costs a few row updates per batch rather than per click.
//! Under load batches grow by themselves; when idle each click is written
//! as it comes.
//!
//! [`Recorder::flush`] waits until every click queued before it is written;
//! statistics call it first, so they always include the visits just made,
//! and shutdown calls it last, so a graceful stop loses nothing. When the
//! queue is full a redirect waits for room rather than drop its click.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::Connection;
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot};

use super::agent::{classify, referrer_host};
use super::day_of;
use super::store::{self, ClickRow, TallyKind};
use crate::config::ClientAddress;
use crate::db::{Db, DbError};
use crate::privacy::{kept_address, kept_header};

/// Clicks written per transaction, at most.
const BATCH: usize = 4096;

/// Clicks queued before redirects wait for the writer.
const QUEUE: usize = 65_536;

/// How often a failed batch is tried again before it is given up.
const TRIES: u32 = 3;

/// One redirect to record.
#[derive(Debug, Clone)]
pub struct Click {
    /// The link's row id.
    pub link_id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// The client's address.
    pub ip: IpAddr,
    /// The User-Agent header.
    pub user_agent: Option<String>,
    /// The Referer header.
    pub referrer: Option<String>,
}

enum Message {
    Click(Click),
    Flush(oneshot::Sender<()>),
}

/// The sending side of the click queue.
#[derive(Debug, Clone)]
pub struct Recorder {
    sender: mpsc::Sender<Message>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Click(click) => f.debug_tuple("Click").field(click).finish(),
            Message::Flush(_) => f.write_str("Flush"),
        }
    }
}

/// How clicks are written: where, what of the address, and the key that
/// makes visitor hashes.
struct Writer {
    db: Db,
    client_address: ClientAddress,
    visitor_key: Vec<u8>,
}

impl Recorder {
    /// Starts the writer task. Must be called inside the tokio runtime.
    pub fn start(db: Db, client_address: ClientAddress, visitor_key: Vec<u8>) -> Recorder {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let writer = Arc::new(Writer {
            db,
            client_address,
            visitor_key,
        });
        tokio::spawn(writer.run(receiver));
        Recorder { sender }
    }

    /// Queues a click.
    pub async fn record(&self, click: Click) {
        if self.sender.send(Message::Click(click)).await.is_err() {
            tracing::error!("the click writer has stopped; a click was not recorded");
        }
    }

    /// Waits until every click queued before this call is written.
    pub async fn flush(&self) {
        let (done, written) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }
}

impl Writer {
    async fn run(self: Arc<Self>, mut receiver: mpsc::Receiver<Message>) {
        let mut messages = Vec::with_capacity(BATCH);
        while receiver.recv_many(&mut messages, BATCH).await > 0 {
            let mut clicks = Vec::with_capacity(messages.len());
            let mut waiting = Vec::new();
            for message in messages.drain(..) {
                match message {
                    Message::Click(click) => clicks.push(click),
                    Message::Flush(done) => waiting.push(done),
                }
            }
            if !clicks.is_empty() {
                self.write(Arc::new(clicks)).await;
            }
            for done in waiting {
                let _ = done.send(());
            }
        }
    }

    /// Writes a batch, trying again a few times if the database fails
    /// (a full disk, a lock held too long).
    async fn write(self: &Arc<Self>, clicks: Arc<Vec<Click>>) {
        for attempt in 1..=TRIES {
            let (writer, batch) = (Arc::clone(self), Arc::clone(&clicks));
            let written = self
                .db
                .write(move |conn| writer.write_batch(conn, &batch))
                .await;
            match written {
                Ok(()) => return,
                Err(error) if attempt < TRIES => {
                    tracing::warn!(%error, attempt, "cannot record clicks yet; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(error) => {
                    tracing::error!(%error, clicks = clicks.len(), "clicks could not be recorded");
                }
            }
        }
    }

    fn write_batch(&self, conn: &mut Connection, clicks: &[Click]) -> Result<(), DbError> {
        let tx = conn.transaction()?;
        let mut live: HashMap<i64, bool> = HashMap::new();
        let mut days: HashMap<(i64, String), (u64, u64, u64)> = HashMap::new();
        let mut tallies: HashMap<(TallyKind, i64, String, String), u64> = HashMap::new();
        let mut totals: HashMap<i64, u64> = HashMap::new();
        // Visitors met earlier in this batch, and whether they were new
        // then: a busy link's repeat visitors cost no lookup each.
        let mut met: std::collections::HashSet<(i64, String, [u8; 16])> = Default::default();
        for click in clicks {
            // A link removed while its clicks waited records nothing.
            let exists = match live.get(&click.link_id) {
                Some(exists) => *exists,
                None => {
                    let exists = store::exists(&tx, click.link_id)?;
                    live.insert(click.link_id, exists);
                    exists
                }
            };
            if !exists {
                continue;
            }
            let day = day_of(click.at);
            let user_agent = click.user_agent.as_deref().map(kept_header);
            let referrer = click.referrer.as_deref().map(kept_header);
            let agent = classify(user_agent);
            let client = kept_address(click.ip, self.client_address);
            store::insert_click(
                &tx,
                &ClickRow {
                    link_id: click.link_id,
                    at: click.at,
                    referrer,
                    user_agent,
                    browser: &agent.browser,
                    is_bot: agent.is_bot,
                    client: client.as_deref(),
                },
            )?;
            let visitor = self.visitor(&day, click.ip, user_agent.unwrap_or_default());
            let first_visit = if met.insert((click.link_id, day.clone(), visitor)) {
                store::add_visitor(&tx, click.link_id, &day, &visitor)?
            } else {
                false
            };
            let counts = days.entry((click.link_id, day.clone())).or_default();
            counts.0 += 1;
            counts.1 += u64::from(first_visit);
            counts.2 += u64::from(agent.is_bot);
            let referrer = referrer_host(referrer);
            *tallies
                .entry((TallyKind::Referrer, click.link_id, day.clone(), referrer))
                .or_default() += 1;
            *tallies
                .entry((TallyKind::Browser, click.link_id, day, agent.browser))
                .or_default() += 1;
            *totals.entry(click.link_id).or_default() += 1;
        }
        for ((link_id, day), counts) in &days {
            store::add_day(&tx, *link_id, day, *counts)?;
        }
        for ((kind, link_id, day, name), clicks) in &tallies {
            store::add_tally(&tx, *kind, *link_id, day, name, *clicks)?;
        }
        for (link_id, clicks) in &totals {
            store::add_clicks(&tx, *link_id, *clicks)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A visitor of a day: a keyed hash of the address and user agent, so
    /// distinct visitors are counted without keeping who they were.
    fn visitor(&self, day: &str, ip: IpAddr, user_agent: &str) -> [u8; 16] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.visitor_key)
            .expect("HMAC takes keys of any length");
        for part in [
            day.as_bytes(),
            ip.to_canonical().to_string().as_bytes(),
            user_agent.as_bytes(),
        ] {
            mac.update(part);
            mac.update(b"\0");
        }
        let tag = mac.finalize().into_bytes();
        let mut visitor = [0; 16];
        visitor.copy_from_slice(&tag[..16]);
        visitor
    }
}
