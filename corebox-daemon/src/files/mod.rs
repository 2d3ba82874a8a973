//! Files: metadata, ownership, grants, quotas, and the upload flow.
//!
//! Owns the `files` and `file_grants` tables ([`store`]). A file is a named
//! pointer from a user to content in [`crate::storage`]; identical content
//! is stored once however many files point at it. Every operation takes the
//! acting identity and checks it here: the owner and admins see a file,
//! users it was granted to may read it (unless it is held back by the
//! upload check), and for anyone else it does not exist (the same answer
//! as an unknown id). Variants (thumbnails) are files of their own that
//! `ls` does not list; they go when their original goes.

mod rules;
pub mod store;

use std::sync::Arc;

use corebox_proto::Scope;
use corebox_proto::types::{FileInfo, FileSort, MAX_CHUNK_BYTES, UploadBegin, UploadStart};
use rusqlite::Connection;

use crate::accounts::store as users;
use crate::auth::{Actor, AuthError};
use crate::clock::unix_now;
use crate::db::Db;
use crate::jobs::{AWAITING_CHECK, Jobs};
use crate::storage::store::{self as storage_store, UploadRow};
use crate::storage::{Storage, StorageError};
use crate::units::Size;
use store::FileRow;

use rules::parse_sha256;
pub use rules::{FilesError, Limits, MAX_NAME_BYTES, check_name, check_quota};

/// How the caller may use a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Owner,
    Admin,
    Reader,
}

/// Finds file `id` as `actor` may see it.
fn visible(conn: &Connection, actor: &Actor, id: &str) -> Result<(FileRow, Access), FilesError> {
    let file = store::file_by_id(conn, id)?.ok_or(FilesError::NotFound)?;
    let access = if file.owner_id == actor.user_id {
        Access::Owner
    } else if actor.acts_as_admin() {
        Access::Admin
    } else if file.quarantine.is_none() && store::has_grant(conn, id, actor.user_id)? {
        // A held-back file is its owner's alone until it is cleared.
        Access::Reader
    } else {
        return Err(FilesError::NotFound);
    };
    Ok((file, access))
}

fn info(file: FileRow, grants: Vec<String>) -> FileInfo {
    FileInfo {
        id: file.id,
        name: file.name,
        size: file.size,
        sha256: file.sha256,
        media_type: file.media_type,
        created_at: file.created_at,
        owner: file.owner,
        grants,
        quarantine: file.quarantine,
        thumbnail: file.thumbnail,
    }
}

/// The file as its owner sees it, before any grant.
pub fn info_of(file: FileRow) -> FileInfo {
    info(file, Vec::new())
}

/// The file as `access` may see it: grants only for the owner and admins.
fn info_for(conn: &Connection, file: FileRow, access: Access) -> Result<FileInfo, FilesError> {
    let grants = match access {
        Access::Owner | Access::Admin => store::grants_of(conn, &file.id)?,
        Access::Reader => Vec::new(),
    };
    Ok(info(file, grants))
}

fn new_id() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

/// The files subsystem.
#[derive(Debug)]
pub struct Files {
    db: Db,
    storage: Arc<Storage>,
    limits: Limits,
    jobs: Jobs,
}

impl Files {
    /// The subsystem over `db` and `storage`; new uploads get their jobs
    /// (the upload check, a thumbnail) from `jobs`.
    pub fn new(db: Db, storage: Arc<Storage>, limits: Limits, jobs: Jobs) -> Files {
        Files {
            db,
            storage,
            limits,
            jobs,
        }
    }

    /// Starts or resumes an upload, or, when the caller already owns the
    /// announced content, records the file without any transfer.
    ///
    /// # Errors
    ///
    /// A bad name or hash, [`FilesError::TooLarge`],
    /// [`FilesError::QuotaExceeded`], [`FilesError::DiskReserve`].
    pub async fn begin_upload(
        &self,
        actor: &Actor,
        request: UploadBegin,
    ) -> Result<UploadStart, FilesError> {
        actor.require(Scope::FilesWrite)?;
        check_name(&request.name, "pass another with --name")?;
        let size = request.size;
        if let Some(max) = self.limits.max_file_size.filter(|max| size > *max) {
            return Err(FilesError::TooLarge {
                size: Size(size),
                max: Size(max),
            });
        }
        let expected = request.sha256.as_deref().map(parse_sha256).transpose()?;
        if let Some(key) = &request.resume_key
            && (key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic()))
        {
            return Err(FilesError::Invalid(
                "resume key must be 1 to 128 printable characters".to_owned(),
            ));
        }
        let (owner, default_quota) = (actor.user_id, self.limits.default_quota);

        if let Some(blob) = expected.clone() {
            let name = request.name.clone();
            let reused = self
                .db
                .write(move |conn| {
                    let tx = conn.transaction()?;
                    let Some(existing) =
                        store::owned_with_content(&tx, owner, blob.as_str(), &name)?
                    else {
                        return Ok(None);
                    };
                    if existing.name == name {
                        let grants = store::grants_of(&tx, &existing.id)?;
                        return Ok(Some((existing, grants)));
                    }
                    check_quota(&tx, owner, size, default_quota)?;
                    // The same content under a new name: a file of its own,
                    // which gets its own thumbnail.
                    let file = FileRow {
                        id: new_id(),
                        name,
                        created_at: unix_now(),
                        thumbnail: None,
                        variant_of: None,
                        ..existing
                    };
                    store::insert_file(&tx, &file)?;
                    tx.commit()?;
                    Ok::<_, FilesError>(Some((file, Vec::new())))
                })
                .await?;
            if let Some((file, grants)) = reused {
                let file = info(file, grants);
                self.jobs.file_stored(actor, &file).await;
                return Ok(UploadStart::Done { file });
            }
        }

        let available = self
            .storage
            .available_bytes()
            .await
            .map_err(StorageError::from)?;
        if available.saturating_sub(size) < self.limits.disk_reserve {
            return Err(FilesError::DiskReserve {
                size: Size(size),
                available: Size(available),
                reserve: Size(self.limits.disk_reserve),
            });
        }
        let (upload, replaced) = self
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let now = unix_now();
                let mut replaced = None;
                if let Some(key) = &request.resume_key
                    && let Some(found) = storage_store::upload_by_resume_key(&tx, owner, key)?
                {
                    let same = found.size == size
                        && found.name == request.name
                        && found.expected_sha256 == request.sha256;
                    if same {
                        storage_store::touch_upload(&tx, &found.id, now)?;
                        tx.commit()?;
                        return Ok((found, None));
                    }
                    storage_store::delete_upload(&tx, &found.id)?;
                    replaced = Some(found.id);
                }
                check_quota(&tx, owner, size, default_quota)?;
                let upload = UploadRow {
                    id: hex::encode(rand::random::<[u8; 16]>()),
                    owner_id: owner,
                    name: request.name,
                    size,
                    expected_sha256: expected.map(|blob| blob.to_string()),
                    resume_key: request.resume_key,
                    created_at: now,
                    touched_at: now,
                };
                storage_store::insert_upload(&tx, &upload)?;
                tx.commit()?;
                Ok::<_, FilesError>((upload, replaced))
            })
            .await?;
        if let Some(old) = replaced {
            self.storage.forget(&old);
        }
        let upload_id = upload.id.clone();
        let offset = self.storage.resume(upload).await?;
        Ok(UploadStart::Transfer { upload_id, offset })
    }

    /// Stores a chunk of the caller's upload.
    ///
    /// # Errors
    ///
    /// As [`Storage::write_chunk`].
    pub async fn upload_chunk(
        &self,
        actor: &Actor,
        upload: &str,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<u64, FilesError> {
        actor.require(Scope::FilesWrite)?;
        Ok(self
            .storage
            .write_chunk(actor.user_id, upload, offset, data)
            .await?)
    }

    /// Finishes the caller's upload: verifies, stores durably, records the
    /// file. Finishing the same content under the same name again returns
    /// the file already recorded.
    ///
    /// # Errors
    ///
    /// A malformed hash, and as [`Storage::publish`].
    pub async fn finish_upload(
        &self,
        actor: &Actor,
        upload: &str,
        sha256: &str,
    ) -> Result<FileInfo, FilesError> {
        actor.require(Scope::FilesWrite)?;
        parse_sha256(sha256)?;
        let published = self.storage.publish(actor.user_id, upload, sha256).await?;
        let (blob, size, media_type) = (
            published.blob.clone(),
            published.size,
            published.media_type.clone(),
        );
        let row = published.upload.clone();
        // With an upload check configured, a new file is held back until
        // the check passes.
        let held = self.jobs.has_upload_hook().then_some(AWAITING_CHECK);
        let file = self
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let now = unix_now();
                storage_store::ensure_blob(&tx, &blob, size, now)?;
                storage_store::delete_upload(&tx, &row.id)?;
                let existing =
                    store::owned_with_content(&tx, row.owner_id, blob.as_str(), &row.name)?
                        .filter(|file| file.name == row.name);
                let file = match existing {
                    Some(file) => file,
                    None => {
                        let owner =
                            users::user_by_id(&tx, row.owner_id)?.ok_or(AuthError::TokenInvalid)?;
                        let file = FileRow {
                            id: new_id(),
                            owner_id: row.owner_id,
                            owner: owner.username,
                            name: row.name,
                            size,
                            sha256: blob.to_string(),
                            media_type,
                            created_at: now,
                            quarantine: held.map(str::to_owned),
                            variant_of: None,
                            thumbnail: None,
                        };
                        store::insert_file(&tx, &file)?;
                        file
                    }
                };
                let grants = store::grants_of(&tx, &file.id)?;
                tx.commit()?;
                Ok::<_, FilesError>(info(file, grants))
            })
            .await?;
        drop(published);
        self.storage.forget(upload);
        self.jobs.file_stored(actor, &file).await;
        Ok(file)
    }

    /// Abandons the caller's upload.
    ///
    /// # Errors
    ///
    /// As [`Storage::abort`].
    pub async fn abort_upload(&self, actor: &Actor, upload: &str) -> Result<(), FilesError> {
        actor.require(Scope::FilesWrite)?;
        Ok(self.storage.abort(actor.user_id, upload).await?)
    }

    /// The caller's files and those granted to them.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], database failures.
    pub async fn list(&self, actor: &Actor, sort: FileSort) -> Result<Vec<FileInfo>, FilesError> {
        actor.require(Scope::FilesRead)?;
        let user = actor.user_id;
        self.db
            .read(move |conn| {
                let mut grants: std::collections::HashMap<String, Vec<String>> = Default::default();
                for (file, username) in store::grants_by_owner(conn, user)? {
                    grants.entry(file).or_default().push(username);
                }
                let files = store::visible_files(conn, user, sort)?;
                Ok::<_, FilesError>(
                    files
                        .into_iter()
                        .map(|file| {
                            let granted = grants.remove(&file.id).unwrap_or_default();
                            info(file, granted)
                        })
                        .collect(),
                )
            })
            .await
    }

    /// One file.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`] (also for files the caller may not see).
    pub async fn info(&self, actor: &Actor, id: String) -> Result<FileInfo, FilesError> {
        actor.require(Scope::FilesRead)?;
        let actor = actor.clone();
        self.db
            .read(move |conn| {
                let (file, access) = visible(conn, &actor, &id)?;
                info_for(conn, file, access)
            })
            .await
    }

    /// Up to `len` bytes of a file from `offset`.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`], [`FilesError::Invalid`] for a read past
    /// the end or larger than a chunk.
    pub async fn read(
        &self,
        actor: &Actor,
        id: String,
        offset: u64,
        len: u32,
    ) -> Result<Vec<u8>, FilesError> {
        actor.require(Scope::FilesRead)?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > MAX_CHUNK_BYTES {
            return Err(FilesError::Invalid(format!(
                "reads are at most {MAX_CHUNK_BYTES} bytes"
            )));
        }
        let viewer = actor.clone();
        let (file, _) = self
            .db
            .read(move |conn| visible(conn, &viewer, &id))
            .await?;
        if offset > file.size {
            return Err(FilesError::Invalid(format!(
                "offset {offset} is past the end of the file ({} bytes)",
                file.size
            )));
        }
        let blob = parse_sha256(&file.sha256)?;
        Ok(self
            .storage
            .read(&blob, offset, len)
            .await
            .map_err(StorageError::from)?)
    }

    /// Deletes a file; its content goes when no other file refers to it.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`], [`FilesError::ReadOnly`].
    pub async fn remove(&self, actor: &Actor, id: String) -> Result<(), FilesError> {
        actor.require(Scope::FilesWrite)?;
        let actor = actor.clone();
        self.storage
            .remove_with(move |conn| {
                let tx = conn.transaction()?;
                let (file, access) = visible(&tx, &actor, &id)?;
                if access == Access::Reader {
                    return Err(FilesError::ReadOnly);
                }
                // Its variants (thumbnails) go with it.
                let mut contents = store::variant_blobs(&tx, &file.id)?;
                contents.push(file.sha256.clone());
                store::delete_file(&tx, &file.id)?;
                let mut freed = Vec::new();
                contents.sort();
                contents.dedup();
                for content in contents {
                    if store::references(&tx, &content)? == 0 {
                        let blob = parse_sha256(&content)?;
                        storage_store::delete_blob(&tx, &blob)?;
                        freed.push(blob);
                    }
                }
                tx.commit()?;
                Ok(((), freed))
            })
            .await
    }

    /// Renames a file.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`], [`FilesError::ReadOnly`], a bad name.
    pub async fn rename(
        &self,
        actor: &Actor,
        id: String,
        name: String,
    ) -> Result<FileInfo, FilesError> {
        actor.require(Scope::FilesWrite)?;
        check_name(&name, "choose another name")?;
        self.change(actor, id, move |tx, file| {
            Ok(store::rename_file(tx, &file.id, &name)?)
        })
        .await
    }

    /// Gives `username` read access to a file.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`], [`FilesError::ReadOnly`],
    /// [`FilesError::UserNotFound`].
    pub async fn grant(
        &self,
        actor: &Actor,
        id: String,
        username: String,
    ) -> Result<FileInfo, FilesError> {
        actor.require(Scope::FilesWrite)?;
        self.change(actor, id, move |tx, file| {
            let user = users::user_by_key(tx, &username.to_lowercase())?
                .ok_or_else(|| FilesError::UserNotFound(username.clone()))?;
            if user.id == file.owner_id {
                return Err(FilesError::Invalid(format!(
                    "{} owns this file already",
                    user.username
                )));
            }
            Ok(store::add_grant(tx, &file.id, user.id, unix_now())?)
        })
        .await
    }

    /// Takes `username`'s read access away.
    ///
    /// # Errors
    ///
    /// [`FilesError::NotFound`], [`FilesError::ReadOnly`],
    /// [`FilesError::UserNotFound`], [`FilesError::Invalid`] when the user
    /// has no access to take away.
    pub async fn revoke_grant(
        &self,
        actor: &Actor,
        id: String,
        username: String,
    ) -> Result<FileInfo, FilesError> {
        actor.require(Scope::FilesWrite)?;
        self.change(actor, id, move |tx, file| {
            let user = users::user_by_key(tx, &username.to_lowercase())?
                .ok_or_else(|| FilesError::UserNotFound(username.clone()))?;
            if !store::remove_grant(tx, &file.id, user.id)? {
                return Err(FilesError::Invalid(format!(
                    "{} has no access to this file to take away",
                    user.username
                )));
            }
            Ok(())
        })
        .await
    }

    /// Runs `change` on a file the actor owns or administers, in one
    /// transaction, and returns the file after it.
    async fn change<F>(&self, actor: &Actor, id: String, change: F) -> Result<FileInfo, FilesError>
    where
        F: FnOnce(&rusqlite::Transaction<'_>, &FileRow) -> Result<(), FilesError> + Send + 'static,
    {
        let actor = actor.clone();
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let (file, access) = visible(&tx, &actor, &id)?;
                if access == Access::Reader {
                    return Err(FilesError::ReadOnly);
                }
                change(&tx, &file)?;
                let file = store::file_by_id(&tx, &id)?.ok_or(FilesError::NotFound)?;
                let info = info_for(&tx, file, access)?;
                tx.commit()?;
                Ok(info)
            })
            .await
    }
}
