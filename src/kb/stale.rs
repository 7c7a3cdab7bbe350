//! What was verified too long ago: `whosecures check --stale DAYS`. Every responsibility row (with
//! its duties and variants), model topic and checklist item carries the date its source was last
//! checked; this lists those older than a limit, oldest first.

use crate::diag::Location;

use super::note::{Date, KindData};
use super::KnowledgeBase;

/// One claim verified before the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Where it is written.
    pub at: Location,
    /// What it is: "`guest-os` row of `ec2`", "checklist item `s3-block-public-access`".
    pub what: String,
    /// Its oldest `verified` date.
    pub verified: Date,
    /// How many days before `today` that is.
    pub age: i64,
}

/// Every row, topic and checklist item whose oldest `verified` date is more than `days` days
/// before `today`, oldest first (then by place).
pub fn stale(kb: &KnowledgeBase, today: Date, days: u32) -> Vec<Stale> {
    let limit = today.days() - i64::from(days);
    let mut out = Vec::new();
    let mut push = |at: &Location, what: String, verified: Date| {
        if verified.days() < limit {
            out.push(Stale {
                at: at.clone(),
                what,
                verified,
                age: today.days() - verified.days(),
            });
        }
    };
    for note in kb.iter() {
        for row in note.responsibility() {
            let what = format!("`{}` row of `{}`", row.layer, note.id);
            push(&row.at, what, row.oldest_verified());
        }
        if let KindData::Model(topics) = &note.data {
            for topic in topics {
                let oldest = topic.duties.oldest(topic.verified);
                let at = topic
                    .duties
                    .all()
                    .map(|(_, d)| d.at.clone())
                    .next()
                    .unwrap_or_else(|| Location::file(&note.path));
                push(
                    &at,
                    format!("topic `{}` of `{}`", topic.title, note.id),
                    oldest,
                );
            }
        }
        for item in note.checklist() {
            push(
                &item.at,
                format!("checklist item `{}`", item.id),
                item.verified,
            );
        }
    }
    for policy in &kb.policies {
        push(
            &policy.at,
            format!("policy for {}", policy.target),
            policy.verified,
        );
    }
    out.sort_by(|a, b| {
        (a.verified, &a.at.path, a.at.line).cmp(&(b.verified, &b.at.path, b.at.line))
    });
    out
}

/// How many rows, topics, checklist items and policies carry a date at all (the denominator of a report).
pub fn dated(kb: &KnowledgeBase) -> usize {
    kb.iter()
        .map(|n| {
            let topics = match &n.data {
                KindData::Model(topics) => topics.len(),
                _ => 0,
            };
            n.responsibility().len() + n.checklist().len() + topics
        })
        .sum::<usize>()
        + kb.policies.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Dates count days like a calendar: leap years, month ends, the epoch.
    #[test]
    fn dates_count_days() {
        let d = |year, month, day| Date { year, month, day };
        assert_eq!(d(1970, 1, 1).days(), 0);
        assert_eq!(d(2000, 3, 1).days() - d(2000, 2, 28).days(), 2);
        assert_eq!(d(2026, 12, 6).days() - d(2026, 11, 23).days(), 13);
        for days in [0, 59, 10_956, 20_793, 30_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(20_793).to_string(), "2026-12-06");
    }

    // The embedded knowledge base: nothing is stale against its own oldest date, everything
    // dated is stale a century later, oldest first.
    #[test]
    fn lists_what_is_older_than_the_limit() {
        let (kb, _) = crate::testing::embedded_kb();
        let all = stale(&kb, Date::from_days(100_000), 0);
        assert_eq!(all.len(), dated(&kb));
        assert!(all.windows(2).all(|w| w[0].verified <= w[1].verified));
        let oldest = all[0].verified;
        assert!(stale(&kb, oldest, 0).is_empty());
        assert!(
            all[0].at.line > 0 && all[0].at.path.ends_with(".md"),
            "{:?}",
            all[0]
        );
    }
}
