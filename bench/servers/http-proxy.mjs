// bench/servers/http-proxy.mjs — comparison target: the `http-proxy` package
// (devDependency) behind a plain node:http server, upstream via a keep-alive
// http.Agent. Own process so its RSS is measured alone. Env: BENCH_TARGET.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { serve, listen, closeServer } from './harness.mjs';

const target = process.env.BENCH_TARGET;

await serve('http-proxy', async () => {
  const agent = new http.Agent({ keepAlive: true });
  const proxy = httpProxy.createProxyServer({ target, agent });
  proxy.on('error', (_err, _req, res) => {
    if (res && typeof res.writeHead === 'function' && !res.headersSent) res.writeHead(502);
    res?.end?.();
  });
  const server = http.createServer((req, res) => proxy.web(req, res));
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const url = await listen(server);
  return {
    url,
    close: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
});
