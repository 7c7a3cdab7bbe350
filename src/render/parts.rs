//! Long pages rendered element by element: a page's template shows a marker where a list goes
//! (`part_marker`), and each element is rendered with its own template (a few at a time, in
//! parallel) and spliced in, or copied from the previous build's page when its fingerprint is
//! unchanged (`Store::previous_parts`).

use rayon::prelude::*;
use serde::Serialize;

use super::context::Show;
use super::theme::{error_chain, Theme};
use crate::error::{Error, Result};
use crate::incremental::{Fingerprint, Hasher, PartSource, Span};

impl Theme {
    /// Renders `view` with `template`, then each list of `parts` in place of its marker
    /// (`part_marker`), element by element: each element's view is made, rendered with the
    /// list's template (given `root` and the element under the list's `name`) and dropped,
    /// `CHUNK` elements at a time in parallel, then appended in order.
    ///
    /// With `kept`, an element whose fingerprint (`prints[n][i]`) the previous build's page had
    /// is copied from there instead. Returns the page and where each element is in it.
    pub(super) fn render_in_parts<'s, V: Serialize, P: Serialize>(
        &self,
        template: &str,
        view: V,
        root: &str,
        parts: &[Parts<'_, P>],
        mut kept: Option<(&[Vec<Fingerprint>], &mut (dyn PartSource + 's))>,
    ) -> Result<(String, Vec<Vec<Span>>)> {
        let page = self.render(template, view, root)?;
        if parts.is_empty() {
            return Ok((page, Vec::new()));
        }
        let mut slots = Vec::with_capacity(parts.len());
        for (n, list) in parts.iter().enumerate() {
            let marker = part_marker(n);
            let mut found = page.match_indices(&marker).map(|(at, _)| at);
            match (found.next(), found.next()) {
                (Some(at), None) => slots.push((at, marker.len(), n, list)),
                _ => {
                    return Err(Error::Template(format!(
                        "template `{template}` must show `{{{{ {} | safe }}}}` exactly once \
                         (the {} list, rendered with `{}`)",
                        list.slot, list.name, list.template
                    )))
                }
            }
        }
        slots.sort_unstable_by_key(|(at, _, _, _)| *at);
        let mut out: Vec<u8> = Vec::with_capacity(page.len());
        let mut spans = vec![Vec::new(); parts.len()];
        let mut from = 0;
        for (at, marker_len, n, list) in slots {
            out.extend_from_slice(&page.as_bytes()[from..at]);
            spans[n].reserve(list.len);
            for start in (0..list.len).step_by(CHUNK) {
                let end = (start + CHUNK).min(list.len);
                // Kept elements are copied in order (the previous page is read front to back);
                // the others are rendered in parallel, each into its own buffer.
                let mut elements: Vec<Option<Vec<u8>>> = (start..end)
                    .map(|i| {
                        let (prints, source) = kept.as_mut()?;
                        let print = prints.get(n)?.get(i)?;
                        let mut bytes = Vec::new();
                        source.append(print, &mut bytes).then_some(bytes)
                    })
                    .collect();
                elements
                    .par_iter_mut()
                    .enumerate()
                    .filter(|(_, element)| element.is_none())
                    .try_for_each(|(j, element)| -> Result<()> {
                        *element = Some(self.render_element(list, start + j, root)?);
                        Ok(())
                    })?;
                for (i, bytes) in (start..end).zip(elements.into_iter().flatten()) {
                    let before = out.len();
                    out.extend_from_slice(&bytes);
                    spans[n].push(Span {
                        at: before as u64,
                        len: bytes.len() as u64,
                    });
                    if i == 0 {
                        // Room for the rest at twice the first element's size (up to 128 MiB):
                        // pages never written to are never resident, while growing by doubling
                        // would copy the list.
                        let rest = bytes.len().saturating_mul(2 * (list.len - 1));
                        out.reserve(rest.min(128 << 20) + page.len() - at);
                    }
                }
            }
            from = at + marker_len;
        }
        out.extend_from_slice(&page.as_bytes()[from..]);
        let html = String::from_utf8(out).map_err(|_| {
            Error::Template(format!("template `{template}`: output is not valid UTF-8"))
        })?;
        Ok((html, spans))
    }
}

/// How many elements of a list are rendered at a time, in parallel: enough to share out between
/// the cores (the print page's 150 notes were a tenth of a cold build, alone on one core at the
/// end), few enough that their buffers stay small (a print page note is about 25 KB).
const CHUNK: usize = 32;

impl Theme {
    /// Element `i` of `list`, rendered with the list's template (given `root` and the element
    /// under the list's `name`).
    fn render_element<P: Serialize>(
        &self,
        list: &Parts<'_, P>,
        i: usize,
        root: &str,
    ) -> Result<Vec<u8>> {
        let mut context = tera::Context::new();
        context.insert("root", root);
        context.insert(list.name, &(list.view)(i, Show::Views));
        let mut bytes = Vec::new();
        self.tera
            .render_to(list.template, &context, &mut bytes)
            .map_err(|e| Error::Template(error_chain(&e)))?;
        Ok(bytes)
    }
}

/// A long list on a page that gathers every note, rendered one element at a time with its own
/// template: the page's view holds `part_marker(n)` (in the field named `slot`) where list `n`
/// goes. At 10,000 notes the checklists page lists 18,000 items; as one Tera context (a tree of
/// JSON values) they took about 150 MB, where one element's takes a few kilobytes.
pub(super) struct Parts<'p, P> {
    /// The element's template, e.g. `parts/checklist-group.html`.
    pub(super) template: &'static str,
    /// What the element is called in its template.
    pub(super) name: &'static str,
    /// The page view's field holding the marker.
    pub(super) slot: &'static str,
    /// How many elements.
    pub(super) len: usize,
    /// Element `i`'s view, for the template or for the page's fingerprint.
    pub(super) view: Box<dyn Fn(usize, Show) -> P + Sync + 'p>,
    /// What element `i` is made from, when not simply its view (`view(i, Show::Prints)`): the
    /// print page's notes stand in for their body by what it is made from (see `body_inputs`).
    pub(super) feed: Option<Feed<'p>>,
}

/// Feeds what list element `i` is made from into a fingerprint (see `Parts::feed`).
pub(super) type Feed<'p> = Box<dyn Fn(usize, &mut Hasher) + Sync + 'p>;

/// Where list `n` of a page's `Parts` goes in its template's output: an HTML comment, which text
/// from notes cannot produce (templates escape `<`), replaced by the rendered elements.
pub(super) fn part_marker(n: usize) -> String {
    format!("<!--whosecures:parts:{n}-->")
}

/// The fingerprints of a list's elements (see `Store::previous_parts`). One after the other: made in
/// parallel, the other core would pick up another of the large pages meanwhile, and two of them
/// in memory at once raised the build's peak by ~20 MB at 10,000 notes.
pub(super) fn element_prints<P>(
    seed: &Fingerprint,
    root: &str,
    list: &Parts<'_, P>,
) -> Vec<Fingerprint>
where
    P: Serialize,
{
    (0..list.len)
        .map(|i| {
            let mut hasher = Hasher::new(Some(seed));
            hasher.text(list.template).text(root);
            match &list.feed {
                Some(feed) => feed(i, &mut hasher),
                None => {
                    hasher.json(&(list.view)(i, Show::Prints));
                }
            }
            hasher.finish()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use serde::Serialize;

    fn theme(templates: &[(&str, &str)]) -> Theme {
        let files = templates
            .iter()
            .map(|(name, text)| SourceFile {
                rel_path: format!("templates/{name}"),
                display_path: format!("theme/templates/{name}"),
                bytes: text.as_bytes().to_vec(),
            })
            .collect();
        Theme::from_files(files).expect("test templates compile")
    }

    fn letters<'p>(slot: &'static str, word: &'p str) -> Parts<'p, String> {
        Parts {
            template: "parts/letter.html",
            name: "letter",
            slot,
            len: word.chars().count(),
            view: Box::new(move |i, _| word.chars().nth(i).map(String::from).unwrap_or_default()),
            feed: None,
        }
    }

    #[derive(Serialize)]
    struct Two {
        first: String,
        second: String,
        text: String,
    }

    #[derive(Serialize)]
    struct One {
        first: String,
    }

    // Each list is rendered element by element where its template shows it (in the order the
    // template shows them, not the order of the lists), with `root`; escaped text that looks
    // like a marker stays text; an empty list leaves nothing.
    #[test]
    fn parts_are_spliced_where_the_template_shows_them() {
        let theme = theme(&[
            (
                "page.html",
                "<p>{{ text }}</p>A{{ second | safe }}B{{ first | safe }}C",
            ),
            ("parts/letter.html", "[{{ root }}{{ letter }}]"),
        ]);
        let view = |text: &str| Two {
            first: part_marker(0),
            second: part_marker(1),
            text: text.to_owned(),
        };
        let html = theme
            .render_in_parts(
                "page.html",
                view(&part_marker(0)),
                "../",
                &[letters("first", "xy"), letters("second", "<é")],
                None,
            )
            .expect("renders");
        assert_eq!(
            html.0,
            "<p>&lt;!--whosecures:parts:0--&gt;</p>A[../&lt;][../é]B[../x][../y]C"
        );
        // Where each element is, per list.
        let spans: Vec<Vec<(u64, u64)>> = html
            .1
            .iter()
            .map(|l| l.iter().map(|s| (s.at, s.len)).collect())
            .collect();
        assert_eq!(spans, [vec![(56, 6), (62, 6)], vec![(39, 9), (48, 7)]]);
        let html = theme
            .render_in_parts(
                "page.html",
                view("t"),
                "",
                &[letters("first", ""), letters("second", "z")],
                None,
            )
            .expect("renders");
        assert_eq!(html.0, "<p>t</p>A[z]BC");
    }

    // Elements whose fingerprint the previous page had are copied from it, the others rendered;
    // the spans say where each ended up.
    #[test]
    fn kept_parts_are_copied() {
        struct Previous(Fingerprint, &'static str);
        impl PartSource for Previous {
            fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool {
                let found = *print == self.0;
                if found {
                    out.extend_from_slice(self.1.as_bytes());
                }
                found
            }
        }
        let theme = theme(&[
            ("page.html", "<{{ first | safe }}>"),
            ("parts/letter.html", "[{{ letter }}]"),
        ]);
        let print = |s: &str| Hasher::new(None).text(s).finish();
        let prints = vec![vec![print("a"), print("kept"), print("c")]];
        let mut previous = Previous(print("kept"), "(old b)");
        let (html, spans) = theme
            .render_in_parts(
                "page.html",
                One {
                    first: part_marker(0),
                },
                "",
                &[letters("first", "abc")],
                Some((&prints, &mut previous)),
            )
            .expect("renders");
        assert_eq!(html, "<[a](old b)[c]>");
        let at: Vec<(u64, u64)> = spans[0].iter().map(|s| (s.at, s.len)).collect();
        assert_eq!(at, [(1, 3), (4, 7), (11, 3)]);
    }

    // A list longer than a chunk comes out in order, whichever core rendered each element:
    // three chunks and a part of one, with every seventh element copied from the previous page,
    // and the spans say where each element is.
    #[test]
    fn long_lists_keep_their_order() {
        struct Previous;
        impl PartSource for Previous {
            fn append(&mut self, print: &Fingerprint, out: &mut Vec<u8>) -> bool {
                let kept = (0..200).find(|i| *print == letter_print(*i) && i % 7 == 0);
                if let Some(i) = kept {
                    out.extend_from_slice(format!("(kept {i})").as_bytes());
                }
                kept.is_some()
            }
        }
        fn letter_print(i: usize) -> Fingerprint {
            Hasher::new(None).number(i as u64).finish()
        }
        let theme = theme(&[
            ("page.html", "<{{ first | safe }}>"),
            ("parts/n.html", "[{{ n }}]"),
        ]);
        let len = 3 * CHUNK + 5;
        let numbers = Parts {
            template: "parts/n.html",
            name: "n",
            slot: "first",
            len,
            view: Box::new(|i, _| i),
            feed: None,
        };
        let prints = vec![(0..len).map(letter_print).collect::<Vec<_>>()];
        let (html, spans) = theme
            .render_in_parts(
                "page.html",
                One {
                    first: part_marker(0),
                },
                "",
                &[numbers],
                Some((&prints, &mut Previous)),
            )
            .expect("renders");
        let elements: Vec<String> = (0..len)
            .map(|i| match i % 7 {
                0 => format!("(kept {i})"),
                _ => format!("[{i}]"),
            })
            .collect();
        assert_eq!(html, format!("<{}>", elements.concat()));
        for (span, element) in spans[0].iter().zip(&elements) {
            let (at, len) = (span.at as usize, span.len as usize);
            assert_eq!(&html[at..at + len], element);
        }
        assert_eq!(spans[0].len(), len);
    }

    // A template that leaves a list out, or shows it twice, is an error naming the field.
    #[test]
    fn parts_must_be_shown_exactly_once() {
        for page in [
            "{{ first | safe }}",
            "{{ first | safe }}{{ second | safe }}{{ first | safe }}",
        ] {
            let theme = theme(&[("page.html", page), ("parts/letter.html", "{{ letter }}")]);
            let view = Two {
                first: part_marker(0),
                second: part_marker(1),
                text: String::new(),
            };
            let Err(Error::Template(message)) = theme.render_in_parts(
                "page.html",
                view,
                "",
                &[letters("first", "a"), letters("second", "b")],
                None,
            ) else {
                panic!("{page}: expected a template error");
            };
            let shown = if page.matches("first").count() == 2 {
                "first"
            } else {
                "second"
            };
            assert!(
                message.contains(&format!("`{{{{ {shown} | safe }}}}` exactly once")),
                "{page}: {message}"
            );
        }
    }
}
