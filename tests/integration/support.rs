//! Shared test support: the harness lives in the dev-only `hoist-test-support` crate; this
//! module re-exports it so that tests keep writing `crate::support::...`.

pub use hoist_test_support::*;
