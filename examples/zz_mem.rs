fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap()
        .to_owned()
}
fn main() {
    println!("start {}", rss());
    let ss = two_face::syntax::extra_newlines();
    println!(
        "two-face loaded {} ({} syntaxes)",
        rss(),
        ss.syntaxes().len()
    );
    let s = whosecures::render::highlight_code("python", "import os\nprint(os.environ['X'])\n");
    println!("after highlight {} {:?}", rss(), s.map(|s| s.len()));
    for l in ["bash", "yaml", "json", "tf", "toml", "rust", "go", "js"] {
        whosecures::render::highlight_code(l, "a = 1\n");
    }
    println!("after 8 langs {}", rss());
    let css = whosecures::render::Highlighter::css();
    println!("after css {} {}", rss(), css.len());
}
