//! One file per page family (attestation, home, matrix, lists, note, print, sections, self-check); each adds to `Ctx` the methods that build its pages' views.

mod attestation;
mod home;
mod lists;
mod matrix;
mod note;
pub(super) mod print;
mod sections;
mod selfcheck;
