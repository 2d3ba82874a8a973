//! Permission scopes carried by tokens.
//!
//! Defined once here so the daemon, the CLI and the docs agree. A session
//! token (from `login`) holds every scope; an API token holds the ones it was
//! created with. Holding a scope is necessary, not sufficient: the subsystem
//! still checks ownership and role.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One permission a token may hold.
///
/// Serialized by its name (`files:read`), on the wire and in JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Scope {
    /// List, inspect and download files.
    FilesRead,
    /// Upload, rename, delete and grant files.
    FilesWrite,
    /// List shares and read their statistics.
    SharesRead,
    /// Create and revoke shares.
    SharesWrite,
    /// List short links and read their statistics.
    LinksRead,
    /// Create, edit and remove short links.
    LinksWrite,
    /// List and watch jobs.
    JobsRead,
    /// Start, cancel and retry jobs.
    JobsWrite,
    /// Change the profile and password, manage tokens, delete the account.
    Account,
    /// Administer users and invites (the user must also be an admin).
    Admin,
}

impl Scope {
    /// Every scope, in a stable order.
    pub const ALL: [Scope; 10] = [
        Scope::FilesRead,
        Scope::FilesWrite,
        Scope::SharesRead,
        Scope::SharesWrite,
        Scope::LinksRead,
        Scope::LinksWrite,
        Scope::JobsRead,
        Scope::JobsWrite,
        Scope::Account,
        Scope::Admin,
    ];

    /// The scopes an API token gets when none are asked for: reading and
    /// writing files, shares, links and jobs, but not account management or
    /// administration, which a script rarely needs.
    pub const API_DEFAULT: [Scope; 8] = [
        Scope::FilesRead,
        Scope::FilesWrite,
        Scope::SharesRead,
        Scope::SharesWrite,
        Scope::LinksRead,
        Scope::LinksWrite,
        Scope::JobsRead,
        Scope::JobsWrite,
    ];

    /// The stable name used on the command line and in token claims.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::FilesRead => "files:read",
            Scope::FilesWrite => "files:write",
            Scope::SharesRead => "shares:read",
            Scope::SharesWrite => "shares:write",
            Scope::LinksRead => "links:read",
            Scope::LinksWrite => "links:write",
            Scope::JobsRead => "jobs:read",
            Scope::JobsWrite => "jobs:write",
            Scope::Account => "account",
            Scope::Admin => "admin",
        }
    }

    /// Parses a comma-separated list such as `files:read,links:write`.
    ///
    /// # Errors
    ///
    /// Fails on an empty list or an unknown name, naming the valid ones.
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, UnknownScope> {
        let mut scopes = Vec::new();
        for name in list.split(',').map(str::trim) {
            let scope: Scope = name.parse()?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes.sort();
        Ok(scopes)
    }

    /// Joins scopes with commas, the inverse of [`Scope::parse_list`].
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scope name that is not one of [`Scope::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scope '{0}': use one of {valid}", valid = Scope::join(&Scope::ALL))]
pub struct UnknownScope(pub String);

impl From<Scope> for String {
    fn from(scope: Scope) -> String {
        scope.as_str().to_owned()
    }
}

impl TryFrom<String> for Scope {
    type Error = UnknownScope;

    fn try_from(name: String) -> Result<Scope, UnknownScope> {
        name.parse()
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(name: &str) -> Result<Scope, UnknownScope> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == name)
            .ok_or_else(|| UnknownScope(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_list_sorts_and_dedups() {
        let scopes = Scope::parse_list("links:write, files:read,links:write").expect("valid");
        assert_eq!(scopes, vec![Scope::FilesRead, Scope::LinksWrite]);
        assert_eq!(Scope::join(&scopes), "files:read,links:write");
    }

    #[test]
    fn parse_list_rejects_unknown_and_empty_names() {
        let error = Scope::parse_list("files:read,files:exec").expect_err("unknown");
        assert_eq!(error.0, "files:exec");
        assert!(error.to_string().contains("files:write"));
        assert!(Scope::parse_list("").is_err());
        assert!(Scope::parse_list("files:read,,").is_err());
    }

    #[test]
    fn every_scope_name_round_trips() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
        }
    }
}
