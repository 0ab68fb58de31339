// bench/record-heap.mjs — how much heap a recording proxy keeps per interaction it recorded
// (after `npm run build`). Records N distinct GETs with a B-byte body through the tape
// transport of the BUILT package, in process (an in-memory upstream: this measures what the
// store keeps, not sockets), waits for every file, forces a full GC and reports the heap
// retained per recording beyond a 1,000-recording baseline.
// Usage: node --expose-gc bench/record-heap.mjs [--count N (8000)] [--body BYTES (102400)] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: { count: { type: 'string', default: '8000' }, body: { type: 'string', default: '102400' }, json: { type: 'boolean' } },
});
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const count = Number(opt.count);
const body = Buffer.alloc(Number(opt.body), 'x');
const { createTape } = await import(new URL('../dist/index.js', import.meta.url).href);
const dir = mkdtempSync(path.join(os.tmpdir(), 'proxytape-heap-'));
const upstream = {
  async roundTrip() {
    const rawHeaders = ['content-type', 'application/octet-stream', 'content-length', String(body.length)];
    return { status: 200, statusText: 'OK', rawHeaders, body, source: 'proxied' };
  },
};
const tape = await createTape({ mode: 'record', fixtures: dir, target: 'http://127.0.0.1:9', upstream });
const record = async (from, n) => {
  for (let i = from; i < from + n; i++) {
    const url = `/item?i=${i}`;
    const res = await tape.transport.roundTrip({
      method: 'GET',
      origin: 'http://127.0.0.1:9',
      path: url,
      rawHeaders: ['host', '127.0.0.1:9'],
      body: null,
      inbound: { method: 'GET', url, rawHeaders: ['host', '127.0.0.1:8080'] },
      config: {},
    });
    await new Promise((resolve) => res.body.attach({ write: () => true, end: resolve, error: resolve }));
  }
  await tape.transport.flush();
};
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
await record(0, 1000);
const base = heap();
await record(1000, count);
const after = heap();
const perRecording = (after - base) / count;
await tape.close();
rmSync(dir, { recursive: true, force: true });
const result = {
  count,
  bodyBytes: body.length,
  heapBaseMb: base / 2 ** 20,
  heapAfterMb: after / 2 ** 20,
  perRecordingKb: perRecording / 1024,
};
if (opt.json) console.log(JSON.stringify(result));
else
  console.log(
    `heap retained per recorded interaction (${count.toLocaleString('en-US')} × ${body.length.toLocaleString('en-US')}-byte bodies): ${result.perRecordingKb.toFixed(2)} KB (heap ${result.heapBaseMb.toFixed(1)} → ${result.heapAfterMb.toFixed(1)} MB)`,
  );
