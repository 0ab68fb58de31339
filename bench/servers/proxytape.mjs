// bench/servers/proxytape.mjs — the system under test: proxytape's passthrough
// proxy, loaded from the BUILT package (../../dist/index.js), in its own process.
//   createProxyHandler({ target }) + createServer(handler, { host, port: 0 })
// BENCH_TUNING=cli first applies the memory tuning the `proxytape` executable applies to
// itself (dist/cli/runtime-tuning.js: a young-generation collection every 16 MiB relayed),
// as `proxytape passthrough` runs; none leaves it out, as when the handler is embedded in
// another program.
// If dist/ is missing or does not export both functions yet, reports
// "proxytape not built yet" to the parent (which marks the row pending) instead
// of failing the run. Env: BENCH_TARGET, BENCH_TUNING.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve, unavailable } from './harness.mjs';

const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

await serve('proxytape', async () => {
  if (!fs.existsSync(distIndex)) {
    unavailable('proxytape not built yet: dist/index.js does not exist (run `npm run build`)');
    return undefined;
  }
  if (process.env.BENCH_TUNING === 'cli') {
    const tuning = fileURLToPath(new URL('../../dist/cli/runtime-tuning.js', import.meta.url));
    if (fs.existsSync(tuning)) (await import(tuning)).tuneRuntime();
  }
  let mod;
  try {
    mod = await import(distIndex);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_UNSUPPORTED_DIR_IMPORT') {
      unavailable(`proxytape not built yet: importing dist/index.js failed: ${err.message}`);
      return undefined;
    }
    throw err;
  }
  const { createProxyHandler, createServer } = mod;
  if (typeof createProxyHandler !== 'function' || typeof createServer !== 'function') {
    const missing = ['createProxyHandler', 'createServer'].filter((n) => typeof mod[n] !== 'function');
    unavailable(`proxytape not built yet: dist/index.js does not export ${missing.join(', ')}`);
    return undefined;
  }
  const handler = createProxyHandler({ target: process.env.BENCH_TARGET });
  const server = await createServer(handler, { host: '127.0.0.1', port: 0 });
  const url = String(server.url).replace(/\/$/, '');
  return { url, close: () => server.close() };
});
