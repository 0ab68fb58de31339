// bench/servers/tape-backend.mjs — origin for the record/replay phases (own process).
//   GET /1k…        → the same 1024-byte body whatever the query (so distinct URLs can be recorded)
//   GET /bytes/N    → N bytes streamed in 64 KiB writes with backpressure
import http from 'node:http';
import { serve, listen, closeServer } from './harness.mjs';

const ONE_K = Buffer.alloc(1024, 'x');
const CHUNK = Buffer.alloc(64 * 1024, 'y');

await serve('tape-backend', async () => {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/1k')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ONE_K.length });
      return res.end(ONE_K);
    }
    const m = /^\/bytes\/(\d+)(?:\?.*)?$/.exec(url);
    if (m) {
      let left = Number(m[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK.length);
          left -= n;
          if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
});
