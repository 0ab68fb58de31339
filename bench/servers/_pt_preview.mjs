import { serve } from './harness.mjs';
const { createProxyHandler } = await import('../../dist/index.js');
const { createServer } = await import('../../dist/server/index.js');
await serve('proxytape-preview', async () => {
  const handler = createProxyHandler({ target: process.env.BENCH_TARGET });
  const server = await createServer(handler, { host: '127.0.0.1', port: 0 });
  return { url: server.url, close: () => server.close() };
});
