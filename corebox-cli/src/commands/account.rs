//! Commands about one's own account: signup, login, logout, whoami, passwd,
//! profile and account deletion.
//!
//! Tokens for scripts are in `tokens.rs`; other users' accounts in
//! `admin.rs`. Session tokens are never printed: `--json` shows the account
//! and the session's listing, not its secret.

use corebox_proto::types::{
    LoginRequest, ProfileUpdate, Secret, SessionGrant, SignupRequest, TokenInfo, TokenKind,
    UserInfo, WhoAmI,
};
use serde::Serialize;

use super::App;
use crate::args::{AccountCommand, LoginArgs, PasswdArgs, ProfileCommand, SignupArgs};
use crate::client::Daemon;
use crate::credentials::TokenSource;
use crate::exit::CliError;
use crate::input;
use crate::output::{self, Mode, fields, optional_timestamp, timestamp};

/// `corebox signup`.
///
/// # Errors
///
/// Missing input without a terminal, or the daemon's refusal.
pub fn signup(app: &App, args: SignupArgs) -> Result<(), CliError> {
    let username = input::username(args.username)?;
    let password = if args.password.password_stdin {
        input::password_from_stdin()?
    } else {
        input::prompt_new_password("password: ", "password again: ")?
    };
    let request = SignupRequest {
        username,
        password,
        invite: args.invite.map(Secret::new),
    };
    let grant = app.block_on(async {
        let daemon = Daemon::connect(&app.target).await?;
        daemon.signup(request).await
    })?;
    app.save_token(&grant.token)?;
    print_grant(app, &grant, "signed up and logged in")
}

/// `corebox login`.
///
/// # Errors
///
/// Missing input without a terminal, or the daemon's refusal.
pub fn login(app: &App, args: LoginArgs) -> Result<(), CliError> {
    let username = input::username(args.username)?;
    let password = if args.password.password_stdin {
        input::password_from_stdin()?
    } else {
        input::prompt_password("password: ")?
    };
    let request = LoginRequest { username, password };
    let grant = app.block_on(async {
        let daemon = Daemon::connect(&app.target).await?;
        daemon.login(request).await
    })?;
    app.save_token(&grant.token)?;
    print_grant(app, &grant, "logged in")
}

/// `corebox logout`: revokes the session on the daemon, then forgets it.
/// A stored token the daemon no longer accepts is forgotten too, since
/// logging out is then already done.
///
/// # Errors
///
/// Not logged in, `COREBOX_TOKEN` set, or the daemon unreachable.
pub fn logout(app: &App) -> Result<(), CliError> {
    let token = app.token()?;
    if token.source == TokenSource::Env {
        return Err(CliError::usage(
            "COREBOX_TOKEN is set, and logging out would revoke that token: unset it to log \
             out, or use corebox token revoke ID",
        ));
    }
    let result = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.logout().await
    });
    match result {
        Ok(()) => {
            app.forget(&token);
            app.out
                .note(&format!("logged out of {}", app.target.endpoint));
            Ok(())
        }
        Err(error) if error.exit() == crate::exit::Exit::Auth => {
            app.forget(&token);
            app.out.note(&format!(
                "the session had already ended ({}); forgot its token",
                error.message()
            ));
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// `corebox whoami`.
///
/// # Errors
///
/// Not logged in, or the daemon's refusal.
pub fn whoami(app: &App) -> Result<(), CliError> {
    let token = app.token()?;
    let who = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.whoami().await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&who),
        Mode::Quiet => app.out.stdout(&output::sanitize(&who.user.username)),
        Mode::Human => app.out.stdout(&whoami_fields(&who)),
    }
}

/// `corebox passwd`.
///
/// # Errors
///
/// Not logged in, missing input, or the daemon's refusal.
pub fn passwd(app: &App, args: PasswdArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let (current, new) = if args.password_stdin {
        let mut passwords = input::passwords_from_stdin(2)?.into_iter();
        match (passwords.next(), passwords.next()) {
            (Some(current), Some(new)) => (current, new),
            _ => return Err(CliError::failure("two passwords are needed on stdin")),
        }
    } else {
        let current = input::prompt_password("current password: ")?;
        let new = input::prompt_new_password("new password: ", "new password again: ")?;
        (current, new)
    };
    app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.change_password(current, new).await
    })?;
    app.out
        .note("password changed; every other session was logged out");
    Ok(())
}

/// `corebox profile show|set`.
///
/// # Errors
///
/// Not logged in, or the daemon's refusal.
pub fn profile(app: &App, command: ProfileCommand) -> Result<(), CliError> {
    let token = app.token()?;
    match command {
        ProfileCommand::Show => {
            let user = app.block_on(async {
                let (daemon, _) = app.session(&token).await?;
                daemon.profile().await
            })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&user),
                Mode::Quiet => app.out.stdout(&output::sanitize(&user.username)),
                Mode::Human => {
                    let mut rows = user_rows(&user);
                    rows.push(("storage", storage(&user)));
                    app.out.stdout(&fields(&rows))
                }
            }
        }
        ProfileCommand::Set {
            display_name,
            email,
        } => {
            let update = ProfileUpdate {
                display_name,
                email,
            };
            let user = app.block_on(async {
                let (daemon, _) = app.session(&token).await?;
                daemon.set_profile(update).await
            })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&user),
                Mode::Quiet => Ok(()),
                Mode::Human => {
                    app.out.note("profile updated");
                    Ok(())
                }
            }
        }
    }
}

/// `corebox account delete`: asks for confirmation (unless `--yes`) and the
/// password, deletes the account, then forgets its login.
///
/// # Errors
///
/// Not logged in, no confirmation, a wrong password, or the daemon's
/// refusal (such as deleting the last admin).
pub fn account(app: &App, command: AccountCommand) -> Result<(), CliError> {
    let AccountCommand::Delete { password, yes } = command;
    let token = app.token()?;
    if !yes && password.password_stdin {
        return Err(CliError::usage(
            "stdin carries the password, so there is no terminal to confirm on: pass --yes",
        ));
    }
    if !yes && !input::is_interactive() {
        return Err(CliError::usage("no terminal to confirm on: pass --yes"));
    }
    let (daemon, who) = app.block_on(app.session(&token))?;
    let username = output::sanitize(&who.user.username);

    // The connection idles while the user answers; nothing runs on it.
    if !yes {
        let question = format!("delete the account '{username}' and everything it owns?");
        if !input::confirm(&question, "--yes")? {
            return Err(CliError::failure("the account was not deleted"));
        }
    }
    let password = if password.password_stdin {
        input::password_from_stdin()?
    } else {
        input::prompt_password("password: ")?
    };
    app.block_on(daemon.delete_account(password))?;
    app.forget(&token);
    app.out.note(&format!(
        "account '{username}' and everything it owned deleted"
    ));
    Ok(())
}

/// What `--json` shows of a session grant: everything but the token.
#[derive(Serialize)]
struct GrantView<'a> {
    user: &'a UserInfo,
    session: &'a TokenInfo,
}

fn print_grant(app: &App, grant: &SessionGrant, done: &str) -> Result<(), CliError> {
    match app.out.mode() {
        Mode::Json => app.out.json(&GrantView {
            user: &grant.user,
            session: &grant.session,
        }),
        Mode::Quiet => app.out.stdout(&output::sanitize(&grant.user.username)),
        Mode::Human => {
            app.out.note(&format!(
                "{done} as {} ({}) at {}",
                output::sanitize(&grant.user.username),
                grant.user.role,
                app.target.endpoint
            ));
            let mut rows = user_rows(&grant.user);
            rows.push(("session", grant.session.id.clone()));
            rows.push((
                "expires",
                optional_timestamp(grant.session.expires_at, "never"),
            ));
            app.out.stdout(&fields(&rows))
        }
    }
}

/// A user's fields for people; unset optional ones are left out.
fn user_rows(user: &UserInfo) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("username", user.username.clone()),
        ("role", user.role.to_string()),
    ];
    if user.disabled {
        rows.push(("status", "disabled".to_owned()));
    }
    if let Some(name) = user.display_name.as_ref().filter(|name| !name.is_empty()) {
        rows.push(("display name", name.clone()));
    }
    if let Some(email) = user.email.as_ref().filter(|email| !email.is_empty()) {
        rows.push(("email", email.clone()));
    }
    rows.push(("created", timestamp(user.created_at)));
    rows
}

/// Storage in use and the quota: `1.2 GiB of 10 GiB used`, or
/// `1.2 GiB used, no quota`.
fn storage(user: &UserInfo) -> String {
    let used = output::size(user.used_bytes);
    match user.quota_bytes {
        Some(quota) => format!("{used} of {} used", output::size(quota)),
        None => format!("{used} used, no quota"),
    }
}

fn whoami_fields(who: &WhoAmI) -> String {
    let mut rows = user_rows(&who.user);
    rows.push(("storage", storage(&who.user)));
    let token = &who.token;
    let kind = match (token.kind, &token.name) {
        (TokenKind::Api, Some(name)) => format!("api token '{name}'"),
        (kind, _) => format!("{} token", kind.as_str()),
    };
    rows.push(("token", format!("{kind} (id {})", token.id)));
    rows.push(("scopes", output::scopes(&token.scopes)));
    rows.push(("expires", optional_timestamp(token.expires_at, "never")));
    fields(&rows)
}

#[cfg(test)]
mod tests {
    use corebox_proto::Scope;
    use corebox_proto::types::Role;

    use super::*;

    #[test]
    fn whoami_shows_set_fields_only() {
        let who = WhoAmI {
            user: UserInfo {
                username: "alice".into(),
                role: Role::Admin,
                disabled: false,
                display_name: Some("Alice".into()),
                email: None,
                created_at: 0,
                quota_bytes: Some(10 << 30),
                used_bytes: 1_288_490_188,
            },
            token: TokenInfo {
                id: "t1".into(),
                kind: TokenKind::Api,
                name: Some("ci".into()),
                scopes: vec![Scope::FilesRead],
                created_at: 0,
                expires_at: None,
                last_used_at: None,
                current: true,
            },
        };
        let text = whoami_fields(&who);
        assert!(text.contains("display name  Alice\n"), "{text}");
        assert!(!text.contains("email"), "{text}");
        assert!(
            text.contains("token         api token 'ci' (id t1)\n"),
            "{text}"
        );
        assert!(text.contains("expires       never\n"), "{text}");
        assert!(
            text.contains("storage       1.2 GiB of 10 GiB used\n"),
            "{text}"
        );
        let mut unlimited = who.user.clone();
        unlimited.quota_bytes = None;
        assert_eq!(storage(&unlimited), "1.2 GiB used, no quota");
    }
}
