//! A tiny HTTP server on loopback for the daemon to import from: each
//! request is answered by a closure that gets the request's number (from
//! 0) and the raw connection, so a test can fail, stall or stream as it
//! needs. Real sockets, real HTTP on the wire.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// A server answering on its own threads until dropped with the test.
pub struct Server {
    /// `http://IP:PORT`.
    pub base: String,
    requests: Arc<AtomicUsize>,
    /// Dropped with the server, which ends the connections it holds.
    _release: Option<mpsc::Sender<()>>,
}

impl Server {
    /// Starts a server on 127.0.0.1 whose every request gets
    /// `answer(number, stream)`.
    pub fn start(answer: impl Fn(usize, &mut TcpStream) + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1", answer)
    }

    /// As [`Server::start`], on the loopback address `ip`.
    pub fn start_on(
        ip: &str,
        answer: impl Fn(usize, &mut TcpStream) + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind((ip, 0)).expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let answer = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (answer, counter) = (Arc::clone(&answer), Arc::clone(&counter));
                std::thread::spawn(move || {
                    // Read the request head; the body (there is none) is ignored.
                    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                        line.clear();
                    }
                    let number = counter.fetch_add(1, Ordering::SeqCst);
                    answer(number, &mut stream);
                });
            }
        });
        Server {
            base,
            requests,
            _release: None,
        }
    }

    /// A server that answers every request with `head` (a status line,
    /// headers, perhaps part of a body) and then sends nothing more,
    /// holding the connection open until the server is dropped.
    pub fn stalling(head: &'static [u8]) -> Server {
        let (release, held) = mpsc::channel::<()>();
        let held = Mutex::new(held);
        let mut server = Server::start(move |_, stream| {
            let _ = stream.write_all(head);
            // Returns when the sender is dropped with the server.
            let _ = held.lock().map(|held| held.recv());
        });
        server._release = Some(release);
        server
    }

    /// Requests answered or being answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Writes a `302 Found` answer pointing at `location`.
pub fn redirect(stream: &mut TcpStream, location: &str) {
    let head = format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes());
}

/// Writes a whole answer with `status` and `body`.
pub fn respond(stream: &mut TcpStream, status: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}
