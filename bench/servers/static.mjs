// bench/servers/static.mjs — the replay yardstick: a plain node:http server answering every
// request with the same 1 KiB body and headers a replayed fixture carries (own process).
import http from 'node:http';
import { serve, listen, closeServer } from './harness.mjs';

const ONE_K = Buffer.alloc(1024, 'x');

await serve('static', async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': ONE_K.length, 'x-proxytape': 'replayed' });
    res.end(ONE_K);
  });
  server.keepAliveTimeout = 120_000;
  const url = await listen(server);
  return { url, close: () => closeServer(server) };
});
