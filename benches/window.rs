//! Frame time of the real window with 10,000 rows (egui pass, without GPU rendering), and a check
//! that an idle window asks for no repaint. Prints figures; `cargo bench --bench window`.
//! Under `cargo test` it runs a small smoke version.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use hoist_core::engine::{Event, Progress, UploadSnapshot};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

fn snapshot(i: i64) -> UploadSnapshot {
    let phases = [
        Phase::Queued,
        Phase::Uploading,
        Phase::Paused,
        Phase::Completed,
        Phase::Failed,
    ];
    UploadSnapshot {
        id: UploadId(i),
        file_name: format!("clip-{i:05}.mp4"),
        path: PathBuf::from(format!("/videos/clip-{i:05}.mp4")),
        destination: "Demo server".to_string(),
        target: Destination {
            service: Service::GoogleResumable {
                initiate_url: "http://127.0.0.1:9/upload?name={name}".to_string(),
            },
            auth: AuthSource::None,
        },
        total_bytes: Some(1 << 30),
        confirmed_bytes: (i as u64 * 7919) % (1 << 30),
        phase: phases[i as usize % phases.len()],
        error: None,
        result: None,
        expires_unix_secs: None,
    }
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let rows: i64 = if benching { 10_000 } else { 200 };
    let frames = if benching { 300 } else { 5 };
    let (backend, _command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored {
            uploads: (0..rows).map(snapshot).collect(),
        })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 700.0))
        .build_eframe(|_cc| app);
    harness.run();
    assert_eq!(harness.state().model().rows().len(), rows as usize);

    // Frames while progress events arrive for many uploads (the busy case).
    let mut times = Vec::with_capacity(frames);
    for frame in 0..frames {
        for id in (0..rows).step_by(50) {
            let _ = event_tx.send(Event::Progress(Progress {
                id: UploadId(id),
                sent_bytes: (frame as u64 + 1) << 20,
                confirmed_bytes: (frame as u64) << 20,
                total_bytes: Some(1 << 30),
                rate_bytes_per_sec: 5e6,
            }));
        }
        let started = Instant::now();
        harness.step();
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
    println!(
        "window: {rows} rows, {frames} frames with progress for {} uploads each: median {:.2} ms, p99 {:.2} ms per frame (egui pass, no GPU)",
        rows / 50,
        ms(median),
        ms(p99)
    );

    // Idle: nothing arrives, so the window must not ask to be drawn again.
    let steps = harness.run();
    println!(
        "window: idle after {steps} settling step(s); no repaint loop (Harness::run returned)"
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
