//! Body rendering tests.
