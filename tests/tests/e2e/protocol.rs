//! The wire: handshake and version mismatch in both directions, garbage on
//! the socket, revocation on an open connection, oversized calls.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};

use corebox_proto::transport::{Endpoint, check_request_size, connect};
use corebox_proto::types::{LoginRequest, Secret};
use corebox_proto::{ErrorCode, PROTOCOL_VERSION};

use crate::exit;
use crate::harness::{Daemon, Home, run_cli};

fn hello(version: u32) -> Vec<u8> {
    let mut bytes = b"CBOX".to_vec();
    bytes.extend_from_slice(&version.to_be_bytes());
    bytes
}

#[test]
fn daemon_answers_its_version_to_a_client_of_another_and_hangs_up() {
    let daemon = Daemon::start();
    let mut stream = UnixStream::connect(daemon.socket()).expect("connect");
    stream
        .write_all(&hello(PROTOCOL_VERSION + 1))
        .expect("write");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("read until the daemon closes");
    assert_eq!(answer, hello(PROTOCOL_VERSION));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
}

#[test]
fn cli_reports_a_daemon_of_another_version_in_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("future.sock");
    let listener = UnixListener::bind(&socket).expect("bind");
    let future = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut theirs = [0; 8];
        stream.read_exact(&mut theirs).expect("client hello");
        stream
            .write_all(&hello(PROTOCOL_VERSION + 2))
            .expect("answer");
        theirs
    });
    let run = run_cli(&socket, &Home::new(), &["whoami"], None, &[]);
    let message = run.fails(exit::PROTOCOL);
    let expected = format!(
        "daemon speaks protocol {}, this corebox speaks {}: upgrade one of them",
        PROTOCOL_VERSION + 2,
        PROTOCOL_VERSION
    );
    assert!(message.contains(&expected), "{message}");
    assert_eq!(
        future.join().expect("peer"),
        hello(PROTOCOL_VERSION).as_slice()
    );
}

#[test]
fn garbage_on_the_socket_leaves_the_daemon_serving() {
    let daemon = Daemon::start();
    // Not the magic: dropped without an answer.
    let mut stream = UnixStream::connect(daemon.socket()).expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("write");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(answer.is_empty(), "no answer to garbage: {answer:?}");

    // A good handshake followed by a frame that is not a request.
    let mut stream = UnixStream::connect(daemon.socket()).expect("connect");
    stream.write_all(&hello(PROTOCOL_VERSION)).expect("write");
    let mut theirs = [0; 8];
    stream.read_exact(&mut theirs).expect("daemon hello");
    stream
        .write_all(&[0, 0, 0, 5, 0xff, 0xfe, 0xfd, 0xfc, 0xfb])
        .expect("junk frame");
    // A frame header claiming 1 GiB, over the frame limit.
    stream.write_all(&[0x40, 0, 0, 0]).expect("huge header");
    let _ = stream.read_to_end(&mut answer);

    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon.corebox(&["whoami"]).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_takes_effect_on_an_open_connection() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let client = connect(&Endpoint::Unix(daemon.socket()))
        .await
        .expect("connect");
    let request = LoginRequest {
        username: "alice".to_owned(),
        password: Secret::new("password-a"),
    };
    let grant = client
        .login(long_context(), request)
        .await
        .expect("rpc")
        .expect("login");
    client
        .whoami(tarpc::context::current())
        .await
        .expect("rpc")
        .expect("valid");

    let session_id = grant.session.id.clone();
    daemon.corebox(&["token", "revoke", &session_id]).ok();

    let error = client
        .whoami(tarpc::context::current())
        .await
        .expect("rpc")
        .expect_err("revoked at the next call");
    assert_eq!(error.code, ErrorCode::Unauthenticated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_call_fails_alone_and_the_connection_survives() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let client = connect(&Endpoint::Unix(daemon.socket()))
        .await
        .expect("connect");
    let huge = "a".repeat(corebox_proto::transport::MAX_FRAME_BYTES);
    let error = check_request_size(&(&huge,)).expect_err("does not fit");
    assert_eq!(error.code, ErrorCode::TooLarge);

    // Sent anyway, a long (but fitting) name is refused by the daemon
    // with a clear error, and the same connection keeps working.
    let request = LoginRequest {
        username: "a".repeat(1_000_000),
        password: Secret::new("password-a"),
    };
    check_request_size(&(&request,)).expect("fits in a frame");
    let refused = client.login(long_context(), request).await.expect("rpc");
    assert!(refused.is_err());
    let request = LoginRequest {
        username: "alice".to_owned(),
        password: Secret::new("password-a"),
    };
    client
        .login(long_context(), request)
        .await
        .expect("rpc")
        .expect("login");
}

fn long_context() -> tarpc::context::Context {
    let mut context = tarpc::context::current();
    context.deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    context
}
