//! Fingerprints of what a page is rendered from, so a build can reuse the bytes the previous build
//! wrote for a page whose inputs did not change. A fingerprint covers the program itself, the
//! theme's templates, the configuration and the page's whole view (everything its template
//! sees), with a note body stood in for by its Markdown and what its links resolve to.

use std::sync::OnceLock;

use serde::Serialize;

/// A BLAKE3 hash of a page's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

/// Feeds values into a fingerprint. Text is length-prefixed, so `("ab", "c")` and `("a", "bc")`
/// differ.
pub struct Hasher(blake3::Hasher);

impl Hasher {
    /// A hasher seeded with `seed` (the build-wide fingerprint), or unseeded.
    pub fn new(seed: Option<&Fingerprint>) -> Self {
        let mut hasher = blake3::Hasher::new();
        if let Some(seed) = seed {
            hasher.update(&seed.0);
        }
        Hasher(hasher)
    }

    /// Adds a string.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.text_bytes(text.as_bytes());
        self
    }

    /// Adds a number.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.0.update(&n.to_le_bytes());
        self
    }

    /// Adds a value as its JSON serialization (what a template would see of it).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> &mut Self {
        // serde_json writes in small pieces; hashing them one by one costs more than buffering.
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            // A view that cannot serialize cannot render either: its fingerprint only needs to
            // differ from every good one.
            if serde_json::to_writer(&mut *buffer, value).is_err() {
                buffer.extend_from_slice(b"\0unserializable");
            }
            self.text_bytes(buffer);
            // Pages that gather the whole knowledge base serialize to tens of megabytes: do not
            // keep that much per thread for the small pages that follow.
            if buffer.capacity() > 1 << 20 {
                *buffer = Vec::new();
            }
        });
        self
    }

    fn text_bytes(&mut self, bytes: &[u8]) {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The fingerprint.
    pub fn finish(&self) -> Fingerprint {
        Fingerprint(*self.0.finalize().as_bytes())
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
