//! Token validation against a real database: revoked, unknown, disabled,
//! scopes, and the login throttle.

use std::num::NonZeroU32;
use std::time::Duration;

use corebox_proto::Scope;
use corebox_proto::types::{Role, Secret, TokenCreate};

use super::*;

async fn setup() -> (tempfile::TempDir, Db, Auth, UserRecord) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("t.db")).expect("db");
    let auth = Auth::new(
        db.clone(),
        Duration::from_secs(3600),
        NonZeroU32::new(3).expect("3"),
        None,
    )
    .await
    .expect("auth");
    let hash = auth
        .hasher()
        .hash("password1".to_owned())
        .await
        .expect("hash");
    let user = db
        .write(move |conn| {
            let id = users::insert_user(conn, "Alice", &hash, Role::User, unix_now())?
                .expect("new name");
            Ok::<_, AuthError>(users::user_by_id(conn, id)?.expect("row"))
        })
        .await
        .expect("user");
    (dir, db, auth, user)
}

fn peer() -> Peer {
    Peer("uid:1000".to_owned())
}

#[tokio::test]
async fn login_is_case_insensitive_and_token_verifies() {
    let (_dir, _db, auth, _user) = setup().await;
    let grant = auth
        .login("ALICE", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let actor = auth.verify(&grant.token).await.expect("valid");
    assert_eq!(actor.username, "Alice");
    assert!(actor.has_scope(Scope::Account));
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let (_dir, _db, auth, _user) = setup().await;
    let wrong = auth
        .login("alice", &Secret::new("nope-nope"), &peer())
        .await
        .expect_err("wrong");
    let unknown = auth
        .login("mallory", &Secret::new("nope-nope"), &peer())
        .await
        .expect_err("no");
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert!(matches!(wrong, AuthError::InvalidCredentials));
}

#[tokio::test]
async fn revoked_token_is_refused() {
    let (_dir, _db, auth, _user) = setup().await;
    let grant = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let actor = auth.verify(&grant.token).await.expect("valid");
    auth.logout(&actor).await.expect("logout");
    assert!(matches!(
        auth.verify(&grant.token).await,
        Err(AuthError::TokenInvalid)
    ));
}

#[tokio::test]
async fn token_with_unknown_id_is_refused() {
    let (_dir, _db, auth, user) = setup().await;
    let forged = auth
        .keys
        .encode(user.id, "no-such-row", unix_now(), None)
        .expect("sign");
    let result = auth.verify(&Secret::new(forged)).await;
    assert!(matches!(result, Err(AuthError::TokenInvalid)));
}

#[tokio::test]
async fn token_of_another_user_id_is_refused() {
    let (_dir, _db, auth, user) = setup().await;
    let grant = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let forged = auth
        .keys
        .encode(user.id + 1, &grant.session.id, unix_now(), None)
        .expect("sign");
    assert!(matches!(
        auth.verify(&Secret::new(forged)).await,
        Err(AuthError::TokenInvalid)
    ));
}

#[tokio::test]
async fn disabled_user_is_stopped_at_the_next_call() {
    let (_dir, db, auth, user) = setup().await;
    let grant = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    db.write(move |conn| Ok::<_, AuthError>(users::set_disabled(conn, user.id, true)?))
        .await
        .expect("disable");
    assert!(matches!(
        auth.verify(&grant.token).await,
        Err(AuthError::AccountDisabled)
    ));
}

#[tokio::test]
async fn api_token_scopes_are_a_subset_and_enforced() {
    let (_dir, _db, auth, _user) = setup().await;
    let grant = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let session = auth.verify(&grant.token).await.expect("valid");
    let created = auth
        .create_token(
            &session,
            TokenCreate {
                name: "ci".to_owned(),
                scopes: vec![Scope::FilesRead],
                expires_in_secs: Some(60),
            },
        )
        .await
        .expect("create");
    let api = auth.verify(&created.token).await.expect("valid");
    assert!(api.require(Scope::FilesRead).is_ok());
    assert!(matches!(
        api.require(Scope::FilesWrite),
        Err(AuthError::MissingScope(Scope::FilesWrite))
    ));
    // An API token without `account` cannot make tokens or list them.
    let request = TokenCreate {
        name: "escalate".to_owned(),
        scopes: vec![Scope::Admin],
        expires_in_secs: None,
    };
    assert!(matches!(
        auth.create_token(&api, request).await,
        Err(AuthError::MissingScope(Scope::Account))
    ));
    assert!(auth.list_tokens(&api).await.is_err());
    // Revoking it stops it.
    auth.revoke_token(&session, created.info.id.clone())
        .await
        .expect("revoke");
    assert!(matches!(
        auth.verify(&created.token).await,
        Err(AuthError::TokenInvalid)
    ));
    assert!(matches!(
        auth.revoke_token(&session, created.info.id).await,
        Err(AuthError::TokenNotFound)
    ));
}

#[tokio::test]
async fn admin_requires_role_not_only_scope() {
    let (_dir, _db, auth, _user) = setup().await;
    let grant = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let actor = auth.verify(&grant.token).await.expect("valid");
    assert!(actor.has_scope(Scope::Admin), "sessions hold every scope");
    assert!(matches!(actor.require_admin(), Err(AuthError::NotAdmin)));
}

#[tokio::test]
async fn password_change_revokes_other_sessions_only() {
    let (_dir, _db, auth, _user) = setup().await;
    let first = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let second = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect("login");
    let actor = auth.verify(&second.token).await.expect("valid");
    auth.change_password(
        &actor,
        &Secret::new("password1"),
        &Secret::new("password2"),
        &peer(),
    )
    .await
    .expect("change");
    assert!(
        auth.verify(&second.token).await.is_ok(),
        "current session survives"
    );
    assert!(matches!(
        auth.verify(&first.token).await,
        Err(AuthError::TokenInvalid)
    ));
    assert!(
        auth.login("alice", &Secret::new("password1"), &peer())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn login_is_throttled_with_a_retry_time() {
    let (_dir, _db, auth, _user) = setup().await;
    for _ in 0..3 {
        let _ = auth
            .login("alice", &Secret::new("wrong-guess"), &peer())
            .await;
    }
    let error = auth
        .login("alice", &Secret::new("password1"), &peer())
        .await
        .expect_err("throttled even with the right password");
    assert!(matches!(error, AuthError::Throttled { .. }), "{error}");
    assert!(error.to_string().contains("retry in"), "{error}");
}
