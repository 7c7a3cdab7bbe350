//! Splits a note into its TOML front matter and Markdown body, keeping byte offsets so that
//! diagnostics in either part point at the right line of the file. Knows nothing of note kinds.

/// The parts of a note; offsets are bytes from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The TOML between the `+++` lines.
    pub front: &'a str,
    /// Where `front` starts in the file.
    pub front_offset: usize,
    /// The Markdown after the closing `+++` line.
    pub body: &'a str,
    /// Where `body` starts in the file.
    pub body_offset: usize,
}

/// Why a note could not be split; `offset` is where to point the diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    /// Byte offset in the file.
    pub offset: usize,
    /// Lowercase message.
    pub message: &'static str,
}

/// Splits `text` (a byte-order mark, if any, is skipped; CRLF lines are accepted).
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let start = crate::source::bom_len(text);
    let mut lines = Lines { text, pos: start };
    match lines.next() {
        Some((_, line)) if is_fence(line) => {}
        Some((offset, _)) => {
            return Err(SplitError {
                offset,
                message: "a note must start with a `+++` line that opens its front matter",
            })
        }
        None => {
            return Err(SplitError {
                offset: start,
                message: "empty note: expected `+++` front matter",
            })
        }
    }
    let front_offset = lines.pos;
    for (offset, line) in lines.by_ref() {
        if is_fence(line) {
            return Ok(Split {
                front: &text[front_offset..offset],
                front_offset,
                body: &text[lines.pos..],
                body_offset: lines.pos,
            });
        }
    }
    Err(SplitError {
        offset: start,
        message: "front matter opened with `+++` is never closed",
    })
}

fn is_fence(line: &str) -> bool {
    line.trim_end() == "+++"
}

/// Lines with their byte offsets, without their terminators.
struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, advance) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += advance;
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Front matter and body are split with exact offsets, with LF, CRLF and a BOM.
    #[test]
    fn splits_with_offsets() {
        let cases = [
            ("+++\na = 1\n+++\nbody\n", "a = 1\n", 4, "body\n", 14),
            ("+++\r\na = 1\r\n+++\r\nbody", "a = 1\r\n", 5, "body", 17),
            ("\u{feff}+++\n+++\n", "", 7, "", 11),
            ("+++  \nx = 2\n+++", "x = 2\n", 6, "", 15),
        ];
        for (text, front, front_offset, body, body_offset) in cases {
            let split = split(text).expect(text);
            assert_eq!(
                split,
                Split {
                    front,
                    front_offset,
                    body,
                    body_offset
                },
                "{text:?}"
            );
        }
    }

    // Missing, unclosed and absent front matter are errors at a useful offset.
    #[test]
    fn split_errors() {
        let cases = [
            ("", 0, "empty note"),
            ("# Title\n", 0, "must start"),
            ("\n+++\n+++\n", 0, "must start"),
            ("+++\ntitle = 1\n", 0, "never closed"),
            ("++\n+++\n", 0, "must start"),
        ];
        for (text, offset, message) in cases {
            let err = split(text).expect_err(text);
            assert_eq!(err.offset, offset, "{text:?}");
            assert!(err.message.contains(message), "{text:?}: {}", err.message);
        }
    }
}

/// Property tests: the splitter on arbitrary text, in place of a fuzzer (cargo-fuzz needs a
/// nightly toolchain). `PROPTEST_CASES` sets how many inputs each property tries; failures are
/// kept in `proptest-regressions/` and replayed first on every run.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the pieces that matter to the splitter, so inputs reach its branches.
    fn note_like() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                Just("+++".to_owned()),
                Just("\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("\u{feff}".to_owned()),
                Just(" ".to_owned()),
                Just("title = \"x\"".to_owned()),
                ".{0,8}",
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest! {
        // Never panics; a split's parts are where its offsets say; an error points into the text.
        #[test]
        fn split_is_consistent(text in note_like()) {
            match split(&text) {
                Ok(parts) => {
                    prop_assert_eq!(&text[parts.front_offset..parts.front_offset + parts.front.len()], parts.front);
                    prop_assert_eq!(&text[parts.body_offset..], parts.body);
                    prop_assert!(parts.front_offset <= parts.body_offset);
                }
                Err(e) => prop_assert!(e.offset <= text.len() && text.is_char_boundary(e.offset)),
            }
        }

        // Arbitrary Unicode (not only note-like text) never panics either.
        #[test]
        fn split_never_panics(text in any::<String>()) {
            let _ = split(&text);
        }
    }
}
