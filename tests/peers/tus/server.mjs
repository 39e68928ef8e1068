// An independent tus 1.0 server for Hoist's interoperability tests: @tus/server + @tus/file-store.
//
// Usage: node server.mjs DIRECTORY
// Listens on 127.0.0.1, port 0 (a free port), serves tus uploads under /files/, stores them in
// DIRECTORY (the bytes of upload ID in DIRECTORY/ID, its metadata in DIRECTORY/ID.json), and
// prints the port on stdout as one line once it is listening. Stops on SIGTERM or SIGINT.
// For the benchmarks: TUS_HOST picks another address to listen on, and TUS_TLS_CERT plus
// TUS_TLS_KEY (PEM files) make it speak HTTPS.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import process from "node:process";

import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";

const directory = process.argv[2];
if (!directory) {
  process.stderr.write("usage: node server.mjs DIRECTORY\n");
  process.exit(2);
}

const { TUS_HOST, TUS_TLS_CERT, TUS_TLS_KEY } = process.env;
const tls = Boolean(TUS_TLS_CERT && TUS_TLS_KEY);

const tus = new Server({
  path: "/files",
  datastore: new FileStore({ directory }),
  // The default URL says http even behind TLS; name the scheme we really speak.
  generateUrl: (_req, { host, path, id }) => `${tls ? "https" : "http"}://${host}${path}/${id}`,
});

const handler = (req, res) => {
  tus.handle(req, res).catch((error) => {
    process.stderr.write(`tus server error: ${error?.stack ?? error}\n`);
    if (!res.headersSent) {
      res.statusCode = 500;
    }
    res.end();
  });
};
const server = tls
  ? https.createServer(
        { cert: fs.readFileSync(TUS_TLS_CERT), key: fs.readFileSync(TUS_TLS_KEY) },
        handler,
      )
    : http.createServer(handler);

server.listen(0, TUS_HOST || "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
