import { ConfigError } from '../errors.js';
import type { Transport } from './transport.js';

/** How the Host header sent upstream is chosen. */
export const HOST_POLICIES = ['target', 'preserve'] as const;
export type HostPolicy = (typeof HOST_POLICIES)[number] | { replace: string };

/** Upstream timeouts in milliseconds; 0 disables one. */
export interface ProxyTimeouts {
  /** Establishing the TCP/TLS connection. @default 10_000 */
  connect?: number;
  /** From sending the request to receiving the complete response headers. @default 60_000 */
  headers?: number;
  /** Longest pause between two chunks of the response body. @default 60_000 */
  body?: number;
}

/** TLS options for `https:` targets. SNI is always the target's host name unless `servername` is set. */
export interface ProxyTlsOptions {
  /** Extra CA certificate(s) (PEM) to trust, e.g. a test backend's self-signed certificate. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Set to false to accept any certificate (self-signed test backends only). @default true */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks. @default the target's host name */
  servername?: string;
}

/**
 * Where and how `proxy()` forwards a request (rouille's `ProxyConfig { addr, replace_host }`).
 *
 * @example
 * ```ts
 * const config: ProxyConfig = {
 *   target: 'https://api.example.com/v1',   // requests for /users go to /v1/users
 *   host: 'target',                          // Host: api.example.com (the default)
 *   timeouts: { connect: 2_000, headers: 10_000 },
 * };
 * ```
 */
export interface ProxyConfig {
  /** Backend URL: `http:` or `https:`, optionally with a base path (and a query merged into every request). */
  target: string | URL;
  /**
   * Host header sent upstream: `'target'` (the target's host, like mongoose), `'preserve'`
   * (the client's Host), or `{ replace: 'name' }` (rouille's `replace_host`).
   * @default 'target'
   */
  host?: HostPolicy;
  /** Add X-Forwarded-For (appended), X-Forwarded-Host and X-Forwarded-Proto. @default true */
  xForwarded?: boolean;
  /** Upstream timeouts in ms (0 = none). */
  timeouts?: ProxyTimeouts;
  /** TLS options for `https:` targets. */
  tls?: ProxyTlsOptions;
  /**
   * Where responses come from (Go's RoundTripper). The default HTTP transport keeps one undici
   * `Pool` per origin; record/replay transports answer from fixtures.
   * @default the shared HTTP transport
   */
  transport?: Transport;
}

/** Defaults applied to every {@link ProxyConfig}. */
export const PROXY_CONFIG_DEFAULTS = {
  host: 'target',
  xForwarded: true,
  timeouts: { connect: 10_000, headers: 60_000, body: 60_000 },
} as const;

/** A validated config with everything the hot path needs precomputed. */
export interface CompiledProxyConfig {
  readonly kind: 'compiled-proxy-config';
  readonly target: URL;
  /** `http://host:port`, the pool key part. */
  readonly origin: string;
  /** Target path without a trailing slash ('' for '/'). */
  readonly basePath: string;
  /** Target query without '?' ('' for none). */
  readonly baseQuery: string;
  /** Host header value for policy 'target' or 'replace'; null for 'preserve'. */
  readonly hostHeader: string | null;
  readonly xForwarded: boolean;
  readonly timeouts: Required<ProxyTimeouts>;
  readonly tls: ProxyTlsOptions | undefined;
  readonly transport: Transport | undefined;
}

const CONFIG_KEYS = ['target', 'host', 'xForwarded', 'timeouts', 'tls', 'transport'] as const;
const TIMEOUT_KEYS = ['connect', 'headers', 'body'] as const;
const TLS_KEYS = ['ca', 'rejectUnauthorized', 'servername'] as const;

const cache = new WeakMap<object, CompiledProxyConfig>();

/**
 * Validates a config once and precomputes what every request needs. Throws a
 * `ConfigError` naming the option and the allowed values. `proxy()` accepts
 * either form; compiling up front moves validation out of the request path.
 *
 * @example
 * ```ts
 * const config = compileProxyConfig({ target: 'http://127.0.0.1:3000' });
 * http.createServer(async (req, res) => (await fullProxy(req, config)).send(res));
 * ```
 */
export function compileProxyConfig(config: ProxyConfig | CompiledProxyConfig): CompiledProxyConfig {
  if (isCompiled(config)) return config;
  if (typeof config !== 'object' || config === null) {
    throw new ConfigError(
      'config',
      `Invalid proxy config: expected an object like { target: 'http://127.0.0.1:3000' }, got ${describe(config)}.`,
    );
  }
  const cached = cache.get(config);
  if (cached) return cached;
  const compiled = compile(config);
  cache.set(config, compiled);
  return compiled;
}

function isCompiled(value: unknown): value is CompiledProxyConfig {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'compiled-proxy-config';
}

function compile(config: ProxyConfig): CompiledProxyConfig {
  rejectUnknownKeys('', config, CONFIG_KEYS);
  const target = parseTarget(config.target);
  const hostPolicy = config.host ?? PROXY_CONFIG_DEFAULTS.host;
  let hostHeader: string | null;
  if (hostPolicy === 'target') hostHeader = target.host;
  else if (hostPolicy === 'preserve') hostHeader = null;
  else if (
    typeof hostPolicy === 'object' &&
    hostPolicy !== null &&
    typeof hostPolicy.replace === 'string' &&
    hostPolicy.replace.length > 0
  ) {
    rejectUnknownKeys('host.', hostPolicy, ['replace']);
    if (/[\s\r\n]/.test(hostPolicy.replace)) {
      throw new ConfigError(
        'host',
        `Invalid option \`host\`: { replace: ${JSON.stringify(hostPolicy.replace)} } contains white space. Must be a host name like 'api.example.com'.`,
      );
    }
    hostHeader = hostPolicy.replace;
  } else {
    throw new ConfigError(
      'host',
      `Invalid option \`host\`: ${describe(hostPolicy)}. Must be one of: 'target', 'preserve', { replace: '<host>' }.`,
    );
  }

  const xForwarded = config.xForwarded ?? PROXY_CONFIG_DEFAULTS.xForwarded;
  if (typeof xForwarded !== 'boolean') {
    throw new ConfigError('xForwarded', `Invalid option \`xForwarded\`: ${describe(xForwarded)}. Must be true or false.`);
  }

  const timeouts = { ...PROXY_CONFIG_DEFAULTS.timeouts } as Required<ProxyTimeouts>;
  if (config.timeouts !== undefined) {
    if (typeof config.timeouts !== 'object' || config.timeouts === null) {
      throw new ConfigError(
        'timeouts',
        `Invalid option \`timeouts\`: ${describe(config.timeouts)}. Must be an object like { connect: 10000, headers: 60000, body: 60000 }.`,
      );
    }
    rejectUnknownKeys('timeouts.', config.timeouts, TIMEOUT_KEYS);
    for (const key of TIMEOUT_KEYS) {
      const value = config.timeouts[key];
      if (value === undefined) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new ConfigError(
          `timeouts.${key}`,
          `Invalid option \`timeouts.${key}\`: ${describe(value)}. Must be a whole number of milliseconds >= 0 (0 disables the timeout).`,
        );
      }
      timeouts[key] = value;
    }
  }

  let tls: ProxyTlsOptions | undefined;
  if (config.tls !== undefined) {
    if (typeof config.tls !== 'object' || config.tls === null) {
      throw new ConfigError(
        'tls',
        `Invalid option \`tls\`: ${describe(config.tls)}. Must be an object like { ca, rejectUnauthorized, servername }.`,
      );
    }
    rejectUnknownKeys('tls.', config.tls, TLS_KEYS);
    const { ca, rejectUnauthorized, servername } = config.tls;
    if (ca !== undefined && !isCa(ca)) {
      throw new ConfigError('tls.ca', `Invalid option \`tls.ca\`: ${describe(ca)}. Must be a PEM string, a Buffer, or an array of them.`);
    }
    if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') {
      throw new ConfigError(
        'tls.rejectUnauthorized',
        `Invalid option \`tls.rejectUnauthorized\`: ${describe(rejectUnauthorized)}. Must be true or false.`,
      );
    }
    if (servername !== undefined && (typeof servername !== 'string' || servername === '')) {
      throw new ConfigError('tls.servername', `Invalid option \`tls.servername\`: ${describe(servername)}. Must be a non-empty host name.`);
    }
    tls = config.tls;
  }

  const transport = config.transport;
  if (transport !== undefined && (typeof transport !== 'object' || transport === null || typeof transport.roundTrip !== 'function')) {
    throw new ConfigError(
      'transport',
      `Invalid option \`transport\`: ${describe(transport)}. Must be an object with a roundTrip(request) method (see the Transport interface).`,
    );
  }

  const basePath = target.pathname === '/' ? '' : target.pathname.replace(/\/$/, '');
  return Object.freeze({
    kind: 'compiled-proxy-config',
    target,
    origin: target.origin,
    basePath,
    baseQuery: target.search.slice(1),
    hostHeader,
    xForwarded,
    timeouts: Object.freeze(timeouts),
    tls,
    transport,
  });
}

function parseTarget(value: unknown): URL {
  if (value === undefined) {
    throw new ConfigError('target', "Missing option `target`: the backend URL to forward to, e.g. 'http://127.0.0.1:3000'.");
  }
  let url: URL;
  try {
    url = value instanceof URL ? new URL(value.href) : new URL(String(value));
  } catch {
    throw new ConfigError(
      'target',
      `Invalid option \`target\`: ${describe(value)} is not a URL. Must be an absolute http: or https: URL, e.g. 'http://127.0.0.1:3000'.`,
    );
  }
  if (typeof value !== 'string' && !(value instanceof URL)) {
    throw new ConfigError('target', `Invalid option \`target\`: ${describe(value)}. Must be a string or URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      'target',
      `Invalid option \`target\`: ${describe(String(value))} uses ${url.protocol.replace(/:$/, '')}. Must be one of: http, https.`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      'target',
      'Invalid option `target`: credentials in the URL are not supported. Send an Authorization header from the client instead.',
    );
  }
  if (url.hash) {
    throw new ConfigError(
      'target',
      `Invalid option \`target\`: ${JSON.stringify(url.href)} has a #fragment, which is never sent to a server. Remove it.`,
    );
  }
  return url;
}

function isCa(value: unknown): boolean {
  const one = (v: unknown): boolean => typeof v === 'string' || Buffer.isBuffer(v);
  return one(value) || (Array.isArray(value) && value.every(one));
}

/** Throws a ConfigError for the first key not in `allowed`, listing the allowed keys. */
export function rejectUnknownKeys(prefix: string, object: object, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${prefix}${key}`,
        `Unknown option \`${prefix}${key}\`. Allowed options${prefix ? ` in \`${prefix.slice(0, -1)}\`` : ''}: ${allowed.join(', ')}.`,
      );
    }
  }
}

/** Short printable form of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
