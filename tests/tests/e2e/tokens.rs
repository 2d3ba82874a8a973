//! API tokens for scripts: create, use through COREBOX_TOKEN, list, revoke.

use crate::exit;
use crate::harness::{Daemon, Home};

#[test]
fn api_token_works_from_the_environment_until_revoked() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();

    let created = daemon
        .corebox(&[
            "token",
            "create",
            "ci",
            "--scopes",
            "files:read,links:write",
            "--expires",
            "30d",
            "--json",
        ])
        .json();
    let token = created["token"]
        .as_str()
        .expect("token shown once")
        .to_owned();
    let id = created["info"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created["info"]["scopes"],
        serde_json::json!(["files:read", "links:write"])
    );

    // A CI runner: fresh home, no stored login, the token in the environment.
    let ci = Home::new();
    let env = [("COREBOX_TOKEN", token.as_str())];
    let who = daemon
        .corebox_as(&ci, &["whoami", "--json"], None, &env)
        .json();
    assert_eq!(who["user"]["username"], "alice");
    assert_eq!(who["token"]["kind"], "api");
    assert_eq!(who["token"]["name"], "ci");

    // The token lacks `account`: it cannot mint more tokens.
    daemon
        .corebox_as(
            &ci,
            &["token", "create", "escalate", "--scopes", "admin"],
            None,
            &env,
        )
        .fails(exit::AUTH);

    let listed = daemon.corebox(&["token", "ls", "--json"]).json();
    let ids: Vec<&str> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|token| token["id"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&id.as_str()), "{listed}");
    assert!(
        !listed.to_string().contains(&token),
        "token ls never shows secrets"
    );

    daemon.corebox(&["token", "revoke", &id]).ok();
    let revoked = daemon.corebox_as(&ci, &["whoami"], None, &env);
    let message = revoked.fails(exit::AUTH);
    assert!(
        message.contains("COREBOX_TOKEN was refused") && message.contains("unset it"),
        "{revoked:#?}"
    );
    assert!(!message.contains("log in again"), "{revoked:#?}");
    daemon
        .corebox(&["token", "revoke", &id])
        .fails(exit::NOT_FOUND);
}

#[test]
fn scopes_are_listed_by_their_names() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let created = daemon
        .corebox(&[
            "token",
            "create",
            "ci",
            "--scopes",
            "links:write,files:read",
            "--json",
        ])
        .json();
    assert_eq!(
        created["info"]["scopes"],
        serde_json::json!(["files:read", "links:write"])
    );
}

#[test]
fn another_users_token_id_cannot_be_revoked() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let bobs = daemon
        .corebox_as(&bob, &["token", "create", "ci", "--json"], None, &[])
        .json();
    let id = bobs["info"]["id"].as_str().expect("id");
    daemon
        .corebox(&["token", "revoke", id])
        .fails(exit::NOT_FOUND);
    let token = bobs["token"].as_str().expect("token");
    daemon
        .corebox_as(
            &Home::new(),
            &["whoami", "-q"],
            None,
            &[("COREBOX_TOKEN", token)],
        )
        .ok();
}

#[test]
fn bad_scope_or_duration_is_a_clear_error() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let scope = daemon.corebox(&["token", "create", "ci", "--scopes", "files:exec"]);
    assert_eq!(scope.code, exit::USAGE, "{scope:#?}");
    assert!(scope.stderr.contains("files:exec"), "{scope:#?}");
    let duration = daemon.corebox(&["token", "create", "ci", "--expires", "forever"]);
    assert_eq!(duration.code, exit::USAGE, "{duration:#?}");
    let listed = daemon.corebox(&["token", "ls", "--json"]).json();
    assert_eq!(
        listed.as_array().expect("array").len(),
        1,
        "only the session: {listed}"
    );
}
