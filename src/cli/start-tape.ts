import { type ProxytapeError, isConfigError, isProxytapeError } from '../errors.js';
import type { ProxyEvent, ProxyHandler } from '../proxy/handler.js';
import { createProxyHandler } from '../proxy/handler.js';
import type { ProxytapeServer } from '../server/create-server.js';
import type { Mode } from '../tape/modes.js';
import { type Tape, type TapeSummary, createTape } from '../tape/tape.js';
import { RequestStats } from './request-stats.js';
import { withAdminApi } from '../api/admin.js';
import { Journal, journalEntryFrom } from '../journal/journal.js';
import { createRedactor } from '../tape/redact.js';
import { readPackageVersion } from './version.js';
import { StartFailure } from './start-failure.js';
import { HANDLER_OPTION_FLAGS, type PortHint, asUsageError, listenOrExplain, toProxyConfig } from './start-passthrough.js';

/** Options of {@link startTapeProxy} (the CLI's validated flags, or the demo's settings). */
export interface TapeProxyOptions {
  mode: Exclude<Mode, 'passthrough'>;
  /** Backend base URL; only replay runs without one. */
  target?: URL;
  /** Fixture root (relative to the working directory or absolute). */
  fixtures: string;
  /** Cassette for requests without an `x-proxytape-cassette` header. */
  cassette: string;
  host: string;
  port: number;
  preserveHost: boolean;
  upstreamTimeout?: number;
  /** Query parameters left out of matching. */
  ignoreQuery?: readonly string[];
  /** Leave request bodies out of matching. */
  ignoreBody?: boolean;
}

/** Hooks for {@link startTapeProxy}. */
export interface StartTapeHooks {
  /** Called once per finished request (after the stats are updated). */
  onResponse?: (event: ProxyEvent) => void;
  /** Called when a fixture could not be written (the client still got its response). */
  onRecordError?: (error: ProxytapeError) => void;
  /** How the listen-failure message tells the user to pick a port. @default the --port flag */
  portHint?: PortHint;
}

/** A record / replay / auto proxy that is listening. */
export interface RunningTapeProxy {
  /** `http://host:port` the proxy listens on. */
  readonly url: string;
  readonly server: ProxytapeServer;
  readonly tape: Tape;
  readonly stats: RequestStats;
  /** Stops accepting, waits for in-flight requests, flushes fixture writes; resolves with the summary. */
  close(): Promise<TapeSummary>;
}

/** The engine's option names, mapped to the flag that sets them, for "(check --flag)". */
const TAPE_OPTION_FLAGS: Readonly<Record<string, string>> = {
  mode: 'the mode',
  fixtures: '--fixtures',
  cassette: '--cassette',
  target: '--target',
};

/** Where requests go in replay mode without a target: never contacted (replay does not touch the network). */
const REPLAY_ONLY_TARGET = 'http://replay.invalid';

/**
 * Opens the fixture store (a corrupt fixture is refused with its path) and
 * serves the record/replay engine on `options.host`:`options.port`. Shared by
 * the CLI and the demo (`npm start`).
 *
 * Throws a `UsageError` for options the engine or the proxy core rejects (the
 * CLI exits 2), a `StartFailure` for a corrupt or unreadable fixture, or a port
 * that cannot be bound (the CLI exits 1).
 *
 * @example
 * ```ts
 * const proxy = await startTapeProxy({ mode: 'replay', fixtures: 'fixtures', cassette: 'demo', host: '127.0.0.1', port: 0, preserveHost: false });
 * console.log(proxy.url); // http://127.0.0.1:43123
 * const summary = await proxy.close(); // { replayed: 0, unused: [...] … }
 * ```
 */
export async function startTapeProxy(options: TapeProxyOptions, hooks: StartTapeHooks = {}): Promise<RunningTapeProxy> {
  const command = options.mode;
  let tape: Tape;
  try {
    tape = await createTape({
      mode: options.mode,
      fixtures: options.fixtures,
      cassette: options.cassette,
      match: { ignoreQuery: options.ignoreQuery ?? [], ignoreBody: options.ignoreBody ?? false },
      ...(options.target === undefined ? {} : { target: options.target }),
      ...(hooks.onRecordError === undefined ? {} : { onRecordError: hooks.onRecordError }),
    });
  } catch (error) {
    if (isConfigError(error)) throw asUsageError(error, TAPE_OPTION_FLAGS, command);
    if (isProxytapeError(error)) throw new StartFailure(error.message, { cause: error });
    throw error;
  }

  const stats = new RequestStats();
  // The journal behind the admin API (/__proxytape/journal), for tests in any language.
  const journal = new Journal();
  const redactor = createRedactor();
  let handler: ProxyHandler;
  try {
    handler = createProxyHandler(
      { ...toProxyConfig({ ...options, target: options.target ?? REPLAY_ONLY_TARGET }), transport: tape.transport },
      {
        onResponse: (event) => {
          stats.record(event);
          journal.add(journalEntryFrom(event, redactor, options.cassette));
          hooks.onResponse?.(event);
        },
      },
    );
  } catch (error) {
    await tape.close();
    throw asUsageError(error, HANDLER_OPTION_FLAGS, command);
  }
  let server: ProxytapeServer;
  try {
    const listener = withAdminApi(handler, journal, () => ({
      mode: options.mode,
      target: options.target === undefined ? null : redactor.url(options.target.href),
      fixtures: tape.fixtures,
      cassette: options.cassette,
      version: readPackageVersion(),
    }));
    server = await listenOrExplain(listener as ProxyHandler, options, hooks.portHint, command);
  } catch (error) {
    await tape.close();
    throw error;
  }
  return {
    url: server.url,
    server,
    tape,
    stats,
    close: async () => {
      // server.close() drains in-flight requests; tape.close() then waits for their fixture writes.
      await server.close();
      return tape.close();
    },
  };
}
