//! `corebox admin ...`: other users' accounts, quotas and invite codes.
//!
//! The daemon decides who is an admin; these commands only ask. An invite
//! code, like a new token, is printed once and never again.

use corebox_proto::types::{InviteCreate, UserInfo};

use super::{App, whole_secs};
use crate::args::{AdminCommand, InvitesCommand, UsersCommand};
use crate::client::Daemon;
use crate::exit::CliError;
use crate::output::{self, Mode, optional_timestamp, table, timestamp};

/// Runs an `admin` subcommand.
///
/// # Errors
///
/// Not logged in, not an admin, an unknown user, or the daemon's refusal.
pub fn run(app: &App, command: AdminCommand) -> Result<(), CliError> {
    match command {
        AdminCommand::Users(UsersCommand::Ls) => {
            let users = call(app, |daemon| async move { daemon.admin_users().await })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&users),
                Mode::Quiet => {
                    output::lines(&app.out, users.iter().map(|user| user.username.as_str()))
                }
                Mode::Human => app.out.stdout(&user_table(&users)),
            }
        }
        AdminCommand::Users(UsersCommand::SetRole { name, role }) => {
            let user = call(app, |daemon| async move {
                daemon.admin_set_role(name, role.into()).await
            })?;
            changed(app, &user, &format!("is now {}", user.role))
        }
        AdminCommand::Users(UsersCommand::Disable { name }) => {
            let user = call(app, |daemon| async move {
                daemon.admin_set_disabled(name, true).await
            })?;
            changed(app, &user, "is disabled; their tokens no longer work")
        }
        AdminCommand::Users(UsersCommand::SetQuota { name, size }) => {
            let user = call(app, |daemon| async move {
                daemon.admin_set_quota(name, size.0).await
            })?;
            let what = match user.quota_bytes {
                Some(quota) => format!(
                    "may now store {} ({} used)",
                    output::size(quota),
                    output::size(user.used_bytes)
                ),
                None => format!("has no quota now ({} used)", output::size(user.used_bytes)),
            };
            changed(app, &user, &what)
        }
        AdminCommand::Users(UsersCommand::Enable { name }) => {
            let user = call(app, |daemon| async move {
                daemon.admin_set_disabled(name, false).await
            })?;
            changed(app, &user, "is enabled")
        }
        AdminCommand::Invites(InvitesCommand::Create { uses, expires }) => {
            let request = InviteCreate {
                uses,
                expires_in_secs: expires.map(whole_secs),
            };
            let invite = call(app, |daemon| async move {
                daemon.admin_invite_create(request).await
            })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&invite),
                Mode::Quiet => app.out.stdout(invite.code.expose()),
                Mode::Human => {
                    app.out.stdout(invite.code.expose())?;
                    let signups = if invite.uses == 1 {
                        "signup"
                    } else {
                        "signups"
                    };
                    app.out.note(&format!(
                        "invite for {} {signups}, expires {}, is shown only once: pass it to \
                         corebox signup --invite",
                        invite.uses,
                        optional_timestamp(invite.expires_at, "never")
                    ));
                    Ok(())
                }
            }
        }
    }
}

/// Authenticates with the stored login, then makes one call.
fn call<T, F, Fut>(app: &App, make_call: F) -> Result<T, CliError>
where
    F: FnOnce(Daemon) -> Fut,
    Fut: Future<Output = Result<T, CliError>>,
{
    let token = app.token()?;
    app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        make_call(daemon).await
    })
}

/// Reports a change to a user: the user as JSON, or a note for people.
fn changed(app: &App, user: &UserInfo, what: &str) -> Result<(), CliError> {
    match app.out.mode() {
        Mode::Json => app.out.json(user),
        Mode::Quiet => Ok(()),
        Mode::Human => {
            app.out
                .note(&format!("{} {what}", output::sanitize(&user.username)));
            Ok(())
        }
    }
}

/// The `admin users ls` table.
fn user_table(users: &[UserInfo]) -> String {
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|user| {
            vec![
                user.username.clone(),
                user.role.to_string(),
                if user.disabled { "disabled" } else { "active" }.to_owned(),
                user.quota_bytes
                    .map_or_else(|| "none".to_owned(), output::size),
                output::size(user.used_bytes),
                timestamp(user.created_at),
                user.display_name.clone().unwrap_or_default(),
                user.email.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "USERNAME",
            "ROLE",
            "STATUS",
            "QUOTA",
            "USED",
            "CREATED",
            "DISPLAY NAME",
            "EMAIL",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use corebox_proto::types::Role;

    use super::*;

    #[test]
    fn user_table_shows_status() {
        let user = UserInfo {
            username: "bob".into(),
            role: Role::User,
            disabled: true,
            display_name: None,
            email: Some("bob@example.com".into()),
            created_at: 0,
            quota_bytes: Some(10 << 30),
            used_bytes: 1536,
        };
        let text = user_table(&[user]);
        assert_eq!(
            text.lines().nth(1),
            Some(
                "bob       user  disabled  10 GiB  1.5 KiB  1970-01-01T00:00:00Z                \
                 bob@example.com"
            )
        );
    }
}
