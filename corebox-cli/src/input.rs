//! Reading usernames, passwords and confirmations from the user.
//!
//! Two ways in: on a terminal (stdin is a tty) corebox prompts on stderr,
//! and passwords are read without echo from the terminal itself; in a
//! script, `--password-stdin` reads passwords as lines of stdin, and every
//! other value must come from a flag. Without either, a command fails with
//! a usage error naming the flag to pass, rather than hanging on a pipe.
//!
//! Passwords are checked only for what the client must know: present and
//! valid UTF-8. Length and other rules are the daemon's.

use std::io::{self, BufRead, IsTerminal, Read, Write};

use corebox_proto::types::Secret;

use crate::exit::{CliError, describe_io};

/// Longest line accepted on stdin, in bytes. Far above the daemon's limit
/// for passwords; it only stops corebox from reading a runaway pipe.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Whether a person is at the keyboard: stdin is a terminal.
pub fn is_interactive() -> bool {
    io::stdin().is_terminal()
}

/// The username from `--username`, or asked for on a terminal.
///
/// # Errors
///
/// A usage error when no name was given and stdin is not a terminal; a
/// failure when the typed name is empty or unreadable.
pub fn username(given: Option<String>) -> Result<String, CliError> {
    if let Some(name) = given {
        return Ok(name);
    }
    if !is_interactive() {
        return Err(CliError::usage(
            "no username given and no terminal to ask on: pass --username",
        ));
    }
    let _ = write!(io::stderr(), "username: ");
    let _ = io::stderr().flush();
    let line = read_line(&mut io::stdin().lock())
        .map_err(|error| CliError::failure(format!("cannot read the username: {error}")))?
        .ok_or_else(|| CliError::failure("no username given: type one, or pass --username"))?;
    let name = String::from_utf8(line)
        .map_err(|_| CliError::failure("the username is not valid UTF-8"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(CliError::failure(
            "no username given: type one, or pass --username",
        ));
    }
    Ok(name.to_owned())
}

/// Reads `count` passwords, one per line, from stdin.
///
/// # Errors
///
/// Fails when stdin ends early, a line is empty, too long or not UTF-8.
pub fn passwords_from_stdin(count: usize) -> Result<Vec<Secret>, CliError> {
    passwords_from(&mut io::stdin().lock(), count)
}

/// Reads one password, the first line of stdin.
///
/// # Errors
///
/// As [`passwords_from_stdin`].
pub fn password_from_stdin() -> Result<Secret, CliError> {
    passwords_from_stdin(1)?
        .pop()
        .ok_or_else(|| CliError::failure("no password on stdin: write it as the first line"))
}

/// Reads `count` passwords, one per line: the testable core of
/// [`passwords_from_stdin`]. A line ends at `\n`; one `\r` before it is
/// dropped too. The last line may lack its newline.
///
/// # Errors
///
/// As [`passwords_from_stdin`].
pub fn passwords_from(reader: &mut impl BufRead, count: usize) -> Result<Vec<Secret>, CliError> {
    let mut passwords = Vec::with_capacity(count);
    for index in 0..count {
        let line = read_line(reader)
            .map_err(|error| CliError::failure(format!("cannot read the password: {error}")))?;
        let line = match line {
            Some(line) if !line.is_empty() => line,
            _ if count == 1 => {
                return Err(CliError::failure(
                    "no password on stdin: write it as the first line",
                ));
            }
            _ => {
                return Err(CliError::failure(format!(
                    "no password on line {} of stdin: write {count} lines, one password each",
                    index + 1
                )));
            }
        };
        let password = String::from_utf8(line)
            .map_err(|_| CliError::failure("the password is not valid UTF-8"))?;
        passwords.push(Secret::new(password));
    }
    Ok(passwords)
}

/// Asks for a password on the terminal without echo.
///
/// # Errors
///
/// A usage error without a terminal (naming `--password-stdin`), or a
/// failure when the terminal cannot be read.
pub fn prompt_password(prompt: &str) -> Result<Secret, CliError> {
    if !is_interactive() {
        return Err(CliError::usage(
            "no terminal to ask for the password on: pipe it in and pass --password-stdin",
        ));
    }
    let password = rpassword::prompt_password(prompt).map_err(|error| {
        if error.kind() == io::ErrorKind::InvalidData {
            CliError::failure("the password is not valid UTF-8")
        } else {
            CliError::failure(format!(
                "cannot read the password from the terminal: {}",
                describe_io(&error)
            ))
        }
    })?;
    if password.is_empty() {
        return Err(CliError::failure("no password typed: try again"));
    }
    Ok(Secret::new(password))
}

/// Asks for a new password twice on the terminal and checks that both
/// match.
///
/// # Errors
///
/// As [`prompt_password`], or a failure when the two differ.
pub fn prompt_new_password(prompt: &str, again: &str) -> Result<Secret, CliError> {
    let first = prompt_password(prompt)?;
    let second = prompt_password(again)?;
    if first != second {
        return Err(CliError::failure("the passwords do not match: try again"));
    }
    Ok(first)
}

/// Asks a yes/no question on the terminal; only `y` or `yes` agrees.
///
/// # Errors
///
/// A usage error without a terminal, naming `fallback_flag`, which answers
/// yes in advance.
pub fn confirm(question: &str, fallback_flag: &str) -> Result<bool, CliError> {
    if !is_interactive() {
        return Err(CliError::usage(format!(
            "no terminal to confirm on: pass {fallback_flag}"
        )));
    }
    let _ = write!(io::stderr(), "{question} [y/N] ");
    let _ = io::stderr().flush();
    let line = read_line(&mut io::stdin().lock())
        .map_err(|error| CliError::failure(format!("cannot read the answer: {error}")))?
        .unwrap_or_default();
    let answer = String::from_utf8_lossy(&line).trim().to_lowercase();
    Ok(answer == "y" || answer == "yes")
}

/// Reads one line as bytes, without its `\n` or `\r\n`. `None` at the end
/// of input.
fn read_line(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE_BYTES as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|error| describe_io(&error))?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > MAX_LINE_BYTES {
        return Err(format!("the line is longer than {MAX_LINE_BYTES} bytes"));
    }
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], count: usize) -> Result<Vec<String>, CliError> {
        let passwords = passwords_from(&mut &input[..], count)?;
        Ok(passwords.iter().map(|p| p.expose().to_owned()).collect())
    }

    #[test]
    fn one_password_per_line() {
        assert_eq!(read(b"hunter22\n", 1).expect("lf"), ["hunter22"]);
        assert_eq!(read(b"hunter22\r\n", 1).expect("crlf"), ["hunter22"]);
        assert_eq!(read(b"hunter22", 1).expect("no newline"), ["hunter22"]);
        assert_eq!(
            read(b"old pass\nnew pass\n", 2).expect("two"),
            ["old pass", "new pass"]
        );
    }

    #[test]
    fn only_one_line_ending_is_stripped() {
        assert_eq!(read(b"pw\r\r\n", 1).expect("inner cr kept"), ["pw\r"]);
        assert_eq!(read(b" spaced \n", 1).expect("spaces kept"), [" spaced "]);
        assert_eq!(
            read(b"first\nsecond\n", 1).expect("rest ignored"),
            ["first"]
        );
    }

    #[test]
    fn missing_or_empty_password_fails() {
        for input in [&b""[..], b"\n", b"\r\n"] {
            let error = read(input, 1).expect_err("empty");
            assert_eq!(error.exit().code(), 1);
            assert!(error.message().starts_with("no password on stdin"));
        }
        let error = read(b"only one\n", 2).expect_err("second missing");
        assert!(error.message().contains("line 2"), "{}", error.message());
    }

    #[test]
    fn non_utf8_password_is_refused_with_a_clear_message() {
        let error = read(b"caf\xe9\n", 1).expect_err("latin-1");
        assert_eq!(error.message(), "the password is not valid UTF-8");
        assert_eq!(error.exit().code(), 1);
    }

    #[test]
    fn runaway_line_is_refused() {
        let input = vec![b'x'; MAX_LINE_BYTES + 10];
        let error = read(&input, 1).expect_err("too long");
        assert!(
            error.message().contains("longer than"),
            "{}",
            error.message()
        );
        let mut exact = vec![b'x'; MAX_LINE_BYTES];
        exact.push(b'\n');
        assert_eq!(
            read(&exact, 1).expect("at the limit")[0].len(),
            MAX_LINE_BYTES
        );
    }
}
