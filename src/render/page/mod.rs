//! One file per page family (attestation, home, matrix, lists, note, print, sections, self-check), and `paged`, which slice of a split gathering page a page shows; each adds to `Ctx` the methods that build its pages' views.

mod attestation;
mod home;
mod lists;
mod matrix;
mod note;
mod paged;
pub(super) mod print;
mod sections;
mod selfcheck;
