//! The organisation's own policy beside the provider's baseline: `policies/*.toml` files, each a
//! list of `[[policy]]` tables that attach a statement (with an owner, a date and a link) to a
//! responsibility row (`row = "s3/encryption-at-rest"`) or to a checklist item
//! (`item = "s3-default-encryption"`). An overlay adds them without copying the provider's
//! notes. Read here; checked against the notes in `check` (a policy whose row or item no longer
//! exists is an error where it is written); shown by pages, `who` and the exports.

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostics, LineIndex, Location};
use crate::source::SourceFile;

use super::note::Date;
use super::{KnowledgeBase, NoteId};

/// What a policy is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// A service's responsibility row: the note id and the layer id.
    Row {
        /// `s3`.
        service: String,
        /// `encryption-at-rest`.
        layer: String,
    },
    /// A checklist item, by id.
    Item(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Row { service, layer } => write!(f, "row `{service}/{layer}`"),
            Target::Item(id) => write!(f, "item `{id}`"),
        }
    }
}

/// One statement of the organisation's policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// The row or item it is attached to.
    pub target: Target,
    /// What the organisation requires, in its words.
    pub policy: String,
    /// The team or person who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// When it was last reviewed.
    pub verified: Date,
    /// Where the full policy lives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Where its `row` or `item` is written.
    #[serde(skip)]
    pub at: Location,
}

/// How pages, `who` and exports label a policy: "Acme policy" with `[org] name`, else "Our policy".
pub fn label(org_name: Option<&str>) -> String {
    org_name.map_or_else(|| "Our policy".to_owned(), |n| format!("{n} policy"))
}

/// What `who` and exports say after a policy: `owner: X; reviewed 2026-11-30; https://...`.
pub fn about(owner: Option<&str>, verified: &str, url: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(owner) = owner {
        parts.push(format!("owner: {owner}"));
    }
    parts.push(format!("reviewed {verified}"));
    parts.extend(url.map(str::to_owned));
    parts.join("; ")
}

/// A policy as pages and `who` show it: labelled with the organisation's name, its date as text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Labelled {
    /// "Acme policy", or "Our policy" without an `[org] name`.
    pub label: String,
    /// What the organisation requires.
    pub policy: String,
    /// Who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// When it was last reviewed, `YYYY-MM-DD`.
    pub verified: String,
    /// Where the full policy lives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Labelled {
    /// `Acme policy: ... (owner: X; reviewed 2026-11-30; https://...)`, as `who` prints it.
    pub fn line(&self) -> String {
        format!(
            "{}: {} ({})",
            self.label,
            self.policy,
            about(self.owner.as_deref(), &self.verified, self.url.as_deref())
        )
    }
}

impl Policy {
    /// `owner: X; reviewed 2026-11-30; https://...`.
    pub fn about(&self) -> String {
        about(
            self.owner.as_deref(),
            &self.verified.to_string(),
            self.url.as_deref(),
        )
    }

    /// The policy labelled for an organisation named `org_name` (`[org] name`).
    pub fn labelled(&self, org_name: Option<&str>) -> Labelled {
        Labelled {
            label: label(org_name),
            policy: self.policy.clone(),
            owner: self.owner.clone(),
            verified: self.verified.to_string(),
            url: self.url.clone(),
        }
    }
}

/// Whether a knowledge file is a list of policies (`policies/<name>.toml`).
pub fn is_policy_file(rel_path: &str) -> bool {
    rel_path
        .strip_prefix("policies/")
        .is_some_and(|name| name.ends_with(".toml") && !name.contains('/'))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    policy: Vec<PolicyRaw>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyRaw {
    #[serde(default)]
    row: Option<toml::Spanned<String>>,
    #[serde(default)]
    item: Option<toml::Spanned<String>>,
    policy: toml::Spanned<String>,
    #[serde(default)]
    owner: Option<String>,
    verified: toml::Spanned<toml::value::Datetime>,
    #[serde(default)]
    url: Option<toml::Spanned<String>>,
}

/// Reads every `policies/*.toml` file, in path order; each problem of a file is reported where
/// it is written and drops only the policy it is in.
pub fn load_policies(files: &[SourceFile], diags: &mut Diagnostics) -> Vec<Policy> {
    let mut files: Vec<&SourceFile> = files
        .iter()
        .filter(|f| is_policy_file(&f.rel_path))
        .collect();
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let mut policies = Vec::new();
    for file in files {
        let Some((list, text)) = super::vocab::read_toml::<PolicyFile>(file, diags) else {
            continue;
        };
        let lines = LineIndex::new(text);
        let locate = |offset: usize| lines.locate(&file.display_path, offset);
        for raw in list.policy {
            let target = match (&raw.row, &raw.item) {
                (Some(row), None) => match row.get_ref().split_once('/') {
                    Some((service, layer)) if !service.is_empty() && !layer.is_empty() => Some((
                        Target::Row {
                            service: service.to_owned(),
                            layer: layer.to_owned(),
                        },
                        locate(row.span().start),
                    )),
                    _ => {
                        diags.error(
                            &locate(row.span().start),
                            format!(
                                "`row` is written `service/layer`, e.g. `s3/encryption-at-rest`, not `{}`",
                                row.get_ref()
                            ),
                        );
                        None
                    }
                },
                (None, Some(item)) => Some((
                    Target::Item(item.get_ref().clone()),
                    locate(item.span().start),
                )),
                _ => {
                    diags.error(
                        &locate(raw.policy.span().start),
                        "a policy is attached to one `row = \"service/layer\"` or one `item = \"item-id\"`",
                    );
                    None
                }
            };
            if raw.policy.get_ref().trim().is_empty() {
                diags.error(
                    &locate(raw.policy.span().start),
                    "`policy` is empty: say what the organisation requires",
                );
                continue;
            }
            let verified = match Date::from_toml(raw.verified.get_ref()) {
                Ok(date) => date,
                Err(message) => {
                    diags.error(&locate(raw.verified.span().start), message);
                    continue;
                }
            };
            if let Some(url) = &raw.url {
                if !crate::config::is_http_url(url.get_ref()) {
                    diags.error(
                        &locate(url.span().start),
                        format!("`url`: `{}` is not an http(s) URL", url.get_ref()),
                    );
                    continue;
                }
            }
            let Some((target, at)) = target else {
                continue;
            };
            policies.push(Policy {
                target,
                policy: raw.policy.into_inner(),
                owner: raw.owner.filter(|o| !o.trim().is_empty()),
                verified,
                url: raw.url.map(toml::Spanned::into_inner),
                at,
            });
        }
    }
    policies
}

impl KnowledgeBase {
    /// The policies attached to `service`'s row for `layer`, in file order.
    pub fn row_policies<'a>(
        &'a self,
        service: &'a str,
        layer: &'a str,
    ) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies.iter().filter(move |p| {
            matches!(&p.target, Target::Row { service: s, layer: l } if s == service && l == layer)
        })
    }

    /// The policies attached to the checklist item `id`, in file order.
    pub fn item_policies<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies
            .iter()
            .filter(move |p| matches!(&p.target, Target::Item(i) if i == id))
    }

    /// Reports each policy whose row or item does not exist (any more), with the nearest name.
    pub(super) fn check_policies(&self, diags: &mut Diagnostics) {
        for policy in &self.policies {
            match &policy.target {
                Target::Row { service, layer } => {
                    let Some(note) = self.get_str(service) else {
                        let hint = crate::diag::did_you_mean(
                            service,
                            self.services().map(|(n, _)| n.id.as_str()),
                        );
                        diags.error(
                            &policy.at,
                            format!(
                                "policy for {}: no service note `{service}`{hint}",
                                policy.target
                            ),
                        );
                        continue;
                    };
                    let Some(table) = note.table() else {
                        diags.error(
                            &policy.at,
                            format!(
                                "policy for {}: `{service}` has no responsibility table",
                                policy.target
                            ),
                        );
                        continue;
                    };
                    if table.row(&NoteId(layer.clone())).is_none() {
                        let hint = crate::diag::did_you_mean(
                            layer,
                            table.responsibility.iter().map(|r| r.layer.0.as_str()),
                        );
                        diags.error(
                            &policy.at,
                            format!(
                                "policy for {}: `{service}` has no row for layer `{layer}`{hint}",
                                policy.target
                            ),
                        );
                    }
                }
                Target::Item(id) => {
                    if !self.item_owners.contains_key(id) {
                        let ids: Vec<&str> =
                            self.checklist_items().map(|i| i.id.as_str()).collect();
                        let hint = crate::diag::did_you_mean(id, ids);
                        diags.error(
                            &policy.at,
                            format!(
                                "policy for {}: no checklist item `{id}`{hint}",
                                policy.target
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile::knowledge(rel, text)
    }

    #[test]
    fn policies_are_read_and_bad_ones_located() {
        let files = [
            file(
                "policies/storage.toml",
                "[[policy]]\nrow = \"s3/encryption-at-rest\"\npolicy = \"SSE-KMS with our keys\"\nowner = \"Storage\"\nverified = 2026-11-30\n\n\
                 [[policy]]\nitem = \"s3-versioning\"\npolicy = \"Versioning on\"\nverified = 2026-11-30\nurl = \"https://wiki.example/v\"\n\n\
                 [[policy]]\nrow = \"s3\"\npolicy = \"x\"\nverified = 2026-11-30\n\n\
                 [[policy]]\nrow = \"s3/data\"\nitem = \"y\"\npolicy = \"x\"\nverified = 2026-11-30\n\n\
                 [[policy]]\nitem = \"z\"\npolicy = \"x\"\nverified = 2026-11-30T10:00:00\n\n\
                 [[policy]]\nitem = \"z\"\npolicy = \"x\"\nverified = 2026-11-30\nurl = \"javascript:alert(1)\"\n",
            ),
            file("policies/nested/other.toml", "not toml at all"),
            file("policy.toml", "not read either"),
        ];
        let mut diags = Diagnostics::new();
        let policies = load_policies(&files, &mut diags);
        assert_eq!(policies.len(), 2);
        assert_eq!(
            policies[0].target,
            Target::Row {
                service: "s3".into(),
                layer: "encryption-at-rest".into()
            }
        );
        assert_eq!(policies[0].owner.as_deref(), Some("Storage"));
        assert_eq!(policies[0].at.line, 1);
        assert_eq!(policies[1].target, Target::Item("s3-versioning".into()));
        let messages: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(
            messages[0].contains("storage.toml:14:7: error: `row` is written `service/layer`"),
            "{messages:#?}"
        );
        assert!(
            messages[1].contains("storage.toml:21:10: error: a policy is attached to one"),
            "{messages:#?}"
        );
        assert!(
            messages[2].contains("`verified` must be a date alone"),
            "{messages:#?}"
        );
        assert!(
            messages[3].contains("is not an http(s) URL"),
            "{messages:#?}"
        );
    }
}
