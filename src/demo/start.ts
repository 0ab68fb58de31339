/**
 * `npm start`: the demo backend on a free port with `proxytape passthrough`
 * in front of it on PORT (default 8080), logging every request like the CLI.
 * Ctrl+C (or SIGTERM) drains and stops both.
 */
import { createLogColors } from '../cli/colors.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { summaryLine } from '../cli/messages.js';
import { PASSTHROUGH_DEFAULTS } from '../cli/passthrough-command.js';
import { formatRequestLine } from '../cli/request-log.js';
import { serveUntilSignal } from '../cli/shutdown.js';
import { ListenFailure, type RunningPassthrough, startPassthrough } from '../cli/start-passthrough.js';
import { isUsageError } from '../cli/usage-error.js';
import { parsePort } from '../cli/values.js';
import { type DemoBackend, startDemoBackend } from './backend.js';
import { demoBanner } from './banner.js';

const HOST = '127.0.0.1';

async function main(): Promise<number> {
  let port: number;
  try {
    port = process.env.PORT === undefined ? PASSTHROUGH_DEFAULTS.port : parsePort(process.env.PORT, 'PORT');
  } catch (error) {
    if (!isUsageError(error)) throw error;
    process.stderr.write(`proxytape demo: ${error.message} Example: PORT=0 npm start\n`);
    return EXIT_CODES.USAGE;
  }

  const backend: DemoBackend = await startDemoBackend({ host: HOST, port: 0 });
  const colors = createLogColors();
  let proxy: RunningPassthrough;
  try {
    proxy = await startPassthrough(
      { target: new URL(backend.url), host: HOST, port, preserveHost: false },
      {
        onResponse: (event) => process.stderr.write(`${formatRequestLine(event, colors)}\n`),
        portHint: { flag: 'PORT=<n> npm start', ephemeral: 'PORT=0 npm start' },
      },
    );
  } catch (error) {
    await backend.close();
    if (!(error instanceof ListenFailure)) throw error;
    process.stderr.write(`proxytape demo: ${error.message}\n`);
    return EXIT_CODES.FAILURE;
  }

  process.stdout.write(demoBanner(proxy.url, backend.url));
  return serveUntilSignal({
    inFlight: () => proxy.server.inFlight,
    close: async () => {
      await proxy.close();
      await backend.close();
    },
    stderr: process.stderr,
    onClosed: () => process.stdout.write(`${summaryLine(proxy.stats)}\n`),
  });
}

process.stdout.on('error', () => {});
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`proxytape demo: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT_CODES.FAILURE);
  },
);
