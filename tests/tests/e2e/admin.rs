//! Roles and administration: users ls, set-role, disable/enable, invites.

use crate::exit;
use crate::harness::{Daemon, Home};

#[test]
fn non_admin_is_denied_admin_commands() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    for args in [
        &["admin", "users", "ls"][..],
        &["admin", "users", "set-role", "bob", "admin"],
        &["admin", "users", "disable", "admin"],
        &["admin", "invites", "create"],
    ] {
        let denied = daemon.corebox_as(&bob, args, None, &[]);
        assert!(
            denied.fails(exit::AUTH).contains("admin"),
            "{args:?}: {denied:#?}"
        );
    }
    let who = daemon
        .corebox_as(&bob, &["whoami", "--json"], None, &[])
        .json();
    assert_eq!(who["user"]["role"], "user", "nothing changed");
}

#[test]
fn set_role_promotes_and_last_admin_stays() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();

    let demote_self = daemon.corebox(&["admin", "users", "set-role", "admin", "user"]);
    assert!(
        demote_self.fails(exit::FAILURE).contains("admin"),
        "{demote_self:#?}"
    );

    daemon
        .corebox(&["admin", "users", "set-role", "BOB", "admin"])
        .ok();
    let users = daemon
        .corebox_as(&bob, &["admin", "users", "ls", "--json"], None, &[])
        .json();
    let bob_row = users
        .as_array()
        .expect("array")
        .iter()
        .find(|user| user["username"] == "bob")
        .expect("bob listed")
        .clone();
    assert_eq!(bob_row["role"], "admin");
    // With a second admin, the first may step down.
    daemon
        .corebox(&["admin", "users", "set-role", "admin", "user"])
        .ok();
    daemon.corebox(&["admin", "users", "ls"]).fails(exit::AUTH);

    daemon.corebox(&["admin", "users", "set-role", "nobody", "admin"]);
    let missing = daemon.corebox_as(
        &bob,
        &["admin", "users", "set-role", "nobody", "admin"],
        None,
        &[],
    );
    missing.fails(exit::NOT_FOUND);
}

#[test]
fn disabled_user_is_stopped_at_once_and_can_be_enabled() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let token = daemon
        .corebox_as(&bob, &["token", "create", "ci", "-q"], None, &[])
        .ok()
        .trim()
        .to_owned();

    daemon.corebox(&["admin", "users", "disable", "bob"]).ok();
    let session = daemon.corebox_as(&bob, &["whoami"], None, &[]);
    assert!(
        session.fails(exit::AUTH).contains("disabled"),
        "{session:#?}"
    );
    daemon
        .corebox_as(
            &Home::new(),
            &["whoami"],
            None,
            &[("COREBOX_TOKEN", &token)],
        )
        .fails(exit::AUTH);
    let login = daemon.login(&Home::new(), "bob", "password-b");
    assert!(login.fails(exit::AUTH).contains("disabled"), "{login:#?}");

    let self_disable = daemon.corebox(&["admin", "users", "disable", "admin"]);
    self_disable.fails(exit::FAILURE);

    daemon.corebox(&["admin", "users", "enable", "bob"]).ok();
    daemon.corebox_as(&bob, &["whoami"], None, &[]).ok();
}
