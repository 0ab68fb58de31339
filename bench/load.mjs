// bench/load.mjs — wrapper around the load generator, which always runs as a
// SEPARATE process. Prefers `wrk` when it is on PATH (summary read via
// bench/wrk-report.lua), else falls back to node_modules/.bin/autocannon --json.
// runLoad() returns one normalised result:
//   { requests, durationSec, rps, bytes, bytesPerSec, p50Ms, p99Ms,
//     errors: {connect, read, write, timeout, non2xx}, errorTotal }
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';

const LUA = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));
const AUTOCANNON = fileURLToPath(new URL('../node_modules/.bin/autocannon', import.meta.url));

export function detectLoadGenerator(force) {
  const haveWrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  const wrkOk = !haveWrk.error;
  if ((force === undefined || force === 'wrk') && wrkOk) {
    const first = (haveWrk.stdout + haveWrk.stderr).split('\n')[0];
    const version = first.replace(/\s*Copyright.*$/, '').trim(); // "wrk debian/4.1.0-3+b2 [epoll]"
    return { name: 'wrk', version };
  }
  if (force === 'wrk') throw new Error('--loadgen=wrk requested but wrk is not on PATH (apt-get install -y wrk)');
  if (!fs.existsSync(AUTOCANNON)) throw new Error('neither wrk on PATH nor node_modules/.bin/autocannon found');
  const v = spawnSync(AUTOCANNON, ['--version'], { encoding: 'utf8' });
  return { name: 'autocannon', version: `autocannon ${(v.stdout || '').trim().split('\n')[0] || '?'}` };
}

function run(cmd, args, limitMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), limitMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} exited ${code ?? signal}: ${err || out}`));
      else resolve(out);
    });
  });
}

async function runWrk({ url, connections, durationSec, threads, timeoutSec, script }) {
  // `script`: another Lua file that also prints WRK_JSON (e.g. bench/wrk-distinct.lua).
  const args = [`-t${threads}`, `-c${connections}`, `-d${durationSec}s`, `--timeout`, `${timeoutSec}s`, '-s', script ?? LUA, url];
  const out = await run('wrk', args, (durationSec + timeoutSec + 30) * 1000);
  const line = out.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  const s = JSON.parse(line.slice('WRK_JSON '.length));
  const durationS = s.duration_us / 1e6;
  const errors = {
    connect: s.errors.connect,
    read: s.errors.read,
    write: s.errors.write,
    timeout: s.errors.timeout,
    non2xx: s.errors.status, // wrk: responses with status > 399
  };
  return {
    requests: s.requests,
    durationSec: durationS,
    rps: s.requests / durationS,
    bytes: s.bytes,
    bytesPerSec: s.bytes / durationS,
    p50Ms: s.latency_us.p50 / 1000,
    p99Ms: s.latency_us.p99 / 1000,
    errors,
    errorTotal: Object.values(errors).reduce((a, b) => a + b, 0),
  };
}

async function runAutocannon({ url, connections, durationSec, timeoutSec }) {
  const args = ['-c', String(connections), '-d', String(durationSec), '-t', String(timeoutSec), '--json', '-n', url];
  const out = await run(AUTOCANNON, args, (durationSec + timeoutSec + 30) * 1000);
  const start = out.indexOf('{');
  const r = JSON.parse(out.slice(start));
  const durationS = r.duration;
  // autocannon counts a 3xx as non2xx too; the backend never sends one.
  const errors = { connect: 0, read: r.errors - r.timeouts, write: 0, timeout: r.timeouts, non2xx: r.non2xx };
  return {
    requests: r.requests.total,
    durationSec: durationS,
    rps: r.requests.total / durationS,
    bytes: r.throughput.total,
    bytesPerSec: r.throughput.total / durationS,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors,
    errorTotal: Object.values(errors).reduce((a, b) => a + b, 0),
  };
}

export function runLoad(gen, opts) {
  const o = { threads: 1, timeoutSec: 10, ...opts };
  return gen.name === 'wrk' ? runWrk(o) : runAutocannon(o);
}
