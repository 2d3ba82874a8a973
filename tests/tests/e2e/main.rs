//! End-to-end tests: the real daemon binary on a temporary data directory,
//! driven by the real `corebox` binary (and, for protocol-level checks, by
//! raw sockets and the protocol crate's client).

mod harness;
mod http;
mod serve;

mod accounts;
mod admin;
mod bad_input;
mod files;
mod files_protocol;
mod http_bad_input;
mod http_safety;
mod jobs;
mod jobs_bad_input;
mod lifecycle;
mod links;
mod links_bad_input;
mod protocol;
mod share_http;
mod shares;
mod tokens;

/// Exit codes documented by the CLI.
pub mod exit {
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const AUTH: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
    pub const UNREACHABLE: i32 = 5;
    pub const PROTOCOL: i32 = 6;
    pub const INTERRUPTED: i32 = 130;
}
