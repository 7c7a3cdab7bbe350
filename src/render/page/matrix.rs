//! The services × layers matrix, one row per service rendered as a part (see `parts`).

use crate::error::Result;
use crate::kb::{Kind, Note, Vocabulary};
use crate::render::context::{layer_group_label, Ctx, Show};
use crate::render::paging::Gathering;
use crate::render::parts::{part_marker, Parts};
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::view::*;
use crate::render::Outcome;

impl Ctx<'_> {
    /// `matrix.html`, or its index and the part `part` when it is split (see `paging`).
    pub(in crate::render) fn matrix(
        &self,
        part: Option<&str>,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let layers: Vec<&Note> = self.kb.of_kind(Kind::Layer).collect();
        let all: Vec<_> = self.kb.services().collect();
        let title = "Services × layers";
        let Some(paged) = self.paged(Gathering::Matrix, part, title, all.len()) else {
            return Ok(Outcome::Missing);
        };
        let services = &all[paged.range.clone()];
        let vocab = &self.kb.vocab;
        let columns = layers
            .iter()
            .map(|l| MatrixColumn {
                layer: self.link(l),
                group: layer_group_label(self.kb, l),
            })
            .collect();
        let row = |i: usize, _: Show| {
            let (note, service) = services[i];
            MatrixRow {
                service: self.link(note),
                model: service.service_model.clone(),
                model_label: Vocabulary::label(&vocab.service_models, &service.service_model)
                    .to_owned(),
                cells: layers
                    .iter()
                    .map(|layer| match service.row(&layer.id) {
                        Some(row) => MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner(&row.owner),
                            note: row.note.clone(),
                            depends: !row.variants.is_empty(),
                            anchor: format!("layer-{}", row.layer),
                        },
                        None => MatrixCell {
                            layer: layer.title.clone(),
                            owner: self.owner("not-applicable"),
                            note: String::new(),
                            depends: false,
                            anchor: String::new(),
                        },
                    })
                    .collect(),
            }
        };
        let mut page = paged.layout(self, "matrix");
        page.description = "Who secures each layer of each service, in one table.".into();
        let view = MatrixPage {
            page,
            columns,
            rows_html: part_marker(0),
            models: vocab
                .service_models
                .iter()
                .map(|m| OwnerView {
                    id: m.id.clone(),
                    label: m.label.clone(),
                })
                .collect(),
            owners: self.owner_legend(),
            paging: paged.paging.clone(),
        };
        let rows = [Parts {
            template: "parts/matrix-row.html",
            name: "row",
            slot: "rows_html",
            len: services.len(),
            view: Box::new(row),
            feed: None,
        }];
        self.finish_in_parts(&paged.url, "matrix.html", view, &rows, theme, cache)
    }
}
