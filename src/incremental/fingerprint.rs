//! Fingerprints: BLAKE3 hashes of what something kept between builds is made from (a page, a
//! list element, a note body, a note's `kb.json` and search entries), so a build can reuse what
//! the previous one made when its inputs did not change. What goes into each is in `mod.rs`.

use std::sync::OnceLock;

use serde::Serialize;

/// A BLAKE3 hash of a page's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// Lower-case hex, as kept in the build manifest.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint with these 32 bytes (as `as_bytes` gave them).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Fingerprint(bytes)
    }
}

/// Feeds values into a fingerprint. Text is length-prefixed, so `("ab", "c")` and `("a", "bc")`
/// differ.
///
/// Values are gathered in a buffer and given to BLAKE3 `FLUSH` bytes at a time: fed the many
/// short strings of a page's inputs one by one, BLAKE3 compresses one 64-byte block after the
/// other (and copies each piece into its block buffer); given long slices it hashes many 1 KiB
/// chunks at once with SIMD. The fingerprint is the same either way.
pub struct Hasher {
    blake3: blake3::Hasher,
    buffer: Vec<u8>,
}

/// How much the buffer gathers before hashing.
const FLUSH: usize = 64 << 10;

impl Hasher {
    /// A hasher seeded with `seed` (the build-wide fingerprint), or unseeded.
    pub fn new(seed: Option<&Fingerprint>) -> Self {
        let mut buffer = Vec::with_capacity(4 << 10);
        if let Some(seed) = seed {
            buffer.extend_from_slice(&seed.0);
        }
        Hasher {
            blake3: blake3::Hasher::new(),
            buffer,
        }
    }

    /// Adds a string.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.text_bytes(text.as_bytes());
        self
    }

    /// Adds a number.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.buffer.extend_from_slice(&n.to_le_bytes());
        self.flush_if_full();
        self
    }

    /// Adds another fingerprint.
    pub fn fingerprint(&mut self, fingerprint: &Fingerprint) -> &mut Self {
        self.buffer.extend_from_slice(&fingerprint.0);
        self.flush_if_full();
        self
    }

    /// Adds a value as its JSON serialization (what a template would see of it).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        // Length-prefixed like text: the length is written once the JSON is.
        let at = self.buffer.len();
        self.buffer.extend_from_slice(&[0; 8]);
        // A view that cannot serialize cannot render either: its fingerprint only needs to
        // differ from every good one.
        if serde_json::to_writer(&mut self.buffer, value).is_err() {
            self.buffer.truncate(at + 8);
            self.buffer.extend_from_slice(b"\0unserializable");
        }
        let len = (self.buffer.len() - at - 8) as u64;
        self.buffer[at..at + 8].copy_from_slice(&len.to_le_bytes());
        self.flush_if_full();
        self
    }

    fn text_bytes(&mut self, bytes: &[u8]) {
        self.buffer
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.buffer.extend_from_slice(bytes);
        self.flush_if_full();
    }

    fn flush_if_full(&mut self) {
        if self.buffer.len() >= FLUSH {
            self.blake3.update(&self.buffer);
            self.buffer.clear();
            // Pages that gather the whole knowledge base serialize to tens of megabytes: do not
            // keep that much for the rest of the page.
            if self.buffer.capacity() > 4 * FLUSH {
                self.buffer = Vec::with_capacity(FLUSH);
            }
        }
    }

    /// The fingerprint.
    pub fn finish(&mut self) -> Fingerprint {
        self.blake3.update(&self.buffer);
        self.buffer.clear();
        Fingerprint(*self.blake3.finalize().as_bytes())
    }
}

/// Which program renders: its version and the size and modification time of its executable, so
/// a rebuilt binary (whose templates or HTML rewriting may differ) never reuses pages written by
/// another. When the executable cannot be inspected, a value unique to this process: nothing is
/// reused, and the build is simply cold.
pub fn program() -> &'static str {
    static PROGRAM: OnceLock<String> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let exe = std::env::current_exe()
            .and_then(std::fs::metadata)
            .and_then(|meta| Ok((meta.len(), meta.modified()?)));
        let stamp = match exe {
            Ok((len, modified)) => {
                let since = modified
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                format!("{len}:{}.{}", since.as_secs(), since.subsec_nanos())
            }
            Err(_) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                format!("unknown:{}:{}", std::process::id(), now.as_nanos())
            }
        };
        format!("whosecures {} {stamp}", env!("CARGO_PKG_VERSION"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_delimited() {
        let a = Hasher::new(None).text("ab").text("c").finish();
        let b = Hasher::new(None).text("a").text("bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, Hasher::new(None).text("ab").text("c").finish());
    }

    // Buffering changes nothing: the fingerprint is BLAKE3 of the length-prefixed values, however
    // they are split and however much is gathered before hashing.
    #[test]
    fn buffered_hash_is_blake3_of_the_values() {
        let long = "x".repeat(3 * FLUSH + 17);
        let mut expected = blake3::Hasher::new();
        for value in ["short", long.as_str(), "[1,2]", ""] {
            expected.update(&(value.len() as u64).to_le_bytes());
            expected.update(value.as_bytes());
        }
        expected.update(&7u64.to_le_bytes());
        let got = Hasher::new(None)
            .text("short")
            .text(&long)
            .json(&[1, 2])
            .text("")
            .number(7)
            .finish();
        assert_eq!(got.as_bytes(), expected.finalize().as_bytes());
    }

    #[test]
    fn seed_and_json_count() {
        let seed = Hasher::new(None).text("seed").finish();
        let plain = Hasher::new(None).json(&[1, 2]).finish();
        let seeded = Hasher::new(Some(&seed)).json(&[1, 2]).finish();
        assert_ne!(plain, seeded);
        assert_ne!(plain, Hasher::new(None).json(&[1, 3]).finish());
        assert_eq!(plain.to_hex().len(), 64);
    }
}
