//! Note bodies: Markdown rendered to HTML once per build (and kept between builds while the site
//! has a print page, which holds every body), and what a body is made from, for its fingerprint.

use std::collections::HashSet;

use rayon::prelude::*;

use super::context::Ctx;
use super::urls::{note_url, root_of};
use super::{body, sanitize};
use crate::config::Config;
use crate::incremental::{program, BodyKey, Hasher};
use crate::kb::{KnowledgeBase, Note, NoteId};
use crate::links::LinkGraph;

/// The fingerprints of every note's body as `Bodies` keeps them.
pub fn body_keys(kb: &KnowledgeBase, graph: &LinkGraph, config: &Config) -> HashSet<BodyKey> {
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
    pub(super) fn body_key(&self, note: &Note, root: &str) -> BodyKey {
        let mut hasher = Hasher::new(None);
        hasher.text(program()).text("body").text(root);
        self.body_inputs(note, &mut hasher);
        BodyKey(hasher.finish())
    }

    /// What a note's body HTML is made from: its Markdown, where it sits, and for each note it
    /// links to what the body renderer reads of it (`body::target`, the renderer's own function).
    pub(super) fn body_inputs(&self, note: &Note, hasher: &mut Hasher) {
        hasher
            .text(note.id.as_str())
            .text(note.kind.folder())
            .text(note.body())
            .number(u64::from(self.sanitize));
        // Where each link leads, in order (a name can lead elsewhere while the Markdown stays
        // the same), then what each target shows.
        let links = self
            .graph
            .outlines
            .get(&note.id)
            .map_or(&[][..], |o| &o.links);
        hasher.number(links.len() as u64);
        for link in links {
            hasher.text(link.target.as_str());
        }
        let targets: std::collections::BTreeSet<&NoteId> =
            links.iter().map(|l| &l.target).collect();
        for id in targets {
            hasher.text(id.as_str());
            match body::target(self.kb, self.graph, id) {
                Some(target) => target.feed(hasher),
                None => {
                    hasher.text("\0missing");
                }
            }
        }
    }
}
