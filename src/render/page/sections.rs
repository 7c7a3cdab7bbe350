//! A kind's index page (`services/index.html`): every note of the kind with one fact each.

use crate::kb::{Kind, KindData, Vocabulary};
use crate::render::context::{layer_group_label, Ctx};
use crate::render::urls::section_url;
use crate::render::view::*;

impl Ctx<'_> {
    pub(in crate::render) fn section(&self, kind: Kind) -> SectionPage {
        let url = section_url(kind);
        let vocab = &self.kb.vocab;
        let entries = self.sections.get(&kind).map_or_else(Vec::new, |notes| {
            notes
                .iter()
                .map(|n| SectionEntry {
                    link: self.link(n),
                    extra: match &n.data {
                        KindData::Service(s) => {
                            Vocabulary::label(&vocab.service_models, &s.table.service_model)
                                .to_owned()
                        }
                        KindData::Layer(_) => layer_group_label(self.kb, n),
                        KindData::SecurityService(s) => s.category.clone(),
                        _ => String::new(),
                    },
                })
                .collect()
        });
        let mut page = self.layout(&url, kind.label(), kind.folder(), Vec::new());
        page.breadcrumbs.push(LinkView {
            url: url.clone(),
            title: kind.label().into(),
            summary: String::new(),
        });
        SectionPage {
            page,
            kind: kind.folder().to_owned(),
            intro: section_intro(kind).to_owned(),
            entries,
        }
    }
}

fn section_intro(kind: Kind) -> &'static str {
    match kind {
        Kind::Model => "What the shared responsibility model says, and how it shifts between service models.",
        Kind::Layer => "The layers of a cloud workload, from the data centre floor to your data. Each layer page shows who secures it, service by service.",
        Kind::Pillar => "The security pillars, each with the checklist items of every service and practice that serve it.",
        Kind::Service => "One page per cloud service: its responsibility table, layer by layer, and its checklist.",
        Kind::SecurityService => "The provider's security services: what each does and which of your responsibilities it helps you meet.",
        Kind::Practice => "Best practices, with checklist items you can tick off.",
        Kind::Glossary => "Terms used across this site.",
    }
}
