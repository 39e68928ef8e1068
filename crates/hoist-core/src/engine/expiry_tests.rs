use super::*;

const HOUR: u64 = 3600;

#[test]
fn at_risk_only_when_the_rest_needs_longer_than_the_session_has() {
    // 2 hours left, 3 hours of upload at 1 MiB/s.
    let outlook = ExpiryOutlook::assess(
        1_000 + 2 * HOUR,
        1_000,
        3 * HOUR * 1_048_576,
        1_048_576.0,
        false,
    );
    assert_eq!(outlook.expires_in_secs, 2 * HOUR);
    assert_eq!(outlook.finish_in_secs, Some(3 * HOUR));
    assert!(outlook.will_not_finish);
    // One hour of upload in two: fine.
    let fine = ExpiryOutlook::assess(2 * HOUR, 0, HOUR * 1_048_576, 1_048_576.0, false);
    assert!(!fine.will_not_finish);
    // Nothing left, or no speed measured: no warning.
    assert!(!ExpiryOutlook::assess(10, 0, 0, 1.0, false).will_not_finish);
    let still = ExpiryOutlook::assess(10, 0, 100, 0.0, false);
    assert_eq!(still.finish_in_secs, None);
    assert!(!still.will_not_finish);
    // Already past: any remaining upload is at risk, and never a negative time.
    let past = ExpiryOutlook::assess(10, 50, 100, 1_000.0, false);
    assert_eq!(past.expires_in_secs, 0);
    assert!(past.will_not_finish);
}

#[test]
fn a_wavering_speed_does_not_flicker() {
    // 85 % of the time left: at risk once flagged (needs 20 % spare), fine before (10 %).
    let (expires, rest) = (1_000, 850);
    assert!(!ExpiryOutlook::assess(expires, 0, rest, 1.0, false).will_not_finish);
    assert!(ExpiryOutlook::assess(expires, 0, rest, 1.0, true).will_not_finish);
    assert!(!ExpiryOutlook::assess(expires, 0, 700, 1.0, true).will_not_finish);
}

#[test]
fn extreme_figures_do_not_overflow() {
    let outlook = ExpiryOutlook::assess(u64::MAX, 0, u64::MAX, f64::MIN_POSITIVE, false);
    assert_eq!(outlook.finish_in_secs, Some(u64::MAX));
    assert!(outlook.will_not_finish);
    assert!(!ExpiryOutlook::assess(u64::MAX, 0, 1, f64::INFINITY, false).will_not_finish);
    assert!(!ExpiryOutlook::assess(u64::MAX, 0, 1, f64::NAN, false).will_not_finish);
}

#[test]
fn paused_uploads_are_told_only_within_the_window_and_before_the_end() {
    let day = PAUSED_NOTIFY_WITHIN;
    assert!(paused_expiry_due(Some(1_000 + HOUR), 5, 1_000, day));
    assert!(!paused_expiry_due(
        Some(1_000 + 2 * 24 * HOUR),
        5,
        1_000,
        day
    ));
    assert!(paused_expiry_due(
        Some(1_000 + 2 * 24 * HOUR),
        5,
        1_000,
        PAUSED_NOTE_WITHIN
    ));
    assert!(!paused_expiry_due(Some(999), 5, 1_000, day), "already over");
    assert!(
        !paused_expiry_due(Some(1_000 + HOUR), 0, 1_000, day),
        "nothing to lose"
    );
    assert!(!paused_expiry_due(None, 5, 1_000, day));
}

#[test]
fn the_tracker_tells_changes_and_notices_once() {
    let cell = ExpiryCell::default();
    let mut tracker = ExpiryTracker::new(cell.clone(), None);
    tracker.started -= MEASURE_FOR;
    assert_eq!(
        tracker.tick(1_000, 1.0),
        ExpiryNews::default(),
        "no expiry known"
    );
    let now = crate::protocol::expiry_dates::unix_now_secs();
    let state = SessionState::Tus(crate::store::session_state::TusState {
        expires_unix_secs: Some(now + 100),
        ..Default::default()
    });
    cell.note(&state);
    let first = tracker.tick(1_000, 1.0);
    let outlook = first.outlook.expect("an outlook");
    assert!(outlook.will_not_finish);
    assert!(matches!(
        first.notice,
        Some(UploadNotice::SessionMayExpire { .. })
    ));
    let second = tracker.tick(999, 1.0);
    assert_eq!(second, ExpiryNews::default(), "nothing new");
    assert_eq!(
        tracker.tick(10, 1.0).outlook.map(|o| o.will_not_finish),
        Some(false)
    );
    assert_eq!(
        tracker.tick(1_000, 1.0).notice,
        None,
        "a speed that wavers for a moment is not news"
    );
    tracker.tick(10, 1.0);
    tracker.safe_since = tracker.safe_since.map(|since| since - SAFE_FOR);
    tracker.tick(10, 1.0);
    assert!(
        matches!(
            tracker.tick(1_000, 1.0).notice,
            Some(UploadNotice::SessionMayExpire { .. })
        ),
        "safe for a minute in between: at risk again is news again"
    );
    assert_eq!(tracker.tick(1_000, 1.0).notice, None);
}

/// A tracker for a new run of upload 1 (its speed already measured), expiring in 100 s.
fn run_of(memory: &mut ExpiryNoticeMemory) -> ExpiryTracker {
    let now = crate::protocol::expiry_dates::unix_now_secs();
    let state = SessionState::Tus(crate::store::session_state::TusState {
        expires_unix_secs: Some(now + 100),
        ..Default::default()
    });
    let mut tracker = ExpiryTracker::new(memory.cell_for(crate::upload::UploadId(1), &state), None);
    tracker.started -= MEASURE_FOR;
    tracker
}

#[test]
fn a_paused_and_resumed_upload_is_not_told_twice() {
    let mut memory = ExpiryNoticeMemory::default();
    let first = run_of(&mut memory).tick(1_000, 1.0);
    assert!(first.notice.is_some(), "told in the first run");
    // Resumed: a new run, still at risk (also at 85 %, which only the told upload counts).
    let mut second = run_of(&mut memory);
    let news = second.tick(1_000, 1.0);
    assert!(
        news.outlook.is_some_and(|o| o.will_not_finish),
        "still shown"
    );
    assert_eq!(news.notice, None, "not told again");
    assert!(
        run_of(&mut memory)
            .tick(85, 1.0)
            .outlook
            .is_some_and(|o| o.will_not_finish)
    );
    // Resumed before a speed is measured: nothing learnt, nothing forgotten.
    let mut unmeasured = run_of(&mut memory);
    unmeasured.started = Instant::now();
    assert_eq!(unmeasured.tick(10, 1.0).notice, None);
    assert_eq!(run_of(&mut memory).tick(1_000, 1.0).notice, None);
    // Safe for a moment in a run: still told.
    run_of(&mut memory).tick(10, 1.0);
    assert_eq!(run_of(&mut memory).tick(1_000, 1.0).notice, None);
    // Safe for a minute at a measured speed, then at risk again in a later run: told again.
    let mut safe = run_of(&mut memory);
    safe.tick(10, 1.0);
    safe.safe_since = safe.safe_since.map(|since| since - SAFE_FOR);
    safe.tick(10, 1.0);
    assert!(run_of(&mut memory).tick(1_000, 1.0).notice.is_some());
    // Another upload has its own memory.
    memory.forget(crate::upload::UploadId(1));
    assert!(
        run_of(&mut memory).tick(1_000, 1.0).notice.is_some(),
        "forgotten"
    );
}

#[test]
fn the_expiry_is_told_before_the_speed_is_measured() {
    let now = crate::protocol::expiry_dates::unix_now_secs();
    let state = SessionState::Tus(crate::store::session_state::TusState {
        expires_unix_secs: Some(now + 100),
        ..Default::default()
    });
    let mut tracker = ExpiryTracker::new(ExpiryCell::of(&state), None);
    let news = tracker.tick(1_000_000, 1.0);
    let outlook = news.outlook.expect("the expiry is news");
    assert_eq!(
        (outlook.finish_in_secs, outlook.will_not_finish),
        (None, false)
    );
    assert_eq!(news.notice, None);
}

#[test]
fn the_documented_lifetime_stands_in_until_the_server_says() {
    let mut tracker = ExpiryTracker::new(ExpiryCell::default(), Some(Duration::from_secs(50)));
    tracker.started -= MEASURE_FOR;
    let news = tracker.tick(1_000, 1.0);
    assert!(news.outlook.is_some_and(|o| o.will_not_finish));
}
