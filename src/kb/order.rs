//! The one order for everything a reader sees listed by name: natural and case-insensitive
//! ("Access key, AMI, ARN"; "S3.2" before "S3.10"), services by their name without the vendor
//! prefix ("AWS Lambda" under L, "Amazon S3" under S; the title shown keeps it). Navigation,
//! section pages, the glossary, checklists, controls and `who --list` all sort with this.

use std::cmp::Ordering;
use std::iter::Peekable;
use std::str::Chars;

use super::note::Kind;

/// The vendor prefixes a service's name sorts without: "Amazon S3" sorts as "S3".
pub const VENDOR_PREFIXES: &[&str] = &["Amazon", "AWS"];

/// Compares two names naturally: letters without regard to case, runs of digits by their value
/// (`S3.2` before `S3.10`), digits before letters. Names equal that way (`Ami` and `AMI`, `7` and
/// `07`) fall back to byte order, so the order is total and the same on every run.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    // Plain ASCII names (ids, most titles) compare byte by byte, without decoding characters.
    if a.is_ascii() && b.is_ascii() {
        return ascii_natural_cmp(a.as_bytes(), b.as_bytes()).then_with(|| a.cmp(b));
    }
    chars_natural_cmp(a, b)
}

/// `natural_cmp` for any names, character by character.
fn chars_natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        let (c, d) = match (x.peek(), y.peek()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(&c), Some(&d)) => (c, d),
        };
        let order = match (c.is_ascii_digit(), d.is_ascii_digit()) {
            (true, true) => number(&mut x).cmp(&number(&mut y)),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => {
                x.next();
                y.next();
                c.to_lowercase().cmp(d.to_lowercase())
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// `natural_cmp` of two ASCII names, before its byte-order tie-break: the same steps, on bytes.
fn ascii_natural_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    loop {
        let (c, d) = match (a.get(i), b.get(j)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(&c), Some(&d)) => (c, d),
        };
        let order = match (c.is_ascii_digit(), d.is_ascii_digit()) {
            (true, true) => {
                let (x, next_i) = digit_run(a, i);
                let (y, next_j) = digit_run(b, j);
                (i, j) = (next_i, next_j);
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => {
                (i, j) = (i + 1, j + 1);
                c.to_ascii_lowercase().cmp(&d.to_ascii_lowercase())
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// The run of ASCII digits starting at `at`, without its leading zeros, and where it ends.
fn digit_run(bytes: &[u8], at: usize) -> (&[u8], usize) {
    let end = bytes[at..]
        .iter()
        .position(|c| !c.is_ascii_digit())
        .map_or(bytes.len(), |n| at + n);
    let significant = bytes[at..end]
        .iter()
        .position(|&c| c != b'0')
        .map_or(end, |n| at + n);
    (&bytes[significant..end], end)
}

/// Takes a run of ASCII digits; its value compares as (digits without leading zeros, then
/// those digits), so numbers of any length compare by value without overflowing.
fn number(chars: &mut Peekable<Chars<'_>>) -> (usize, String) {
    let mut digits = String::new();
    while let Some(&c) = chars.peek() {
        if !c.is_ascii_digit() {
            break;
        }
        chars.next();
        if !(digits.is_empty() && c == '0') {
            digits.push(c);
        }
    }
    (digits.len(), digits)
}

/// A name that orders naturally (`natural_cmp`), for sort keys and ordered maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Natural<'a>(pub &'a str);

impl Ord for Natural<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(self.0, other.0)
    }
}

impl PartialOrd for Natural<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A title without its vendor prefix: "Amazon S3" → "S3", "AWS Lambda" → "Lambda"; a title that
/// is only the prefix, or does not start with one followed by a space, is kept whole.
pub fn without_vendor(title: &str) -> &str {
    VENDOR_PREFIXES
        .iter()
        .find_map(|prefix| {
            let rest = title.strip_prefix(prefix)?.strip_prefix(' ')?.trim_start();
            (!rest.is_empty()).then_some(rest)
        })
        .unwrap_or(title)
}

/// The name a note of `kind` sorts by: services and security services without their vendor
/// prefix, every other note by its title.
pub fn sort_name(kind: Kind, title: &str) -> &str {
    match kind {
        Kind::Service | Kind::SecurityService => without_vendor(title),
        _ => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut names: Vec<&str> = names.to_vec();
        names.sort_by(|a, b| natural_cmp(a, b));
        names.into_iter().map(str::to_owned).collect()
    }

    // Case does not split the list: "Access key" sits between "ACM" and "AMI", not after "ARN".
    #[test]
    fn case_insensitive() {
        assert_eq!(
            sorted(&["ARN", "AMI", "Access key", "ACM", "aws account"]),
            ["Access key", "ACM", "AMI", "ARN", "aws account"]
        );
    }

    // Runs of digits compare by value, of any length; digits come before letters.
    #[test]
    fn numbers_by_value() {
        assert_eq!(
            sorted(&["S3.10", "S3.2", "S3.1", "EC2.19", "EC2.9", "Route 53", "Route 6"]),
            ["EC2.9", "EC2.19", "Route 6", "Route 53", "S3.1", "S3.2", "S3.10"]
        );
        assert_eq!(
            sorted(&[
                "a99999999999999999999999",
                "a100000000000000000000000",
                "a1b",
                "a1"
            ]),
            [
                "a1",
                "a1b",
                "a99999999999999999999999",
                "a100000000000000000000000"
            ]
        );
        assert_eq!(sorted(&["x", "1x", "x1"]), ["1x", "x", "x1"]);
    }

    // Names equal but for case or leading zeros still have one order, whatever the input order.
    #[test]
    fn total_and_deterministic() {
        assert_eq!(natural_cmp("AMI", "Ami"), Ordering::Less);
        assert_eq!(natural_cmp("Ami", "AMI"), Ordering::Greater);
        assert_eq!(natural_cmp("07", "7"), Ordering::Less);
        assert_eq!(natural_cmp("same", "same"), Ordering::Equal);
        // The byte path for ASCII names orders exactly as the character path.
        let names = [
            "",
            "0",
            "00",
            "007",
            "7",
            "07",
            "10",
            "9",
            "a",
            "A",
            "a1",
            "A01",
            "a10",
            "a2",
            "S3.1",
            "S3.01",
            "S3.10",
            "S3.2",
            "s3.2",
            "IAM.21",
            "iam-1",
            "x0y",
            "x00y",
            "x",
            "X",
            "_a",
            "a_",
            "Z9",
            "z09",
            "1a",
            "01a",
            "ab12cd3",
            "AB12CD03",
            "12345678901234567890",
            "12345678901234567891",
            "0000000000000000000012",
        ];
        for a in names {
            for b in names {
                assert_eq!(natural_cmp(a, b), chars_natural_cmp(a, b), "{a:?} {b:?}");
            }
        }
        assert_eq!(sorted(&["b", "B", "a", "A"]), sorted(&["A", "a", "B", "b"]));
        assert!(Natural("Access key") < Natural("ARN"));
    }

    // "AWS Lambda" sorts under L and "Amazon S3" under S; other kinds keep their whole title.
    #[test]
    fn services_sort_without_vendor() {
        assert_eq!(without_vendor("Amazon S3"), "S3");
        assert_eq!(without_vendor("AWS Lambda"), "Lambda");
        assert_eq!(without_vendor("AWS"), "AWS");
        assert_eq!(without_vendor("Amazonia"), "Amazonia");
        assert_eq!(without_vendor("AWSome"), "AWSome");
        assert_eq!(
            sort_name(Kind::SecurityService, "Amazon GuardDuty"),
            "GuardDuty"
        );
        assert_eq!(sort_name(Kind::Glossary, "AWS account"), "AWS account");
        let mut services = ["AWS Lambda", "Amazon S3", "Amazon Athena", "AWS Backup"];
        services.sort_by(|a, b| natural_cmp(without_vendor(a), without_vendor(b)));
        assert_eq!(
            services,
            ["Amazon Athena", "AWS Backup", "AWS Lambda", "Amazon S3"]
        );
    }
}
