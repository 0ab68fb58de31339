import { inspect } from 'node:util';
import { ConfigError } from '../errors.js';

/**
 * Options of {@link createServer}. Unknown keys are rejected, so a misspelt
 * option fails loudly instead of being ignored.
 *
 * @example
 * ```ts
 * const server = await createServer(listener, { host: '127.0.0.1', port: 0, drainTimeout: 2_000 });
 * ```
 */
export interface ServerOptions {
  /**
   * Address to listen on (IP address or host name).
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * TCP port; 0 picks a free ephemeral port (read it back from `server.port`).
   * @default 0 (ephemeral)
   */
  port?: number;
  /**
   * ms that close() waits for in-flight requests before destroying them.
   * @default 10_000
   */
  drainTimeout?: number;
}

/** Options of {@link ProxytapeServer.close}. */
export interface CloseOptions {
  /**
   * ms to wait for in-flight requests before destroying them; overrides the
   * server's `drainTimeout` for this call.
   */
  drainTimeout?: number;
}

/** {@link ServerOptions} with every default applied. */
export type ResolvedServerOptions = Required<ServerOptions>;

/** The defaults of {@link ServerOptions}, in one place. */
export const SERVER_DEFAULTS: Readonly<ResolvedServerOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  drainTimeout: 10_000,
});

const SERVER_OPTION_KEYS = ['host', 'port', 'drainTimeout'] as const;
const CLOSE_OPTION_KEYS = ['drainTimeout'] as const;

/** Validates createServer() options and applies the defaults; throws a ConfigError naming the bad option. */
export function resolveServerOptions(options: unknown): ResolvedServerOptions {
  const given = checkObject(options, 'options', 'createServer()', SERVER_OPTION_KEYS);
  // `undefined` means "not given"; `null` is a value and gets rejected like any other bad one.
  const host = given['host'] === undefined ? SERVER_DEFAULTS.host : given['host'];
  const port = given['port'] === undefined ? SERVER_DEFAULTS.port : given['port'];
  const drainTimeout = given['drainTimeout'] === undefined ? SERVER_DEFAULTS.drainTimeout : given['drainTimeout'];
  if (typeof host !== 'string' || host.trim() === '') {
    throw new ConfigError(
      'host',
      `Invalid option \`host\`: ${show(host)}. Must be a non-empty IP address or host name, e.g. '127.0.0.1', '::1' or 'localhost'.`,
    );
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError('port', `Invalid option \`port\`: ${show(port)}. Must be an integer from 0 to 65535.`);
  }
  return { host, port, drainTimeout: checkDrainTimeout(drainTimeout) };
}

/** Validates close() options; returns the drain timeout to use. */
export function resolveCloseOptions(options: unknown, fallback: number): number {
  const given = checkObject(options, 'options', 'close()', CLOSE_OPTION_KEYS);
  const drainTimeout = given['drainTimeout'];
  return drainTimeout === undefined ? fallback : checkDrainTimeout(drainTimeout);
}

function checkDrainTimeout(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(
      'drainTimeout',
      `Invalid option \`drainTimeout\`: ${show(value)}. Must be an integer number of milliseconds, 0 or more (0 destroys in-flight requests at once).`,
    );
  }
  return value;
}

function checkObject(value: unknown, name: string, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(name, `Invalid ${name} for ${where}: ${show(value)}. Must be an object with the keys ${allowed.join(', ')}.`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(key, `Unknown option \`${key}\` for ${where}. Allowed options: ${allowed.join(', ')}.`);
    }
  }
  return value as Record<string, unknown>;
}

function show(value: unknown): string {
  return inspect(value, { depth: 0, breakLength: Infinity });
}
