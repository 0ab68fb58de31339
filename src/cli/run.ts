import { parseCommandLine } from './args.js';
import type { CliInvocation } from './args.js';
import { createLogColors } from './colors.js';
import type { CommandName } from './commands.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';
import { listeningLine, summaryLine } from './messages.js';
import type { PassthroughOptions } from './passthrough-command.js';
import { formatRequestLine } from './request-log.js';
import { serveUntilSignal } from './shutdown.js';
import { formatUsage } from './usage.js';
import { isUsageError } from './usage-error.js';
import { readPackageVersion } from './version.js';

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
    invocation = parseCommandLine(argv);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    return usageFailure(io, error.message, error.command as CommandName | undefined);
  }
  switch (invocation.kind) {
    case 'help':
      io.stdout.write(formatUsage(invocation.command));
      return EXIT_CODES.OK;
    case 'version':
      io.stdout.write(`${readPackageVersion()}\n`);
      return EXIT_CODES.OK;
    case 'run':
      switch (invocation.command) {
        case 'passthrough':
          return runPassthrough(invocation.options, io);
      }
  }
}

async function runPassthrough(options: PassthroughOptions, io: CliIo): Promise<ExitCode> {
  // Loaded on demand: --help and --version stay fast without the proxy core and undici.
  const { ListenFailure, startPassthrough } = await import('./start-passthrough.js');
  const colors = createLogColors(io.env);
  let proxy;
  try {
    proxy = await startPassthrough(options, {
      onResponse: (event) => io.stderr.write(`${formatRequestLine(event, colors)}\n`),
    });
  } catch (error) {
    if (isUsageError(error)) return usageFailure(io, error.message, 'passthrough');
    if (error instanceof ListenFailure) {
      io.stderr.write(`proxytape: ${error.message}\n`);
      return EXIT_CODES.FAILURE;
    }
    throw error;
  }
  io.stdout.write(`${listeningLine('passthrough', proxy.url, options.target)}\n`);
  return serveUntilSignal({
    inFlight: () => proxy.server.inFlight,
    close: () => proxy.close(),
    stderr: io.stderr,
    onClosed: () => io.stdout.write(`${summaryLine(proxy.stats)}\n`),
  });
}

function usageFailure(io: CliIo, reason: string, command: CommandName | undefined): ExitCode {
  io.stderr.write(`proxytape: ${reason}\n\n${formatUsage(command)}`);
  return EXIT_CODES.USAGE;
}
