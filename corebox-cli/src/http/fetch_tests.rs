//! Tests of `http::fetch` and `http::start` against a scripted HTTP server
//! on a loopback port: one connection per answer, each answer written as
//! raw bytes, so a test can cut a body short exactly where it wants.

use std::io::{Read, Seek, SeekFrom};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::*;
use crate::http::{Start, client, start};
use crate::output::Mode;
use crate::transfer::progress::Progress;

const BODY: &[u8] = b"0123456789";

/// How the scripted server answers one connection, given the request head.
type Answer = Box<dyn Fn(&str) -> Vec<u8> + Send>;

fn body_sha() -> String {
    hex::encode(Sha256::digest(BODY))
}

/// Serves one connection per entry of `answers`, in order; each answer is
/// made from the request's head. Returns the base URL and the heads seen.
async fn serve(answers: Vec<Answer>) -> (Url, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/s/Tok3n")).expect("url");
    let server = tokio::spawn(async move {
        let mut heads = Vec::new();
        for answer in answers {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if socket.read(&mut byte).await.expect("read") == 0 {
                    break;
                }
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            socket.write_all(&answer(&head)).await.expect("write");
            socket.shutdown().await.ok();
            heads.push(head);
        }
        heads
    });
    (url, server)
}

/// A 200 answer announcing the whole body but sending only `sent` bytes.
fn whole(sent: usize) -> Answer {
    Box::new(move |_| {
        let mut answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: \"{}\"\r\nConnection: close\r\n\
             Content-Disposition: attachment; filename=\"digits.txt\"\r\n\r\n",
            BODY.len(),
            body_sha()
        )
        .into_bytes();
        answer.extend_from_slice(&BODY[..sent]);
        answer
    })
}

/// A 206 answer with the body from `from` on.
fn rest(from: usize) -> Answer {
    Box::new(move |_| {
        let mut answer = format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes \
             {from}-{}/{}\r\nConnection: close\r\n\r\n",
            BODY.len() - from,
            BODY.len() - 1,
            BODY.len()
        )
        .into_bytes();
        answer.extend_from_slice(&BODY[from..]);
        answer
    })
}

fn status(line: &'static str, extra: &'static str) -> Answer {
    Box::new(move |_| {
        format!("HTTP/1.1 {line}\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n")
            .into_bytes()
    })
}

/// Runs a whole download into a temporary file: start, then receive.
async fn download(url: &Url) -> (Result<Received, CliError>, String) {
    let client = client().expect("client");
    let Ok(Start::Ready(first)) = start(&client, url, None).await else {
        panic!("the first answer brings bytes");
    };
    let file = tempfile::tempfile().expect("temp");
    let writer = file.try_clone().expect("clone");
    let bar = Progress::for_terminal(Mode::Quiet).file("digits.txt", 0);
    let source = Source {
        client: &client,
        url,
        password: None,
    };
    let received = receive(source, first, Sink::File(writer), "the file", &bar).await;
    let mut file = file;
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).expect("seek");
    file.read_to_string(&mut text).expect("read");
    (received, text)
}

#[tokio::test]
async fn broken_body_resumes_with_range_and_if_range() {
    let (url, server) = serve(vec![whole(4), rest(4)]).await;
    let (received, text) = download(&url).await;
    let received = received.expect("resumed");
    assert_eq!(text.as_bytes(), BODY);
    assert_eq!(received.bytes, BODY.len() as u64);
    assert_eq!(received.sha256, body_sha());
    let heads = server.await.expect("server");
    assert!(
        !heads[0].to_ascii_lowercase().contains("range:"),
        "{}",
        heads[0]
    );
    let second = heads[1].to_ascii_lowercase();
    assert!(second.contains("range: bytes=4-\r\n"), "{second}");
    assert!(
        second.contains(&format!("if-range: \"{}\"", body_sha())),
        "{second}"
    );
}

#[tokio::test]
async fn whole_file_again_starts_over_instead_of_appending() {
    let (url, server) = serve(vec![whole(6), whole(BODY.len())]).await;
    let (received, text) = download(&url).await;
    assert_eq!(received.expect("restarted").sha256, body_sha());
    assert_eq!(text.as_bytes(), BODY);
    server.await.expect("server");
}

#[tokio::test]
async fn wrong_part_is_refused() {
    let (url, server) = serve(vec![whole(4), rest(2)]).await;
    let (received, _) = download(&url).await;
    let error = received.expect_err("wrong range");
    assert!(
        error.message().contains("another part"),
        "{}",
        error.message()
    );
    server.await.expect("server");
}

#[tokio::test]
async fn share_gone_mid_download_is_not_found() {
    let (url, server) = serve(vec![whole(4), status("404 Not Found", "")]).await;
    let (received, _) = download(&url).await;
    assert_eq!(received.expect_err("gone").exit(), Exit::NotFound);
    server.await.expect("server");
}

#[tokio::test]
async fn password_goes_as_basic_auth_with_an_empty_user() {
    let challenge = "WWW-Authenticate: Basic realm=\"corebox share\"\r\n";
    let (url, server) = serve(vec![
        status("401 Unauthorized", challenge),
        whole(BODY.len()),
        status("401 Unauthorized", challenge),
    ])
    .await;
    let client = client().expect("client");
    let first = start(&client, &url, None).await.expect("answer");
    assert!(matches!(first, Start::NeedsPassword));
    let password = Secret::new("secret");
    let second = start(&client, &url, Some(&password)).await.expect("answer");
    let Start::Ready(response) = second else {
        panic!("the password opens it");
    };
    assert_eq!(
        Meta::of(&response, &url).name.as_deref(),
        Some("digits.txt")
    );
    drop(response);
    let error = start(&client, &url, Some(&password))
        .await
        .expect_err("wrong password");
    assert_eq!(error.exit().code(), 3);
    assert!(error.message().starts_with("wrong password"));
    let heads = server.await.expect("server");
    // base64(":secret")
    assert!(
        heads[1].contains("authorization: Basic OnNlY3JldA==\r\n"),
        "{}",
        heads[1]
    );
}

#[tokio::test]
async fn throttled_and_missing_answers_have_their_exits() {
    let (url, server) = serve(vec![
        status("429 Too Many Requests", "Retry-After: 7\r\n"),
        status("404 Not Found", ""),
    ])
    .await;
    let client = client().expect("client");
    let error = start(&client, &url, None).await.expect_err("throttled");
    assert_eq!(error.exit(), Exit::Failure);
    assert!(
        error.message().ends_with("retry in 7 seconds"),
        "{}",
        error.message()
    );
    let error = start(&client, &url, None).await.expect_err("missing");
    assert_eq!(error.exit(), Exit::NotFound);
    server.await.expect("server");
}

#[tokio::test]
async fn unreachable_server_exits_5_with_the_url() {
    // Bound and dropped: nothing listens on the port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("port")
        .port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/s/Tok3n")).expect("url");
    let client = client().expect("client");
    let error = start(&client, &url, None).await.expect_err("refused");
    assert_eq!(error.exit(), Exit::Unreachable);
    assert!(
        error.message().contains(url.as_str()),
        "{}",
        error.message()
    );
    assert!(error.message().contains("refused"), "{}", error.message());
}

#[test]
fn content_range_and_etag_parse_strictly() {
    assert_eq!(parse_content_range("bytes 4-9/10"), Some((4, 9, Some(10))));
    assert_eq!(parse_content_range("bytes 0-0/*"), Some((0, 0, None)));
    for bad in ["", "bytes */10", "bytes 9-4/10", "items 0-1/2", "bytes 1-2"] {
        assert_eq!(parse_content_range(bad), None, "{bad}");
    }
    let sha = body_sha();
    assert_eq!(sha256_of_etag(&format!("\"{sha}\"")), Some(sha.clone()));
    assert_eq!(
        sha256_of_etag(&format!("\"{}\"", sha.to_uppercase())),
        Some(sha.clone())
    );
    for bad in [format!("W/\"{sha}\""), sha.clone(), "\"abc\"".to_owned()] {
        assert_eq!(sha256_of_etag(&bad), None, "{bad}");
    }
}
