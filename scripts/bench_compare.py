#!/usr/bin/env python3
"""Two builds of Hoist against each other, interleaved, on the same servers and the same file.

A regression check, not a report: an old and a new `hoist` take turns (the order flips every
round), so a machine that gets busier or quieter during the run affects both alike. Each case
is a whole `hoist upload` process, measured like scripts/bench.py (wall time, CPU, peak RSS);
the page cache is flushed (`sync`) before every run; files and stores go to tmpfs (/dev/shm) when
there is one; every stored copy is checked (size every run, sha256 on the first). Prints a
Markdown table on stdout.

    scripts/bench_compare.py --old /tmp/old/hoist --new target/release/hoist --size-mib 1024
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import (  # noqa: E402
    MIB, ROOT, SEED_BYTES, SERVER_IP, Case, clear, google_kind, log, make_file, measure,
    reference_server, sha256, size_label, stored_by_name, stored_newest, tus_kind, tus_server,
)


def cases():
    """(label, protocol, CLI options for the case, where the copy lands)."""
    return [
        ("google, one streamed PUT", "google", google_kind,
         lambda c, f: stored_by_name(c, f.name)),
        ("google, 8 MiB chunks", "google", lambda c: [*google_kind(c), "--chunk-size", "8MiB"],
         lambda c, f: stored_by_name(c, f.name)),
        ("tus, one streamed PATCH", "tus", tus_kind, lambda c, f: stored_newest(c)),
    ]


def run_once(hoist, options, case, file, work, env):
    home = work / "home"
    subprocess.run(["rm", "-rf", str(home)], check=True)
    home.mkdir()
    os.sync()
    argv = [hoist, "upload", *options(case), str(file)]
    return measure(argv, env={"HOIST_HOME": str(home), **env})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", required=True, help="the baseline hoist binary")
    parser.add_argument("--new", default=str(ROOT / "target/release/hoist"))
    parser.add_argument("--size-mib", type=float, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-tls", action="store_true")
    # tmpfs when there is one: a server writing 1 GiB to disk per run swung one build's
    # throughput from 430 to 1650 MB/s between rounds on this machine.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    parser.add_argument("--work-dir", default=os.environ.get("BENCH_DIR", shm))
    args = parser.parse_args()
    binaries = {"old": str(Path(args.old).resolve()), "new": str(Path(args.new).resolve())}
    rows = []
    with tempfile.TemporaryDirectory(prefix="hoist-compare.", dir=args.work_dir) as tmp:
        work = Path(tmp)
        certs = work / "certs"
        subprocess.run(["bash", str(ROOT / "scripts/make-test-ca.sh"), str(certs), SERVER_IP],
                       check=True, capture_output=True)
        file = work / f"compare-{int(args.size_mib)}.bin"
        make_file(file, int(args.size_mib * MIB), os.urandom(SEED_BYTES))
        source_sha = sha256(file)
        transports = [("plain HTTP", None)] + ([] if args.no_tls else [("TLS", certs)])
        for transport, tls in transports:
            ref_store, tus_store = work / "ref", work / "tus"
            ref_store.mkdir()
            tus_store.mkdir()
            # One server for both builds: the new build's reference server and @tus/server.
            ref = reference_server(binaries["new"], ref_store, tls, "127.0.0.1", None)
            tus = tus_server(tus_store, tls, "127.0.0.1", None)
            env = {"SSL_CERT_FILE": str(tls / "ca.pem")} if tls else {}
            try:
                for label, protocol, options, stored in cases():
                    server, store = (ref, ref_store) if protocol == "google" else (tus, tus_store)
                    case = Case(server.url, store, tls, None)
                    samples = {"old": [], "new": []}
                    for round_no in range(args.rounds):
                        order = ("old", "new") if round_no % 2 == 0 else ("new", "old")
                        for which in order:
                            sample = run_once(binaries[which], options, case, file, work, env)
                            copy = stored(case, file)()
                            if copy.stat().st_size != file.stat().st_size:
                                raise RuntimeError(f"{which} {label}: wrong size ({copy})")
                            if round_no == 0 and sha256(copy) != source_sha:
                                raise RuntimeError(f"{which} {label}: the copy differs ({copy})")
                            clear(store)
                            samples[which].append(sample)
                            log(f"{transport:<10} {label:<26} {which} round {round_no + 1}: "
                                f"{file.stat().st_size / sample.seconds / 1e6:8.1f} MB/s")
                    rows.append((transport, label, samples))
            finally:
                ref.stop()
                tus.stop()
                subprocess.run(["rm", "-rf", str(ref_store), str(tus_store)], check=True)
    size = int(args.size_mib * MIB)
    mbps = lambda s: size / s.seconds / 1e6  # noqa: E731
    print(f"{size_label(size)}, {args.rounds} rounds, old and new taking turns; MB/s median"
          " (lowest-highest); CPU s/GiB median.\n")
    print("| transport | case | old MB/s | new MB/s | new/old | old CPU | new CPU |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for transport, label, samples in rows:
        med = {k: statistics.median(mbps(s) for s in v) for k, v in samples.items()}
        span = {k: f"{min(mbps(s) for s in v):.0f}-{max(mbps(s) for s in v):.0f}"
                for k, v in samples.items()}
        cpu = {k: statistics.median(s.cpu_seconds for s in v) / (size / 2**30)
               for k, v in samples.items()}
        print(f"| {transport} | {label} | {med['old']:.0f} ({span['old']}) |"
              f" {med['new']:.0f} ({span['new']}) | {med['new'] / med['old']:.2f} |"
              f" {cpu['old']:.2f} | {cpu['new']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
