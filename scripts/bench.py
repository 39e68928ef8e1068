#!/usr/bin/env python3
"""Hoist's performance report: Hoist beside curl and independent clients of the same protocols.

Run through scripts/bench.sh (it builds Hoist, installs the peers and calls this). Measures, in
one run on one machine:

  * Google resumable upload to Hoist's reference server (`hoist serve`): curl (one PUT), Hoist
    (one streamed PUT, 8 MiB chunks, and the window's default: automatic chunks), Google's `google-resumable-media` (8 MiB chunks);
  * tus 1.0 to an independent server (@tus/server): curl (one PATCH), Hoist (one streamed
    PATCH, and the window's default), `tus-js-client`;
  * fixed costs: a one-byte upload, every client timed whole (curl: session + PUT/PATCH);
  * both over plain HTTP on 127.0.0.1 and over TLS (a throwaway CA, scripts/make-test-ca.sh);
  * an emulated slow link (scripts/netem.py between two network namespaces: 50 ms RTT, 0.5 %
    loss, 100 Mbit/s; CUBIC and BBR), where Hoist's parallel multipart chunks meet single streams.

For every run: wall time, CPU time (user + system, from the kernel's rusage of the client process
and its children) and peak RSS of the client. Figures are medians of --repeat runs (peak RSS:
the largest). Every stored copy is checked against the source: its size every run, its sha256
on the first run of each case. Writes a Markdown report (--out) and prints progress on stderr.
"""

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
GIB = 1024 * MIB
SEED_BYTES = 64 * MIB
NS_CLIENT, NS_SERVER = "hoist-bench-cli", "hoist-bench-srv"
SERVER_IP = "10.77.0.2"
# What the window does with a file dropped on it (Settings > Piece size: Automatic, the default).
WINDOW_DEFAULT_ARGS = ["--chunk-size", "auto"]
WINDOW_DEFAULT_LABEL = "hoist, window's default (automatic chunks)"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Measuring one client process


@dataclass
class Sample:
    seconds: float
    cpu_seconds: float
    peak_rss_kib: int


def in_netns(argv, netns):
    """argv run inside network namespace `netns` (if any); `ip` execs argv itself, so the
    process (and its rusage) is argv's own."""
    return ["ip", "netns", "exec", netns, *argv] if netns else list(argv)


def measure(argv, env=None, netns=None):
    """Runs argv to completion under GNU time; returns its Sample. Raises on a non-zero exit.

    GNU time is the launcher because a child's peak RSS includes what its process held before
    `exec`: started from this Python process it would inherit Python's size; started from
    GNU time it inherits about 1 MiB.
    """
    argv = in_netns(argv, netns)
    with tempfile.NamedTemporaryFile("r") as usage, tempfile.TemporaryFile() as out:
        timed = ["/usr/bin/time", "-f", "%U %S %M", "-o", usage.name, *argv]
        started = time.monotonic()
        code = subprocess.run(
            timed, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
            stdout=out, stderr=out, check=False,
        ).returncode
        seconds = time.monotonic() - started
        if code != 0:
            out.seek(0)
            tail = out.read()[-3000:].decode(errors="replace")
            raise RuntimeError(f"{argv[0]} exited {code}: {tail}")
        user_s, system_s, rss_kib = usage.read().split()[-3:]
    return Sample(seconds, float(user_s) + float(system_s), int(rss_kib))


# ---------------------------------------------------------------------------------------------
# Servers


class Server:
    """A server process; `url` is its base URL."""

    def __init__(self, argv, env, netns, announce, scheme, host):
        argv = in_netns(argv, netns)
        self.process = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        line = self.process.stdout.readline().strip()
        match = re.search(announce, line)
        if not match:
            self.stop()
            raise RuntimeError(f"{argv} did not announce itself: {line!r}")
        self.url = f"{scheme}://{host}:{match.group(1)}"

    def stop(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def reference_server(hoist, store, tls, host, netns, faults=()):
    argv = [hoist, "serve", "--addr", f"{host}:0", "--dir", str(store)]
    if host != "127.0.0.1":
        argv.append("--allow-remote")
    for spec in faults:
        argv += ["--fault", spec]
    if tls:
        argv += ["--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "server.key")]
    return Server(
        argv, {}, netns, r"listening on https?://[^:]+:(\d+)", "https" if tls else "http", host
    )


def tus_server(store, tls, host, netns):
    env = {"TUS_HOST": host}
    if tls:
        env.update(TUS_TLS_CERT=str(tls / "server.pem"), TUS_TLS_KEY=str(tls / "server.key"))
    argv = ["node", str(ROOT / "tests/peers/tus/server.mjs"), str(store)]
    return Server(argv, env, netns, r"^(\d+)$", "https" if tls else "http", host)


# ---------------------------------------------------------------------------------------------
# Clients: each prepares a run (anything untimed, like curl's session initiation), returns the
# argv and environment to time, and says where the server stored the copy.


@dataclass
class Case:
    """Where a client sends its upload."""

    server_url: str
    store: Path
    tls: Path | None  # the CA folder when the server speaks TLS
    netns: str | None


@dataclass
class Client:
    label: str
    protocol: str  # "google", "tus" or "multipart"
    kind: str  # "curl", "hoist" or "independent"
    streams: int
    prepare: object  # (case, file, work) -> (argv, env, stored-copy finder)
    window_default: bool = False  # Hoist with the window's default settings (what users get)


def ca_env(case):
    if not case.tls:
        return {}
    ca = str(case.tls / "ca.pem")
    return {"SSL_CERT_FILE": ca, "REQUESTS_CA_BUNDLE": ca, "NODE_EXTRA_CA_CERTS": ca}


def curl_base(case):
    """curl, quiet but for errors, trusting the case's CA."""
    argv = ["curl", "-sS"]
    if case.tls:
        argv += ["--cacert", str(case.tls / "ca.pem")]
    return argv


def curl_setup(case, argv):
    """Runs an untimed curl (headers to stdout) in the case's namespace; returns the headers."""
    full = in_netns([*curl_base(case), "-D", "-", "-o", "/dev/null", *argv], case.netns)
    out = subprocess.run(full, check=True, capture_output=True, text=True, timeout=120).stdout
    headers = {}
    for line in out.replace("\r", "").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def google_initiate_url(case, name):
    return f"{case.server_url}/upload/drive/v3/files?uploadType=resumable&name={name}"


def stored_by_name(case, name):
    return lambda: case.store / name


def stored_newest(case):
    """The newest upload in a tus store (@tus/server names files by upload id)."""

    def find():
        files = [p for p in case.store.iterdir() if p.is_file() and p.suffix != ".json"]
        return max(files, key=lambda p: p.stat().st_mtime)

    return find


def curl_google(case, file, work):
    size = file.stat().st_size
    name = f"curl-{file.name}"
    headers = curl_setup(
        case,
        [
            "-X", "POST", google_initiate_url(case, name),
            "-H", "Content-Type: application/json; charset=UTF-8",
            "-H", "X-Upload-Content-Type: application/octet-stream",
            "-H", f"X-Upload-Content-Length: {size}",
            "--data", "{}",
        ],
    )
    location = headers["location"]
    argv = [*curl_base(case), "-f", "-o", "/dev/null", "-X", "PUT", "-T", str(file), "-H", "Expect:"]
    argv += ["-H", "Content-Type: application/octet-stream"]
    argv += ["-H", f"Content-Range: bytes 0-{size - 1}/{size}", location]
    return argv, {}, stored_by_name(case, name)


def curl_tus(case, file, work):
    size = file.stat().st_size
    headers = curl_setup(
        case,
        [
            "-X", "POST", f"{case.server_url}/files/",
            "-H", "Tus-Resumable: 1.0.0",
            "-H", f"Upload-Length: {size}",
        ],
    )
    location = headers["location"]
    argv = [*curl_base(case), "-f", "-o", "/dev/null", "-X", "PATCH", "-T", str(file)]
    argv += ["-H", "Expect:"]
    argv += ["-H", "Tus-Resumable: 1.0.0", "-H", "Upload-Offset: 0"]
    argv += ["-H", "Content-Type: application/offset+octet-stream", location]
    return argv, {}, stored_newest(case)


def google_kind(case):
    """`hoist upload` options for the case's Google server."""
    return ["--kind", "google-resumable", "--endpoint", google_initiate_url(case, "{name}")]


def tus_kind(case):
    """`hoist upload` options for the case's tus server."""
    return ["--kind", "tus", "--endpoint", f"{case.server_url}/files/"]


def hoist_client(hoist, kind_args, stored):
    def prepare(case, file, work):
        home = work / "hoist-home"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()
        argv = [hoist, "upload", *kind_args(case), str(file)]
        return argv, {"HOIST_HOME": str(home), **ca_env(case)}, stored(case, file)

    return prepare


def python_google(python):
    def prepare(case, file, work):
        name = f"grm-{file.name}"
        script = str(ROOT / "tests/peers/google_resumable_client.py")
        argv = [python, script, google_initiate_url(case, name), str(file), "--chunk-mib", "8"]
        return argv, ca_env(case), stored_by_name(case, name)

    return prepare


def node_tus(case, file, work):
    argv = ["node", str(ROOT / "tests/peers/tus/client.mjs"), f"{case.server_url}/files/", str(file)]
    return argv, ca_env(case), stored_newest(case)


def clients(hoist, python):
    by_file = lambda case, file: stored_by_name(case, file.name)  # noqa: E731
    newest = lambda case, file: stored_newest(case)  # noqa: E731

    def multipart(parallel):
        def kind(case):
            return [
                "--kind", "multipart", "--endpoint", f"{case.server_url}/multipart",
                "--parallel-chunks", str(parallel),
            ]

        return kind

    return {
        "google": [
            Client("curl, one PUT", "google", "curl", 1, curl_google),
            Client("hoist, one streamed PUT", "google", "hoist", 1,
                   hoist_client(hoist, google_kind, by_file)),
            Client("hoist, 8 MiB chunks", "google", "hoist", 1,
                   hoist_client(hoist, lambda c: [*google_kind(c), "--chunk-size", "8MiB"],
                                by_file)),
            Client(WINDOW_DEFAULT_LABEL, "google", "hoist", 1,
                   hoist_client(hoist, lambda c: [*google_kind(c), *WINDOW_DEFAULT_ARGS],
                                by_file), window_default=True),
            Client("google-resumable-media, 8 MiB chunks", "google", "independent", 1,
                   python_google(python)),
        ],
        "tus": [
            Client("curl, one PATCH", "tus", "curl", 1, curl_tus),
            Client("hoist, one streamed PATCH", "tus", "hoist", 1,
                   hoist_client(hoist, tus_kind, newest)),
            Client(WINDOW_DEFAULT_LABEL, "tus", "hoist", 1,
                   hoist_client(hoist, lambda c: [*tus_kind(c), *WINDOW_DEFAULT_ARGS], newest),
                   window_default=True),
            Client("tus-js-client", "tus", "independent", 1, node_tus),
        ],
        "multipart": [
            Client("hoist multipart, 1 chunk at a time", "multipart", "hoist", 1,
                   hoist_client(hoist, multipart(1), by_file)),
            Client("hoist multipart, 4 chunks at a time", "multipart", "hoist", 4,
                   hoist_client(hoist, multipart(4), by_file)),
        ],
    }


def curl_whole(case, create_args, send_args):
    """curl timed whole, like Hoist: one curl creates the session, a second sends the bytes to
    the Location it answered (two processes, because the second needs the first's answer)."""
    base = " ".join(shlex.quote(a) for a in curl_base(case))
    create = " ".join(shlex.quote(a) for a in create_args)
    send = " ".join(shlex.quote(a) for a in send_args)
    script = (
        f"loc=$({base} -f -D - -o /dev/null {create} | tr -d '\\r' "
        "| sed -n 's/^[Ll]ocation: *//p') && "
        f'[ -n "$loc" ] && {base} -f -o /dev/null {send} "$loc"'
    )
    return ["sh", "-c", script]


def curl_google_whole(case, file, work):
    size = file.stat().st_size
    name = f"curl-{file.name}"
    create = [
        "-X", "POST", google_initiate_url(case, name),
        "-H", "Content-Type: application/json; charset=UTF-8",
        "-H", "X-Upload-Content-Type: application/octet-stream",
        "-H", f"X-Upload-Content-Length: {size}", "--data", "{}",
    ]
    send = ["-X", "PUT", "-T", str(file), "-H", "Expect:",
            "-H", "Content-Type: application/octet-stream",
            "-H", f"Content-Range: bytes 0-{size - 1}/{size}"]
    return curl_whole(case, create, send), {}, stored_by_name(case, name)


def curl_tus_whole(case, file, work):
    size = file.stat().st_size
    create = ["-X", "POST", f"{case.server_url}/files/", "-H", "Tus-Resumable: 1.0.0",
              "-H", f"Upload-Length: {size}"]
    send = ["-X", "PATCH", "-T", str(file), "-H", "Expect:", "-H", "Tus-Resumable: 1.0.0",
            "-H", "Upload-Offset: 0", "-H", "Content-Type: application/offset+octet-stream"]
    return curl_whole(case, create, send), {}, stored_newest(case)


def one_byte_clients(hoist):
    """Fixed costs: a one-byte file, each client timed whole (process start to the answer)."""
    return {
        "google": [
            Client("curl, session + PUT", "google", "curl", 1, curl_google_whole),
            Client(WINDOW_DEFAULT_LABEL, "google", "hoist", 1, hoist_client(
                hoist, lambda c: [*google_kind(c), *WINDOW_DEFAULT_ARGS],
                lambda case, file: stored_by_name(case, file.name)), window_default=True),
        ],
        "tus": [
            Client("curl, session + PATCH", "tus", "curl", 1, curl_tus_whole),
            Client(WINDOW_DEFAULT_LABEL, "tus", "hoist", 1, hoist_client(
                hoist, lambda c: [*tus_kind(c), *WINDOW_DEFAULT_ARGS],
                lambda case, file: stored_newest(case)), window_default=True),
        ],
    }


# ---------------------------------------------------------------------------------------------
# Test files


def make_file(path, size_bytes, seed):
    """Random bytes (a 64 MiB random block, repeated): not sparse, not compressible."""
    with open(path, "wb") as out:
        left = size_bytes
        while left:
            n = min(left, len(seed))
            out.write(seed[:n])
            left -= n


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


def size_label(size_bytes):
    if size_bytes >= GIB and size_bytes % GIB == 0:
        return f"{size_bytes // GIB} GiB"
    return f"{size_bytes / MIB:g} MiB"


# ---------------------------------------------------------------------------------------------
# Running cases


@dataclass
class Result:
    client: Client
    size_bytes: int
    samples: list

    @property
    def seconds(self):
        return statistics.median(s.seconds for s in self.samples)

    @property
    def mb_per_s(self):
        return self.size_bytes / self.seconds / 1e6

    @property
    def cpu_s_per_gib(self):
        return statistics.median(s.cpu_seconds for s in self.samples) / (self.size_bytes / GIB)

    @property
    def peak_rss_mib(self):
        return max(s.peak_rss_kib for s in self.samples) / 1024


def run_client(client, case, file, source_sha, repeat, work, before_run=None):
    """Times `repeat` runs of `client`; `before_run(run)` (if given) is called before each."""
    samples = []
    for run in range(1, repeat + 1):
        argv, env, stored = client.prepare(case, file, work)
        if before_run:
            before_run(run)
        sample = measure(argv, env=env, netns=case.netns)
        copy = stored()
        if copy.stat().st_size != file.stat().st_size:
            raise RuntimeError(f"{client.label}: the stored copy has the wrong size ({copy})")
        if run == 1 and sha256(copy) != source_sha:
            raise RuntimeError(f"{client.label}: the stored copy differs from the file ({copy})")
        copy.unlink()
        samples.append(sample)
        log(
            f"    {client.label:<40} run {run}: {sample.seconds:7.2f} s "
            f"{file.stat().st_size / sample.seconds / 1e6:8.1f} MB/s "
            f"cpu {sample.cpu_seconds:6.2f} s rss {sample.peak_rss_kib / 1024:6.1f} MiB"
        )
    return Result(client, file.stat().st_size, samples)


def clear(store):
    for p in store.iterdir():
        if p.is_file():
            p.unlink()
        elif p.name in (".partial",):
            for q in p.iterdir():
                q.unlink()


# ---------------------------------------------------------------------------------------------
# The slow link


@contextlib.contextmanager
def slow_link(algorithm):
    """Two namespaces joined by scripts/netem.py; restores what it changed on the way out.

    Yields `reseed(n)`: restarts the link's random losses from seed n (call it before run n of
    every client, so that all clients meet the same losses)."""
    allowed_path = Path("/proc/sys/net/ipv4/tcp_allowed_congestion_control")
    allowed_before = allowed_path.read_text().strip()
    netem = None
    try:
        for ns in (NS_CLIENT, NS_SERVER):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL, check=False)
            subprocess.run(["ip", "netns", "add", ns], check=True)
        if algorithm not in allowed_before.split():
            # Namespaces other than the first may only pick an allowed algorithm.
            allowed_path.write_text(f"{allowed_before} {algorithm}\n")
        for ns in (NS_CLIENT, NS_SERVER):
            subprocess.run(
                in_netns(["sysctl", "-qw",
                          f"net.ipv4.tcp_congestion_control={algorithm}"], ns),
                check=True,
            )
        netem = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts/netem.py"), NS_CLIENT, NS_SERVER,
             "--delay-ms", "25", "--rate-mbit", "100", "--loss-a-to-b", "0.005"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        if netem.stdout.readline().strip() != "ready":
            raise RuntimeError("netem.py did not start")

        def reseed(seed):
            netem.stdin.write(f"seed {seed}\n")
            netem.stdin.flush()
            if netem.stdout.readline().strip() != f"seeded {seed}":
                raise RuntimeError("netem.py did not take the new seed")

        yield reseed
    finally:
        if netem:
            netem.terminate()
            netem.wait(10)
        for ns in (NS_CLIENT, NS_SERVER):
            subprocess.run(["ip", "netns", "del", ns], check=False)
        if allowed_path.read_text().strip() != allowed_before:
            allowed_path.write_text(allowed_before + "\n")


# ---------------------------------------------------------------------------------------------
# The report


def versions(hoist, python):
    def out(argv, pattern=r"(.*)"):
        try:
            text = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
        except OSError:
            return "?"
        match = re.search(pattern, text)
        return match.group(1).strip() if match else "?"

    def npm_version(package):
        path = ROOT / "tests/peers/tus/node_modules" / package / "package.json"
        return json.loads(path.read_text())["version"]

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "hoist": out([hoist, "--version"]),
        "curl": out(["curl", "--version"], r"^(curl \S+)"),
        "google-resumable-media": out(
            [python, "-c", "import importlib.metadata as m; "
             "print(m.version('google-resumable-media'), m.version('requests'))"]
        ),
        "node": out(["node", "--version"]),
        "tus-js-client": npm_version("tus-js-client"),
        "@tus/server": npm_version("@tus/server"),
        "machine": f"{os.cpu_count()} cores, {cpu}, Linux {platform.release()}",
    }


def filesystem(path):
    """The type of the filesystem holding `path` (tmpfs, ext4, ...)."""
    out = subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def fmt(x, digits=1):
    return f"{x:.{digits}f}"


def table_section(title, results, baseline_kind, lines):
    """One protocol, one transport: every client and size, with ratios to curl and Hoist."""
    lines += [f"### {title}", ""]
    lines += [
        "| file | client | MB/s | vs curl | CPU s/GiB | peak RSS MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for size in sorted({r.size_bytes for r in results}):
        row = [r for r in results if r.size_bytes == size]
        base = next((r for r in row if r.client.kind == baseline_kind), None)
        for r in row:
            ratio = f"{r.mb_per_s / base.mb_per_s:.2f}x" if base else "-"
            lines.append(
                f"| {size_label(size)} | {r.client.label} | {fmt(r.mb_per_s)} | {ratio} | "
                f"{fmt(r.cpu_s_per_gib, 2)} | {fmt(r.peak_rss_mib)} |"
            )
    lines.append("")


def ratio_rows(results, transport, lines):
    """Hoist against the independent client and curl, per protocol and size."""
    for protocol in ("google", "tus"):
        for size in sorted({r.size_bytes for r in results if r.client.protocol == protocol}):
            row = [r for r in results if r.client.protocol == protocol and r.size_bytes == size]
            hoist = next((r for r in row if r.client.kind == "hoist"), None)
            default = next((r for r in row if r.client.window_default), None)
            other = next((r for r in row if r.client.kind == "independent"), None)
            curl = next((r for r in row if r.client.kind == "curl"), None)
            if not (hoist and default and other and curl):
                continue
            lines.append(
                f"| {protocol} | {transport} | {size_label(size)} | "
                f"{default.mb_per_s / curl.mb_per_s:.2f} | "
                f"{hoist.mb_per_s / curl.mb_per_s:.2f} | {hoist.mb_per_s / other.mb_per_s:.2f} | "
                f"{hoist.cpu_s_per_gib / other.cpu_s_per_gib:.2f} | "
                f"{hoist.peak_rss_mib / other.peak_rss_mib:.2f} |"
            )


def one_byte_section(one_results, lines):
    """Fixed costs: one byte, every client timed whole."""
    lines += [
        "## Fixed costs: a one-byte upload",
        "",
        "Each client timed whole, from process start to the server's final answer: curl as two"
        " processes (one creates the session, one sends the byte to the Location it answered);"
        " Hoist as one `hoist upload` with the window's default settings, which also opens its"
        " journal and writes every confirmation to it. Median of"
        f" {len(next(iter(one_results.values()))[0].samples)} runs. CPU is GNU time's, counted"
        " in 10 ms steps, so 0.0 means under 10 ms.",
        "",
        "| protocol | transport | curl ms | hoist ms | hoist - curl ms | hoist CPU ms | curl CPU ms |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for transport, results in one_results.items():
        for protocol in ("google", "tus"):
            curl = next(r for r in results if r.client.protocol == protocol
                        and r.client.kind == "curl")
            hoist = next(r for r in results if r.client.protocol == protocol
                         and r.client.kind == "hoist")
            cpu = lambda r: statistics.median(x.cpu_seconds for x in r.samples) * 1000  # noqa: E731
            lines.append(
                f"| {protocol} | {transport} | {fmt(curl.seconds * 1000)} |"
                f" {fmt(hoist.seconds * 1000)} | {fmt((hoist.seconds - curl.seconds) * 1000)} |"
                f" {fmt(cpu(hoist))} | {fmt(cpu(curl))} |"
            )
    lines.append("")


def slow_section(algorithm, results, args, lines):
    size = results[0].size_bytes
    lines += [
        f"## Slow link, {algorithm}",
        "",
        f"{size_label(size)} over an emulated link: 25 ms each way (50 ms RTT), 100 Mbit/s,"
        " 0.5 % of the packets from client to server lost at random (run N of every client"
        " meets the same pseudo-random losses), a 1000-packet queue;"
        f" TCP congestion control {algorithm}"
        f"{' (Linux' + chr(39) + 's default)' if algorithm == 'cubic' else ''}; TLS, as"
        " anything crossing a real network. The link is `scripts/netem.py`: two network"
        " namespaces joined by TUN devices, with the delay, loss and rate applied in user"
        " space, because this kernel has no `sch_netem`. Servers as above, in the far"
        f" namespace. Median of {args.slow_repeat} run(s).",
        "",
        "| client | protocol | TCP streams | MB/s | Mbit/s | vs one curl stream | CPU s/GiB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    one = next(r for r in results if r.client.kind == "curl" and r.client.protocol == "google")
    for r in results:
        lines.append(
            f"| {r.client.label} | {r.client.protocol} | {r.client.streams} | "
            f"{fmt(r.mb_per_s, 2)} | {fmt(r.mb_per_s * 8, 1)} | "
            f"{r.mb_per_s / one.mb_per_s:.2f}x | {fmt(r.cpu_s_per_gib, 2)} |"
        )
    lines.append("")


def slow_summary(algorithm, results):
    """The window's default against one streamed request, per protocol, on the slow link."""
    parts = []
    for protocol in ("google", "tus"):
        row = [r for r in results if r.client.protocol == protocol]
        default = next((r for r in row if r.client.window_default), None)
        streamed = next((r for r in row if r.client.kind == "hoist"), None)
        if default and streamed:
            parts.append(f"{protocol} {default.mb_per_s / streamed.mb_per_s:.2f}x")
    one = next(r for r in results if r.client.kind == "curl" and r.client.protocol == "google")
    best = max((r for r in results if r.client.kind == "hoist"), key=lambda r: r.mb_per_s)
    return (
        f"Slow link, {algorithm}: the window's default moved {', '.join(parts)} the bytes per"
        f" second of Hoist's one streamed request; Hoist's best ({best.client.label}) moved"
        f" {best.mb_per_s / one.mb_per_s:.1f}x one curl stream's."
    )


def write_report(path, args, info, loopback, one_results, slow, elapsed_s):
    lines = [
        "# Hoist benchmarks",
        "",
        "Produced by `scripts/bench.sh` (which runs `scripts/bench.py`); do not edit by hand.",
        f"Run on {time.strftime('%Y-%m-%d')}, {info['machine']}; took {elapsed_s / 60:.0f} min.",
        "",
        "- " + info["hoist"],
        f"- {info['curl']}; google-resumable-media and requests {info['google-resumable-media']};"
        f" node {info['node']}, tus-js-client {info['tus-js-client']},"
        f" @tus/server {info['@tus/server']}",
        f"- Median of {args.repeat} runs per case (peak RSS: the largest). MB/s are 10^6 bytes per"
        " second of the client's wall time; CPU is user + system time of the client process"
        " (children included), per GiB sent; peak RSS is the client's maximum resident set.",
        "- Hoist's time is the whole `hoist upload` process: start, journal, session initiation,"
        " the upload, the final answer. curl's is only the PUT/PATCH: its session is made"
        " beforehand, untimed. The independent clients are timed whole, like Hoist.",
        "- Servers: Google protocol: Hoist's reference server (`hoist serve`), Drive-shaped path"
        " (no server-side MD5); tus: @tus/server with @tus/file-store (Node.js), an independent"
        " implementation. Client and server share the machine's cores.",
        "- TLS: the same servers with a certificate from a throwaway CA"
        " (`scripts/make-test-ca.sh`), trusted by each client (SSL_CERT_FILE, curl --cacert,"
        " REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS). Each client and server negotiate the TLS version and cipher they prefer.",
        "- Every stored copy was checked: size on every run, sha256 on the first run of each case.",
        f"- Test files and the servers' stores: {args.work_dir} ({filesystem(args.work_dir)}).",
        "",
        "## Summary: ratios",
        "",
        "Hoist's throughput over curl's (with the window's default settings, and as one"
        " streamed request) and over the independent client's; its CPU per GiB and peak RSS"
        " over the independent client's (lower is better for the last two; Hoist streamed).",
        "",
        "| protocol | transport | file | window default/curl MB/s | hoist streamed/curl MB/s |"
        " hoist/independent MB/s | hoist/independent CPU | hoist/independent RSS |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for transport, results in loopback.items():
        ratio_rows(results, transport, lines)
    lines.append("")
    for algorithm, results in slow.items():
        lines += [slow_summary(algorithm, results), ""]
    for transport, results in loopback.items():
        lines += [f"## {transport}", ""]
        for protocol, title in (("google", "Google resumable upload"), ("tus", "tus 1.0")):
            chosen = [r for r in results if r.client.protocol == protocol]
            if chosen:
                table_section(f"{title}, {transport}", chosen, "curl", lines)
    if one_results:
        one_byte_section(one_results, lines)
    for algorithm, results in slow.items():
        slow_section(algorithm, results, args, lines)
    Path(path).write_text("\n".join(lines))


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hoist", default=str(ROOT / "target/release/hoist"))
    parser.add_argument("--python", default=str(ROOT / "target/bench-venv/bin/python"))
    parser.add_argument("--sizes-mib", default="64,1024,4096")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tls", action="store_true")
    parser.add_argument("--slow-size-mib", type=float, default=32)
    parser.add_argument("--slow-repeat", type=int, default=1)
    parser.add_argument("--no-slow", action="store_true", help="skip the slow link (needs root)")
    parser.add_argument("--no-loopback", action="store_true",
                        help="only the slow link: skip the loopback cases and the one-byte upload")
    parser.add_argument("--congestion-control", default="cubic,bbr",
                        help="TCP congestion control on the slow link, one run each")
    parser.add_argument("--one-byte-repeat", type=int, default=15)
    parser.add_argument("--work-dir", default=os.environ.get("BENCH_DIR", tempfile.gettempdir()))
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()

    started = time.monotonic()
    hoist = str(Path(args.hoist).resolve())
    info = versions(hoist, args.python)
    log("bench:", info)
    all_clients = clients(hoist, args.python)
    one_byte = one_byte_clients(hoist)
    one_results = {}

    with tempfile.TemporaryDirectory(prefix="hoist-bench.", dir=args.work_dir) as tmp:
        work = Path(tmp)
        certs = work / "certs"
        subprocess.run(
            ["bash", str(ROOT / "scripts/make-test-ca.sh"), str(certs), SERVER_IP], check=True
        )
        seed = os.urandom(SEED_BYTES)
        loopback = {}
        transports = [] if args.no_loopback else [("plain HTTP on 127.0.0.1", None)]
        if not args.no_tls and not args.no_loopback:
            transports.append(("TLS on 127.0.0.1", certs))
        sizes = [int(float(s) * MIB) for s in args.sizes_mib.split(",") if s]
        for transport, tls in transports:
            results = []
            ref_store, tus_store = work / "ref-store", work / "tus-store"
            ref_store.mkdir(exist_ok=True)
            tus_store.mkdir(exist_ok=True)
            ref = reference_server(hoist, ref_store, tls, "127.0.0.1", None)
            tus = tus_server(tus_store, tls, "127.0.0.1", None)
            try:
                for size in sizes:
                    file = work / f"bench-{size}.bin"
                    make_file(file, size, seed)
                    source_sha = sha256(file)
                    log(f"{transport}, {size_label(size)}")
                    for protocol, server, store in (("google", ref, ref_store),
                                                    ("tus", tus, tus_store)):
                        case = Case(server.url, store, tls, None)
                        for client in all_clients[protocol]:
                            results.append(
                                run_client(client, case, file, source_sha, args.repeat, work)
                            )
                        clear(store)
                    file.unlink()
                one_file = work / "one-byte.bin"
                one_file.write_bytes(b"h")
                one_sha = sha256(one_file)
                log(f"{transport}, one byte")
                for protocol, server, store in (("google", ref, ref_store),
                                                ("tus", tus, tus_store)):
                    case = Case(server.url, store, tls, None)
                    for client in one_byte[protocol]:
                        one_results.setdefault(transport, []).append(
                            run_client(client, case, one_file, one_sha, args.one_byte_repeat,
                                       work)
                        )
                    clear(store)
            finally:
                ref.stop()
                tus.stop()
                shutil.rmtree(ref_store, ignore_errors=True)
                shutil.rmtree(tus_store, ignore_errors=True)
            loopback[transport] = results

        slow = {}
        for algorithm in [] if args.no_slow else args.congestion_control.split(","):
            size = int(args.slow_size_mib * MIB)
            file = work / "bench-slow.bin"
            make_file(file, size, seed)
            source_sha = sha256(file)
            ref_store, tus_store = work / f"slow-ref-{algorithm}", work / f"slow-tus-{algorithm}"
            ref_store.mkdir()
            tus_store.mkdir()
            log(f"slow link, {size_label(size)}, {algorithm}")
            results = slow.setdefault(algorithm, [])
            with slow_link(algorithm) as reseed:
                ref = reference_server(hoist, ref_store, certs, SERVER_IP, NS_SERVER)
                tus = tus_server(tus_store, certs, SERVER_IP, NS_SERVER)
                try:
                    order = [*all_clients["google"], *all_clients["tus"],
                             *all_clients["multipart"]]
                    for client in order:
                        server, store = (tus, tus_store) if client.protocol == "tus" else (
                            ref, ref_store)
                        case = Case(server.url, store, certs, NS_CLIENT)
                        results.append(
                            run_client(client, case, file, source_sha, args.slow_repeat, work,
                                       before_run=reseed)
                        )
                        clear(store)
                finally:
                    ref.stop()
                    tus.stop()

        write_report(args.out, args, info, loopback, one_results, slow,
                     time.monotonic() - started)
    log(f"bench: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
