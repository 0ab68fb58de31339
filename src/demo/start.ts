/**
 * `npm start`: `proxytape replay` on PORT (default 8080) over the demo
 * fixtures shipped in the package's `fixtures/` (cassette `demo`, recorded from
 * the demo backend with `npm run demo:record`). No backend, no network.
 * Requests are logged like the CLI; Ctrl+C (or SIGTERM) drains and stops.
 */
import { createLogColors } from '../cli/colors.js';
import { displayPath } from '../cli/display-path.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { CLI_DEFAULTS } from '../cli/mode-options.js';
import { formatRequestLine } from '../cli/request-log.js';
import { serveUntilSignal } from '../cli/shutdown.js';
import { isStartFailure } from '../cli/start-failure.js';
import { type RunningTapeProxy, startTapeProxy } from '../cli/start-tape.js';
import { formatTapeSummary } from '../cli/tape-summary.js';
import { isUsageError } from '../cli/usage-error.js';
import { parsePort } from '../cli/values.js';
import { getDefaultRedactor } from '../tape/redact.js';
import type { TapeSummary } from '../tape/tape.js';
import { demoBanner } from './banner.js';
import { DEMO_CASSETTE, DEMO_FIXTURES_DIR } from './paths.js';

const HOST = '127.0.0.1';

async function main(): Promise<number> {
  let port: number;
  try {
    port = process.env.PORT === undefined ? CLI_DEFAULTS.port : parsePort(process.env.PORT, 'PORT');
  } catch (error) {
    if (!isUsageError(error)) throw error;
    process.stderr.write(`proxytape demo: ${error.message} Example: PORT=0 npm start\n`);
    return EXIT_CODES.USAGE;
  }

  const colors = createLogColors();
  const redactor = getDefaultRedactor();
  const cwd = process.cwd();
  let proxy: RunningTapeProxy;
  try {
    proxy = await startTapeProxy(
      { mode: 'replay', fixtures: DEMO_FIXTURES_DIR, cassette: DEMO_CASSETTE, host: HOST, port, preserveHost: false },
      {
        onResponse: (event) =>
          process.stderr.write(
            `${formatRequestLine(event, colors, { redactUrl: (url) => redactor.url(url), redactText: (text) => redactor.text(text), cwd })}\n`,
          ),
        portHint: { flag: 'PORT=<n> npm start', ephemeral: 'PORT=0 npm start' },
      },
    );
  } catch (error) {
    if (!isStartFailure(error)) throw error;
    process.stderr.write(`proxytape demo: ${error.message}\n`);
    return EXIT_CODES.FAILURE;
  }

  let summary: TapeSummary | undefined;
  const served = serveUntilSignal({
    inFlight: () => proxy.server.inFlight,
    close: async () => {
      summary = await proxy.close();
    },
    stderr: process.stderr,
    onClosed: () => {
      // Unused fixtures are expected here (a demo user tries a few): count them, do not list them.
      if (summary !== undefined) process.stdout.write(formatTapeSummary(summary, proxy.stats, { cwd, listUnused: 0 }));
    },
  });
  // After the signal handlers: Ctrl+C right after the banner still shuts down gracefully.
  process.stdout.write(demoBanner(proxy.url, displayPath(DEMO_FIXTURES_DIR, cwd)));
  return served;
}

process.stdout.on('error', () => {});
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`proxytape demo: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_CODES.FAILURE);
  },
);
