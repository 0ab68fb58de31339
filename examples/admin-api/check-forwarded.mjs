#!/usr/bin/env node
/**
 * Checks the headers a running proxytape forwarded upstream, through its admin API
 * only — the same thing `curl` + `jq` would do, so any test runner or language can.
 *
 *   node check-forwarded.mjs <proxy-url> [--cassette <name>] [--require <header>]… [--forbid <header>]… [--clear]
 *
 * --require  every forwarded request must carry this header
 * --forbid   no forwarded request may carry this header
 * --clear    empty the journal afterwards (DELETE /__proxytape/journal), for the next check
 *
 * Exit codes: 0 all checks passed, 1 a check failed, 2 bad arguments or proxy unreachable.
 */
import { parseArgs } from 'node:util';

const USAGE = 'Usage: node check-forwarded.mjs <proxy-url> [--cassette <name>] [--require <header>]... [--forbid <header>]... [--clear]';

function fail(message) {
  console.error(message);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      cassette: { type: 'string' },
      require: { type: 'string', multiple: true, default: [] },
      forbid: { type: 'string', multiple: true, default: [] },
      clear: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail(`${error.message}\n${USAGE}`);
}
const { positionals, values } = parsed;
if (positionals.length !== 1) fail(USAGE);
const base = positionals[0].replace(/\/+$/, '');
const required = values.require.map((h) => h.toLowerCase());
const forbidden = values.forbid.map((h) => h.toLowerCase());
if (required.length + forbidden.length === 0) fail(`Nothing to check: give --require and/or --forbid.\n${USAGE}`);

async function admin(path, init) {
  try {
    const res = await fetch(`${base}/__proxytape/${path}`, init);
    if (!res.ok) fail(`${init?.method ?? 'GET'} ${base}/__proxytape/${path} answered ${res.status}: ${await res.text()}`);
    return res;
  } catch (error) {
    fail(`Cannot reach proxytape at ${base}: ${error.cause?.message ?? error.message}. Is it running (proxytape auto --target …)?`);
  }
}

// GET /__proxytape/health → { mode, target, fixtures, cassette, version }
const health = await (await admin('health')).json();
console.log(`proxytape ${health.version} at ${base}: mode ${health.mode}, target ${health.target ?? '(none)'}`);

// GET /__proxytape/journal[?cassette=…] → entries, oldest first; headers as lower-case [name, value] pairs, secrets redacted
const query = values.cassette === undefined ? '' : `?cassette=${encodeURIComponent(values.cassette)}`;
const journal = await (await admin(`journal${query}`)).json();
const forwarded = journal.filter((entry) => entry.forwarded !== undefined);

const problems = [];
for (const entry of forwarded) {
  const headers = new Map(entry.forwarded.headers);
  const label = `#${entry.id} ${entry.forwarded.method} ${entry.forwarded.url}`;
  for (const name of required) if (!headers.has(name)) problems.push(`${label}: missing ${name}`);
  for (const name of forbidden) if (headers.has(name)) problems.push(`${label}: sent ${name}: ${JSON.stringify(headers.get(name))}`);
}

const scope = values.cassette === undefined ? '' : ` in cassette "${values.cassette}"`;
const checks = [
  ...(required.length > 0 ? [`every request sent ${required.join(', ')}`] : []),
  ...(forbidden.length > 0 ? [`none sent ${forbidden.join(', ')}`] : []),
];
if (values.clear) await admin(`journal${query}`, { method: 'DELETE' }); // → 204

if (forwarded.length === 0) {
  console.error(`FAIL: no forwarded requests${scope}, so nothing was checked.`);
  process.exit(1);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`FAIL ${problem}`);
  console.error(`${problems.length} problem(s) in ${forwarded.length} forwarded request(s)${scope}.`);
  process.exit(1);
}
console.log(`ok: ${forwarded.length} forwarded request(s)${scope}; ${checks.join('; ')}.`);
