//! The local file name for a downloaded URL: from the `Content-Disposition`
//! header (RFC 6266, with RFC 5987 `filename*` for names that are not
//! ASCII), else from the URL's last path segment.
//!
//! A server chooses these names, so they are never trusted as paths: every
//! candidate goes through [`sanitize_name`], which keeps it inside the
//! directory it is saved in. Pure functions only; no I/O.

use percent_encoding::percent_decode_str;
use reqwest::Url;

/// Longest file name most Unix file systems accept, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// Longest extension kept whole when a long name is shortened, in bytes.
const MAX_KEPT_EXTENSION: usize = 16;

/// The file name a `Content-Disposition` value suggests, sanitized.
/// `filename*` wins over `filename` when both are present and it decodes;
/// `None` when neither gives a usable name.
pub fn filename(value: &str) -> Option<String> {
    let parameters = parameters(value);
    let find = |wanted: &str| {
        parameters
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|(_, value)| value.as_str())
    };
    find("filename*")
        .and_then(decode_extended)
        .and_then(|name| sanitize_name(&name))
        .or_else(|| find("filename").and_then(sanitize_name))
}

/// The last non-empty segment of the URL's path, percent-decoded and
/// sanitized.
pub fn name_from_url(url: &Url) -> Option<String> {
    let segment = url
        .path_segments()?
        .rev()
        .find(|segment| !segment.is_empty())?;
    let decoded = percent_decode_str(segment).decode_utf8_lossy();
    sanitize_name(&decoded)
}

/// A name made safe to create in a directory: `/` and `\` become `_`,
/// control characters are dropped, surrounding white space is trimmed, and
/// a name longer than 255 bytes is shortened (keeping a short extension).
/// `None` when nothing usable is left: empty, `.` or `..`.
pub fn sanitize_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect();
    let cleaned = shorten(cleaned.trim());
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    Some(cleaned)
}

/// `name` cut to [`MAX_NAME_BYTES`] on a character boundary, keeping its
/// extension when that is short.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_NAME_BYTES {
        return name.to_owned();
    }
    let extension = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_KEPT_EXTENSION => &name[dot..],
        _ => "",
    };
    let mut stem_end = MAX_NAME_BYTES - extension.len();
    while !name.is_char_boundary(stem_end) {
        stem_end -= 1;
    }
    format!("{}{extension}", name[..stem_end].trim_end())
}

/// Decodes an RFC 5987 `ext-value`: `charset'language'percent-encoded`.
/// UTF-8 and ISO-8859-1 are understood; other charsets give `None`.
fn decode_extended(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?.trim();
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes = percent_decode_str(encoded);
    if charset.eq_ignore_ascii_case("utf-8") {
        bytes.decode_utf8().ok().map(|name| name.into_owned())
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.map(char::from).collect())
    } else {
        None
    }
}

/// The parameters after the disposition type, as (name, value) pairs with
/// quoted strings unquoted. Malformed pieces are skipped, never fatal.
fn parameters(value: &str) -> Vec<(String, String)> {
    let mut rest = match value.find(';') {
        Some(at) => &value[at + 1..],
        None => return Vec::new(),
    };
    let mut found = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_whitespace());
        if rest.is_empty() {
            return found;
        }
        let name_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..name_end].trim().to_owned();
        rest = &rest[name_end..];
        let Some(after_equals) = rest.strip_prefix('=') else {
            continue;
        };
        let after_equals = after_equals.trim_start();
        let (value, remaining) = match after_equals.strip_prefix('"') {
            Some(quoted) => unquote(quoted),
            None => {
                let end = after_equals.find(';').unwrap_or(after_equals.len());
                (after_equals[..end].trim().to_owned(), &after_equals[end..])
            }
        };
        rest = remaining;
        if !name.is_empty() {
            found.push((name, value));
        }
    }
}

/// Reads a quoted string whose opening quote is already consumed: returns
/// its text (backslash escapes resolved) and what follows the closing
/// quote. An unterminated string runs to the end.
fn unquote(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (value, &text[at + 1..]),
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            c => value.push(c),
        }
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_filename_wins_and_is_decoded() {
        let value = "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf";
        assert_eq!(filename(value).as_deref(), Some("résumé.pdf"));
        // Order and case do not matter.
        let value = "ATTACHMENT; FILENAME*=utf-8'en'%E2%82%AC%20rates.txt; filename=rates.txt";
        assert_eq!(filename(value).as_deref(), Some("€ rates.txt"));
        let value = "attachment; filename*=iso-8859-1''caf%E9.txt";
        assert_eq!(filename(value).as_deref(), Some("café.txt"));
    }

    #[test]
    fn plain_filename_is_the_fallback() {
        assert_eq!(
            filename("attachment; filename=\"a b.txt\"").as_deref(),
            Some("a b.txt")
        );
        assert_eq!(
            filename("inline; filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            filename(r#"attachment; filename="semi;colon \"q\".txt"; size=3"#).as_deref(),
            Some("semi;colon \"q\".txt")
        );
        // An undecodable or unknown-charset filename* falls back.
        for value in [
            "attachment; filename*=UTF-8''%FF%FE; filename=ok.bin",
            "attachment; filename*=KOI8-R''%C1; filename=ok.bin",
            "attachment; filename*=no-quotes; filename=ok.bin",
        ] {
            assert_eq!(filename(value).as_deref(), Some("ok.bin"), "{value}");
        }
    }

    #[test]
    fn no_usable_name_gives_none() {
        for value in [
            "",
            "attachment",
            "attachment;",
            "attachment; filename",
            "attachment; filename=",
            "attachment; filename=\"\"",
            "attachment; filename=\"..\"",
            "attachment; filename*=UTF-8''%2E",
            "attachment; name=x.txt",
            ";;;==;\"",
        ] {
            assert_eq!(filename(value), None, "{value:?}");
        }
    }

    #[test]
    fn hostile_names_stay_in_the_directory() {
        let cases = [
            ("../../etc/passwd", Some(".._.._etc_passwd")),
            ("/etc/passwd", Some("_etc_passwd")),
            ("..\\windows", Some(".._windows")),
            ("a\x1b[2Jb\nc.txt", Some("a[2Jbc.txt")),
            ("  spaced.txt\t", Some("spaced.txt")),
            (".", None),
            ("..", None),
            (" .. ", None),
            ("\x00\x07", None),
            (".hidden", Some(".hidden")),
        ];
        for (name, expected) in cases {
            assert_eq!(sanitize_name(name).as_deref(), expected, "{name:?}");
        }
        let value = "attachment; filename*=UTF-8''..%2F..%2F.ssh%2Fauthorized_keys";
        assert_eq!(
            filename(value).as_deref(),
            Some(".._.._.ssh_authorized_keys")
        );
    }

    #[test]
    fn long_names_are_shortened_on_a_character_boundary() {
        let name = format!("{}.tar.gz", "é".repeat(200));
        let short = sanitize_name(&name).expect("usable");
        assert!(short.len() <= MAX_NAME_BYTES, "{}", short.len());
        assert!(short.ends_with(".gz"), "{short}");
        let name = "x".repeat(300);
        assert_eq!(sanitize_name(&name).map(|n| n.len()), Some(MAX_NAME_BYTES));
    }

    #[test]
    fn url_segment_is_the_last_resort() {
        let url = |text: &str| Url::parse(text).expect("url");
        assert_eq!(
            name_from_url(&url("https://x.example/files/r%C3%A9sum%C3%A9.pdf?x=1")).as_deref(),
            Some("résumé.pdf")
        );
        assert_eq!(
            name_from_url(&url("https://x.example/s/Tok3n/")).as_deref(),
            Some("Tok3n")
        );
        assert_eq!(
            name_from_url(&url("https://x.example/a/%2E%2E")).as_deref(),
            None
        );
        assert_eq!(
            name_from_url(&url("https://x.example/a%2F..%2Fb")).as_deref(),
            Some("a_.._b")
        );
        assert_eq!(name_from_url(&url("https://x.example/")), None);
    }
}
