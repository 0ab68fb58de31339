import { drainingLine, forcedExitLine } from './messages.js';

/** Signals that stop the proxy gracefully. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

/** What to do on the first and on any later shutdown signal. */
export interface ShutdownHandlers {
  /** First SIGINT/SIGTERM: start the graceful drain. */
  onFirst(signal: ShutdownSignal): void;
  /** Any SIGINT/SIGTERM while draining: give up on the drain. */
  onAgain(signal: ShutdownSignal): void;
}

/**
 * Listens for SIGINT and SIGTERM: the first calls `onFirst`, every later one
 * `onAgain`. Returns a function that removes the listeners.
 *
 * @example
 * ```ts
 * const dispose = onShutdownSignals({ onFirst: () => void drain(), onAgain: () => process.exit(130) });
 * ```
 */
export function onShutdownSignals(handlers: ShutdownHandlers): () => void {
  let received = false;
  const listener = (signal: ShutdownSignal): void => {
    if (received) {
      handlers.onAgain(signal);
      return;
    }
    received = true;
    handlers.onFirst(signal);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, listener);
  };
}

/** What {@link serveUntilSignal} drains and where it reports. */
export interface ServeUntilSignalOptions {
  /** Requests still running, for the messages. */
  inFlight(): number;
  /** Graceful stop: stop accepting, finish in-flight requests, release resources. */
  close(): Promise<void>;
  /** Diagnostics (the draining and forced-exit notices). */
  stderr: { write(chunk: string): unknown };
  /**
   * Called after a successful graceful close, e.g. to print the summary. May
   * return an exit code to use instead of 0 (1 for `--strict` failures).
   */
  onClosed?: () => 0 | 1 | void;
}

/**
 * Keeps a server running until SIGINT/SIGTERM, then drains it. Resolves with
 * the exit code: 0 after a graceful close (or what `onClosed` returns), 1 if
 * closing failed, 130 when a second signal arrives during the drain (the
 * caller exits at once).
 *
 * @example
 * ```ts
 * const code = await serveUntilSignal({ inFlight: () => server.inFlight, close: () => server.close(), stderr: process.stderr });
 * process.exit(code);
 * ```
 */
export function serveUntilSignal(options: ServeUntilSignalOptions): Promise<0 | 1 | 130> {
  return new Promise((resolve) => {
    const dispose = onShutdownSignals({
      onFirst: (signal) => {
        const inFlight = options.inFlight();
        // close() stops listening synchronously: once the notice is out, new connections are refused.
        const closed = options.close();
        options.stderr.write(`${drainingLine(signal, inFlight)}\n`);
        closed.then(
          () => {
            dispose();
            resolve(options.onClosed?.() ?? 0);
          },
          (error: unknown) => {
            dispose();
            options.stderr.write(`proxytape: graceful shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
            resolve(1);
          },
        );
      },
      onAgain: (signal) => {
        dispose();
        options.stderr.write(`${forcedExitLine(signal, options.inFlight())}\n`);
        resolve(130);
      },
    });
  });
}
