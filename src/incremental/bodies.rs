//! Note bodies (Markdown rendered, code highlighted) kept by their key while the site has a print
//! page: that page holds every body, so without them one edit would render every note's
//! Markdown again. The build keeps them in a file of the cache directory (`encode`, `decode`);
//! the preview keeps them in memory between print pages (`Memory`). Either is a `Store`'s
//! `kept_bodies`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use super::codec::{Decoder, Encoder};
use super::fingerprint::Fingerprint;

/// The key of a note's body HTML: the program, the page's root and everything the body is made
/// from (`render` feeds it, from the functions the body renderer reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BodyKey(pub Fingerprint);

/// Bodies by key: those an earlier build or page kept, and those made in this one.
pub struct Bodies<'l> {
    /// Reads the bodies an earlier build kept; called when the first body is needed, so a
    /// rebuild that renders none does not read them.
    load: Box<dyn Fn() -> HashMap<BodyKey, String> + Sync + 'l>,
    known: OnceLock<HashMap<BodyKey, String>>,
    made: Mutex<HashMap<BodyKey, String>>,
}

impl<'l> Bodies<'l> {
    /// Bodies an earlier build kept, read by `load` when the first one is asked for.
    pub fn new(load: impl Fn() -> HashMap<BodyKey, String> + Sync + 'l) -> Self {
        Bodies {
            load: Box::new(load),
            known: OnceLock::new(),
            made: Mutex::default(),
        }
    }

    /// Whether any body was asked for (if not, the earlier build's bodies are still current).
    pub fn used(&self) -> bool {
        self.known.get().is_some()
    }

    /// The body with `key`: kept, or made now by `render` (and kept for the next build).
    pub fn get_or_render(&self, key: BodyKey, render: impl FnOnce() -> String) -> String {
        let known = self.known.get_or_init(|| (self.load)());
        if let Some(html) = known.get(&key) {
            return html.clone();
        }
        let html = render();
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, html.clone());
        html
    }

    /// The bodies whose key is in `keys` (the current notes'), for the next build.
    pub fn retained(self, keys: &HashSet<BodyKey>) -> BTreeMap<BodyKey, String> {
        let made = self.made.into_inner().unwrap_or_else(|e| e.into_inner());
        self.known
            .into_inner()
            .unwrap_or_default()
            .into_iter()
            .chain(made)
            .filter(|(key, _)| keys.contains(key))
            .collect()
    }
}

/// The first bytes of the kept bodies' file.
const MAGIC: &[u8] = b"whosecures bodies 2\n";

/// The kept bodies' file: per body its key and its HTML (see `codec`).
pub fn encode(bodies: &BTreeMap<BodyKey, String>) -> Vec<u8> {
    let mut out = Encoder::file(MAGIC);
    out.reserve(bodies.values().map(|html| html.len() + 40).sum());
    for (key, html) in bodies {
        out.fingerprint(&key.0).str(html);
    }
    out.into_bytes()
}

/// The bodies of a file `encode` wrote; `None` unless it is one, whole.
pub fn decode(bytes: &[u8]) -> Option<HashMap<BodyKey, String>> {
    let mut file = Decoder::file(bytes, MAGIC)?;
    let mut bodies = HashMap::new();
    while !file.is_done() {
        let key = BodyKey(file.fingerprint()?);
        bodies.insert(key, file.str()?.to_owned());
    }
    Some(bodies)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kept bodies read back as written; a cut or foreign file is not read.
    #[test]
    fn bodies_round_trip() {
        let key = |n: u8| BodyKey(Fingerprint::from_bytes([n; 32]));
        let bodies: BTreeMap<BodyKey, String> = [(key(1), "<p>é</p>"), (key(2), "")]
            .into_iter()
            .map(|(k, v)| (k, v.to_owned()))
            .collect();
        let bytes = encode(&bodies);
        let back = decode(&bytes).expect("decodes");
        assert_eq!(back.len(), 2);
        assert_eq!(back[&key(1)], "<p>é</p>");
        assert_eq!(back[&key(2)], "");
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode(&encode(&BTreeMap::new())).is_some_and(|b| b.is_empty()));
        assert!(decode(b"{}").is_none());
        assert!(decode(b"whosecures bodies 1\n").is_none());
    }
}
