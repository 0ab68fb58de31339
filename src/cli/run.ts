import type { TapeSummary } from '../tape/tape.js';
import { parseCommandLine } from './args.js';
import type { CliInvocation } from './args.js';
import { createLogColors } from './colors.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { HAR_COMMAND, formatHarUsage } from './har-command.js';
import { listeningLine, summaryLine, tapeListeningLine } from './messages.js';
import type { ModeOptions } from './mode-options.js';
import { type RequestLogOptions, formatRequestLine } from './request-log.js';
import { serveUntilSignal } from './shutdown.js';
import { isStartFailure } from './start-failure.js';
import { formatTapeSummary, strictFailure } from './tape-summary.js';
import { formatUsage } from './usage.js';
import { isUsageError } from './usage-error.js';
import { readPackageVersion } from './version.js';
import type { Mode } from '../tape/modes.js';

/** Where the CLI writes. stdout: the listening line and the shutdown summary; stderr: everything else. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: NodeJS.ProcessEnv;
}

/**
 * Runs `proxytape` with `argv` (arguments after the script) and resolves with
 * the exit code. Long-running commands resolve once a signal stopped them.
 *
 * @example
 * ```ts
 * process.exit(await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }));
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let invocation: CliInvocation;
  try {
    invocation = parseCommandLine(argv, io.env);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    return usageFailure(io, error.message, error.command as Mode | undefined);
  }
  switch (invocation.kind) {
    case 'help':
      io.stdout.write(formatUsage(invocation.command));
      return EXIT_CODES.OK;
    case 'version':
      io.stdout.write(`${readPackageVersion()}\n`);
      return EXIT_CODES.OK;
    case 'har-help':
      io.stdout.write(formatHarUsage());
      return EXIT_CODES.OK;
    case 'har': {
      const { runHarCommand } = await import('./har-command.js');
      return runHarCommand(invocation.options, io);
    }
    case 'run': {
      const { options } = invocation;
      if (options.modeSource !== 'argument') io.stderr.write(`${implicitModeNote(options)}\n`);
      try {
        const { mode } = options;
        return await (mode === 'passthrough' ? runPassthrough(options, io) : runTape({ ...options, mode }, io));
      } catch (error) {
        if (isUsageError(error)) return usageFailure(io, error.message, error.command as Mode | undefined);
        if (isStartFailure(error)) {
          io.stderr.write(`proxytape: ${error.message}\n`);
          return EXIT_CODES.FAILURE;
        }
        throw error;
      }
    }
  }
}

async function runPassthrough(options: ModeOptions, io: CliIo): Promise<ExitCode> {
  // Loaded on demand: --help and --version stay fast without the proxy core and undici.
  const { startPassthrough } = await import('./start-passthrough.js');
  const target = options.target as URL; // buildModeOptions() requires --target in every mode but replay
  const logOptions = await requestLogOptions();
  const colors = createLogColors(io.env);
  const proxy = await startPassthrough(
    { ...options, target },
    { onResponse: (event) => io.stderr.write(`${formatRequestLine(event, colors, logOptions)}\n`) },
  );
  const served = serveUntilSignal({
    inFlight: () => proxy.server.inFlight,
    close: () => proxy.close(),
    stderr: io.stderr,
    onClosed: () => void io.stdout.write(`${summaryLine(proxy.stats)}\n`),
  });
  // Only now that SIGINT/SIGTERM are handled: a script may signal as soon as it reads this line.
  io.stdout.write(`${listeningLine('passthrough', proxy.url, target)}\n`);
  return served;
}

async function runTape(options: ModeOptions & { mode: Exclude<Mode, 'passthrough'> }, io: CliIo): Promise<ExitCode> {
  const { startTapeProxy } = await import('./start-tape.js');
  const logOptions = await requestLogOptions();
  const colors = createLogColors(io.env);
  // Fixtures written in this run are not "unused" (the engine lists every fixture no request replayed).
  const recorded = new Set<string>();
  const proxy = await startTapeProxy(options, {
    onResponse: (event) => {
      if (event.source === 'recorded' && event.fixture !== undefined) recorded.add(event.fixture);
      io.stderr.write(`${formatRequestLine(event, colors, logOptions)}\n`);
    },
    onRecordError: (error) => io.stderr.write(`proxytape: ${error.message}\n`),
  });
  let summary: TapeSummary | undefined;
  const served = serveUntilSignal({
    inFlight: () => proxy.server.inFlight,
    close: async () => {
      const closed = await proxy.close();
      summary = { ...closed, unused: closed.unused.filter((file) => !recorded.has(file)) };
    },
    stderr: io.stderr,
    onClosed: () => {
      if (summary === undefined) return EXIT_CODES.FAILURE;
      io.stdout.write(formatTapeSummary(summary, proxy.stats, { cwd: logOptions.cwd }));
      const failure = options.strict ? strictFailure(summary) : undefined;
      if (failure === undefined) return EXIT_CODES.OK;
      io.stderr.write(`proxytape: ${failure}\n`);
      return EXIT_CODES.FAILURE;
    },
  });
  // Only now that SIGINT/SIGTERM are handled: a script may signal as soon as it reads this line.
  io.stdout.write(`${tapeListeningLine(options.mode, proxy.url, options.target, options.fixtures, options.cassette)}\n`);
  return served;
}

/** Request lines hide secrets in URLs with the fixtures' default redaction rules (api_key, token…). */
async function requestLogOptions(): Promise<RequestLogOptions & { cwd: string }> {
  const { createRedactor } = await import('../tape/redact.js');
  const redactor = createRedactor();
  return { redactUrl: (url) => redactor.url(url), redactText: (text) => redactor.text(text), cwd: process.cwd() };
}

/** Printed on stderr when no mode was named, so the choice is never a surprise. */
function implicitModeNote(options: ModeOptions): string {
  const why =
    options.modeSource === 'PROXYTAPE_MODE'
      ? 'from PROXYTAPE_MODE'
      : options.modeSource === 'CI'
        ? `because CI=${process.env.CI?.trim() || 'true'}`
        : 'the default when neither PROXYTAPE_MODE nor CI=true is set';
  return `proxytape: no mode given, running in ${options.mode} mode (${why}).`;
}

function usageFailure(io: CliIo, reason: string, command: Mode | undefined): ExitCode {
  const usage = (command as string | undefined) === HAR_COMMAND ? formatHarUsage() : formatUsage(command);
  io.stderr.write(`proxytape: ${reason}\n\n${usage}`);
  return EXIT_CODES.USAGE;
}
