//! Note bodies: Markdown rendered to HTML once per build (and kept between builds while the site
//! has a print page, which holds every body), and what a body is made from, for its fingerprint.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;

use super::context::Ctx;
use super::fingerprint::{self, Hasher};
use super::urls::{note_url, root_of};
use super::{body, sanitize};
use crate::config::Config;
use crate::kb::{KnowledgeBase, Note, NoteId};
use crate::links::LinkGraph;

/// Note bodies (Markdown rendered, code highlighted) by fingerprint, carried from one build to
/// the next while the site has a print page: that page holds every body, so without them one
/// edit would render every note's Markdown again.
pub struct Bodies<'l> {
    /// Reads the bodies an earlier build kept; called when the first body is needed, so a
    /// rebuild that renders none does not read them.
    load: Box<dyn Fn() -> HashMap<String, String> + Sync + 'l>,
    known: OnceLock<HashMap<String, String>>,
    made: Mutex<HashMap<String, String>>,
}

impl<'l> Bodies<'l> {
    /// Bodies an earlier build kept, by fingerprint (see `body_keys`), read by `load`.
    pub fn new(load: impl Fn() -> HashMap<String, String> + Sync + 'l) -> Self {
        Bodies {
            load: Box::new(load),
            known: OnceLock::new(),
            made: Mutex::default(),
        }
    }

    /// Bodies already in memory, by fingerprint (the preview keeps them between print pages).
    /// `used` is true from the start for these.
    pub fn kept(bodies: HashMap<String, String>) -> Self {
        Bodies {
            load: Box::new(HashMap::new),
            known: OnceLock::from(bodies),
            made: Mutex::default(),
        }
    }

    /// Whether any body was asked for (if not, the earlier build's bodies are still current).
    pub fn used(&self) -> bool {
        self.known.get().is_some()
    }

    pub(super) fn get_or_render(&self, key: String, render: impl FnOnce() -> String) -> String {
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

    /// The bodies whose fingerprint is in `keys` (the current notes'), for the next build.
    pub fn retained(self, keys: &HashSet<String>) -> BTreeMap<String, String> {
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

/// The fingerprints of every note's body as `Bodies` keeps them.
pub fn body_keys(kb: &KnowledgeBase, graph: &LinkGraph, config: &Config) -> HashSet<String> {
    let ctx = Ctx::new(kb, graph, config);
    kb.notes
        .par_iter()
        .map(|note| ctx.body_key(note, &root_of(&note_url(note))))
        .collect()
}

impl Ctx<'_> {
    /// A note's body HTML for its own page (cleaned when `sanitize-html` is on): rendered once
    /// when the print page needs it again, and taken from `Bodies` when an earlier build kept it.
    pub(super) fn body(&self, note: &Note, root: &str) -> String {
        let made = || {
            let html = body::render(note, self.kb, self.graph, root);
            if self.sanitize {
                sanitize::clean(&html)
            } else {
                html
            }
        };
        let render = || match self.store {
            Some(store) => store.get_or_render(self.body_key(note, root), made),
            None => made(),
        };
        match (&self.bodies, self.kb.index_of(&note.id)) {
            (Some(bodies), Some(i)) => bodies[i].get_or_init(render).clone(),
            _ => render(),
        }
    }

    /// The fingerprint of a note's body HTML (see `Bodies`).
    pub(super) fn body_key(&self, note: &Note, root: &str) -> String {
        let mut hasher = Hasher::new(None);
        hasher.text(fingerprint::program()).text("body").text(root);
        self.body_inputs(note, &mut hasher);
        hasher.finish().to_hex()
    }

    /// What a note's body HTML is made from: its Markdown, where it sits, and for each note it
    /// links to whatever the link shows of it (title, summary, URL, headings).
    pub(super) fn body_inputs(&self, note: &Note, hasher: &mut Hasher) {
        hasher
            .text(note.id.as_str())
            .text(note.kind.folder())
            .text(note.body())
            .number(u64::from(self.sanitize));
        let targets: std::collections::BTreeSet<&NoteId> = self
            .graph
            .outlines
            .get(&note.id)
            .map(|o| o.links.iter().map(|l| &l.target).collect())
            .unwrap_or_default();
        for target in targets {
            hasher.text(target.as_str());
            match self.kb.get(target) {
                Some(found) => {
                    hasher
                        .text(found.kind.folder())
                        .text(&found.title)
                        .text(&found.summary);
                }
                None => {
                    hasher.text("\0missing");
                }
            }
            for heading in self.graph.headings(target) {
                hasher
                    .number(u64::from(heading.level))
                    .text(&heading.id)
                    .text(&heading.text);
            }
        }
    }
}
