// An independent tus 1.0 client for Hoist's benchmarks: tus-js-client (npm) in Node.js.
//
// Usage: node client.mjs ENDPOINT FILE [CHUNK_BYTES]
// Creates an upload at ENDPOINT (e.g. http://127.0.0.1:PORT/files/) and sends FILE, streamed
// from disk (an fs.ReadStream, which tus-js-client reads in slices). Without CHUNK_BYTES the
// whole file goes in one PATCH, as the library does by default. TLS trust comes from
// NODE_EXTRA_CA_CERTS. Prints the upload URL on stdout when done; exits 1 on failure.
import fs from "node:fs";
import path from "node:path";
import process from "node:process";

import * as tus from "tus-js-client";

const [endpoint, file, chunk] = process.argv.slice(2);
if (!endpoint || !file) {
  process.stderr.write("usage: node client.mjs ENDPOINT FILE [CHUNK_BYTES]\n");
  process.exit(2);
}

const size = fs.statSync(file).size;
const upload = new tus.Upload(fs.createReadStream(file), {
  endpoint,
  uploadSize: size,
  chunkSize: chunk ? Number(chunk) : Infinity,
  retryDelays: [0, 1000, 3000],
  metadata: { filename: path.basename(file) },
  onError(error) {
    process.stderr.write(`upload failed: ${error}\n`);
    process.exit(1);
  },
  onSuccess() {
    process.stdout.write(`${upload.url}\n`);
  },
});
upload.start();
