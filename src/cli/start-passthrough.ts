import { isConfigError } from '../errors.js';
import { scrubMessage } from '../util/scrub-urls.js';
import type { ProxyConfig } from '../proxy/config.js';
import type { ProxyEvent, ProxyHandler } from '../proxy/handler.js';
import { createProxyHandler } from '../proxy/handler.js';
import { createServer } from '../server/create-server.js';
import type { ProxytapeServer } from '../server/create-server.js';
import { withAdminApi } from '../api/admin.js';
import { Journal, journalEntryFrom } from '../journal/journal.js';
import { createRedactor } from '../tape/redact.js';
import { listenErrorLine } from './messages.js';
import { readPackageVersion } from './version.js';
import { RequestStats } from './request-stats.js';
import { StartFailure } from './start-failure.js';
import { UsageError } from './usage-error.js';

/** Options of {@link startPassthrough} (the CLI's validated flags). */
export interface PassthroughOptions {
  /** Backend base URL (`--target`). */
  target: URL;
  /** Address to bind (`--host`). */
  host: string;
  /** Port to listen on; 0 picks a free port (`--port`). */
  port: number;
  /** Forward the client's Host header instead of the target's (`--preserve-host`). */
  preserveHost: boolean;
  /** Connect, headers and body timeout in ms, 0 = none (`--upstream-timeout`). @default the proxy's defaults */
  upstreamTimeout?: number;
}

/** The flag that sets each option of the proxy handler / the server, to point messages at it. */
export const HANDLER_OPTION_FLAGS: Readonly<Record<string, string>> = {
  target: '--target',
  host: '--preserve-host',
  timeouts: '--upstream-timeout',
};
export const SERVER_OPTION_FLAGS: Readonly<Record<string, string>> = { host: '--host', port: '--port' };

/** How the user picks another port, for the "port in use" message. */
export interface PortHint {
  /** e.g. `--port <n>` or `PORT=<n>`. */
  flag: string;
  /** e.g. `--port 0` or `PORT=0`. */
  ephemeral: string;
}

/** Hooks for {@link startPassthrough}. */
export interface StartPassthroughHooks {
  /** Called once per finished request (after the stats are updated). */
  onResponse?: (event: ProxyEvent) => void;
  /** How the listen-failure message tells the user to pick a port. @default the --port flag */
  portHint?: PortHint;
}

/** A passthrough proxy that is listening. */
export interface RunningPassthrough {
  /** `http://host:port` the proxy listens on. */
  readonly url: string;
  readonly server: ProxytapeServer;
  readonly stats: RequestStats;
  /** Stops accepting connections, waits for in-flight requests, then releases upstream connections. */
  close(): Promise<void>;
}

/** Turns CLI options into the proxy core's config. */
export function toProxyConfig(
  options: Pick<PassthroughOptions, 'preserveHost' | 'upstreamTimeout'> & { target: URL | string },
): ProxyConfig {
  const config: ProxyConfig = { target: options.target, host: options.preserveHost ? 'preserve' : 'target' };
  if (options.upstreamTimeout !== undefined) {
    const ms = options.upstreamTimeout;
    config.timeouts = { connect: ms, headers: ms, body: ms };
  }
  return config;
}

/**
 * Starts `proxytape passthrough` in this process: a proxy handler for
 * `options.target` served on `options.host`:`options.port`. Shared by the CLI
 * and the demo (`npm start`).
 *
 * Throws a `UsageError` when the proxy core rejects the config (the CLI exits 2),
 * or a `StartFailure` when the port cannot be bound (the CLI exits 1).
 *
 * @example
 * ```ts
 * const proxy = await startPassthrough({ target: new URL('http://127.0.0.1:3000'), host: '127.0.0.1', port: 0, preserveHost: false });
 * console.log(proxy.url); // http://127.0.0.1:43123
 * await proxy.close();
 * ```
 */
export async function startPassthrough(options: PassthroughOptions, hooks: StartPassthroughHooks = {}): Promise<RunningPassthrough> {
  const stats = new RequestStats();
  // The journal behind the admin API (/__proxytape/journal), as in the other modes.
  const journal = new Journal();
  const redactor = createRedactor();
  let handler: ProxyHandler;
  try {
    handler = createProxyHandler(toProxyConfig(options), {
      onResponse: (event) => {
        stats.record(event);
        journal.add(journalEntryFrom(event, redactor, 'default'));
        hooks.onResponse?.(event);
      },
    });
  } catch (error) {
    throw asUsageError(error, HANDLER_OPTION_FLAGS, 'passthrough');
  }
  const listener = withAdminApi(handler, journal, () => ({
    mode: 'passthrough',
    target: scrubMessage(options.target.href),
    fixtures: null,
    cassette: null,
    version: readPackageVersion(),
  }));
  const server = await listenOrExplain(listener as ProxyHandler, options, hooks.portHint, 'passthrough');
  return {
    url: server.url,
    server,
    stats,
    // server.close() drains, then awaits handler.close() (the listener's close hook).
    close: () => server.close(),
  };
}

/**
 * Serves `handler` on `options.host`:`options.port`. On failure the handler is
 * closed and the error reworded: a `UsageError` for an invalid host/port, a
 * `StartFailure` saying how to pick another port for a listen failure.
 */
export async function listenOrExplain(
  handler: ProxyHandler,
  options: { host: string; port: number },
  portHint: PortHint | undefined,
  command: string | undefined,
): Promise<ProxytapeServer> {
  try {
    return await createServer(handler, { host: options.host, port: options.port });
  } catch (error) {
    await handler.close();
    if (isConfigError(error)) throw asUsageError(error, SERVER_OPTION_FLAGS, command);
    const hint = portHint ?? { flag: '--port <n>', ephemeral: '--port 0' };
    throw new StartFailure(listenErrorLine(error, options.host, options.port, hint), { cause: error });
  }
}

/** A ConfigError from the core, reworded for the command line (other errors pass through). */
export function asUsageError(error: unknown, flags: Readonly<Record<string, string>>, command: string | undefined): unknown {
  if (!isConfigError(error)) return error;
  const flag = flags[error.option.split('.')[0] ?? ''];
  return new UsageError(flag === undefined ? error.message : `${error.message} (check ${flag})`, command);
}
