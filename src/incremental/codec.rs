//! The one on-disk format of everything kept between builds: a file is a magic line naming what
//! it holds and its version, then fields in order, each little-endian (`u8`, `u32`, `u64`), a
//! string as a `u32` length and UTF-8 bytes, a fingerprint as its 32 bytes. Private to one
//! program: another version's file fails its magic and is not read (the build is then cold).
//! Not JSON: escaping megabytes of HTML cost more than the rest of a one-note rebuild.

use super::fingerprint::Fingerprint;

/// Writes fields into a buffer.
#[derive(Debug, Default)]
pub struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    /// A file that starts with `magic` (e.g. `b"whosecures bodies 2\n"`).
    pub fn file(magic: &[u8]) -> Encoder {
        Encoder {
            bytes: magic.to_vec(),
        }
    }

    /// A record with no magic (a part of a file written piece by piece).
    pub fn record() -> Encoder {
        Encoder::default()
    }

    /// Room for `more` bytes.
    pub fn reserve(&mut self, more: usize) {
        self.bytes.reserve(more);
    }

    /// A byte.
    pub fn u8(&mut self, n: u8) -> &mut Self {
        self.bytes.push(n);
        self
    }

    /// A 32-bit number.
    pub fn u32(&mut self, n: u32) -> &mut Self {
        self.bytes.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// A 64-bit number.
    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.bytes.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// A count or length (as `u64`, so no value is cut).
    pub fn count(&mut self, n: usize) -> &mut Self {
        self.u64(n as u64)
    }

    /// A string.
    pub fn str(&mut self, text: &str) -> &mut Self {
        self.count(text.len());
        self.bytes.extend_from_slice(text.as_bytes());
        self
    }

    /// A fingerprint.
    pub fn fingerprint(&mut self, print: &Fingerprint) -> &mut Self {
        self.bytes.extend_from_slice(print.as_bytes());
        self
    }

    /// What was written.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Empties the buffer for the next record.
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// The bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads fields in order; every read is `None` past the end.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Decoder<'a> {
    /// The fields of a file `Encoder::file(magic)` wrote; `None` for another kind or version.
    pub fn file(bytes: &'a [u8], magic: &[u8]) -> Option<Decoder<'a>> {
        bytes.starts_with(magic).then_some(Decoder {
            bytes,
            at: magic.len(),
        })
    }

    /// Reads `bytes` from offset `at` (a record located earlier with `position`).
    pub fn at(bytes: &'a [u8], at: usize) -> Decoder<'a> {
        Decoder { bytes, at }
    }

    /// Where the next field starts.
    pub fn position(&self) -> usize {
        self.at
    }

    /// Whether every byte was read: a file must end exactly after its last field.
    pub fn is_done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// The next `len` raw bytes.
    pub fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(len)?;
        let taken = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(taken)
    }

    /// A byte.
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    /// A 32-bit number.
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    /// A 64-bit number.
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A count or length; `None` when it could not be in memory.
    pub fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        // No count or length can exceed what is left of the file: a corrupt one fails here
        // instead of asking for a huge allocation.
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    /// A string.
    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.count()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// A fingerprint.
    pub fn fingerprint(&mut self) -> Option<Fingerprint> {
        Some(Fingerprint::from_bytes(self.take(32)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every field reads back as written; a cut file, another magic and a length past the end
    // read as nothing.
    #[test]
    fn round_trip() {
        let print = Fingerprint::from_bytes([7; 32]);
        let mut e = Encoder::file(b"test 1\n");
        e.u8(3)
            .u32(70_000)
            .u64(u64::MAX)
            .str("é")
            .str("")
            .fingerprint(&print);
        let bytes = e.into_bytes();
        let mut d = Decoder::file(&bytes, b"test 1\n").expect("magic");
        assert_eq!(d.u8(), Some(3));
        assert_eq!(d.u32(), Some(70_000));
        assert_eq!(d.u64(), Some(u64::MAX));
        assert_eq!(d.str(), Some("é"));
        assert_eq!(d.str(), Some(""));
        assert_eq!(d.fingerprint(), Some(print));
        assert!(d.is_done());
        assert!(Decoder::file(&bytes, b"test 2\n").is_none());
        let mut cut = Decoder::file(&bytes[..bytes.len() - 1], b"test 1\n").expect("magic");
        cut.take(1 + 4 + 8).expect("numbers");
        assert_eq!(cut.str(), Some("é"));
        assert_eq!(cut.str(), Some(""));
        assert_eq!(cut.fingerprint(), None);
        let mut e = Encoder::record();
        e.count(1 << 40);
        assert_eq!(Decoder::at(e.as_bytes(), 0).count(), None);
    }
}
