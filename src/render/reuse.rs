//! The render-or-reuse decision: a page is fingerprinted from what it shows (its view, without
//! rendering Markdown or templates) and rendered only when the previous build's bytes for that
//! fingerprint cannot be kept.

use serde::Serialize;

use super::context::Ctx;
use super::parts::{element_prints, Parts};
use super::theme::Theme;
use super::urls::Page;
use super::Outcome;
use crate::config::Config;
use crate::error::Result;
use crate::incremental::{Fingerprint, Hasher, Seed, Store};

/// Reuse, with the build-wide part of every fingerprint.
pub(super) struct Previous<'r> {
    pub(super) seed: Fingerprint,
    pub(super) store: &'r dyn Store,
}

/// What becomes of a page before it is rendered.
pub(super) enum Verdict {
    /// The previous build's bytes were kept.
    Kept,
    /// Render it; its fingerprint, when there is a cache.
    Render(Option<Fingerprint>),
}

/// Fingerprints the page at `url` (`feed` adds what it is made from) and asks `cache` whether
/// the previous build's bytes for it can be kept. Without a cache: render, unfingerprinted.
pub(super) fn verdict(
    cache: Option<&Previous>,
    url: &str,
    feed: impl FnOnce(&mut Hasher),
) -> Result<Verdict> {
    let Some(cache) = cache else {
        return Ok(Verdict::Render(None));
    };
    let mut hasher = Hasher::new(Some(&cache.seed));
    hasher.text(url);
    feed(&mut hasher);
    let fingerprint = hasher.finish();
    Ok(if cache.store.keep_page(url, &fingerprint)? {
        Verdict::Kept
    } else {
        Verdict::Render(Some(fingerprint))
    })
}

/// What every page's fingerprint starts from: the build's seed (the program and the settings
/// that change output) and the theme's templates.
pub(super) fn seed(theme: &Theme, config: &Config) -> Fingerprint {
    Seed::new(config).pages(&theme.fingerprint)
}

impl Ctx<'_> {
    /// Renders a page's view with `template`, unless `cache` finds its fingerprint reusable.
    pub(super) fn finish<V: Serialize>(
        &self,
        url: &str,
        template: &str,
        view: V,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let no_parts: &[Parts<'_, ()>] = &[];
        self.finish_in_parts(url, template, view, no_parts, theme, cache)
    }

    /// `finish` for a page with long lists rendered one element at a time (see `Parts`); the
    /// fingerprint covers the page's view and every element's.
    pub(super) fn finish_in_parts<V: Serialize, P: Serialize>(
        &self,
        url: &str,
        template: &str,
        view: V,
        parts: &[Parts<'_, P>],
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let root = self.root(url);
        let prints: Option<Vec<Vec<Fingerprint>>> = cache.map(|cache| {
            parts
                .iter()
                .map(|list| element_prints(&cache.seed, &root, list))
                .collect()
        });
        let verdict = verdict(cache, url, |hasher| {
            hasher.text(template).json(&view);
            for (list, prints) in parts.iter().zip(prints.iter().flatten()) {
                hasher.text(list.template).number(list.len as u64);
                for print in prints {
                    hasher.fingerprint(print);
                }
            }
        })?;
        let Verdict::Render(fingerprint) = verdict else {
            return Ok(Outcome::Reused);
        };
        let store = cache.map(|c| c.store).filter(|_| !parts.is_empty());
        let mut previous = store.and_then(|store| store.previous_parts(url));
        let kept = prints.as_deref().zip(previous.as_deref_mut());
        let (html, spans) = theme.render_in_parts(template, view, &root, parts, kept)?;
        if let (Some(store), Some(prints)) = (store, prints) {
            let elements = prints
                .into_iter()
                .flatten()
                .zip(spans.into_iter().flatten());
            store.wrote_parts(url, elements.collect());
        }
        Ok(Outcome::Rendered(
            Page {
                url: url.to_owned(),
                html,
            },
            fingerprint,
        ))
    }
}
