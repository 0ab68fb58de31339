// bench/run.mjs — entry point of `npm run bench` (after `npm run build`).
// Starts the backend, then, strictly one target at a time, each server under
// test in its own child process (bench/servers/*.mjs), warms it up, resets its
// peak-RSS counter, and drives it with a separate load-generator process
// (bench/load.mjs: wrk if on PATH, else autocannon). Phases:
//   A. 1 KiB GET      → req/s, p50/p99 latency            (direct + 3 proxies;
//                       interleaved rounds, medians reported)
//   B. 8 MiB GET      → MB/s, proxy process peak RSS        (direct + 3 proxies)
//   C. 1 GiB GET once → MB/s, proxy process peak RSS        (3 proxies)
// Prints tables and pass/fail lines for the issue's targets (bench/report.mjs).
// Exit 0 when everything ran (targets missed or pending included), 1 when a run
// failed: load-generator errors/non-2xx, a child crash, a short 1 GiB body...
//
// Options (defaults in parseArgs below):
//   --json FILE            also write machine-readable results to FILE
//   --connections N        client connections, every target and phase (32)
//   --rounds N             1 KiB phase: interleaved rounds per target (7)
//   --duration S           1 KiB phase: seconds per round (4)
//   --large-duration S     8 MiB phase: measured seconds per target (8)
//   --warmup S             warm-up seconds per target and phase (2)
//   --threads N            wrk threads (1)
//   --loadgen wrk|autocannon   force a load generator
//   --only a,b             subset of direct,proxytape,proxytape-lib,http-proxy,undici-floor
//   --skip-huge            skip the 1 GiB phase
//   --cpu-prof DIR         run each proxy child with node --cpu-prof into DIR
//                          (one .cpuprofile per child; open in Chrome DevTools)
import os from 'node:os';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startServer, killAll } from './children.mjs';
import { detectLoadGenerator, runLoad } from './load.mjs';
import { cpuWindow } from './cpu.mjs';
import { renderSmall, renderLarge, renderHuge, evaluate, renderChecks } from './report.mjs';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'string' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '7' },
    duration: { type: 'string', default: '4' },
    'large-duration': { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
    loadgen: { type: 'string' },
    only: { type: 'string' },
    'skip-huge': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});

const cfg = {
  connections: Number(opt.connections),
  rounds: Number(opt.rounds),
  smallDuration: Number(opt.duration),
  largeDuration: Number(opt['large-duration']),
  warmup: Number(opt.warmup),
  threads: Number(opt.threads),
  smallBytes: 1024,
  largeBytes: 8 * 2 ** 20,
  hugeBytes: 2 ** 30,
  hugeWarmupBytes: 64 * 2 ** 20,
};

const ALL_TARGETS = [
  { name: 'direct' },
  // proxytape as its executable runs it (with the memory tuning src/cli/runtime-tuning.ts applies),
  // and the same handler without it (how it runs when embedded as a library).
  { name: 'proxytape', script: 'proxytape.mjs', env: { BENCH_TUNING: 'cli' } },
  { name: 'proxytape-lib', script: 'proxytape.mjs', env: { BENCH_TUNING: 'none' } },
  { name: 'http-proxy', script: 'http-proxy.mjs' },
  { name: 'undici-floor', script: 'undici-floor.mjs' },
];
const only = opt.only?.split(',').map((s) => s.trim());
const targets = only ? ALL_TARGETS.filter((t) => only.includes(t.name)) : ALL_TARGETS;

const childOpts = opt['cpu-prof'] ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', opt['cpu-prof']] } : {};
const failures = [];
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

// Hard bound on the whole run: never leave load running on the machine.
const WATCHDOG_MS = 9 * 60_000;
const watchdog = setTimeout(() => {
  log(`run exceeded ${WATCHDOG_MS / 60_000} min — aborting`);
  killAll();
  process.exit(1);
}, WATCHDOG_MS);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (killAll(), process.exit(130)));
process.on('exit', killAll);

/** One request through the target before loading it: proves it really proxies. */
async function sanity(url, expectedBytes) {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || body.length !== expectedBytes) {
    throw new Error(`sanity GET ${url}: status ${res.status}, ${body.length} bytes (expected 200, ${expectedBytes})`);
  }
}

function drain(url, limitMs) {
  const script = fileURLToPath(new URL('./clients/drain.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), limitMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`drain client exited ${code} without a result (limit ${limitMs} ms)`));
      }
    });
  });
}

async function withTarget(t, backend, fn) {
  const r = { target: t.name, status: 'ok' };
  let child;
  try {
    if (t.script) {
      child = await startServer(t.script, { BENCH_TARGET: backend.url, ...t.env }, childOpts);
      if (!child.available) {
        r.status = 'pending';
        r.reason = child.reason;
        log(`${t.name}: ${child.reason}`);
        return r;
      }
    }
    const proc = child ?? backend;
    await fn(proc, r);
    if (!proc.isAlive()) throw new Error(`${t.name} process died during the run\n${proc.stderr()}`);
  } catch (err) {
    fail(t, r, err);
  } finally {
    await child?.close();
  }
  return r;
}

/** Median of a list of numbers. */
const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};

/** Combines the per-round load results of one target: medians, summed errors. */
function combineRounds(rounds) {
  const errors = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  return {
    rounds: rounds.length,
    requests: rounds.reduce((a, r) => a + r.requests, 0),
    rps: median(rounds.map((r) => r.rps)),
    rpsMin: Math.min(...rounds.map((r) => r.rps)),
    rpsMax: Math.max(...rounds.map((r) => r.rps)),
    bytesPerSec: median(rounds.map((r) => r.bytesPerSec)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    otherCpu: rounds.some((r) => r.otherCpu === null) ? null : Math.max(...rounds.map((r) => r.otherCpu)),
    errors,
    errorTotal: Object.values(errors).reduce((a, b) => a + b, 0),
    perRound: rounds,
  };
}

function checkErrors(label, t, r) {
  const errs = (r.load?.errorTotal ?? 0) + (r.warmup?.errorTotal ?? 0);
  if (errs > 0) {
    failures.push(
      `${label} ${t}: load generator counted ${errs} errors ${JSON.stringify(r.load?.errors)} (warm-up ${JSON.stringify(r.warmup?.errors)})`,
    );
  }
  const empty = [r.warmup, ...(r.load?.perRound ?? (r.load ? [r.load] : []))].some((x) => x && x.requests === 0);
  if (empty) failures.push(`${label} ${t}: a load run completed no request at all`);
}

/**
 * Phase A (1 KiB GET). The machine is small and may be shared, so instead of one
 * long run per target we run `rounds` short runs per target, interleaved
 * (direct, proxytape, http-proxy, floor, direct, …), and report medians: a burst
 * of outside noise then hits one round of every target, not one target whole.
 * The order rotates by one target per round and every second round runs backwards, so no target
 * always runs in the same slot or after the same target.
 * The children stay up (idle) across rounds; each is warmed up once.
 */
async function smallPhase(backend) {
  const label = '1 KiB GET';
  const path = '/1k';
  const entries = [];
  try {
    for (const t of targets) {
      const r = { target: t.name, status: 'ok' };
      entries.push({ t, r, proc: null, rounds: [] });
      try {
        let proc = backend;
        if (t.script) {
          proc = await startServer(t.script, { BENCH_TARGET: backend.url, ...t.env }, childOpts);
          entries.at(-1).child = proc;
          if (!proc.available) {
            r.status = 'pending';
            r.reason = proc.reason;
            log(`${t.name}: ${proc.reason}`);
            continue;
          }
        }
        await sanity(proc.url + path, cfg.smallBytes);
        log(`${label}: warm-up ${t.name} (${cfg.warmup} s)`);
        r.warmup = await runLoad(gen, {
          url: proc.url + path,
          connections: cfg.connections,
          threads: cfg.threads,
          durationSec: cfg.warmup,
        });
        entries.at(-1).proc = proc;
      } catch (err) {
        fail(t, r, err);
      }
    }
    for (let round = 1; round <= cfg.rounds; round++) {
      // Vary the order every round, so that no target always runs in the same slot or after the
      // same target (e.g. right after "direct", whose 50k+ req/s leave the backend with the most
      // garbage to collect): rotate by one each round, and run every second round backwards.
      const shift = (round - 1) % entries.length;
      const order = [...entries.slice(shift), ...entries.slice(0, shift)];
      if (round % 2 === 0) order.reverse();
      for (const e of order) {
        if (!e.proc || e.r.status !== 'ok') continue;
        log(`${label}: round ${round}/${cfg.rounds} ${e.t.name} (${cfg.smallDuration} s)`);
        try {
          const win = cpuWindow([backend.pid, ...entries.map((x) => x.proc?.pid)]);
          const res = await runLoad(gen, {
            url: e.proc.url + path,
            connections: cfg.connections,
            threads: cfg.threads,
            durationSec: cfg.smallDuration,
          });
          res.otherCpu = win.stop();
          e.rounds.push(res);
          if (!e.proc.isAlive()) throw new Error(`${e.t.name} process died during the run\n${e.proc.stderr()}`);
        } catch (err) {
          fail(e.t, e.r, err);
        }
      }
    }
    for (const e of entries) {
      if (e.rounds.length) e.r.load = combineRounds(e.rounds);
      checkErrors(label, e.t.name, e.r);
    }
  } finally {
    for (const e of entries) await e.child?.close();
  }
  return entries.map((e) => e.r);
}

function fail(t, r, err) {
  r.status = 'FAILED';
  r.error = err.message;
  failures.push(`${t.name}: ${err.message}`);
  log(`${t.name}: FAILED ${err.message}`);
}

/**
 * Phase B (8 MiB GET): one target at a time, each proxy in a FRESH child (so the
 * 1 KiB phase does not inflate its RSS): warm-up, reset peak RSS, one measured run.
 */
async function largePhase(backend) {
  const label = '8 MiB GET';
  const path = `/bytes/${cfg.largeBytes}`;
  const results = [];
  for (const t of targets) {
    log(`${label}: ${t.name} (${cfg.warmup} s warm-up + ${cfg.largeDuration} s)`);
    const r = await withTarget(t, backend, async (proc, r) => {
      const url = proc.url + path;
      await sanity(url, cfg.largeBytes);
      const lo = { url, connections: cfg.connections, threads: cfg.threads };
      r.warmup = await runLoad(gen, { ...lo, durationSec: cfg.warmup });
      await proc.rssReset();
      const win = cpuWindow([backend.pid, proc.pid]);
      r.load = await runLoad(gen, { ...lo, durationSec: cfg.largeDuration });
      r.load.otherCpu = win.stop();
      r.rss = { ...(await proc.rssReport()), startRss: proc.startRss };
      checkErrors(label, t.name, r);
    });
    results.push(r);
  }
  return results;
}

async function hugePhase(backend) {
  const results = [];
  for (const t of targets.filter((x) => x.script)) {
    log(`1 GiB stream: ${t.name} …`);
    const r = await withTarget(t, backend, async (proc, r) => {
      await sanity(proc.url + '/1k', cfg.smallBytes);
      // Warm-up, as in the other phases: stream 64 MiB first and let the process settle, so
      // one-off start-up work (JIT and WebAssembly tier-up of the HTTP parser, whose compiler
      // briefly takes ~30 MB) is not counted as the cost of streaming.
      const w = await drain(`${proc.url}/bytes/${cfg.hugeWarmupBytes}`, 60_000);
      if (w.status !== 200 || w.bytes !== cfg.hugeWarmupBytes)
        failures.push(`1 GiB ${t.name}: warm-up got status ${w.status}, ${w.bytes} bytes`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await proc.rssReset();
      const win = cpuWindow([backend.pid, proc.pid]);
      const d = await drain(`${proc.url}/bytes/${cfg.hugeBytes}`, 180_000);
      d.otherCpu = win.stop();
      d.ok = d.status === 200 && d.bytes === cfg.hugeBytes && !d.error;
      r.drain = d;
      r.rss = { ...(await proc.rssReport()), startRss: proc.startRss };
      if (!d.ok) failures.push(`1 GiB ${t.name}: status ${d.status}, ${d.bytes} bytes${d.error ? `, ${d.error}` : ''}`);
    });
    results.push(r);
  }
  return results;
}

// ---------------------------------------------------------------------------
const gen = detectLoadGenerator(opt.loadgen);
const started = Date.now();
const machine = {
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memGB: +(os.totalmem() / 1e9).toFixed(1),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
};
const header = [
  'proxytape benchmark',
  `machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memGB} GB RAM, ${machine.platform}, node ${machine.node}`,
  `load generator: ${gen.version}${gen.name === 'wrk' ? ` (${cfg.threads} thread${cfg.threads > 1 ? 's' : ''})` : ''}`,
  'all servers on 127.0.0.1, ephemeral ports; each server in its own process; targets run one after another',
  `load average at start: ${machine.loadavgAtStart.join(' ')} (interference is measured per run: see "other CPU")`,
].join('\n');
process.stdout.write(header + '\n\n');

const backend = await startServer('backend.mjs');
log(`backend ${backend.url} (pid ${backend.pid})`);
let small = [];
let large = [];
let huge = [];
try {
  small = await smallPhase(backend);
  process.stdout.write(renderSmall(small, cfg) + '\n\n');
  large = await largePhase(backend);
  process.stdout.write(renderLarge(large, cfg) + '\n\n');
  if (!opt['skip-huge']) {
    huge = await hugePhase(backend);
    process.stdout.write(renderHuge(huge, cfg) + '\n\n');
  }
} finally {
  if (!backend.isAlive()) failures.push(`backend died:\n${backend.stderr()}`);
  await backend.close();
}

const checks = evaluate({ small, large, huge });
const pending = [...small, ...large, ...huge].filter((r) => r.status === 'pending');
process.stdout.write('targets\n' + renderChecks(checks) + '\n');
if (pending.length) process.stdout.write(`note: ${pending[0].target} pending — ${pending[0].reason}\n`);
const others = [...small.map((r) => r.load?.otherCpu), ...large.map((r) => r.load?.otherCpu), ...huge.map((r) => r.drain?.otherCpu)];
const worstOther = Math.max(0, ...others.filter((x) => typeof x === 'number'));
if (worstOther > 0.1) {
  process.stdout.write(
    `warning: processes outside the benchmark used up to ${Math.round(worstOther * 100)}% of the machine during a measured run; ` +
      'those figures are noisy — rerun on a quiet machine before relying on them\n',
  );
}
const elapsed = (Date.now() - started) / 1000;
process.stdout.write(
  `\nrun took ${elapsed.toFixed(0)} s; load average at end: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}\n`,
);

if (opt.json) {
  const doc = { date: new Date().toISOString(), machine, loadGenerator: gen, config: cfg, small, large, huge, checks, failures };
  fs.writeFileSync(opt.json, JSON.stringify(doc, null, 2) + '\n');
  log(`results written to ${opt.json}`);
}
if (failures.length) {
  process.stdout.write(`\nRUN FAILED (${failures.length}):\n` + failures.map((f) => `  - ${f}`).join('\n') + '\n');
  process.exitCode = 1;
}
