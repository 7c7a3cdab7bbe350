use std::io::Read;

use flate2::read::GzDecoder;

use super::*;

/// `bytes` with `snippet` put where the preview puts it: before the last `</body>` of a page.
fn injected(bytes: &[u8], html: bool, snippet: &[u8]) -> Vec<u8> {
    let at = if html {
        rfind(bytes, b"</body>").unwrap_or(bytes.len())
    } else {
        bytes.len()
    };
    [&bytes[..at], snippet, &bytes[at..]].concat()
}

#[track_caller]
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a valid gzip member");
    out
}

/// Pseudo-random bytes: deflate cannot shrink them, so the stream is long and in many calls.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

fn page(paragraphs: usize) -> Vec<u8> {
    let body: String = (0..paragraphs)
        .map(|i| format!("<p>Paragraph {i}: who secures the bucket, and how.</p>\n"))
        .collect();
    format!("<!DOCTYPE html><html><body><main>{body}</main></body>\n</html>\n").into_bytes()
}

// A kept file, gzipped or inflated, is the file with the snippet before its last `</body>`
// (HTML) or at its end (everything else), whatever its size and however well it compresses.
#[test]
fn round_trips() {
    let cases: Vec<(&str, Vec<u8>, bool)> = vec![
        ("page", page(50), true),
        ("large page", page(40_000), true),
        (
            "two bodies",
            b"<body>a</body> <body>b</body>!".to_vec(),
            true,
        ),
        ("no body", b"<p>fragment</p>".to_vec(), true),
        ("empty page", Vec::new(), true),
        ("stylesheet", b"body { color: red }".to_vec(), false),
        ("noise", noise(300_000), false),
        ("empty file", Vec::new(), false),
    ];
    for (name, bytes, html) in &cases {
        let stored = Stored::new(bytes, *html);
        assert_eq!(stored.size(), bytes.len(), "{name}");
        for snippet in [&b""[..], b"<script src=\"/__whosecures/live.js\"></script>"] {
            let want = injected(bytes, *html, snippet);
            assert!(gunzip(&stored.gzip(snippet)) == want, "{name}: gzip");
            assert!(stored.plain(snippet) == Some(want), "{name}: plain");
        }
    }
}

// Pages are kept deflated: a page of repeated markup takes a fraction of its size.
#[test]
fn pages_are_kept_small() {
    let bytes = page(2_000);
    let stored = Stored::new(&bytes, true);
    assert!(
        stored.kept() * 8 < bytes.len(),
        "{} bytes kept for {}",
        stored.kept(),
        bytes.len()
    );
}

// The stored-block fallback is valid deflate: a file kept that way still gzips and inflates.
#[test]
fn stored_blocks_are_deflate() {
    for bytes in [Vec::new(), b"<p>x</p></body>".to_vec(), noise(140_000)] {
        let split = rfind(&bytes, b"</body>").unwrap_or(bytes.len());
        let stored = Stored {
            head: stored_blocks(&bytes[..split], FlushCompress::Sync).into_boxed_slice(),
            crc: crc32fast::hash(&bytes[..split]),
            len: split,
            tail: bytes[split..].into(),
        };
        let want = injected(&bytes, true, b"<s>");
        assert!(
            gunzip(&stored.gzip(b"<s>")) == want,
            "gzip of {} bytes",
            bytes.len()
        );
        assert!(
            stored.plain(b"<s>") == Some(want),
            "plain of {} bytes",
            bytes.len()
        );
    }
    let end = stored_blocks(b"abc", FlushCompress::Finish);
    let mut out = Vec::new();
    let mut inflate = Decompress::new(false);
    out.reserve(16);
    let status = inflate
        .decompress_vec(&end, &mut out, FlushDecompress::Finish)
        .expect("valid deflate");
    assert_eq!((status, out.as_slice()), (Status::StreamEnd, &b"abc"[..]));
}

// A corrupt stream is reported, not served as a short page.
#[test]
fn corrupt_stream_is_none() {
    let mut stored = Stored::new(&page(100), true);
    stored.head = stored.head[..stored.head.len() / 2].into();
    assert_eq!(stored.plain(b""), None);
}
