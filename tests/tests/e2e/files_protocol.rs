//! Upload sessions at the protocol level, where a misbehaving client can
//! send what the CLI never would: gaps, overlaps, wrong sizes and hashes,
//! late chunks and other users' sessions.

use std::time::{Duration, Instant};

use corebox_proto::transport::{Endpoint, connect};
use corebox_proto::types::{LoginRequest, Secret, UploadBegin, UploadStart};
use corebox_proto::{CoreBoxClient, ErrorCode};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use tarpc::context;

use crate::harness::{Daemon, Home};

async fn client(daemon: &Daemon, name: &str) -> CoreBoxClient {
    let client = connect(&Endpoint::Unix(daemon.socket()))
        .await
        .expect("connect");
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + Duration::from_secs(60);
    let request = LoginRequest {
        username: name.to_owned(),
        password: Secret::new("password-x"),
    };
    client
        .login(ctx, request)
        .await
        .expect("rpc")
        .expect("login");
    client
}

async fn begin(client: &CoreBoxClient, size: u64) -> String {
    let request = UploadBegin {
        name: "f.bin".to_owned(),
        size,
        sha256: None,
        resume_key: None,
    };
    match client
        .upload_begin(context::current(), request)
        .await
        .expect("rpc")
        .expect("begin")
    {
        UploadStart::Transfer {
            upload_id,
            offset: 0,
        } => upload_id,
        other => panic!("unexpected {other:?}"),
    }
}

async fn chunk(
    client: &CoreBoxClient,
    id: &str,
    offset: u64,
    data: &[u8],
) -> Result<u64, corebox_proto::ApiError> {
    client
        .upload_chunk(
            context::current(),
            id.to_owned(),
            offset,
            ByteBuf::from(data.to_vec()),
        )
        .await
        .expect("rpc")
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_uploads_are_refused_and_leave_the_store_consistent() {
    let daemon = Daemon::start();
    daemon.signup(&Home::new(), "alice", "password-x").ok();
    daemon.signup(&Home::new(), "mallory", "password-x").ok();
    let alice = client(&daemon, "alice").await;
    let mallory = client(&daemon, "mallory").await;
    let id = begin(&alice, 10).await;

    assert_eq!(
        chunk(&alice, &id, 0, b"01234").await.expect("first half"),
        5
    );
    let overlap = chunk(&alice, &id, 3, b"34567").await.expect_err("overlap");
    assert_eq!(overlap.code, ErrorCode::InvalidArgument);
    assert!(overlap.message.contains("overlaps"), "{}", overlap.message);
    let past = chunk(&alice, &id, 5, b"56789-too-long")
        .await
        .expect_err("past the size");
    assert!(past.message.contains("runs past"), "{}", past.message);

    // Another user's session answers exactly like an unknown one.
    let theirs = chunk(&mallory, &id, 5, b"56789")
        .await
        .expect_err("not theirs");
    let unknown = chunk(&mallory, "0123456789abcdef0123456789abcdef", 5, b"56789")
        .await
        .expect_err("unknown");
    assert_eq!(
        (theirs.code, &theirs.message),
        (unknown.code, &unknown.message)
    );
    assert_eq!(theirs.code, ErrorCode::NotFound);
    let finish = mallory
        .upload_finish(context::current(), id.clone(), sha(b"0123456789"))
        .await
        .expect("rpc");
    assert_eq!(finish.expect_err("not theirs").code, ErrorCode::NotFound);

    // A chunk after a gap waits for the missing bytes; given up on, it
    // leaves nothing behind.
    let mut short = context::current();
    short.deadline = Instant::now() + Duration::from_millis(300);
    let gap = alice
        .upload_chunk(short, id.clone(), 8, ByteBuf::from(b"89".to_vec()))
        .await;
    assert!(
        gap.is_err() || gap.is_ok_and(|answer| answer.is_err()),
        "a gap is never filled"
    );

    let early = alice
        .upload_finish(context::current(), id.clone(), sha(b"0123456789"))
        .await
        .expect("rpc");
    let early = early.expect_err("incomplete");
    assert!(early.message.contains("5 of 10"), "{}", early.message);

    assert_eq!(
        chunk(&alice, &id, 5, b"56789").await.expect("second half"),
        10
    );
    let wrong = alice
        .upload_finish(context::current(), id.clone(), sha(b"not these bytes"))
        .await
        .expect("rpc");
    assert!(
        wrong
            .expect_err("hash mismatch")
            .message
            .contains("SHA-256")
    );
    // The mismatch discarded the session: nothing of it is left.
    assert_eq!(
        chunk(&alice, &id, 0, b"0").await.expect_err("gone").code,
        ErrorCode::NotFound
    );
    let late = alice
        .upload_finish(context::current(), id.clone(), sha(b"0123456789"))
        .await
        .expect("rpc");
    assert_eq!(late.expect_err("gone").code, ErrorCode::NotFound);

    // A well-behaved upload still works, and a chunk after finish is refused.
    let id = begin(&alice, 3).await;
    chunk(&alice, &id, 0, b"abc").await.expect("chunk");
    let file = alice
        .upload_finish(context::current(), id.clone(), sha(b"abc"))
        .await
        .expect("rpc")
        .expect("finish");
    assert_eq!(file.size, 3);
    assert_eq!(
        chunk(&alice, &id, 0, b"abc")
            .await
            .expect_err("finished")
            .code,
        ErrorCode::NotFound
    );

    let bad_hash = UploadBegin {
        name: "g".to_owned(),
        size: 1,
        sha256: Some("not-hex".to_owned()),
        resume_key: None,
    };
    let refused = alice
        .upload_begin(context::current(), bad_hash)
        .await
        .expect("rpc");
    assert_eq!(
        refused.expect_err("bad hash").code,
        ErrorCode::InvalidArgument
    );

    let listed = alice
        .file_list(context::current(), Default::default())
        .await
        .expect("rpc")
        .expect("list");
    assert_eq!(listed.len(), 1, "only the good upload is a file");
    let staged = std::fs::read_dir(daemon.data_dir().join("uploads"))
        .expect("dir")
        .count();
    assert_eq!(staged, 0, "no staging file left");
}
