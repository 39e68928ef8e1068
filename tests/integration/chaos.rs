//! The chaos campaign: for every protocol, many uploads of random sizes while the reference
//! server injects a changing random mix of faults, the `hoist` process is SIGKILLed at random
//! instants and restarted, and the server itself is restarted mid-upload. Afterwards every upload
//! must be complete and byte-exact, none duplicated, no journal entry lost. Prints a table.
//!
//! CI runs the short version (a few uploads of up to 3 MiB per protocol). The long version is
//! `scripts/chaos.sh` (`HOIST_CHAOS=long`: 20 uploads per protocol of 0 B to 1 GiB, more events),
//! built in release mode. `HOIST_CHAOS=large` (`scripts/chaos.sh large`) is the largest: 50
//! uploads per protocol from 0 B to 3 GiB, at least 200 SIGKILLs per protocol, with sleeps
//! (SIGSTOP for up to 12 s, across a server restart, then SIGCONT) mixed in.
//! `HOIST_CHAOS_PROTOCOLS=google,tus` runs only the protocols named.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::protocols::{Protocol, TOKEN, protocols, resume_all, server};
use crate::sleep::signal;
use crate::support::{FAST_RETRY, Home, TestServer, make_file, sha256, wait_until};

const MIB: u64 = 1024 * 1024;

/// How big a campaign is.
struct Scale {
    uploads: usize,
    max_size_bytes: u64,
    /// Sizes of the first uploads, drawn from no distribution (the campaign's biggest files).
    big_sizes_bytes: &'static [u64],
    /// Chaos events (kill, server restart, fault change, sleep) before the calm finish.
    events: usize,
    /// More events are drawn until this many SIGKILLs were sent.
    min_kills: u32,
    /// Whether sleeps (SIGSTOP, a server restart, SIGCONT) are among the events.
    sleeps: bool,
    /// Wait between events.
    event_gap: (Duration, Duration),
    /// The server's bandwidth, so that uploads take long enough to be interrupted.
    throttle: &'static str,
}

fn scale() -> Scale {
    match std::env::var("HOIST_CHAOS").as_deref() {
        Ok("long") => Scale {
            uploads: 20,
            max_size_bytes: 1024 * MIB,
            big_sizes_bytes: &[],
            events: 40,
            min_kills: 0,
            sleeps: false,
            event_gap: (Duration::from_millis(300), Duration::from_secs(4)),
            throttle: "throttle=200MiB",
        },
        // About 6.5 GiB per protocol at 9 MiB/s: the big files are still going when the last
        // of the ~330 events (200+ kills) is drawn, about 8 minutes in.
        Ok("large") => Scale {
            uploads: 50,
            max_size_bytes: 64 * MIB,
            big_sizes_bytes: &[3 * 1024 * MIB + 12_345, 2 * 1024 * MIB],
            events: 330,
            min_kills: 200,
            sleeps: true,
            event_gap: (Duration::from_millis(200), Duration::from_millis(2500)),
            throttle: "throttle=9MiB",
        },
        _ => Scale {
            uploads: 6,
            max_size_bytes: 3 * MIB,
            big_sizes_bytes: &[],
            events: 9,
            min_kills: 0,
            sleeps: false,
            event_gap: (Duration::from_millis(150), Duration::from_millis(700)),
            throttle: "throttle=4MiB",
        },
    }
}

/// The longest sleep (SIGSTOP); longer than the 10 s stall timeout of [`FAST_RETRY`].
const LONGEST_SLEEP: Duration = Duration::from_secs(12);

/// Fault mixes drawn at random (the throttle is added to each).
const FAULT_MIXES: &[&[&str]] = &[
    &[],
    &["drop-rate=0.2"],
    &["error-rate=0.2"],
    &["error-rate=0.2:429", "retry-after=1"],
    &["error-rate=0.15:503", "drop-rate=0.1"],
    &["drop-after=700KiB"],
    &["latency=30ms"],
    &["unauthorized"],
];

/// What one protocol's campaign did.
#[derive(Default)]
struct Tally {
    uploads: usize,
    bytes: u64,
    bytes_received: u64,
    kills: u32,
    /// SIGKILLs sent while some upload was unfinished.
    kills_mid_upload: u32,
    server_restarts: u32,
    fault_changes: u32,
    sleeps: u32,
    faults: BTreeMap<String, u64>,
    corrupt: usize,
    lost: usize,
    duplicated: usize,
}

impl Tally {
    /// Adds the server's counters (they start from zero at each server start).
    fn absorb(&mut self, server: &TestServer) {
        let stats = server.stats();
        self.bytes_received += stats.upload_body_bytes_received;
        for (kind, n) in stats.faults_injected {
            *self.faults.entry(kind).or_default() += n;
        }
    }
}

fn random_size(rng: &mut StdRng, max: u64) -> u64 {
    // Edge cases, small files (log-uniform), and mostly big ones (uniform in the top half).
    match rng.random_range(0..12) {
        0 => 0,
        1 => 1,
        2..=3 => {
            let exp = rng.random_range(0.0..(max as f64).log2());
            2f64.powf(exp) as u64
        }
        _ => rng.random_range(max / 2..=max),
    }
}

fn fault_mix(rng: &mut StdRng, throttle: &'static str) -> Vec<String> {
    let mix = FAULT_MIXES[rng.random_range(0..FAULT_MIXES.len())];
    let mut specs: Vec<String> = mix.iter().map(|s| s.to_string()).collect();
    specs.push(throttle.to_string());
    specs.push(format!("seed={}", rng.random_range(0..1_000_000u32)));
    specs
}

fn campaign(protocol: &Protocol, seed: u64) -> Tally {
    let scale = scale();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut server = server(protocol, &[scale.throttle]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let mut tally = Tally::default();
    let sources = make_sources(protocol, &scale, &mut rng, files.path(), seed, &mut tally);

    let mut child = home
        .hoist()
        .env("HOIST_TEST_TOKEN", TOKEN)
        .args((protocol.args)(&server))
        .args(FAST_RETRY)
        .args(["--parallel", "3"])
        .args(&sources)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn hoist upload");
    // Kills start once every file is in the journal (before that, a kill loses the command line,
    // not an upload).
    wait_until(60, "every file to be queued", || {
        home.list().len() == sources.len()
    });
    let mut events = 0;
    while events < scale.events || tally.kills < scale.min_kills {
        events += 1;
        let gap = rng.random_range(scale.event_gap.0..scale.event_gap.1);
        std::thread::sleep(gap);
        match rng.random_range(0..if scale.sleeps { 12 } else { 10 }) {
            0..=4 => {
                if home.list().iter().any(|u| u["phase"] != "completed") {
                    tally.kills_mid_upload += 1;
                }
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
                tally.kills += 1;
                child = resume_all(&home);
            }
            5..=6 => {
                tally.absorb(&server);
                server.restart();
                tally.server_restarts += 1;
            }
            7..=9 => {
                let specs = fault_mix(&mut rng, scale.throttle);
                let specs: Vec<&str> = specs.iter().map(String::as_str).collect();
                server.set_faults(&protocol.faults(&specs));
                tally.fault_changes += 1;
            }
            _ => {
                // The computer sleeps: the process stops, the server drops every connection.
                if child.try_wait().expect("poll hoist").is_none() {
                    signal(child.id(), "STOP");
                    tally.absorb(&server);
                    server.restart();
                    tally.server_restarts += 1;
                    std::thread::sleep(rng.random_range(Duration::from_secs(1)..LONGEST_SLEEP));
                    signal(child.id(), "CONT");
                    tally.sleeps += 1;
                }
            }
        }
    }
    // Calm: no faults; whatever still runs finishes, then a last resume picks up the rest.
    server.set_faults(&protocol.faults(&[]));
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let status = child.wait().expect("hoist finishes");
        let unfinished = home.list().iter().any(|u| u["phase"] != "completed");
        if !unfinished {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{}: uploads still unfinished after the calm period (last exit {status:?}): {:?}",
            protocol.name,
            home.list()
        );
        child = resume_all(&home);
    }
    tally.absorb(&server);
    check_stored(&home, &server, &sources, &mut tally);
    tally
}

fn print_table(rows: &[(&str, Tally)]) {
    println!();
    println!(
        "| protocol | uploads | MiB | kills (mid-upload) | server restarts | sleeps | fault changes | faults injected | corrupt | lost | duplicated | bytes received / minimum |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, t) in rows {
        let faults = t
            .faults
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let ratio = if t.bytes == 0 {
            1.0
        } else {
            t.bytes_received as f64 / t.bytes as f64
        };
        println!(
            "| {name} | {} | {:.1} | {} ({}) | {} | {} | {} | {faults} | {} | {} | {} | {ratio:.2} |",
            t.uploads,
            t.bytes as f64 / MIB as f64,
            t.kills,
            t.kills_mid_upload,
            t.server_restarts,
            t.sleeps,
            t.fault_changes,
            t.corrupt,
            t.lost,
            t.duplicated,
        );
    }
}

#[test]
fn chaos_campaign() {
    let seed: u64 = std::env::var("HOIST_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261121);
    let only = std::env::var("HOIST_CHAOS_PROTOCOLS").ok();
    let mut rows = Vec::new();
    for protocol in protocols() {
        if only
            .as_deref()
            .is_some_and(|names| !names.split(',').any(|n| n == protocol.name))
        {
            continue;
        }
        let started = Instant::now();
        let tally = campaign(&protocol, seed);
        eprintln!(
            "chaos: {} done in {:.0} s",
            protocol.name,
            started.elapsed().as_secs_f64()
        );
        rows.push((protocol.name, tally));
    }
    print_table(&rows);
    for (name, t) in &rows {
        assert_eq!(t.corrupt, 0, "{name}: corrupt uploads");
        assert_eq!(t.lost, 0, "{name}: lost uploads");
        assert_eq!(t.duplicated, 0, "{name}: duplicated journal entries");
        assert!(t.kills > 0, "{name}: the campaign killed nothing");
        assert!(
            t.kills >= scale().min_kills,
            "{name}: {} kills, fewer than the scale's {}",
            t.kills,
            scale().min_kills
        );
    }
}

/// The campaign's files, of the scale's sizes (the big ones first), counted in `tally`.
fn make_sources(
    protocol: &Protocol,
    scale: &Scale,
    rng: &mut StdRng,
    dir: &std::path::Path,
    seed: u64,
    tally: &mut Tally,
) -> Vec<PathBuf> {
    let sources: Vec<PathBuf> = (0..scale.uploads)
        .map(|i| {
            let mut size = scale
                .big_sizes_bytes
                .get(i)
                .copied()
                .unwrap_or_else(|| random_size(rng, scale.max_size_bytes));
            if size == 0 && !protocol.empty_files {
                size = 1;
            }
            tally.bytes += size;
            make_file(dir, &format!("chaos-{i}.bin"), size, seed + i as u64)
        })
        .collect();
    tally.uploads = sources.len();
    sources
}

/// Counts what the server holds against the sources: lost, corrupt and duplicated uploads.
fn check_stored(home: &Home, server: &TestServer, sources: &[PathBuf], tally: &mut Tally) {
    let list = home.list();
    let mut seen = BTreeMap::new();
    for upload in &list {
        let path = upload["path"].as_str().unwrap_or_default().to_string();
        *seen.entry(path).or_insert(0) += 1;
    }
    tally.duplicated = seen.values().filter(|&&n| n > 1).count();
    for (i, source) in sources.iter().enumerate() {
        let key = source.display().to_string();
        if !seen.contains_key(&key) {
            tally.lost += 1;
            continue;
        }
        let stored = server.stored(&format!("chaos-{i}.bin"));
        if !stored.exists() {
            tally.lost += 1;
        } else if sha256(&stored) != sha256(source) {
            tally.corrupt += 1;
        }
    }
}
