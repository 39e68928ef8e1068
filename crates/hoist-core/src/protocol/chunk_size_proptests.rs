//! Property tests of the automatic chunk size: always legal, never above the cap, and always a
//! move toward the size that would take the target time.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::test_support::proptest_config;

fn rules() -> impl Strategy<Value = ChunkRules> {
    prop_oneof![
        Just(ChunkRules {
            granularity_bytes: 256 * 1024,
            min_bytes: 256 * 1024,
            max_bytes: MAX_AUTO_CHUNK_BYTES,
            one_size_per_session: true,
            unmeasured_max_bytes: MAX_UNMEASURED_SESSION_CHUNK_BYTES,
        }),
        (1u64..=1 << 20, 1u64..=64, 1u64..=1024).prop_map(|(granule, min_n, span)| {
            let max = (granule * (min_n + span)).min(MAX_AUTO_CHUNK_BYTES);
            let max = max - max % granule;
            ChunkRules {
                granularity_bytes: granule,
                min_bytes: (granule * min_n).min(max),
                max_bytes: max,
                one_size_per_session: false,
                unmeasured_max_bytes: max,
            }
        }),
    ]
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Whatever was measured, the next size is a legal one: a multiple of the granularity,
    /// within the protocol's bounds and the cap.
    #[test]
    fn always_a_legal_size_never_above_the_cap(
        rules in rules(),
        current in any::<u64>(),
        sent in any::<u64>(),
        elapsed_nanos in any::<u64>(),
    ) {
        let next = next_chunk_bytes(&rules, current, sent, Duration::from_nanos(elapsed_nanos));
        prop_assert_eq!(next % rules.granularity_bytes, 0);
        prop_assert!(next >= rules.min_bytes && next <= rules.max_bytes, "{next}");
        prop_assert!(next <= MAX_AUTO_CHUNK_BYTES);
    }

    /// A chunk that went faster than the target makes the next one no smaller, a slower one
    /// makes it no larger, and the next one is never further from the ideal than this one.
    #[test]
    fn moves_toward_the_target(
        rules in rules(),
        current_n in 0u64..=4096,
        rate_bytes_per_sec in 1u64..=1 << 34,
        elapsed_ms in 1u64..=600_000,
    ) {
        let current = rules.legal(current_n * rules.granularity_bytes);
        let elapsed = Duration::from_millis(elapsed_ms);
        let sent = (rate_bytes_per_sec as f64 * elapsed.as_secs_f64()).max(1.0) as u64;
        let next = next_chunk_bytes(&rules, current, sent, elapsed);
        let ideal = sent as f64 / elapsed.as_secs_f64() * TARGET_CHUNK_TIME.as_secs_f64();
        if ideal > current as f64 {
            prop_assert!(next >= current, "{current} -> {next}, ideal {ideal}");
        } else {
            prop_assert!(next <= current, "{current} -> {next}, ideal {ideal}");
        }
        let distance = |size: u64| (size as f64 - ideal).abs();
        prop_assert!(
            distance(next) <= distance(current) + rules.granularity_bytes as f64,
            "{current} -> {next}, ideal {ideal}"
        );
    }
}
