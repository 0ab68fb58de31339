// bench/servers/undici-floor.mjs — the "floor" for proxytape's design: the least
// a node:http + undici pass-through can do. node:http server; each request is
// forwarded with undici Pool.stream() (method, url, headers minus hop-by-hop);
// the factory writes status + headers and returns `res` as the writable, so the
// body is piped with undici's backpressure and no extra buffering. Own process.
// Env: BENCH_TARGET.
import http from 'node:http';
import { Pool } from 'undici';
import { serve, listen, closeServer } from './harness.mjs';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function strip(headers) {
  const out = {};
  const listed = headers.connection; // also drop headers named in Connection
  const extra = listed
    ? String(listed)
        .toLowerCase()
        .split(',')
        .map((s) => s.trim())
    : null;
  for (const k in headers) if (!HOP_BY_HOP.has(k) && !extra?.includes(k)) out[k] = headers[k];
  return out;
}

await serve('undici-floor', async () => {
  const pool = new Pool(process.env.BENCH_TARGET, { pipelining: 1 });
  const server = http.createServer((req, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool.stream(
      { method: req.method, path: req.url, headers: strip(req.headers), body: hasBody ? req : undefined },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, strip(headers));
        return res;
      },
      (err) => {
        if (!err) return;
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy(err);
      },
    );
  });
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      await pool.close();
    },
  };
});
