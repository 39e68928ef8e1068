#!/usr/bin/env python3
"""An independent Google resumable upload client for Hoist's benchmarks: Google's own
`google-resumable-media` library (PyPI) over `requests`.

    python google_resumable_client.py INITIATE_URL FILE [--chunk-mib 8] [--token-env VAR]

Initiates a session at INITIATE_URL (a `...?uploadType=resumable` URL), then sends FILE in
chunks of CHUNK MiB (the library's own loop: `transmit_next_chunk` until finished). The bearer
token, if any, is read from the environment variable VAR. TLS trust comes from
REQUESTS_CA_BUNDLE. Prints the final answer's status on stdout; exits 1 on any failure.
"""

import argparse
import os
import sys

import requests
from google.resumable_media.requests import ResumableUpload


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("initiate_url")
    parser.add_argument("file")
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument("--token-env")
    args = parser.parse_args()

    session = requests.Session()
    if args.token_env:
        session.headers["Authorization"] = f"Bearer {os.environ[args.token_env]}"
    upload = ResumableUpload(args.initiate_url, args.chunk_mib * 1024 * 1024)
    with open(args.file, "rb") as stream:
        upload.initiate(
            session,
            stream,
            metadata={"name": os.path.basename(args.file)},
            content_type="application/octet-stream",
        )
        response = None
        while not upload.finished:
            response = upload.transmit_next_chunk(session)
    if response is None or response.status_code not in (200, 201):
        print(f"upload did not finish: {response}", file=sys.stderr)
        return 1
    print(response.status_code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
