//! `self-check.html`: "who secures X of service Y?" asked from the responsibility tables, answered
//! in the browser with the row's note, its duties and their source; progress is kept in the
//! browser like checklist ticks. The questions travel in the page as JSON (no request, so it works
//! from the file system), at most `MAX_QUESTIONS` of them spread evenly over every table.

use serde::Serialize;

use crate::error::Result;
use crate::render::context::Ctx;
use crate::render::reuse::Previous;
use crate::render::theme::Theme;
use crate::render::view::SelfCheckPage;
use crate::render::Outcome;

/// At most this many questions on the page (about 250 KB at 300 bytes each): a self-check,
/// not a copy of every table.
pub const MAX_QUESTIONS: usize = 800;

/// How many duties of each party an answer shows.
const DUTIES_SHOWN: usize = 3;

/// One question as the page's script reads it (short keys: it is repeated hundreds of times).
#[derive(Serialize)]
struct Question<'a> {
    /// Stable id, for progress: `service/layer`.
    id: String,
    /// Service name.
    s: &'a str,
    /// Layer name.
    l: &'a str,
    /// The row on the service's page, site-relative.
    u: String,
    /// Owner id: the answer.
    o: &'a str,
    /// The row's note.
    n: &'a str,
    /// Provider duties, then customer duties (at most `DUTIES_SHOWN` each).
    p: Vec<&'a str>,
    c: Vec<&'a str>,
    /// The row's main source.
    src: &'a str,
}

/// The first `DUTIES_SHOWN` duties' texts.
fn shown_duties(list: &[crate::kb::Duty]) -> Vec<&str> {
    list.iter()
        .take(DUTIES_SHOWN)
        .map(|d| d.duty.as_str())
        .collect()
}

impl Ctx<'_> {
    pub(in crate::render) fn self_check(
        &self,
        theme: &Theme,
        cache: Option<&Previous>,
    ) -> Result<Outcome> {
        let kb = self.kb;
        // Every row with a known layer, by reference: the questions are made only for the rows
        // kept (at 10,000 notes making all 73,000 and keeping 800 held 28 MB at the build's peak).
        let rows: Vec<_> = kb
            .services()
            .flat_map(|(note, table)| table.responsibility.iter().map(move |row| (note, row)))
            .filter_map(|(note, row)| kb.get(&row.layer).map(|layer| (note, row, layer)))
            .collect();
        let total = rows.len();
        // Evenly spread when there are more than fit: every table keeps a share.
        let step = total.div_ceil(MAX_QUESTIONS).max(1);
        let questions: Vec<Question> = rows
            .into_iter()
            .step_by(step)
            .map(|(note, row, layer)| Question {
                id: format!("{}/{}", note.id, row.layer),
                s: &note.title,
                l: &layer.title,
                u: format!(
                    "{}#layer-{}",
                    crate::render::urls::note_url(note),
                    row.layer
                ),
                o: &row.owner,
                n: &row.note,
                p: shown_duties(&row.duties.provider),
                c: shown_duties(&row.duties.customer),
                src: &row.source,
            })
            .collect();
        let shown = questions.len();
        // `<` escaped so that no text can close the script element the JSON sits in.
        let data = serde_json::to_string(&questions)
            .unwrap_or_else(|_| "[]".to_owned())
            .replace('<', "\\u003c");
        let url = "self-check.html";
        let mut page = self.layout(url, "Self-check", "self-check", Vec::new());
        page.description =
            "Test yourself: who secures each layer of each service, the provider or you?".into();
        let view = SelfCheckPage {
            page,
            questions_json: data,
            shown,
            total,
            owners: self.owner_legend(),
        };
        self.finish(url, url, view, theme, cache)
    }
}
