//! SQL of the `links`, `link_clicks` and daily count tables. Nothing else
//! touches them.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A link row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    /// Row id; clicks refer to it.
    pub id: i64,
    /// The code as its owner typed it.
    pub code: String,
    /// Whether the owner chose the code (else it is random).
    pub is_alias: bool,
    /// The owner's user id.
    pub owner_id: i64,
    /// Where it redirects (normal form).
    pub target: String,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: Option<i64>,
    /// Redirects allowed.
    pub max_clicks: Option<u64>,
    /// Argon2id PHC string, when a password is needed.
    pub password_hash: Option<String>,
    /// Redirects recorded so far.
    pub clicks: u64,
    /// Whether an admin disabled the owner: the link then answers nobody.
    pub owner_disabled: bool,
}

const SELECT: &str = "SELECT l.id, l.code, l.is_alias, l.owner_id, l.target, l.created_at,
        l.expires_at, l.max_clicks, l.password_hash, l.clicks, u.disabled
    FROM links l JOIN users u ON u.id = l.owner_id";

fn link_row(row: &Row<'_>) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        id: row.get(0)?,
        code: row.get(1)?,
        is_alias: row.get(2)?,
        owner_id: row.get(3)?,
        target: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        max_clicks: row.get(7)?,
        password_hash: row.get(8)?,
        clicks: row.get(9)?,
        owner_disabled: row.get(10)?,
    })
}

/// A link to insert.
#[derive(Debug)]
pub struct NewLink<'a> {
    /// The code.
    pub code: &'a str,
    /// Its lookup key.
    pub code_key: &'a str,
    /// Whether the owner chose it.
    pub is_alias: bool,
    /// The owner.
    pub owner_id: i64,
    /// The target.
    pub target: &'a str,
    /// Now.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: Option<i64>,
    /// Click limit.
    pub max_clicks: Option<u64>,
    /// Password hash.
    pub password_hash: Option<&'a str>,
}

/// Inserts a link; `None` when its code is taken.
pub fn insert(conn: &Connection, link: &NewLink<'_>) -> rusqlite::Result<Option<i64>> {
    let inserted = conn.execute(
        "INSERT INTO links (code_key, code, is_alias, owner_id, target, created_at, expires_at,
            max_clicks, password_hash) VALUES (?1, ?2, ?9, ?3, ?4, ?5, ?6, ?7, ?8)
            ON CONFLICT (code_key) DO NOTHING",
        params![
            link.code_key,
            link.code,
            link.owner_id,
            link.target,
            link.created_at,
            link.expires_at,
            link.max_clicks,
            link.password_hash,
            link.is_alias
        ],
    )?;
    Ok((inserted > 0).then(|| conn.last_insert_rowid()))
}

/// The link with lookup key `key`.
pub fn by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<LinkRow>> {
    conn.prepare_cached(&format!("{SELECT} WHERE l.code_key = ?1"))?
        .query_row([key], link_row)
        .optional()
}

/// The links of `owner_id`, newest first.
pub fn by_owner(conn: &Connection, owner_id: i64) -> rusqlite::Result<Vec<LinkRow>> {
    conn.prepare_cached(&format!(
        "{SELECT} WHERE l.owner_id = ?1 ORDER BY l.created_at DESC, l.id DESC"
    ))?
    .query_map([owner_id], link_row)?
    .collect()
}

/// Sets a link's target, expiry and click limit.
pub fn update(conn: &Connection, link: &LinkRow) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE links SET target = ?2, expires_at = ?3, max_clicks = ?4 WHERE id = ?1",
        params![link.id, link.target, link.expires_at, link.max_clicks],
    )?;
    Ok(())
}

/// Removes a link with its clicks and counts.
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM links WHERE id = ?1", [id])?;
    Ok(())
}

/// Whether link `id` still exists.
pub fn exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM links WHERE id = ?1")?
        .exists([id])
}

/// One recorded redirect.
#[derive(Debug, Clone)]
pub struct ClickRow<'a> {
    /// The link.
    pub link_id: i64,
    /// When.
    pub at: i64,
    /// The Referer header, clipped.
    pub referrer: Option<&'a str>,
    /// The User-Agent header, clipped.
    pub user_agent: Option<&'a str>,
    /// The browser's name.
    pub browser: &'a str,
    /// Whether a bot followed it.
    pub is_bot: bool,
    /// The client, as the privacy setting allows.
    pub client: Option<&'a str>,
}

/// Inserts a click row.
pub fn insert_click(conn: &Connection, click: &ClickRow<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO link_clicks (link_id, at, referrer, user_agent, browser, is_bot, client)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        click.link_id,
        click.at,
        click.referrer,
        click.user_agent,
        click.browser,
        click.is_bot,
        click.client
    ])?;
    Ok(())
}

/// Notes a visitor of link `link_id` on `day`; true when it is the first
/// visit that day.
pub fn add_visitor(
    conn: &Connection,
    link_id: i64,
    day: &str,
    visitor: &[u8],
) -> rusqlite::Result<bool> {
    let added = conn
        .prepare_cached(
            "INSERT INTO link_visitors (link_id, day, visitor) VALUES (?1, ?2, ?3)
                ON CONFLICT DO NOTHING",
        )?
        .execute(params![link_id, day, visitor])?;
    Ok(added > 0)
}

/// Adds to a link's counts for `day`.
pub fn add_day(
    conn: &Connection,
    link_id: i64,
    day: &str,
    (clicks, uniques, bots): (u64, u64, u64),
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO link_days (link_id, day, clicks, uniques, bots) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (link_id, day) DO UPDATE SET clicks = clicks + excluded.clicks,
                uniques = uniques + excluded.uniques, bots = bots + excluded.bots",
    )?
    .execute(params![link_id, day, clicks, uniques, bots])?;
    Ok(())
}

/// Which daily tally a name goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TallyKind {
    /// Referrer hosts.
    Referrer,
    /// Browser names.
    Browser,
}

impl TallyKind {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            TallyKind::Referrer => ("link_day_referrers", "referrer"),
            TallyKind::Browser => ("link_day_browsers", "browser"),
        }
    }
}

/// Adds `clicks` to a link's tally of `name` for `day`.
pub fn add_tally(
    conn: &Connection,
    kind: TallyKind,
    link_id: i64,
    day: &str,
    name: &str,
    clicks: u64,
) -> rusqlite::Result<()> {
    let (table, column) = kind.table();
    conn.prepare_cached(&format!(
        "INSERT INTO {table} (link_id, day, {column}, clicks) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (link_id, day, {column}) DO UPDATE SET clicks = clicks + excluded.clicks"
    ))?
    .execute(params![link_id, day, name, clicks])?;
    Ok(())
}

/// Adds `clicks` to a link's total.
pub fn add_clicks(conn: &Connection, link_id: i64, clicks: u64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE links SET clicks = clicks + ?2 WHERE id = ?1")?
        .execute(params![link_id, clicks])?;
    Ok(())
}

/// A link's daily counts from `first_day` on: day, clicks, uniques, bots.
pub fn days_since(
    conn: &Connection,
    link_id: i64,
    first_day: &str,
) -> rusqlite::Result<Vec<(String, u64, u64, u64)>> {
    conn.prepare_cached(
        "SELECT day, clicks, uniques, bots FROM link_days WHERE link_id = ?1 AND day >= ?2
            ORDER BY day",
    )?
    .query_map(params![link_id, first_day], |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    })?
    .collect()
}

/// The `limit` names with most clicks in a link's tally from `first_day`.
pub fn top(
    conn: &Connection,
    kind: TallyKind,
    link_id: i64,
    first_day: &str,
    limit: u32,
) -> rusqlite::Result<Vec<(String, u64)>> {
    let (table, column) = kind.table();
    conn.prepare_cached(&format!(
        "SELECT {column}, sum(clicks) AS total FROM {table} WHERE link_id = ?1 AND day >= ?2
            GROUP BY {column} ORDER BY total DESC, {column} LIMIT ?3"
    ))?
    .query_map(params![link_id, first_day, limit], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?
    .collect()
}
