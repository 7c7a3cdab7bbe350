//! Reading one note file up to typed front matter (`Parsed`): UTF-8 decoding, the kind folder,
//! the id from the file name and the TOML of each kind. Ids inside the front matter are not
//! checked here; that is `validate`'s job.

use crate::diag::{parse_message, Diagnostics, LineIndex, Location};
use crate::source::SourceFile;

use super::frontmatter::split;
use super::note::Kind;
use super::raw;

/// Decodes a file as UTF-8; an invalid byte is a diagnostic at its line and column.
pub(super) fn decode<'a>(file: &'a SourceFile, diags: &mut Diagnostics) -> Option<&'a str> {
    match std::str::from_utf8(&file.bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            not_utf8(&file.display_path, &file.bytes[..e.valid_up_to()], diags);
            None
        }
    }
}

/// Like `decode`, keeping the file's bytes as the text (no copy).
fn decode_owned(bytes: Vec<u8>, path: &str, diags: &mut Diagnostics) -> Option<String> {
    match String::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(e) => {
            let valid_up_to = e.utf8_error().valid_up_to();
            not_utf8(path, &e.as_bytes()[..valid_up_to], diags);
            None
        }
    }
}

/// Reports a file that is not UTF-8 where its `valid` prefix ends.
fn not_utf8(path: &str, valid: &[u8], diags: &mut Diagnostics) {
    let valid = std::str::from_utf8(valid).unwrap_or("");
    let at = LineIndex::new(valid).locate(path, valid.len());
    diags.error(&at, "file is not valid UTF-8");
}

/// A note read and split, front matter deserialized, ids not yet checked.
pub(super) struct Parsed {
    /// File stem.
    pub(super) id: String,
    /// Path relative to the knowledge root.
    pub(super) rel_path: String,
    /// The path shown in diagnostics.
    pub(super) path: String,
    /// The whole file text, BOM removed.
    pub(super) text: String,
    /// Where the front matter starts in `text`.
    pub(super) front_offset: usize,
    /// Where the Markdown body starts in `text`.
    pub(super) body_offset: usize,
    /// The typed front matter.
    pub(super) front: Front,
}

impl Parsed {
    /// The kind, from the front matter's variant.
    pub(super) fn kind(&self) -> Kind {
        match self.front {
            Front::Model(_) => Kind::Model,
            Front::Glossary(_) => Kind::Glossary,
            Front::Layer(_) => Kind::Layer,
            Front::Pillar(_) => Kind::Pillar,
            Front::Service(_) => Kind::Service,
            Front::SecurityService(_) => Kind::SecurityService,
            Front::Practice(_) => Kind::Practice,
        }
    }
}

/// Typed front matter, one variant per kind.
pub(super) enum Front {
    Model(raw::ModelFm),
    Glossary(raw::GlossaryFm),
    Layer(raw::LayerFm),
    Pillar(raw::PillarFm),
    Service(Box<raw::ServiceFm>),
    SecurityService(raw::SecurityServiceFm),
    Practice(raw::PracticeFm),
}

/// What reading one note file gave.
// Nearly every value is a `Note`: boxing it would add an allocation per note for nothing.
#[allow(clippy::large_enum_variant)]
pub(super) enum Read {
    /// The note, up to typed front matter.
    Note(Parsed),
    /// A note whose id is known (from its file name) but whose text or front matter is broken:
    /// its errors are reported, and its id still answers links, so that one typo in `ec2.md` is
    /// one error, not one per link to it.
    Broken(Broken),
    /// Not a note (a warning says why), or a file name that is no id.
    Skipped,
}

/// A note that could not be read, by id.
#[derive(Debug, Clone)]
pub struct Broken {
    pub id: String,
    pub kind: Kind,
    /// The path shown in diagnostics.
    pub path: String,
}

impl Read {
    /// The note, if it could be read.
    pub(super) fn note(self) -> Option<Parsed> {
        match self {
            Read::Note(note) => Some(note),
            _ => None,
        }
    }
}

/// At most this many front-matter errors are reported per note.
const MAX_FRONT_ERRORS: usize = 20;

/// Reads one note file up to typed front matter; the note's text is the file's bytes.
pub(super) fn parse_note(file: SourceFile, diags: &mut Diagnostics) -> Read {
    let SourceFile {
        rel_path,
        display_path,
        bytes,
    } = file;
    let path = &display_path;
    let (folder, name) = match rel_path.split_once('/') {
        Some((folder, name)) if !name.contains('/') => (folder, name),
        _ => {
            diags.warning(
                &Location::file(path),
                "note is not directly inside a kind folder (`model/`, `layers/`, `services/`, ...); skipped",
            );
            return Read::Skipped;
        }
    };
    let Some(kind) = Kind::from_folder(folder) else {
        diags.warning(
            &Location::file(path),
            format!("unknown folder `{folder}`; note skipped"),
        );
        return Read::Skipped;
    };
    let id = name.trim_end_matches(".md");
    if !is_valid_id(id) {
        diags.error(
            &Location::file(path),
            format!(
                "invalid note id `{id}`: use lowercase letters, digits and `-` in the file name"
            ),
        );
        return Read::Skipped;
    }
    let broken = || {
        Read::Broken(Broken {
            id: id.to_owned(),
            kind,
            path: display_path.clone(),
        })
    };
    if crate::source::too_large(&bytes) {
        diags.error(
            &Location::file(path),
            format!(
                "note is larger than {} MiB, the most a note may hold: split it into several notes",
                crate::source::MAX_FILE_BYTES >> 20
            ),
        );
        return broken();
    }
    let Some(mut text) = decode_owned(bytes, path, diags) else {
        return broken();
    };
    // Moves the text down in place: the only copy, and only for files with a BOM.
    text.drain(..crate::source::bom_len(&text));
    let split = match split(&text) {
        Ok(split) => split,
        Err(e) => {
            diags.error(&LineIndex::new(&text).locate(path, e.offset), e.message);
            return broken();
        }
    };
    let front = match deserialize_all(kind, split.front) {
        Ok(front) => front,
        Err(errors) => {
            let lines = LineIndex::new(&text);
            for (offset, message) in errors {
                diags.error(&lines.locate(path, split.front_offset + offset), message);
            }
            return broken();
        }
    };
    let (front_offset, body_offset) = (split.front_offset, split.body_offset);
    let id = id.to_owned();
    Read::Note(Parsed {
        id,
        rel_path,
        path: display_path,
        text,
        front_offset,
        body_offset,
        front,
    })
}

/// Deserializes front matter, collecting every error the parser lets us find: after an error in
/// the data (an unknown or misspelt key, a value of the wrong type), the lines it covers are
/// blanked and the rest read again. A syntax error, or an error that blanking caused (a field
/// now missing), ends the search. Offsets are into `front`.
fn deserialize_all(kind: Kind, front: &str) -> Result<Front, Vec<(usize, String)>> {
    let mut text = std::borrow::Cow::Borrowed(front);
    let mut errors: Vec<(usize, String)> = Vec::new();
    while errors.len() < MAX_FRONT_ERRORS {
        let e = match deserialize(kind, &text) {
            Ok(front) if errors.is_empty() => return Ok(front),
            Ok(_) => break,
            Err(e) => e,
        };
        let message = e.message();
        let data = [
            "unknown field",
            "invalid type",
            "invalid value",
            "unknown variant",
        ]
        .iter()
        .any(|m| message.starts_with(m));
        let span = e.span();
        if !errors.is_empty() && !data {
            break;
        }
        errors.push((span.as_ref().map_or(0, |s| s.start), parse_message(message)));
        let Some(span) = span.filter(|_| data) else {
            break;
        };
        // The whole lines the error covers, blanked (offsets and line numbers stay put).
        let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[span.end.min(text.len())..]
            .find('\n')
            .map_or(text.len(), |i| span.end + i);
        if text[start..end].trim().is_empty() || (start == 0 && end == text.len()) {
            break;
        }
        let blanked = crate::diag::blank(&text[start..end]);
        let mut next = text.into_owned();
        next.replace_range(start..end, &blanked);
        text = std::borrow::Cow::Owned(next);
    }
    Err(errors)
}

fn deserialize(kind: Kind, front: &str) -> Result<Front, toml::de::Error> {
    Ok(match kind {
        Kind::Model => Front::Model(toml::from_str(front)?),
        Kind::Glossary => Front::Glossary(toml::from_str(front)?),
        Kind::Layer => Front::Layer(toml::from_str(front)?),
        Kind::Pillar => Front::Pillar(toml::from_str(front)?),
        Kind::Service => Front::Service(Box::new(toml::from_str(front)?)),
        Kind::SecurityService => Front::SecurityService(toml::from_str(front)?),
        Kind::Practice => Front::Practice(toml::from_str(front)?),
    })
}

/// Lowercase ASCII letters, digits and single dashes, starting with a letter or digit.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Layer ids in navigation order (`order`, title, id): the order of a service's rows.
pub(super) fn layer_order(notes: &[Parsed]) -> Vec<String> {
    let mut layers: Vec<(i64, &str, &str)> = notes
        .iter()
        .filter_map(|n| match &n.front {
            Front::Layer(l) => Some((
                l.order.unwrap_or(i64::MAX),
                l.title.get_ref().as_str(),
                n.id.as_str(),
            )),
            _ => None,
        })
        .collect();
    layers.sort();
    layers.into_iter().map(|(_, _, id)| id.to_owned()).collect()
}
