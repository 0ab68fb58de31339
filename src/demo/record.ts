/**
 * `npm run demo:record`: re-records the demo fixtures shipped in `fixtures/demo/`.
 * Starts the demo backend on 127.0.0.1 (free port), `proxytape record` in front
 * of it (cassette `demo`), sends {@link DEMO_REQUESTS} one after the other,
 * then stops both and prints the summary. Re-running it rewrites the same
 * files byte for byte: commit them.
 */
import http from 'node:http';
import { rm } from 'node:fs/promises';
import { createLogColors } from '../cli/colors.js';
import { displayPath } from '../cli/display-path.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { formatRequestLine } from '../cli/request-log.js';
import { startTapeProxy } from '../cli/start-tape.js';
import { formatTapeSummary } from '../cli/tape-summary.js';
import { cassetteDir } from '../tape/cassette.js';
import { startDemoBackend } from './backend.js';
import { DEMO_CASSETTE, DEMO_FIXTURES_DIR } from './paths.js';
import { DEMO_REQUESTS, type DemoRequest } from './requests.js';

const HOST = '127.0.0.1';

async function main(): Promise<number> {
  const cwd = process.cwd();
  const colors = createLogColors();
  // Start from an empty cassette: a request dropped from DEMO_REQUESTS must not leave a stale fixture behind.
  const cassette = cassetteDir(DEMO_FIXTURES_DIR, DEMO_CASSETTE);
  await rm(cassette, { recursive: true, force: true });

  const backend = await startDemoBackend({ host: HOST, port: 0 });
  let failures = 0;
  const proxy = await startTapeProxy(
    {
      mode: 'record',
      target: new URL(backend.url),
      fixtures: DEMO_FIXTURES_DIR,
      cassette: DEMO_CASSETTE,
      host: HOST,
      port: 0,
      preserveHost: false,
    },
    {
      onResponse: (event) => process.stderr.write(`${formatRequestLine(event, colors, { cwd })}\n`),
      onRecordError: (error) => {
        failures += 1;
        process.stderr.write(`proxytape demo:record: ${error.message}\n`);
      },
    },
  );
  try {
    process.stdout.write(`Recording the demo API (${backend.url}) through ${proxy.url} into ${displayPath(cassette, cwd)}\n`);
    for (const request of DEMO_REQUESTS) await send(proxy.url, request);
  } finally {
    const summary = await proxy.close();
    await backend.close();
    process.stdout.write(formatTapeSummary({ ...summary, unused: [] }, proxy.stats, { cwd }));
  }
  return failures === 0 ? EXIT_CODES.OK : EXIT_CODES.FAILURE;
}

/** Sends one demo request on a fresh connection and reads the whole answer (so its fixture is complete). */
function send(base: string, request: DemoRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const headers = body === undefined ? request.headers : { ...request.headers, 'content-length': String(body.length) };
    const req = http.request(new URL(request.path, base), { method: request.method, headers, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

process.stdout.on('error', () => {});
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`proxytape demo:record: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_CODES.FAILURE);
  },
);
