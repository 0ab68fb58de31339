// bench/servers/backend.mjs — the origin server every target talks to (own process).
//   GET /1k        → 1024-byte body (precomputed buffer, Content-Length)
//   GET /bytes/N   → N bytes, streamed in 64 KiB writes of one repeated buffer,
//                    honouring backpressure (used for the 8 MiB and 1 GiB phases)
//   anything else  → 404
// Keep-alive timeout is long so pooled proxy→backend sockets are not closed
// between the warm-up and the measured run (which would show up as 502s).
import http from 'node:http';
import { serve, listen, closeServer } from './harness.mjs';

const ONE_K = Buffer.alloc(1024, 'x');
const CHUNK = Buffer.alloc(64 * 1024, 'y');
const MAX_BYTES = 2 ** 31;

function streamBytes(res, total) {
  let left = total;
  let aborted = false;
  res.once('close', () => {
    aborted = true;
  });
  const pump = () => {
    while (left > 0 && !aborted) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!aborted) res.end();
  };
  pump();
}

await serve('backend', async () => {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/1k') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ONE_K.length });
      res.end(ONE_K);
      return;
    }
    const m = /^\/bytes\/(\d+)$/.exec(url);
    if (m) {
      const n = Number(m[1]);
      if (n <= MAX_BYTES) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
        streamBytes(res, n);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 });
    res.end('not found');
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
});
