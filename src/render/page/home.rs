//! The home page: the model at a glance (provider and customer layers, and per service model
//! the owner most services give each layer).

use crate::kb::{Kind, KindData, Note};
use crate::render::context::Ctx;
use crate::render::urls::section_url;
use crate::render::view::*;

impl Ctx<'_> {
    pub(in crate::render) fn home(&self) -> HomePage {
        let layers: Vec<&Note> = self.kb.of_kind(Kind::Layer).collect();
        let services: Vec<_> = self.kb.services().collect();
        // Per service model, the table of its declared representative (EC2 for infrastructure):
        // a summary read from the model, never a vote that lets EBS outvote EC2.
        let models: Vec<ModelColumn> = self
            .kb
            .vocab
            .service_models
            .iter()
            .map(|model| {
                let of_model: Vec<_> = services
                    .iter()
                    .filter(|(_, s)| s.service_model == model.id)
                    .collect();
                let representative = model
                    .representative
                    .as_deref()
                    .and_then(|id| services.iter().find(|(n, _)| n.id.as_str() == id));
                let cells = layers
                    .iter()
                    .map(|layer| {
                        let row = representative.and_then(|(_, t)| t.row(&layer.id));
                        MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner(row.map_or("not-applicable", |r| r.owner.as_str())),
                            note: row.map(|r| r.note.clone()).unwrap_or_default(),
                            depends: row.is_some_and(|r| !r.variants.is_empty()),
                            anchor: row
                                .map(|r| format!("layer-{}", r.layer))
                                .unwrap_or_default(),
                        }
                    })
                    .collect();
                ModelColumn {
                    model: OwnerView {
                        id: model.id.clone(),
                        label: model.label.clone(),
                    },
                    representative: representative.map(|(n, _)| self.link(n)),
                    services: of_model.iter().map(|(n, _)| self.link(n)).collect(),
                    cells,
                }
            })
            .collect();
        let provider_groups = ["facilities", "infrastructure"];
        let (provider_layers, customer_layers): (Vec<&Note>, Vec<&Note>) = layers.iter().partition(|l| {
            matches!(&l.data, KindData::Layer(d) if provider_groups.contains(&d.group.as_str()))
        });
        let sections = Kind::ALL
            .into_iter()
            .filter_map(|kind| {
                let count = self.sections.get(&kind)?.len();
                Some(SectionEntry {
                    link: LinkView {
                        url: section_url(kind),
                        title: kind.label().to_owned(),
                        summary: String::new(),
                    },
                    extra: count.to_string(),
                })
            })
            .collect();
        HomePage {
            page: self.layout("index.html", &self.site.title, "home", Vec::new()),
            provider_layers: provider_layers.iter().map(|n| self.link(n)).collect(),
            customer_layers: customer_layers.iter().map(|n| self.link(n)).collect(),
            layers: layers.iter().map(|n| self.link(n)).collect(),
            models,
            sections,
            intro: self
                .kb
                .get_str("shared-responsibility-model")
                .map(|n| self.link(n)),
        }
    }
}
