//! Shared helpers for the crate's tests.
//!
//! The property tests (`*proptests` modules, every one of them named so that
//! `cargo test -p hoist-core --lib proptest` runs them all) take their case count from
//! [`proptest_config`]: 2000 cases per property by default, so CI runs them quickly, and as many
//! as `HOIST_PROPTEST_CASES` says for a long run on demand:
//!
//! ```text
//! HOIST_PROPTEST_CASES=1000000 cargo test -p hoist-core --lib proptest
//! ```

use proptest::test_runner::Config as ProptestConfig;

/// The environment variable that sets how many cases each property runs.
pub(crate) const CASES_VAR: &str = "HOIST_PROPTEST_CASES";

/// Cases per property when [`CASES_VAR`] is not set (or is not a positive number).
pub(crate) const DEFAULT_CASES: u32 = 2000;

/// The configuration every property test uses: [`CASES_VAR`] cases (default
/// [`DEFAULT_CASES`]), and no regression files written into the source tree (a failure prints
/// its minimal input; add it to the module's unit tests by hand).
pub(crate) fn proptest_config() -> ProptestConfig {
    let cases = std::env::var(CASES_VAR)
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|cases| *cases > 0)
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        failure_persistence: None,
        // Shrinking a failure is bounded by time, not by a count that grows with `cases`.
        max_shrink_iters: 10_000,
        ..ProptestConfig::with_cases(cases)
    }
}
