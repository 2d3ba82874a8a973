//! Bad input from the command line and the environment: each gets a clear
//! error, changes nothing, and leaves the daemon serving.

use crate::exit;
use crate::harness::{Daemon, Home};

fn user_count(daemon: &Daemon) -> usize {
    daemon
        .corebox(&["admin", "users", "ls", "--json"])
        .json()
        .as_array()
        .expect("array")
        .len()
}

#[test]
fn bad_usernames_are_refused() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let overlong = "a".repeat(33);
    for name in [
        "",
        " ",
        "-dash",
        "a b",
        "a/b",
        "../etc",
        "ünïcode",
        "tab\tname",
        overlong.as_str(),
    ] {
        let run = daemon.signup(&Home::new(), name, "password-b");
        let message = run.fails(exit::FAILURE);
        assert!(message.contains("username"), "{name:?}: {message}");
    }
    assert_eq!(user_count(&daemon), 1);
}

#[test]
fn bad_passwords_are_refused() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let short = daemon.signup(&Home::new(), "bob", "short");
    assert!(
        short.fails(exit::FAILURE).contains("too short"),
        "{short:#?}"
    );
    let long = daemon.signup(&Home::new(), "bob", &"x".repeat(1025));
    assert!(long.fails(exit::FAILURE).contains("too long"), "{long:#?}");
    let empty = daemon.signup(&Home::new(), "bob", "");
    empty.fails(exit::FAILURE);

    let not_utf8 = daemon.corebox_as(
        &Home::new(),
        &["signup", "--username", "bob", "--password-stdin"],
        Some(b"caf\xe9-latin1-password\n"),
        &[],
    );
    assert!(
        not_utf8.fails(exit::FAILURE).contains("UTF-8"),
        "{not_utf8:#?}"
    );
    assert_eq!(user_count(&daemon), 1);
    daemon.signup(&Home::new(), "bob", "password-b").ok();
}

#[test]
fn bad_emails_are_refused() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    for email in [
        "plain",
        "a@b",
        "@example.org",
        "a@@example.org",
        "a b@example.org",
        "a@exa mple.org",
    ] {
        let run = daemon.corebox(&["profile", "set", "--email", email]);
        assert!(
            run.fails(exit::FAILURE).contains("email"),
            "{email:?}: {run:#?}"
        );
    }
    let long_name = "n".repeat(101);
    daemon
        .corebox(&["profile", "set", "--display-name", &long_name])
        .fails(exit::FAILURE);
    let profile = daemon.corebox(&["profile", "show", "--json"]).json();
    assert!(
        profile["email"].is_null() && profile["display_name"].is_null(),
        "{profile}"
    );
}

#[test]
fn bad_tokens_are_refused() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let good = daemon
        .corebox(&["token", "create", "ci", "-q"])
        .ok()
        .trim()
        .to_owned();
    let mut tampered = good.clone().into_bytes();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let revoked = daemon.corebox(&["token", "create", "old", "--json"]).json();
    let revoked_id = revoked["info"]["id"].as_str().expect("id");
    daemon.corebox(&["token", "revoke", revoked_id]).ok();
    let revoked = revoked["token"].as_str().expect("token").to_owned();
    let huge = "x".repeat(100_000);

    for token in [
        "garbage",
        "a.b.c",
        "eyJhbGciOiJub25lIn0.e30.",
        &tampered,
        &revoked,
        &huge,
    ] {
        let run = daemon.corebox_as(&Home::new(), &["whoami"], None, &[("COREBOX_TOKEN", token)]);
        let message = run.fails(exit::AUTH);
        assert!(!message.contains(token), "the token is not echoed back");
    }
    daemon
        .corebox_as(
            &Home::new(),
            &["whoami", "-q"],
            None,
            &[("COREBOX_TOKEN", &good)],
        )
        .ok();
}

#[test]
fn usage_errors_have_their_own_exit_code() {
    let daemon = Daemon::start();
    let run = daemon.corebox(&["no-such-command"]);
    assert_eq!(run.code, exit::USAGE, "{run:#?}");
    let run = daemon.corebox(&["signup"]);
    assert_eq!(
        run.code,
        exit::USAGE,
        "no terminal and no --username: {run:#?}"
    );
    assert!(run.stderr.contains("--username"), "{run:#?}");
    for (source, says) in [("ftp://example.com/f", "not ftp"), ("", "file id")] {
        let run = daemon.corebox(&["download", source]);
        assert!(run.fails(exit::USAGE).contains(says), "{run:#?}");
    }
}
