use super::*;

fn entries(spec: &[(&str, usize)]) -> Vec<Entry<'static>> {
    spec.iter()
        .enumerate()
        .map(|(i, (section, weight))| Entry {
            section: Cow::Owned((*section).to_owned()),
            section_label: Cow::Owned(section.to_uppercase()),
            title: Cow::Owned(format!("e{i}")),
            weight: *weight,
        })
        .collect()
}

// What fits the budget stays one page: no parts at all.
#[test]
fn a_page_within_budget_is_not_split() {
    assert!(split(&entries(&[("a", 5), ("b", 5)]), 10).is_empty());
    assert!(split(&[], 10).is_empty());
}

// Past the budget, each section is a part of its own, named after it, and a long section is cut
// into numbered parts, as few as the budget allows and about equal in weight, labelled by their
// first and last entries; every entry is in exactly one part, in order.
#[test]
fn sections_become_parts_and_long_ones_are_cut_evenly() {
    let list = entries(&[
        ("a", 4),
        ("a", 3),
        ("b", 6),
        ("b", 6),
        ("b", 6),
        ("b", 6),
        ("b", 6),
        ("c", 2),
    ]);
    let parts = split(&list, 13);
    let slugs: Vec<&str> = parts.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs, ["a", "b-1", "b-2", "b-3", "c"]);
    assert_eq!(parts[0].label, "A");
    assert_eq!(parts[1].label, "B 1/3 (e2 – e3)");
    assert_eq!(parts[3].label, "B 3/3 (e6)");
    let ranges: Vec<_> = parts.iter().map(|p| p.range.clone()).collect();
    assert_eq!(ranges, [0..2, 2..4, 4..6, 6..7, 7..8]);
    assert!(parts.iter().all(|p| p.weight <= 13));
    assert_eq!(parts.iter().map(|p| p.weight).sum::<usize>(), 39);
    // Balanced: 100 entries of 1 under a budget of 30 make 4 parts of 25, not 30+30+30+10.
    let even = split(&entries(&[("x", 1); 100]), 30);
    let weights: Vec<usize> = even.iter().map(|p| p.weight).collect();
    assert_eq!(weights, [25, 25, 25, 25]);
}

// An entry heavier than the budget still gets a part (alone), never an empty one.
#[test]
fn an_entry_over_budget_stands_alone() {
    let parts = split(&entries(&[("a", 25), ("a", 1), ("a", 1)]), 10);
    assert!(parts.iter().all(|p| !p.range.is_empty()));
    assert_eq!(parts.first().map(|p| p.range.clone()), Some(0..1));
    assert_eq!(parts.iter().map(|p| p.range.len()).sum::<usize>(), 3);
}

// The embedded knowledge base's gathering pages fit their budgets but the checklists, which
// split by kind of note.
#[test]
fn the_embedded_pages_split_where_they_are_heavy() {
    let (kb, _) = crate::testing::embedded_kb();
    let org = Org::default();
    assert!(Gathering::Matrix.parts(&kb, &org).is_empty());
    assert!(Gathering::Controls.parts(&kb, &org).is_empty());
    assert!(Gathering::Attestation.parts(&kb, &org).is_empty());
    let parts = Gathering::Checklists.parts(&kb, &org);
    assert!(parts.len() >= 3, "{parts:?}");
    assert!(parts.iter().all(|p| p.weight <= CHECKLIST_ITEMS));
    assert_eq!(
        parts.iter().map(|p| p.weight).sum::<usize>(),
        kb.checklist_items().count()
    );
}
