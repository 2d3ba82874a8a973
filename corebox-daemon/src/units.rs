//! Byte counts as people read them, the same in every message the daemon
//! writes.

use std::fmt;

use bytesize::ByteSize;

/// A byte count in binary units with one decimal, dropped when it is
/// zero: `512 B`, `1.5 MiB`, `10 GiB`. The CLI shows sizes the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = ByteSize(self.0).display().iec().to_string();
        match text.split_once(".0 ") {
            Some((whole, unit)) => write!(f, "{whole} {unit}"),
            None => f.write_str(&text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_drop_a_zero_decimal() {
        assert_eq!(Size(512).to_string(), "512 B");
        assert_eq!(Size(1 << 20).to_string(), "1 MiB");
        assert_eq!(Size(1536 << 10).to_string(), "1.5 MiB");
        assert_eq!(Size(10 << 30).to_string(), "10 GiB");
    }
}
