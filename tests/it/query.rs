//! Terminal queries and exports (`who`, `export`) and the organisation overlay (`[org]`).

use crate::{check_reports, stderr, stdout, texts, SiteTest};

// `who` answers from the embedded knowledge base by id, name or alias, and suggests near misses.
#[test]
fn who_answers_and_suggests() {
    let t = SiteTest::empty();
    let out = t.ok(&["who", "Amazon EC2", "os", "patching"]);
    let text = stdout(&out);
    assert!(
        text.starts_with("Amazon EC2 / Guest operating system: Customer"),
        "{text}"
    );
    assert!(
        text.contains("Customer does:\n    - Patches and updates the guest OS"),
        "{text}"
    );
    assert!(
        text.contains("source:   https://docs.aws.amazon.com/"),
        "{text}"
    );
    assert!(text.contains("verified: 2026-"), "{text}");
    let table = stdout(&t.ok(&["who", "eks"]));
    assert!(
        table.contains("Managed node groups with a custom AMI: Shared"),
        "{table}"
    );
    // A security service with its own table, and one whose table a service note holds.
    assert!(stdout(&t.ok(&["who", "kms"])).starts_with("AWS Key Management Service"));
    assert!(
        stdout(&t.ok(&["who", "iam"])).starts_with("AWS IAM (knowledge/services/iam-service.md)")
    );
    // Words, not a layer: the act asked about, with its party first.
    let words = stdout(&t.ok(&["who", "eks", "build", "the", "worker", "node", "AMI"]));
    assert!(
        words.starts_with("Amazon EKS: build the worker node AMI\n\n  Provider: "),
        "{words}"
    );
    let out = t.run(&["who", "elasticach"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("did you mean `elasticache`?"),
        "{}",
        stderr(&out)
    );
    let out = t.run(&["who", "s3", "zzyzx", "qwv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing in Amazon S3 matches `zzyzx qwv`; nearest layers: "),
        "{}",
        stderr(&out)
    );
    let list = stdout(&t.ok(&["who", "--list"]));
    assert!(list.contains("elastic-load-balancing"), "{list}");
}

// `export` writes JSON in the kb.json schema, CSV with a header, Markdown task lists; `-o`
// replaces a file whole.
#[test]
fn export_formats() {
    let t = SiteTest::empty();
    let json: serde_json::Value = serde_json::from_str(&stdout(&t.ok(&["export"]))).expect("JSON");
    assert_eq!(json["schema"], "whosecures-kb/2");
    assert!(json["notes"].as_array().map_or(0, Vec::len) > 100);
    std::fs::write(t.dir.join("s3.csv"), "old contents").expect("seed file");
    t.ok(&[
        "export",
        "--service",
        "s3",
        "--format",
        "csv",
        "-o",
        "s3.csv",
    ]);
    let csv = t.read("s3.csv");
    assert!(
        csv.starts_with("service,service_title,layer,layer_title,owner,note,provider_duties,customer_duties,variants,source,verified,policy\n"),
        "{csv}"
    );
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("s3,")).count(),
        23,
        "{csv}"
    );
    let md = stdout(&t.ok(&["export", "--checklist", "s3", "--format", "markdown"]));
    assert!(
        md.lines().count() >= 3 && md.lines().all(|l| l.starts_with("- [ ] **")),
        "{md}"
    );
    let items: serde_json::Value = serde_json::from_str(&stdout(&t.ok(&[
        "export",
        "--checklist",
        "--control",
        "fsbp:S3.1",
    ])))
    .expect("JSON");
    assert_eq!(items["schema"], "whosecures-checklist/1");
    let ids: Vec<&str> = items["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert!(ids.contains(&"s3-account-block-public-access"), "{ids:?}");
    let out = t.run(&["export", "--checklist", "nope"]);
    assert_eq!(out.status.code(), Some(1));
}

// `[org]` teams show beside customer-owned layers only, runbooks beside their items; unknown
// ids in `[org]` are located in book.toml.
#[test]
fn org_overlay_teams_and_runbooks() {
    let t = SiteTest::new("minimal");
    t.add("org");
    t.ok(&["build"]);
    let page = t.html("site/services/widget.html");
    let rows = texts(&page, ".resp-table tbody tr");
    let data = rows
        .iter()
        .find(|r| r.starts_with("Data"))
        .expect("data row");
    assert!(data.contains("Acme: Data Platform"), "{rows:?}");
    let guest = rows
        .iter()
        .find(|r| r.starts_with("Guest"))
        .expect("guest row");
    assert!(
        !guest.contains("Compute Platform"),
        "provider-owned layer shows no team: {rows:?}"
    );
    assert_eq!(
        crate::attrs(&page, ".check-item a.runbook", "href"),
        ["https://wiki.acme.example/runbooks/widget-encrypt"]
    );
    let who = stdout(&t.ok(&["who", "widget", "data"]));
    assert!(who.contains("[team: Data Platform]"), "{who}");
    let config = t.read("book.toml").replace("data = ", "dta = ").replace(
        "https://wiki.acme.example/runbooks/widget-encrypt",
        "javascript:alert(1)",
    );
    std::fs::write(t.dir.join("book.toml"), config).expect("write config");
    let out = t.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "book.toml:12:1: error: [org.teams]: unknown layer `dta`; did you mean `data`?"
        ),
        "{err}"
    );
    assert!(err.contains("book.toml:16:1: error: [org.runbooks]: `javascript:alert(1)` for `widget-encrypt` is not an http(s) URL"), "{err}");
}

// The organisation's policy (`policies/*.toml` in an overlay) shows beside the provider's
// baseline, labelled with the organisation's name, on pages, in `who` and in exports; policy
// attached to a row or item that does not exist is an error where it is written.
#[test]
fn policy_beside_the_baseline() {
    let t = SiteTest::new("minimal");
    t.add("org");
    t.add("policy");
    t.ok(&["build"]);
    let page = t.html("site/services/widget.html");
    let row = crate::texts(&page, "#layer-data .org-policy");
    assert_eq!(row.len(), 1, "{row:?}");
    assert!(
        row[0].starts_with("Acme policy: Every widget stores data encrypted with a customer managed KMS key Owner: Data Platform reviewed 2026-11-30"),
        "{row:?}"
    );
    assert!(crate::texts(&page, "#layer-guest-os .org-policy").is_empty());
    assert!(
        crate::texts(&page, "#layer-data .duties")
            .iter()
            .all(|d| !d.contains("customer managed KMS key")),
        "policy is kept apart from the provider's duties"
    );
    assert_eq!(
        crate::attrs(&page, "#layer-data .org-policy a", "href"),
        ["https://wiki.acme.example/policy/widget-data"]
    );
    let item = crate::texts(&page, "#item-widget-encrypt .org-policy");
    assert!(
        item[0].contains("Acme policy: Encryption is on before a widget holds production data"),
        "{item:?}"
    );
    let attest = crate::texts(
        &t.html("site/attestation.html"),
        "tr[data-id=widget-encrypt] .org-policy",
    );
    assert_eq!(
        attest,
        ["Acme policy: Encryption is on before a widget holds production data"],
        "the team attests to its own policy too"
    );
    let who = stdout(&t.ok(&["who", "widget", "data"]));
    assert!(
        who.contains("  Acme policy: Every widget stores data encrypted with a customer managed KMS key (owner: Data Platform; reviewed 2026-11-30; https://wiki.acme.example/policy/widget-data)"),
        "{who}"
    );
    let table = stdout(&t.ok(&["who", "widget"]));
    assert!(
        table.contains("Acme policy: Every widget stores data"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(
        &t.ok(&["who", "widget", "encrypt", "data", "-f", "json"]),
    ))
    .expect("JSON");
    let data = json["answers"]
        .as_array()
        .expect("answers")
        .iter()
        .find(|a| a["layer"] == "data")
        .expect("an answer from the data row");
    assert_eq!(data["policies"][0]["label"], "Acme policy");
    let csv = stdout(&t.ok(&["export", "--checklist", "-f", "csv"]));
    assert!(
        csv.lines().next().is_some_and(|h| h.ends_with(",policy")),
        "{csv}"
    );
    assert!(
        csv.contains(
            "Encryption is on before a widget holds production data (reviewed 2026-11-30)"
        ),
        "{csv}"
    );
    let kb: serde_json::Value = serde_json::from_str(&t.read("site/kb.json")).expect("kb.json");
    assert_eq!(kb["policies"].as_array().map(Vec::len), Some(2));
    assert_eq!(kb["policies"][0]["target"]["row"]["layer"], "data");
    let stale = stdout(&t.ok(&["check", "--stale", "1"]));
    assert!(stale.contains("policy for row `widget/data`"), "{stale}");
    // Policy whose row or item is gone is an error at the entry, with the nearest name.
    let file = "knowledge/policies/data-platform.toml";
    let broken = t
        .read(file)
        .replace("widget/data", "widget/dat")
        .replace("\"widget-encrypt\"", "\"widget-encrpyt\"");
    std::fs::write(t.dir.join(file), broken).expect("write");
    check_reports(
        &t,
        &[
            "data-platform.toml:4:7: error: policy for row `widget/dat`: `widget` has no row for layer `dat`; did you mean `data`?",
            "data-platform.toml:11:8: error: policy for item `widget-encrpyt`: no checklist item `widget-encrpyt`; did you mean `widget-encrypt`?",
        ],
    );
}

// Coverage: `check --coverage` lists the uncovered controls of every catalog with a list, with
// the counts; `export --coverage` gives every control's state as JSON, CSV or Markdown; an
// unknown catalog is an error with a hint.
#[test]
fn coverage_of_control_catalogs() {
    let t = SiteTest::new("minimal");
    t.add("coverage");
    let out = t.ok(&["check", "--knowledge", "knowledge", "--coverage"]);
    assert_eq!(
        stdout(&out),
        "fsbp:S3.2  Allow no public read access to buckets [widget]\n\
         fsbp:Mq.1  Another service without a note\n\
         fsbp: 1 of 5 controls covered, 1 out of scope, 1 retired, 2 uncovered; of the 3 controls of services in the knowledge base, 1 covered, 1 uncovered\n"
    );
    let out = t.run(&["check", "--knowledge", "knowledge", "--coverage", "fsbq"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no catalog `fsbq` with a list of controls; expected one of `fsbp`; did you mean `fsbp`?"),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&t.ok(&[
        "export",
        "--knowledge",
        "knowledge",
        "--coverage",
    ])))
    .expect("JSON");
    assert_eq!(json["schema"], "whosecures-coverage/1");
    let fsbp = &json["catalogs"][0];
    assert_eq!(fsbp["totals"]["covered"], 1);
    assert_eq!(fsbp["controls"][0]["items"][0], "widget-encrypt");
    assert_eq!(fsbp["controls"][3]["state"], "out-of-scope");
    let csv = stdout(&t.ok(&[
        "export",
        "--knowledge",
        "knowledge",
        "--coverage",
        "fsbp",
        "-f",
        "csv",
    ]));
    assert_eq!(csv.lines().count(), 6, "{csv}");
    assert!(
        csv.contains("fsbp,S3.3,An old check,widget,retired,,"),
        "{csv}"
    );
}

// A list may have sections (`[[group]]`) and name the same control in another catalog
// (`same_as`): an item naming that one covers this one too, shown as "covered through" with a
// link; each control may name the layers whose duties implement it and each party's side.
// Wrong sections, `same_as` entries and layers are errors where they are written.
#[test]
fn catalog_sections_and_same_as() {
    let t = SiteTest::new("minimal");
    t.add("coverage");
    let list = "[[group]]\nid = \"2\"\ntitle = \"Storage\"\nurl = \"https://example.com/cis/2\"\n\n\
        [[group]]\nid = \"9\"\ntitle = \"A section nothing covers\"\n\n\
        [[control]]\nid = \"2.1.1\"\ngroup = \"2\"\ntitle = \"Encrypt buckets\"\n\n\
        [[control]]\nid = \"2.1.4\"\ngroup = \"2\"\ntitle = \"Block public access\"\nsame_as = [\"fsbp:S3.1\"]\n\
        layers = [\"data\"]\nprovider = \"Offers the account-level switch\"\ncustomer = \"Turns it on\"\n\n\
        [[control]]\nid = \"9.1\"\ngroup = \"9\"\ntitle = \"A policy on paper\"\nout_of_scope = \"organisational\"\n";
    std::fs::write(t.dir.join("knowledge/catalogs/cis-aws-3.0.0.toml"), list).expect("write");
    let out = t.ok(&[
        "check",
        "--knowledge",
        "knowledge",
        "--coverage",
        "cis-aws-3.0.0",
    ]);
    assert_eq!(
        stdout(&out),
        "cis-aws-3.0.0: 2 of 3 controls covered, 1 out of scope, 0 retired, 0 uncovered; 1 of 2 sections have a covered control (9 wholly out of scope)\n"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&t.ok(&[
        "export",
        "--knowledge",
        "knowledge",
        "--coverage",
        "cis-aws-3.0.0",
    ])))
    .expect("JSON");
    let cis = &json["catalogs"][0];
    assert_eq!(cis["controls"][1]["via"][0], "fsbp:S3.1");
    assert_eq!(cis["controls"][1]["items"][0], "widget-encrypt");
    assert_eq!(cis["controls"][1]["group"], "2");
    assert_eq!(cis["groups"][1]["covered"], false);
    t.ok(&["build", "--knowledge", "knowledge"]);
    let page = t.html("site/controls.html");
    assert_eq!(
        crate::texts(&page, ".control-section"),
        ["2 Storage", "9 A section nothing covers"]
    );
    let through = crate::attrs(&page, "#cis-aws-3-0-0-2-1-4 .control-meta a", "href");
    assert_eq!(through, ["#fsbp-s3-1"]);
    assert_eq!(
        crate::attrs(&page, "#fsbp-s3-1", "id").len(),
        1,
        "the link's target exists"
    );
    assert_eq!(
        crate::texts(&page, "#cis-aws-3-0-0-2-1-4 .control-split dd"),
        ["Offers the account-level switch", "Turns it on", "Data"]
    );
    assert_eq!(
        crate::texts(&page, "#cis-aws-3-0-0-2-1-4 h4 .control-key"),
        ["cis-aws-3.0.0:2.1.4"]
    );
    // Wrong references are located errors, all in one run.
    let broken = list
        .replace("group = \"9\"", "group = \"90\"")
        .replace(
            "[\"fsbp:S3.1\"]",
            "[\"fsbp:S3.11\", \"cis-aws-3.0.0:2.1.1\", \"nist:AC-1\"]",
        )
        .replace("[\"data\"]", "[\"dta\"]");
    std::fs::write(t.dir.join("knowledge/catalogs/cis-aws-3.0.0.toml"), broken).expect("write");
    check_reports(
        &t,
        &[
            "cis-aws-3.0.0.toml:26:9: error: control `9.1`: no `[[group]]` `90` in this list; did you mean `9`?",
            "cis-aws-3.0.0.toml:19:12: error: `same_as`: unknown `fsbp` control `S3.11`: not in the catalog's list; did you mean `S3.1`?",
            "error: `same_as`: `cis-aws-3.0.0:2.1.1` is in this same catalog",
            "error: `same_as`: unknown control catalog `nist`",
            "error: `layers`: no layer note `dta`; did you mean `data`?",
        ],
    );
}

// `--control` takes a plain id as the checklists page's filter does; an id no catalog has is
// an error with a hint instead of an empty list.
#[test]
fn export_control_filter_takes_plain_ids() {
    let t = SiteTest::new("minimal");
    t.add("coverage");
    let export = |control: &str| {
        t.run(&[
            "export",
            "--knowledge",
            "knowledge",
            "--checklist",
            "--control",
            control,
        ])
    };
    let ids = |control: &str| -> Vec<String> {
        let out = export(control);
        assert!(out.status.success(), "{control}: {}", stderr(&out));
        let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        json["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids("fsbp:S3.1"), ["widget-encrypt"]);
    assert_eq!(ids("s3.1"), ["widget-encrypt"]);
    assert!(ids("S3.2").is_empty(), "a listed control no item names");
    // An unknown control is an error with a hint, not an empty list.
    for (control, message) in [
        ("nonsense:1", "unknown control `nonsense:1`"),
        ("S3.11", "did you mean `fsbp:S3.1`?"),
    ] {
        let out = export(control);
        assert_eq!(out.status.code(), Some(1), "{control}");
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
    }
}

// `diff OLD NEW` compares two versions, each a knowledge directory or a kb.json file: owners
// moved, duties, rows, items and control mappings added or removed; exit 1 when they differ,
// 0 when not, 2 when a side cannot be read.
#[test]
fn diff_two_versions() {
    let t = SiteTest::new("minimal");
    t.ok(&["export", "--knowledge", "knowledge", "-o", "old.json"]);
    let widget = t.dir.join("knowledge/services/widget.md");
    let text = std::fs::read_to_string(&widget).expect("read");
    let text = text
        .replacen(
            "provider = [\n  { duty = \"Patches the OS under the service\", source = \"https://aws.amazon.com/compliance/shared-responsibility-model/\" },\n]",
            "customer = [\n  { duty = \"Patches the OS of its own images\", source = \"https://aws.amazon.com/compliance/shared-responsibility-model/\" },\n]",
            1,
        )
        .replace("controls = [\"fsbp:S3.1\", \"cis-aws-3.0.0:2.1.1\"]", "controls = [\"fsbp:S3.1\", \"fsbp:S3.5\"]");
    std::fs::write(&widget, text).expect("write");
    let out = t.run(&["diff", "old.json", "knowledge"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Owner moved (1):\n  widget / guest-os: provider → customer\n\
         Duties added (1):\n  widget / guest-os (customer): Patches the OS of its own images\n\
         Duties removed (1):\n  widget / guest-os (provider): Patches the OS under the service\n\
         Control mappings added (1):\n  widget-encrypt fsbp:S3.5\n\
         Control mappings removed (1):\n  widget-encrypt cis-aws-3.0.0:2.1.1\n"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&t.run(&[
        "diff",
        "old.json",
        "knowledge",
        "-f",
        "json",
    ])))
    .expect("JSON");
    assert_eq!(json["schema"], "whosecures-diff/1");
    assert_eq!(json["moved"][0]["layer"], "guest-os");
    assert_eq!(json["moved"][0]["to"], "customer");
    let md = stdout(&t.run(&["diff", "old.json", "knowledge", "-f", "markdown"]));
    assert!(
        md.starts_with("## Owner moved (1)\n\n- widget / guest-os: provider → customer\n"),
        "{md}"
    );
    let same = t.run(&["diff", "knowledge", "knowledge"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(stdout(&same), "no differences\n");
    // A build given the old version adds a "What changed" page and an Atom feed; one without
    // `--since` has neither.
    t.ok(&[
        "build",
        "--knowledge",
        "knowledge",
        "--output",
        "out",
        "--since",
        "old.json",
    ]);
    let page = t.html("out/changes.html");
    assert_eq!(
        texts(&page, "section.changes h2"),
        [
            "Owner moved (1)",
            "Duties added (1)",
            "Duties removed (1)",
            "Control mappings added (1)",
            "Control mappings removed (1)"
        ]
    );
    assert_eq!(
        texts(&page, "section.changes li")[0],
        "widget / guest-os: provider → customer"
    );
    let feed = t.read("out/changes.xml");
    assert!(
        feed.contains("<title>5 changes since old.json</title>"),
        "{feed}"
    );
    assert!(
        feed.contains("widget / guest-os: provider → customer"),
        "{feed}"
    );
    assert_eq!(feed.matches("<entry>").count(), 1);
    t.ok(&["build", "--knowledge", "knowledge", "--output", "out2"]);
    assert!(!t.dir.join("out2/changes.html").exists());
    std::fs::write(t.dir.join("not.json"), "{\"schema\": \"other/1\"}").expect("write");
    let bad = t.run(&["diff", "not.json", "knowledge"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not a whosecures kb.json"),
        "{}",
        stderr(&bad)
    );
}

// `build --changes` keeps a change log with the build's metadata: the first build records the
// version, each build whose knowledge changed adds a feed entry comparing with the last build,
// and a rebuild with no change writes the same page and feed.
#[test]
fn build_changes_keeps_a_log() {
    let t = SiteTest::new("minimal");
    let build = || {
        t.ok(&[
            "build",
            "--knowledge",
            "knowledge",
            "--output",
            "out",
            "--changes",
        ])
    };
    build();
    let page = t.html("out/changes.html");
    assert!(
        texts(&page, "p.summary")[0].contains("no earlier version yet"),
        "{:?}",
        texts(&page, "p.summary")
    );
    assert_eq!(t.read("out/changes.xml").matches("<entry>").count(), 0);
    assert!(
        t.dir
            .join(".whosecures-cache/out/changes/log.json")
            .is_file(),
        "the log is kept with the build's metadata, not in the site"
    );
    assert!(!t.dir.join("out/changes/log.json").exists());
    let widget = t.dir.join("knowledge/services/widget.md");
    let text = std::fs::read_to_string(&widget).expect("read");
    std::fs::write(
        &widget,
        text.replace(
            "controls = [\"fsbp:S3.1\", \"cis-aws-3.0.0:2.1.1\"]",
            "controls = [\"fsbp:S3.1\"]",
        ),
    )
    .expect("write");
    build();
    let today = whosecures::kb::Date::today().to_string();
    let page = t.html("out/changes.html");
    assert_eq!(
        texts(&page, "section.changes h2"),
        ["Control mappings removed (1)"]
    );
    assert!(texts(&page, "p.summary")[0].contains(&format!("the version built {today}")));
    let feed = t.read("out/changes.xml");
    assert_eq!(feed.matches("<entry>").count(), 1, "{feed}");
    assert!(
        feed.contains(&format!(
            "<title>1 change since the version built {today}</title>"
        )),
        "{feed}"
    );
    // Nothing new: the same page and feed.
    let (page_before, feed_before) = (t.read("out/changes.html"), feed);
    build();
    assert_eq!(t.read("out/changes.html"), page_before);
    assert_eq!(t.read("out/changes.xml"), feed_before);
    // Another change: a second entry, newest first.
    let text = std::fs::read_to_string(&widget).expect("read");
    std::fs::write(
        &widget,
        text.replace(
            "controls = [\"fsbp:S3.1\"]",
            "controls = [\"fsbp:S3.1\", \"fsbp:S3.5\"]",
        ),
    )
    .expect("write");
    build();
    let feed = t.read("out/changes.xml");
    assert_eq!(feed.matches("<entry>").count(), 2, "{feed}");
    assert!(
        feed.find("widget-encrypt fsbp:S3.5") < feed.find("widget-encrypt cis-aws-3.0.0:2.1.1"),
        "{feed}"
    );
    let both = t.run(&[
        "build",
        "--knowledge",
        "knowledge",
        "--changes",
        "--since",
        "knowledge",
    ]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "--changes and --since exclude each other"
    );
}
