//! `corebox token create|ls|revoke`: API tokens for scripts.
//!
//! A new token's secret is printed once, on stdout, and never again; the
//! daemon keeps only its listing. Revoking the token in use also forgets
//! the stored login, which would be dead anyway.

use corebox_proto::Scope;
use corebox_proto::types::{TokenCreate, TokenInfo};

use super::{App, whole_secs};
use crate::args::TokenCommand;
use crate::exit::CliError;
use crate::output::{self, Mode, optional_timestamp, table, timestamp};

/// Runs a `token` subcommand.
///
/// # Errors
///
/// Not logged in, or the daemon's refusal.
pub fn run(app: &App, command: TokenCommand) -> Result<(), CliError> {
    let token = app.token()?;
    match command {
        TokenCommand::Create {
            name,
            scopes,
            expires,
        } => {
            let request = TokenCreate {
                name,
                scopes: scopes.map_or_else(|| Scope::API_DEFAULT.to_vec(), |list| list.0),
                expires_in_secs: expires.map(whole_secs),
            };
            let created = app.block_on(async {
                let (daemon, _) = app.session(&token).await?;
                daemon.token_create(request).await
            })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&created),
                Mode::Quiet => app.out.stdout(created.token.expose()),
                Mode::Human => {
                    app.out.stdout(created.token.expose())?;
                    let info = &created.info;
                    app.out.note(&format!(
                        "token '{}' (id {}) is shown only once: store it now, and use it as \
                         COREBOX_TOKEN",
                        output::sanitize(info.name.as_deref().unwrap_or("")),
                        info.id,
                    ));
                    Ok(())
                }
            }
        }
        TokenCommand::Ls => {
            let tokens = app.block_on(async {
                let (daemon, _) = app.session(&token).await?;
                daemon.token_list().await
            })?;
            match app.out.mode() {
                Mode::Json => app.out.json(&tokens),
                Mode::Quiet => {
                    output::lines(&app.out, tokens.iter().map(|token| token.id.as_str()))
                }
                Mode::Human => app.out.stdout(&token_table(&tokens)),
            }
        }
        TokenCommand::Revoke { id } => {
            let revoked_current = app.block_on(async {
                let (daemon, who) = app.session(&token).await?;
                daemon.token_revoke(id.clone()).await?;
                Ok::<_, CliError>(who.token.id == id)
            })?;
            app.out
                .note(&format!("token {} revoked", output::sanitize(&id)));
            if revoked_current && token.source.is_stored() {
                app.forget(&token);
                app.out
                    .note("that was the token in use, so you are now logged out");
            }
            Ok(())
        }
    }
}

/// The `token ls` table; the token in use is marked with `*`.
fn token_table(tokens: &[TokenInfo]) -> String {
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|token| {
            vec![
                if token.current { "*" } else { "" }.to_owned(),
                token.id.clone(),
                token.kind.as_str().to_owned(),
                token.name.clone().unwrap_or_else(|| "-".to_owned()),
                output::scopes(&token.scopes),
                timestamp(token.created_at),
                optional_timestamp(token.expires_at, "never"),
                optional_timestamp(token.last_used_at, "never"),
            ]
        })
        .collect();
    table(
        &[
            "",
            "ID",
            "KIND",
            "NAME",
            "SCOPES",
            "CREATED",
            "EXPIRES",
            "LAST USED",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use corebox_proto::types::TokenKind;

    use super::*;

    #[test]
    fn current_token_is_marked() {
        let token = |id: &str, current| TokenInfo {
            id: id.into(),
            kind: TokenKind::Session,
            name: None,
            scopes: Scope::ALL.to_vec(),
            created_at: 0,
            expires_at: None,
            last_used_at: Some(60),
            current,
        };
        let text = token_table(&[token("a1", true), token("b2", false)]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("   ID"), "{text}");
        assert!(lines[1].starts_with("*  a1  session  -     all"), "{text}");
        assert!(lines[2].starts_with("   b2"), "{text}");
        assert!(lines[1].ends_with("1970-01-01T00:01:00Z"), "{text}");
    }
}
