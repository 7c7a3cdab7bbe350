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
        // Per layer, how often each owner holds it across services of one model.
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
                let cells = layers
                    .iter()
                    .map(|layer| {
                        let owners: Vec<&str> = of_model
                            .iter()
                            .filter_map(|(_, s)| s.row(&layer.id).map(|r| r.owner.as_str()))
                            .collect();
                        let owner = majority(&owners).unwrap_or("not-applicable");
                        let depends = owners.iter().any(|o| *o != owner);
                        MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner(owner),
                            note: String::new(),
                            depends,
                        }
                    })
                    .collect();
                ModelColumn {
                    model: OwnerView {
                        id: model.id.clone(),
                        label: model.label.clone(),
                    },
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

/// The most frequent owner; ties go to the first in `owners`.
fn majority<'a>(owners: &[&'a str]) -> Option<&'a str> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for owner in owners {
        match counts.iter_mut().find(|(o, _)| o == owner) {
            Some((_, n)) => *n += 1,
            None => counts.push((owner, 1)),
        }
    }
    counts
        .into_iter()
        .fold(None, |best: Option<(&str, usize)>, (o, n)| match best {
            Some((_, m)) if m >= n => best,
            _ => Some((o, n)),
        })
        .map(|(o, _)| o)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The majority owner wins; ties go to the first seen.
    #[test]
    fn majorities() {
        assert_eq!(
            majority(&["customer", "provider", "customer"]),
            Some("customer")
        );
        assert_eq!(majority(&["shared", "provider"]), Some("shared"));
        assert_eq!(majority(&[]), None);
    }
}
