//! `Content-Disposition` values (RFC 6266) that carry a file's real name:
//! a quoted ASCII `filename` for old clients and an RFC 5987 `filename*`
//! with the exact UTF-8 name for the rest.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Bytes RFC 5987 lets through unencoded (`attr-char`); all others are
/// percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Whether the browser should show the file or save it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Shown in place, where the type allows.
    Inline,
    /// Saved as a file.
    Attachment,
}

/// The header value for `name`; always ASCII.
pub fn header_value(disposition: Disposition, name: &str) -> String {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    // Only characters no client misreads inside a quoted string; the
    // exact name is in `filename*`.
    let fallback: String = name
        .chars()
        .map(|c| match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | ' '
            | '.'
            | '-'
            | '_'
            | '('
            | ')'
            | '['
            | ']'
            | '+'
            | ','
            | '='
            | '@'
            | '!'
            | '#'
            | '$'
            | '&'
            | '\''
            | '~'
            | '^' => c,
            _ => '_',
        })
        .collect();
    let encoded = utf8_percent_encode(name, ATTR_CHAR);
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use percent_encoding::percent_decode_str;

    use super::*;

    #[test]
    fn names_survive_in_both_forms_and_the_value_stays_ascii() {
        for name in [
            "report.pdf",
            "résumé 2026 ✓.txt",
            "\"quoted\" \\ back;slash.txt",
            "tab\there\r\nnewline.bin",
            "日本語.png",
            "100% & more.txt",
            "\"><img src=x onerror=alert(1)>.txt",
        ] {
            let value = header_value(Disposition::Attachment, name);
            assert!(value.is_ascii(), "{value}");
            assert!(!value.contains(['\r', '\n', '\t']), "{value}");
            let (head, star) = value.split_once("; filename*=UTF-8''").expect("filename*");
            let fallback = head
                .strip_prefix("attachment; filename=\"")
                .and_then(|rest| rest.strip_suffix('"'))
                .expect("quoted fallback");
            assert!(
                !fallback.contains(['"', '\\', '<', '>', ';', '%']),
                "{value}"
            );
            let decoded = percent_decode_str(star).decode_utf8().expect("utf-8");
            assert_eq!(decoded, name, "{value}");
        }
        assert!(header_value(Disposition::Inline, "a.txt").starts_with("inline; "));
    }
}
