import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { Journal, journalEntryFrom } from '../journal/journal.js';
import { describe, rejectUnknownKeys } from '../proxy/config.js';
import { type ProxyEvent, createProxyHandler } from '../proxy/handler.js';
import { createServer } from '../server/create-server.js';
import type { MatchOptions } from '../tape/match.js';
import type { Mode } from '../tape/modes.js';
import { type RedactionOptions, createRedactor } from '../tape/redact.js';
import { displayUrl } from '../util/scrub-urls.js';
import type { SequencePolicy } from '../tape/sequence.js';
import { type TapeSummary, createTape } from '../tape/tape.js';
import { CASSETTE_HEADER } from '../tape/tape-transport.js';
import { withAdminApi } from './admin.js';

/**
 * Options of {@link startProxy}; they mirror the CLI flags. Unknown keys are rejected.
 */
export interface StartProxyOptions {
  /** record | replay | auto | passthrough. @default PROXYTAPE_MODE, else 'replay' when CI=true, else 'auto' */
  mode?: Mode;
  /** Backend URL; needed in every mode but replay (`--target`). */
  target?: string | URL;
  /** Fixture root (`--fixtures`). @default './fixtures' */
  fixtures?: string;
  /** Cassette for requests without an `x-proxytape-cassette` header (`--cassette`). @default 'default' */
  cassette?: string;
  /** Port; 0 picks a free one (`--port`). @default 0 */
  port?: number;
  /** Address to bind (`--host`). @default '127.0.0.1' */
  host?: string;
  /** Send the client's Host upstream instead of the target's (`--preserve-host`). @default false */
  preserveHost?: boolean;
  /** Connect, headers and body timeout in ms, 0 = none (`--upstream-timeout`). */
  upstreamTimeout?: number;
  /** What makes two requests the same (see docs/matching.md). */
  match?: MatchOptions;
  /** Extra secrets to redact (see docs/redaction.md). */
  redact?: RedactionOptions;
  /** After the recorded sequence: repeat the last, cycle, or fail. @default 'repeat-last' */
  sequence?: SequencePolicy;
  /** Extra response headers never stored (Date and friends always are). */
  volatileHeaders?: readonly string[];
  /** Bodies above this many bytes are stored in a sidecar file. @default 262144 (256 KiB) */
  inlineLimit?: number;
  /** fsync each fixture file and its directory (survives a power loss; slower). @default false */
  durable?: boolean;
  /** Most journal entries kept (oldest dropped). @default 1000 */
  journalSize?: number;
  /** Serve the admin API under `/__proxytape/`. @default true */
  adminApi?: boolean;
}

/** A cassette seen from a test: send its header to route requests into it. */
export interface CassetteHandle {
  readonly name: string;
  /** The header that selects the cassette; merge it into a request's headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** `fetch(proxy.url + path)` with the cassette header set. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** A proxy started from a test. */
export interface RunningProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly mode: Mode;
  /** Every handled request in arrival order: inbound, as forwarded upstream, status, source, fixture. */
  readonly journal: Journal;
  /** A handle that routes requests into cassette `name`. */
  cassette(name: string): CassetteHandle;
  /** Counts so far (recorded, replayed, missed, unused fixtures…). */
  summary(): TapeSummary;
  /** Stops accepting, drains in-flight requests, flushes fixtures; resolves with the summary the CLI prints. */
  close(): Promise<TapeSummary>;
}

const KEYS = [
  'mode',
  'target',
  'fixtures',
  'cassette',
  'port',
  'host',
  'preserveHost',
  'upstreamTimeout',
  'match',
  'redact',
  'sequence',
  'volatileHeaders',
  'inlineLimit',
  'durable',
  'journalSize',
  'adminApi',
];

/**
 * Starts proxytape from a test: record/replay proxy, journal and admin API on
 * 127.0.0.1 and a free port.
 *
 * @example
 * ```ts
 * const proxy = await startProxy({ mode: 'auto', target: 'https://api.example.com', fixtures: 'test/fixtures' });
 * const res = await fetch(`${proxy.url}/users/1`, { headers: { authorization: 'Bearer t' } });
 * expect(proxy).toHaveForwarded({ method: 'GET', path: '/users/1' }); // with proxytape/jest
 * console.log(await proxy.close()); // { recorded: 0, replayed: 1, missed: 0, unused: [] … }
 * ```
 */
export async function startProxy(options: StartProxyOptions = {}): Promise<RunningProxy> {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('options', `Invalid startProxy options: ${describe(options)}. Must be an object.`);
  rejectUnknownKeys('', options, KEYS);
  const journalSize = options.journalSize ?? 1000;
  if (!Number.isInteger(journalSize) || journalSize < 1) {
    throw new ConfigError('journalSize', `Invalid option \`journalSize\`: ${describe(journalSize)}. Must be a whole number >= 1.`);
  }
  if (options.upstreamTimeout !== undefined && (!Number.isInteger(options.upstreamTimeout) || options.upstreamTimeout < 0)) {
    throw new ConfigError(
      'upstreamTimeout',
      `Invalid option \`upstreamTimeout\`: ${describe(options.upstreamTimeout)}. Must be a whole number of milliseconds >= 0.`,
    );
  }
  const cassette = options.cassette ?? 'default';
  const tape = await createTape({
    ...(options.mode !== undefined ? { mode: options.mode } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(options.fixtures !== undefined ? { fixtures: options.fixtures } : {}),
    cassette,
    ...(options.match !== undefined ? { match: options.match } : {}),
    ...(options.redact !== undefined ? { redact: options.redact } : {}),
    ...(options.sequence !== undefined ? { sequence: options.sequence } : {}),
    ...(options.volatileHeaders !== undefined ? { volatileHeaders: options.volatileHeaders } : {}),
    ...(options.inlineLimit !== undefined ? { inlineLimit: options.inlineLimit } : {}),
    ...(options.durable !== undefined ? { durable: options.durable } : {}),
  });
  const redactor = createRedactor(options.redact ?? {});
  const journal = new Journal(journalSize);
  const t = options.upstreamTimeout;
  const handler = createProxyHandler(
    {
      target: options.target ?? 'http://replay.invalid',
      host: options.preserveHost ? 'preserve' : 'target',
      transport: tape.transport,
      ...(t !== undefined ? { timeouts: { connect: t, headers: t, body: t } } : {}),
    },
    { onResponse: (event: ProxyEvent) => journal.add(journalEntryFrom(event, redactor, cassette)) },
  );
  const listener =
    options.adminApi === false
      ? handler
      : withAdminApi(handler, journal, () => ({
          mode: tape.mode,
          target: options.target === undefined ? null : displayUrl(new URL(String(options.target)), (href) => redactor.url(href)),
          fixtures: tape.fixtures,
          cassette,
          version: packageVersion(),
        }));
  let server;
  try {
    server = await createServer(listener, { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (err) {
    await tape.close();
    throw err;
  }
  const url = server.url;
  let closing: Promise<TapeSummary> | undefined;
  return {
    url,
    port: server.port,
    mode: tape.mode,
    journal,
    cassette: (name: string) => {
      const headers = { [CASSETTE_HEADER]: name };
      return {
        name,
        headers,
        fetch: (path, init = {}) => {
          const merged = new Headers(init.headers);
          merged.set(CASSETTE_HEADER, name);
          return fetch(`${url}${path}`, { ...init, headers: merged });
        },
      };
    },
    summary: () => tape.summary(),
    close: () =>
      (closing ??= (async () => {
        await server.close();
        return tape.close();
      })()),
  };
}

let version: string | undefined;
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
