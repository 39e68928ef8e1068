#!/usr/bin/env python3
"""A presigned-multipart control API (PROTOCOLS.md section 3) in front of a real S3 implementation.

Starts moto's S3 server (moto[server], PyPI) on 127.0.0.1 in a process of its own (S3 and the
control API are separate services; one Python process would make them take turns), then serves the
Twelve Labs-shaped control API on 127.0.0.1 port 0. Chunk URLs are REAL presigned S3 `upload_part` URLs made by boto3
against moto; once every chunk is reported, the shim completes the S3 multipart upload with the
reported ETags. Hoist's chunk PUTs therefore go straight to moto, an independent implementation.
The S3 multipart upload asks for CRC32 part checksums, as aws-cli does: without an algorithm
moto 5.2 builds a whole-object checksum at completion over extra copies of the object, which
made the completion of a 1 GiB upload take 6 s instead of 2.5 s.

Prints one JSON line when ready: {"port": <control API port>, "s3": "<moto base URL>", "bucket": "hoist"}.
Objects are stored under their file name in bucket "hoist". Stops on SIGTERM / stdin closing.

    multipart_shim.py [--chunk-size BYTES] [--api-key-env VAR]
"""

import argparse
import json
import math
import os
import ctypes
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

import boto3

BUCKET = "hoist"
URL_LIFETIME_SECS = 3600
PREFIX = "/assets/multipart-uploads"


def rfc3339(unix):
    return datetime.fromtimestamp(unix, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Shim:
    def __init__(self, s3, chunk_size, api_key):
        self.s3 = s3
        self.chunk_size = chunk_size
        self.api_key = api_key
        self.sessions = {}
        self.lock = threading.Lock()

    def urls(self, session, start, count):
        expires = int(time.time()) + URL_LIFETIME_SECS
        out = []
        for index in range(start, min(start + count, session["total_chunks"] + 1)):
            url = self.s3.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": BUCKET,
                    "Key": session["key"],
                    "UploadId": session["s3_upload_id"],
                    "PartNumber": index,
                },
                ExpiresIn=URL_LIFETIME_SECS,
            )
            out.append({"chunk_index": index, "url": url, "expires_at": rfc3339(expires)})
        return out, expires


def make_handler(shim):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def fail(self, status, code, message):
            self.answer(status, {"code": code, "message": message, "docs_url": "https://docs.twelvelabs.io"})

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def authorized(self):
            if shim.api_key is None or self.headers.get("x-api-key") == shim.api_key:
                return True
            self.fail(401, "api_key_invalid", "the x-api-key header is missing or not valid")
            return False

        def route(self):
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if not url.path.startswith(PREFIX):
                return None, None, query
            rest = url.path[len(PREFIX):].strip("/").split("/")
            rest = [p for p in rest if p]
            return rest, url.path, query

        def do_POST(self):
            if not self.authorized():
                return
            rest, _, _ = self.route()
            if rest is None:
                return self.fail(404, "not_found", "no such endpoint")
            request = self.body()
            if rest == []:
                return self.create(request)
            with shim.lock:
                session = shim.sessions.get(rest[0])
            if session is None:
                return self.fail(404, "upload_not_found", "no such upload session")
            if rest[1:] == ["presigned-urls"]:
                start, count = int(request["start"]), int(request["count"])
                if start < 1 or start > session["total_chunks"] or not 1 <= count <= 50:
                    return self.fail(400, "parameter_invalid", "bad start or count")
                urls, expires = shim.urls(session, start, count)
                return self.answer(200, {
                    "upload_id": session["upload_id"], "start_index": start, "count": len(urls),
                    "upload_urls": urls, "generated_at": rfc3339(time.time()),
                    "expires_at": rfc3339(expires),
                })
            if rest[1:] == []:
                return self.report(session, request)
            return self.fail(404, "not_found", "no such endpoint")

        def create(self, request):
            filename, total = request.get("filename", ""), int(request.get("total_size", 0))
            if not 1 <= len(filename) <= 255 or total < 1:
                return self.fail(400, "parameter_invalid", "filename 1-255 characters, total_size >= 1")
            s3_upload = shim.s3.create_multipart_upload(Bucket=BUCKET, Key=filename,
                                                        ChecksumAlgorithm="CRC32")
            upload_id = uuid.uuid4().hex
            now = time.time()
            session = {
                "upload_id": upload_id, "asset_id": uuid.uuid4().hex[:24], "key": filename,
                "s3_upload_id": s3_upload["UploadId"], "total_size": total,
                "chunk_size": shim.chunk_size, "total_chunks": math.ceil(total / shim.chunk_size),
                "etags": {}, "status": "active", "created": now, "expires": now + 86400,
            }
            with shim.lock:
                shim.sessions[upload_id] = session
            urls, _ = shim.urls(session, 1, 10)
            self.answer(201, {
                "upload_id": upload_id, "asset_id": session["asset_id"], "upload_urls": urls,
                "upload_headers": {}, "chunk_size": session["chunk_size"],
                "total_chunks": session["total_chunks"], "expires_at": rfc3339(session["expires"]),
            })

        def report(self, session, request):
            processed = duplicates = 0
            with shim.lock:
                for chunk in request.get("completed_chunks", []):
                    index = int(chunk["chunk_index"])
                    if not 1 <= index <= session["total_chunks"] or chunk.get("proof_type", "etag") != "etag":
                        return self.fail(400, "parameter_invalid", f"bad chunk {index}")
                    if index in session["etags"]:
                        duplicates += 1
                    else:
                        processed += 1
                    session["etags"][index] = str(chunk["proof"]).strip('"')
                done = len(session["etags"]) == session["total_chunks"]
                complete = done and session["status"] == "active"
                if complete:
                    session["status"] = "processing"
            if complete:
                parts = [{"ETag": f'"{session["etags"][i]}"', "PartNumber": i}
                         for i in sorted(session["etags"])]
                try:
                    shim.s3.complete_multipart_upload(
                        Bucket=BUCKET, Key=session["key"], UploadId=session["s3_upload_id"],
                        MultipartUpload={"Parts": parts})
                    session["status"] = "completed"
                except Exception as e:  # the storage refused the parts: report it as the service would
                    session["status"] = "failed"
                    session["error"] = str(e)
            body = {"asset_id": session["asset_id"], "processed_chunks": processed,
                    "duplicate_chunks": duplicates, "total_completed": len(session["etags"])}
            if done:
                body["url"] = f"{shim.s3.meta.endpoint_url}/{BUCKET}/{session['key']}"
            self.answer(200, body)

        def do_GET(self):
            if not self.authorized():
                return
            rest, _, query = self.route()
            if rest is None:
                return self.fail(404, "not_found", "no such endpoint")
            page = int(query.get("page", 1))
            limit = min(int(query.get("page_limit", 10)), 50)
            start = (page - 1) * limit
            if rest == []:
                with shim.lock:
                    open_ = [s for s in shim.sessions.values() if s["status"] == "active"]
                open_.sort(key=lambda s: s["created"])
                data = [{
                    "upload_id": s["upload_id"], "status": s["status"], "total_size": s["total_size"],
                    "chunk_size": s["chunk_size"], "total_chunks": s["total_chunks"],
                    "created_at": rfc3339(s["created"]), "expires_at": rfc3339(s["expires"]),
                } for s in open_[start:start + limit]]
                return self.answer(200, {"data": data, "page_info": {
                    "limit_per_page": limit, "page": page,
                    "total_page": math.ceil(len(open_) / limit), "total_results": len(open_)}})
            with shim.lock:
                session = shim.sessions.get(rest[0])
            if session is None:
                return self.fail(404, "upload_not_found", "no such upload session")
            indexes = sorted(session["etags"])
            chunks = [{"index": i, "status": "completed", "uploaded_at": None, "error": None}
                      for i in indexes[start:start + limit]]
            self.answer(200, {
                "upload_id": session["upload_id"], "status": session["status"],
                "uploaded_chunks": chunks, "chunks_completed": len(indexes), "chunks_failed": 0,
                "chunks_pending": 0, "total_size": session["total_size"],
                "uploaded_size": min(len(indexes) * session["chunk_size"], session["total_size"]),
                "page_info": {"limit_per_page": limit, "page": page,
                              "total_page": math.ceil(len(indexes) / limit),
                              "total_results": len(indexes)},
            })

    return Handler


def die_with_parent():
    """In the child: SIGTERM when the shim dies, even by SIGKILL (Linux prctl PR_SET_PDEATHSIG)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_moto(port):
    """moto's S3 server in its own process on 127.0.0.1:port, once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1):
                return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("moto's S3 server did not start")
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunk-size", type=int, default=5 * 1024 * 1024)
    parser.add_argument("--api-key-env")
    args = parser.parse_args()
    api_key = os.environ.get(args.api_key_env) if args.api_key_env else None

    moto_port = free_port()
    moto = start_moto(moto_port)
    endpoint = f"http://127.0.0.1:{moto_port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)

    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Shim(s3, args.chunk_size, api_key)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1], "s3": endpoint, "bucket": BUCKET}), flush=True)
    try:
        sys.stdin.read()  # until the test closes stdin (or kills us)
    finally:
        server.shutdown()
        moto.terminate()
        moto.wait(timeout=10)


if __name__ == "__main__":
    main()
