// bench/tape.mjs — the record/replay half of `npm run bench` (after `npm run build`).
// Every server runs in its own process (bench/servers/*.mjs), the load generator in another
// (bench/load.mjs: wrk if on PATH, else autocannon). Phases, one target at a time:
//   A. replay of a 1 KiB fixture  vs  a plain node:http server sending the same bytes
//   B. the same replay with 10,000 more fixtures in the store (lookup must not depend on count)
//   C. indexing 10,000 fixtures at start (FixtureStore.open in a fresh process, median of 3)
//   D. record mode vs passthrough on distinct 1 KiB GETs (every request recorded)
//   E. peak RSS of the recording proxy while it records 8 MiB bodies, one after another, as
//      `proxytape record` runs (checked) and as the library at Node's defaults (reported)
// Prints a table and PASS/FAIL per target. Exit 1 only if a run failed (errors, crashes).
// Options: --duration S (5), --rounds N (5), --warmup S (2), --connections N (32), --json FILE
import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  openSync,
  writeSync,
  closeSync,
  renameSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, killAll } from './children.mjs';
import { detectLoadGenerator, runLoad } from './load.mjs';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    json: { type: 'string' },
    loadgen: { type: 'string' },
  },
});
const cfg = {
  duration: Number(opt.duration),
  rounds: Number(opt.rounds),
  warmup: Number(opt.warmup),
  connections: Number(opt.connections),
};
const DIST = new URL('../dist/index.js', import.meta.url).href;
const DISTINCT = fileURLToPath(new URL('./wrk-distinct.lua', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median of per-round ratios a[i]/b[i] (rounds are interleaved: pairing cancels the machine's slow spells). */
const pairedRatio = (a, b) => median(a.map((x, i) => x / b[i]));
const mb = (bytes) => bytes / 2 ** 20;
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const log = (s) => process.stderr.write(`[bench:tape] ${s}\n`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'proxytape-bench-'));
process.on('exit', () => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const gen = detectLoadGenerator(opt.loadgen);
const failures = [];
const load = async (url, extra = {}) => {
  const r = await runLoad(gen, { url, connections: cfg.connections, durationSec: cfg.duration, ...extra });
  if (r.errorTotal > 0) failures.push(`${url}: ${JSON.stringify(r.errors)}`);
  return r;
};
const warm = (url, extra = {}) => runLoad(gen, { url, connections: cfg.connections, durationSec: cfg.warmup, ...extra });
const tape = (mode, fixtures, target) =>
  startServer('tape.mjs', { BENCH_MODE: mode, BENCH_FIXTURES: fixtures, BENCH_TARGET: target ?? '' });

log(`load generator: ${gen.version}; ${cfg.connections} connections, ${cfg.rounds} × ${cfg.duration} s rounds`);

// What one atomic fixture file (open + write + close + rename) costs on this disk right now. ext4
// skips inodes freed in the last 60–300 s when it allocates new ones, so right after many files were
// deleted (a previous run's clean-up) this is 5–10× its usual ~50 µs, and phase D measures that.
const fsProbeUs = (() => {
  const dir = path.join(tmp, 'fs-probe');
  mkdirSync(dir);
  const body = Buffer.alloc(1500, 'x');
  const n = 1000;
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const temp = path.join(dir, `.f${i}.tmp`);
    const fd = openSync(temp, 'wx');
    writeSync(fd, body);
    closeSync(fd);
    renameSync(temp, path.join(dir, `f${i}.json`));
  }
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / n;
})();
log(`file system: one atomic fixture-sized file costs ${fsProbeUs.toFixed(0)} µs of CPU (1,000 created)`);
const backend = await startServer('tape-backend.mjs');

// Fixtures for A/B: one recorded 1 KiB interaction, then a copy with 10,000 more.
const small = path.join(tmp, 'small');
{
  const rec = await tape('record', small, backend.url);
  await (await fetch(`${rec.url}/1k`)).arrayBuffer();
  await rec.close();
}
const big = path.join(tmp, 'big');
{
  const { serializeFixture } = await import(DIST);
  const { createHash } = await import('node:crypto');
  const dir = path.join(big, 'default', '127.0.0.1');
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(path.join(small, 'default', '127.0.0.1'))) {
    writeFileSync(path.join(dir, file), readFileSync(path.join(small, 'default', '127.0.0.1', file)));
  }
  for (let i = 0; i < 10_000; i++) {
    const key = createHash('sha256').update(`synthetic ${i}`).digest('hex');
    const fixture = {
      version: 1,
      match: { key, sequence: 0 },
      request: { method: 'GET', path: `/item/${i}`, query: [], headers: [], body: null },
      response: {
        status: 200,
        statusText: 'OK',
        headers: [['content-type', 'application/json']],
        body: { encoding: 'json', json: { id: i } },
      },
    };
    writeFileSync(path.join(dir, `GET-item-${i}-${key.slice(0, 8)}-0.json`), serializeFixture(fixture));
  }
}

// A + B: interleaved rounds of static / replay / replay-10k, in a rotating order.
log('A/B: replay 1 KiB vs static node:http, and with 10,000 fixtures');
const targets = {
  static: await startServer('static.mjs'),
  replay: await tape('replay', small),
  replay10k: await tape('replay', big),
};
for (const t of Object.values(targets)) await warm(`${t.url}/1k`);
const rps = { static: [], replay: [], replay10k: [] };
const p99 = { static: [], replay: [], replay10k: [] };
const order = Object.entries(targets);
for (let round = 0; round < cfg.rounds; round++) {
  // Rotate the order every round (as the proxy benchmark does), so that no server always runs
  // right after the same one: every server runs in every position.
  const shift = round % order.length;
  for (const [name, t] of [...order.slice(shift), ...order.slice(0, shift)]) {
    const r = await load(`${t.url}/1k`);
    rps[name].push(r.rps);
    p99[name].push(r.p99Ms);
  }
}
for (const t of Object.values(targets)) await t.close();

// C: indexing 10,000 fixtures in a fresh process.
log('C: index 10,000 fixtures');
const indexMs = [];
for (let i = 0; i < 3; i++) {
  const code = `const m = await import(${JSON.stringify(DIST)}); const t = performance.now(); const s = await m.FixtureStore.open(${JSON.stringify(big)}); console.log(performance.now() - t, s.size);`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  const [ms, size] = out.stdout.trim().split(/\s+/).map(Number);
  if (size !== 10_001) failures.push(`index: expected 10001 fixtures, got ${size} ${out.stderr}`);
  indexMs.push(ms);
}

// D: record vs passthrough on distinct URLs. Besides requests/s, the CPU the whole machine spent
// per request (every process: load generator, backend, proxy, its writer thread, the kernel), from
// /proc/stat: on a saturated machine that is what decides the ratio.
log('D: record vs passthrough, distinct 1 KiB GETs');
const machineCpu = () => {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, total: f.reduce((a, b) => a + b, 0) };
};
const ticksPerSec = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** One measured load, with the machine's CPU µs per request and how busy the machine was. */
const measured = async (url) => {
  const before = machineCpu();
  const r = await load(url, { script: DISTINCT });
  const after = machineCpu();
  const busy = after.busy - before.busy;
  return {
    rps: r.rps,
    cpuUsPerRequest: ((busy / ticksPerSec) * 1e6) / (r.rps * cfg.duration),
    busyShare: busy / (after.total - before.total),
  };
};
const recordRps = [];
const passRps = [];
const recordCpu = [];
const passCpu = [];
const busyShare = [];
for (let round = 0; round < cfg.rounds; round++) {
  const pass = await tape('passthrough', path.join(tmp, `pass-${round}`), backend.url);
  await warm(`${pass.url}/1k`, { script: DISTINCT });
  const p = await measured(`${pass.url}/1k`);
  passRps.push(p.rps);
  passCpu.push(p.cpuUsPerRequest);
  busyShare.push(p.busyShare);
  await pass.close();
  const rec = await tape('record', path.join(tmp, `rec-${round}`), backend.url);
  await warm(`${rec.url}/1k`, { script: DISTINCT });
  const r = await measured(`${rec.url}/1k`);
  recordRps.push(r.rps);
  recordCpu.push(r.cpuUsPerRequest);
  await rec.close();
  // The recorded files stay until the end (tmp is removed at exit): deleting tens of thousands
  // of files right before the next round would slow that round's file creation (ext4 skips
  // inodes freed in the last few seconds when it allocates new ones) and measure that instead.
}

// E: peak RSS while recording 8 MiB bodies, one at a time (each streams to a sidecar file); first as
// `proxytape record` runs (the executable's memory tuning: a young-generation collection every 8 MiB
// relayed), the configuration the target is checked on, then the library at Node's defaults.
log('E: record 8 MiB bodies, peak RSS');
const recordPeakRss = async (label, tuning) => {
  const rec8 = await startServer('tape.mjs', {
    BENCH_MODE: 'record',
    BENCH_FIXTURES: path.join(tmp, `rec8-${label}`),
    BENCH_TARGET: backend.url,
    BENCH_TUNING: tuning,
  });
  const record8 = async (name) => {
    const res = await fetch(`${rec8.url}/bytes/${8 * 2 ** 20}?i=${name}`);
    let n = 0;
    for await (const chunk of res.body) n += chunk.length;
    if (n !== 8 * 2 ** 20) failures.push(`8 MiB record (${label}): got ${n} bytes`);
  };
  // Warm-up, as in the other phases: one recording first, then a pause, so one-off start-up
  // work (JIT and WebAssembly tier-up of the HTTP parser) is not counted as recording's cost.
  await record8('warm-up');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await rec8.rssReset();
  for (let i = 0; i < 4; i++) await record8(i);
  const report = await rec8.rssReport();
  await rec8.close();
  return report;
};
const rss8 = await recordPeakRss('cli', 'cli');
const rss8Lib = await recordPeakRss('lib', '');
await backend.close();

const results = {
  loadGenerator: gen.version,
  replay: {
    staticRps: median(rps.static),
    replayRps: median(rps.replay),
    replay10kRps: median(rps.replay10k),
    p99: { static: median(p99.static), replay: median(p99.replay), replay10k: median(p99.replay10k) },
    ratio: pairedRatio(rps.replay, rps.static),
    ratio10k: pairedRatio(rps.replay10k, rps.replay),
    perRound: rps,
  },
  indexMs: median(indexMs),
  record: {
    passthroughRps: median(passRps),
    recordRps: median(recordRps),
    ratio: pairedRatio(recordRps, passRps),
    perRound: { passRps, recordRps },
    machineCpuUsPerRequest: { passthrough: median(passCpu), record: median(recordCpu) },
    machineBusyDuringPassthrough: median(busyShare),
  },
  record8MiBPeakRssMb: mb(rss8.peakRss),
  record8MiBPeakRssMbLib: mb(rss8Lib.peakRss),
  fsProbeUs,
};
const r = results;
console.log(
  `\nRecord / replay — ${cfg.connections} connections, medians of ${cfg.rounds} interleaved ${cfg.duration} s rounds (${gen.version});\n"vs" is the median of the per-round ratios`,
);
console.log('measure                                   value        vs');
console.log('----------------------------------------  -----------  ------------------------');
console.log(`static node:http, same 1 KiB bytes         ${fmt(r.replay.staticRps).padStart(8)} r/s  1.00×`);
console.log(`replay, 1 fixture                          ${fmt(r.replay.replayRps).padStart(8)} r/s  ${r.replay.ratio.toFixed(2)}× static`);
console.log(
  `replay, 10,001 fixtures                    ${fmt(r.replay.replay10kRps).padStart(8)} r/s  ${r.replay.ratio10k.toFixed(2)}× 1-fixture replay`,
);
console.log(`passthrough, distinct URLs                 ${fmt(r.record.passthroughRps).padStart(8)} r/s  1.00×`);
console.log(
  `record, distinct URLs (1 file each)        ${fmt(r.record.recordRps).padStart(8)} r/s  ${r.record.ratio.toFixed(2)}× passthrough`,
);
console.log(
  `  machine CPU per request (all processes)  passthrough ${fmt(r.record.machineCpuUsPerRequest.passthrough)} µs (machine ${fmt(100 * r.record.machineBusyDuringPassthrough)}% busy), record ${fmt(r.record.machineCpuUsPerRequest.record)} µs`,
);
console.log(
  `  on a saturated machine, ≤ 15% slower leaves recording about ${fmt(r.record.machineCpuUsPerRequest.passthrough * (1 / 0.85 - 1))} µs of CPU per request, file included`,
);
console.log(`index 10,001 fixtures at start             ${fmt(r.indexMs).padStart(8)} ms`);
console.log(
  `peak RSS recording 8 MiB bodies (4, one by one) ${fmt(r.record8MiBPeakRssMb, 1).padStart(5)} MB  as \`proxytape record\` runs`,
);
console.log(`  the same, library at Node's defaults         ${fmt(r.record8MiBPeakRssMbLib, 1).padStart(5)} MB  (no executable tuning)`);
console.log(`atomic file creation on this disk (probe)  ${fmt(fsProbeUs).padStart(8)} µs CPU per file`);
const checks = [
  ['replay 1 KiB ≥ 0.9× static node:http', r.replay.ratio >= 0.9],
  ['lookup independent of fixture count (10k ≥ 0.9× 1)', r.replay.ratio10k >= 0.9],
  ['index 10,000 fixtures < 1 s', r.indexMs < 1000],
  ['record ≤ 15% slower than passthrough', r.record.ratio >= 0.85],
  ['recording 8 MiB keeps peak RSS < 100 MB (as `proxytape record` runs)', r.record8MiBPeakRssMb < 100],
];
console.log('\ntargets');
for (const [name, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}    ${name}`);
if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 2));
if (failures.length > 0) {
  console.error(`\nrun failures:\n${failures.join('\n')}`);
  process.exit(1);
}
