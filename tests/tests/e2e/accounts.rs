//! Signup, login, logout, whoami, passwd, profiles and account deletion.

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home};

#[test]
fn signup_whoami_logout_login_round_trip() {
    let daemon = Daemon::start();
    let home = &daemon.home;

    let signup = daemon
        .signup_with(home, "Alice", "correct horse battery", &["--json"])
        .json();
    assert_eq!(signup["user"]["username"], "Alice");
    assert_eq!(signup["user"]["role"], "admin", "first account is admin");
    assert!(
        !signup.to_string().contains("eyJ"),
        "the token is never printed: {signup}"
    );

    let who = daemon.corebox(&["whoami", "--json"]).json();
    assert_eq!(who["user"]["username"], "Alice");
    assert_eq!(who["token"]["kind"], "session");
    assert_eq!(daemon.corebox(&["whoami", "-q"]).ok().trim(), "Alice");

    daemon.corebox(&["logout"]).ok();
    let stderr = daemon.corebox(&["whoami"]).fails(exit::AUTH).to_owned();
    assert!(stderr.contains("login"), "says how to fix it: {stderr}");

    // Usernames compare case-insensitively.
    daemon.login(home, "ALICE", "correct horse battery").ok();
    assert_eq!(daemon.corebox(&["whoami", "-q"]).ok().trim(), "Alice");
}

#[test]
fn second_account_is_a_user_and_names_are_unique_in_any_case() {
    let daemon = Daemon::start();
    daemon.signup(&Home::new(), "alice", "password-a").ok();
    let bob = daemon
        .signup_with(&Home::new(), "bob", "password-b", &["--json"])
        .json();
    assert_eq!(bob["user"]["role"], "user");
    let taken = daemon.signup(&Home::new(), "BOB", "password-c");
    assert!(taken.fails(exit::FAILURE).contains("taken"), "{taken:#?}");
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_answer() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let wrong = daemon.login(&Home::new(), "alice", "not-the-password");
    let unknown = daemon.login(&Home::new(), "nobody", "not-the-password");
    assert_eq!(wrong.fails(exit::AUTH), unknown.fails(exit::AUTH));
}

#[test]
fn login_attempts_are_throttled_with_a_retry_time() {
    let daemon =
        Daemon::start_with(DaemonOptions::default().env("COREBOX_LOGIN_ATTEMPTS_PER_MINUTE", "2"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    for _ in 0..2 {
        daemon
            .login(&Home::new(), "alice", "bad-guess-1")
            .fails(exit::AUTH);
    }
    let throttled = daemon.login(&Home::new(), "alice", "password-a");
    let message = throttled.fails(exit::FAILURE);
    assert!(message.contains("retry in"), "{message}");
    // Another account is not affected.
    daemon.signup(&Home::new(), "bob", "password-b").ok();
    daemon.login(&Home::new(), "bob", "password-b").ok();
}

#[test]
fn passwd_revokes_other_sessions_but_keeps_this_one() {
    let daemon = Daemon::start();
    let laptop = &daemon.home;
    let phone = Home::new();
    daemon.signup(laptop, "alice", "old-password").ok();
    daemon.login(&phone, "alice", "old-password").ok();

    daemon
        .corebox_stdin(
            &["passwd", "--password-stdin"],
            b"old-password\nnew-password\n",
        )
        .ok();
    daemon.corebox(&["whoami"]).ok();
    daemon
        .corebox_as(&phone, &["whoami"], None, &[])
        .fails(exit::AUTH);
    daemon
        .login(&phone, "alice", "old-password")
        .fails(exit::AUTH);
    daemon.login(&phone, "alice", "new-password").ok();
}

#[test]
fn profile_set_and_show() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
        .corebox(&[
            "profile",
            "set",
            "--display-name",
            "Alice A.",
            "--email",
            "alice@example.org",
        ])
        .ok();
    let profile = daemon.corebox(&["profile", "show", "--json"]).json();
    assert_eq!(profile["display_name"], "Alice A.");
    assert_eq!(profile["email"], "alice@example.org");

    let bad = daemon.corebox(&["profile", "set", "--email", "not-an-email"]);
    assert!(bad.fails(exit::FAILURE).contains("email"));
    let unchanged = daemon.corebox(&["profile", "show", "--json"]).json();
    assert_eq!(
        unchanged["email"], "alice@example.org",
        "a refused change changes nothing"
    );

    daemon.corebox(&["profile", "set", "--email", ""]).ok();
    let cleared = daemon.corebox(&["profile", "show", "--json"]).json();
    assert!(cleared["email"].is_null(), "{cleared}");
}

#[test]
fn account_delete_removes_the_user_and_their_tokens() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let token = daemon
        .corebox_as(&bob, &["token", "create", "ci", "-q"], None, &[])
        .ok()
        .trim()
        .to_owned();

    let wrong = daemon.corebox_as(
        &bob,
        &["account", "delete", "--yes", "--password-stdin"],
        Some(b"wrong-password\n"),
        &[],
    );
    let message = wrong.fails(exit::AUTH);
    assert!(
        message.contains("wrong password") && !message.contains("username"),
        "{wrong:#?}"
    );
    daemon
        .corebox_as(
            &bob,
            &["account", "delete", "--yes", "--password-stdin"],
            Some(b"password-b\n"),
            &[],
        )
        .ok();

    let users = daemon.corebox(&["admin", "users", "ls", "--json"]).json();
    let names: Vec<&str> = users
        .as_array()
        .expect("array")
        .iter()
        .map(|user| user["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["admin"]);
    daemon
        .corebox_as(
            &Home::new(),
            &["whoami"],
            None,
            &[("COREBOX_TOKEN", &token)],
        )
        .fails(exit::AUTH);
    daemon
        .login(&Home::new(), "bob", "password-b")
        .fails(exit::AUTH);
    // The name is free again.
    daemon.signup(&Home::new(), "bob", "password-c").ok();
}

#[test]
fn last_admin_cannot_delete_their_account() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let refused = daemon.corebox_stdin(
        &["account", "delete", "--yes", "--password-stdin"],
        b"password-a\n",
    );
    assert!(
        refused.fails(exit::FAILURE).contains("admin"),
        "{refused:#?}"
    );
    daemon.corebox(&["whoami"]).ok();
}

#[test]
fn signup_refused_when_closed_but_first_account_allowed() {
    let daemon = Daemon::start_with(DaemonOptions::default().arg("--signup").arg("closed"));
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let refused = daemon.signup(&Home::new(), "bob", "password-b");
    assert!(refused.fails(exit::AUTH).contains("closed"), "{refused:#?}");
    let users = daemon.corebox(&["admin", "users", "ls", "--json"]).json();
    assert_eq!(users.as_array().expect("array").len(), 1);
}

#[test]
fn invite_flow() {
    let daemon = Daemon::start_with(DaemonOptions::default().env("COREBOX_SIGNUP", "invite"));
    daemon.signup(&daemon.home, "admin", "password-a").ok();

    let without = daemon.signup(&Home::new(), "bob", "password-b");
    assert!(
        without.fails(exit::AUTH).contains("--invite"),
        "{without:#?}"
    );

    let code = daemon
        .corebox(&["admin", "invites", "create", "--uses", "1", "-q"])
        .ok()
        .trim()
        .to_owned();
    assert!(code.len() >= 16, "{code}");
    let with = |name: &str, code: &str| {
        daemon.corebox_as(
            &Home::new(),
            &[
                "signup",
                "--username",
                name,
                "--invite",
                code,
                "--password-stdin",
            ],
            Some(b"password-b\n"),
            &[],
        )
    };
    with("bob", "not-a-real-code").fails(exit::AUTH);
    with("bob", &code).ok();
    let reused = with("carol", &code);
    assert!(reused.fails(exit::AUTH).contains("invite"), "{reused:#?}");
}

#[test]
fn credentials_fall_back_to_a_private_file_and_say_so() {
    let daemon = Daemon::start();
    let home = Home::new();
    let env = [("COREBOX_NO_KEYRING", "1")];
    let signup = daemon.corebox_as(
        &home,
        &["signup", "--username", "alice", "--password-stdin"],
        Some(b"password-a\n"),
        &env,
    );
    signup.ok();
    assert!(
        signup.stderr.contains("mode 0600"),
        "says where the token went: {signup:#?}"
    );
    let file = home.path().join("config/corebox/credentials.json");
    let mode = std::fs::metadata(&file)
        .expect("credentials file")
        .permissions();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.mode() & 0o777, 0o600);
    let whoami = daemon.corebox_as(&home, &["whoami", "-q"], None, &env);
    assert_eq!(whoami.ok().trim(), "alice");
    assert!(
        !whoami.stderr.contains("0600"),
        "said once, not on every command: {whoami:#?}"
    );
}

#[test]
fn two_daemons_keep_two_logins() {
    let first = Daemon::start();
    let second = Daemon::start();
    let home = Home::new();
    first.signup(&home, "alice", "password-a").ok();
    second.signup(&home, "bob", "password-b").ok();
    assert_eq!(
        first
            .corebox_as(&home, &["whoami", "-q"], None, &[])
            .ok()
            .trim(),
        "alice"
    );
    assert_eq!(
        second
            .corebox_as(&home, &["whoami", "-q"], None, &[])
            .ok()
            .trim(),
        "bob"
    );
}
