//! `build.sanitize-html`: cleans a rendered note body with ammonia's allowlist, for knowledge
//! bases whose notes are written by many people. What whosecures itself generates (heading ids,
//! highlighting classes, callouts, table wrappers, footnotes, task-list boxes) survives; scripts,
//! event handlers, styles, frames, forms and `javascript:` URLs do not. The only place ammonia is
//! used.

use std::sync::OnceLock;

/// The body, cleaned.
pub fn clean(html: &str) -> String {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .add_generic_attributes(["class", "id", "title", "aria-hidden", "aria-label"])
                .add_tags(["details", "summary", "input", "figure", "figcaption", "kbd"])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("ol", ["start"])
                // Relative links between pages and to headings are ours; keep them as written.
                .url_relative(ammonia::UrlRelative::PassThrough)
                .link_rel(Some("noopener noreferrer"));
            builder
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Script in every spelling goes; what the renderer itself writes stays.
    #[test]
    fn removes_script_keeps_ours() {
        let dirty = r#"<h2 id="keys">Keys</h2><script>alert(1)</script><img src="x" onerror="alert(1)"><a href="javascript:alert(1)">x</a><a href="../services/s3.html#keys" class="wikilink">S3</a><pre class="code"><code class="language-json"><span class="s">"a"</span></code></pre><iframe src="https://evil.example"></iframe><p style="color:red" onclick="x()">t</p><input type="checkbox" disabled checked>"#;
        let clean = clean(dirty);
        for gone in [
            "<script",
            "onerror",
            "javascript:",
            "<iframe",
            "onclick",
            "style=",
        ] {
            assert!(!clean.contains(gone), "{gone} in {clean}");
        }
        for kept in [
            r#"<h2 id="keys">"#,
            r#"href="../services/s3.html#keys""#,
            r#"class="wikilink""#,
            r#"<span class="s">"#,
            r#"<input type="checkbox" disabled="" checked="">"#,
        ] {
            assert!(clean.contains(kept), "{kept} missing from {clean}");
        }
    }
}
