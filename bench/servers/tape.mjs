// bench/servers/tape.mjs — proxytape in a record/replay mode, from the BUILT package, in its
// own process. Env: BENCH_MODE (record | replay | passthrough), BENCH_TARGET, BENCH_FIXTURES,
// BENCH_TUNING (cli: first apply the memory tuning the `proxytape` executable applies to itself,
// as `proxytape record` runs; see bench/servers/proxytape.mjs).
import { serve } from './harness.mjs';

const dist = new URL('../../dist/index.js', import.meta.url);

await serve(`proxytape-${process.env.BENCH_MODE}`, async () => {
  if (process.env.BENCH_TUNING === 'cli') (await import(new URL('../../dist/cli/runtime-tuning.js', import.meta.url).href)).tuneRuntime();
  const { createTape, createProxyHandler, createServer } = await import(dist.href);
  const tape = await createTape({
    mode: process.env.BENCH_MODE,
    fixtures: process.env.BENCH_FIXTURES,
    ...(process.env.BENCH_TARGET ? { target: process.env.BENCH_TARGET } : {}),
  });
  const handler = createProxyHandler({ target: process.env.BENCH_TARGET || 'http://replay.invalid', transport: tape.transport });
  const server = await createServer(handler, { host: '127.0.0.1', port: 0 });
  return {
    url: String(server.url).replace(/\/$/, ''),
    close: async () => {
      await server.close();
      await tape.close();
    },
  };
});
