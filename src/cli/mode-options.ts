import type { Mode } from '../tape/modes.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { UsageError } from './usage-error.js';
import { parseHost, parseMilliseconds, parsePort, parseTargetUrl } from './values.js';

/**
 * Why the CLI runs in its mode: named on the command line, or picked by
 * `resolveMode()` from `PROXYTAPE_MODE`, `CI=true`, or the `auto` default.
 */
export type ModeSource = 'argument' | 'PROXYTAPE_MODE' | 'CI' | 'default';

/** Validated options of `proxytape [mode] …`. */
export interface ModeOptions {
  mode: Mode;
  /** Where `mode` came from, for messages. */
  modeSource: ModeSource;
  /** Backend base URL (`--target`); required in every mode but replay. */
  target?: URL;
  /** Fixture root, as typed (`--fixtures`). @default './fixtures' */
  fixtures: string;
  /** Cassette for requests without an `x-proxytape-cassette` header (`--cassette`). @default 'default' */
  cassette: string;
  /** Address to bind (`--host`). @default '127.0.0.1' */
  host: string;
  /** Port to listen on; 0 picks a free port (`--port`). @default 8080 */
  port: number;
  /** Forward the client's Host header instead of the target's (`--preserve-host`). @default false */
  preserveHost: boolean;
  /** Connect, headers and body timeout in ms, 0 = none (`--upstream-timeout`). @default the proxy's defaults */
  upstreamTimeout?: number;
  /** Exit 1 at shutdown when a request missed or a fixture went unused (`--strict`). @default false */
  strict: boolean;
  /** Query parameters left out of matching (`--ignore-query a,b`). @default [] */
  ignoreQuery: string[];
  /** Leave request bodies out of matching (`--ignore-body`). @default false */
  ignoreBody: boolean;
}

/** Defaults of the CLI's options. */
export const CLI_DEFAULTS = {
  fixtures: './fixtures',
  cassette: 'default',
  host: '127.0.0.1',
  port: 8080,
} as const;

/** The flags every mode accepts (passthrough ignores --fixtures, --cassette and --strict: it writes and replays nothing). */
export const MODE_FLAGS: readonly FlagSpec[] = [
  {
    name: 'target',
    type: 'string',
    valueName: '<url>',
    description: 'Backend base URL, http:// or https://; required except in replay',
  },
  {
    name: 'fixtures',
    type: 'string',
    valueName: '<dir>',
    description: 'Fixture root directory',
    defaultText: CLI_DEFAULTS.fixtures,
  },
  {
    name: 'cassette',
    type: 'string',
    valueName: '<name>',
    description: 'Cassette (sub-directory) unless x-proxytape-cassette names one',
    defaultText: CLI_DEFAULTS.cassette,
  },
  {
    name: 'port',
    type: 'string',
    valueName: '<n>',
    description: 'Port to listen on; 0 picks a free port',
    defaultText: String(CLI_DEFAULTS.port),
  },
  {
    name: 'host',
    type: 'string',
    valueName: '<addr>',
    description: 'Address to bind; 0.0.0.0 listens on every interface',
    defaultText: CLI_DEFAULTS.host,
  },
  { name: 'preserve-host', type: 'boolean', description: "Send the client's Host header upstream instead of the target's" },
  {
    name: 'upstream-timeout',
    type: 'string',
    valueName: '<ms>',
    description: 'Backend timeout for connect, response headers and body idle; 0 = none',
    defaultText: 'connect 10000, headers 60000, body 60000',
  },
  { name: 'strict', type: 'boolean', description: 'At shutdown, exit 1 if a request missed or a fixture went unused' },
  {
    name: 'ignore-query',
    type: 'string',
    valueName: '<names>',
    description: 'Comma-separated query parameters left out of matching (e.g. page,_ts)',
  },
  { name: 'ignore-body', type: 'boolean', description: 'Match requests without comparing their bodies' },
];

/** Why each implicit mode was chosen, for the "Missing --target" message. */
const SOURCE_REASONS: Record<Exclude<ModeSource, 'argument'>, string> = {
  PROXYTAPE_MODE: 'from PROXYTAPE_MODE',
  CI: 'because CI=true',
  default: 'the default without PROXYTAPE_MODE or CI=true',
};

/**
 * Validates the parsed flags of one mode. Throws a {@link UsageError} naming
 * the flag and how to fix it. `command` is the mode named on the command line
 * (whose usage to show), undefined when the mode was resolved from the environment.
 *
 * @example
 * ```ts
 * buildModeOptions('replay', 'argument', { port: '0' });
 * // { mode: 'replay', modeSource: 'argument', fixtures: './fixtures', cassette: 'default', host: '127.0.0.1', port: 0, preserveHost: false, strict: false, ignoreQuery: [], ignoreBody: false }
 * ```
 */
export function buildModeOptions(mode: Mode, modeSource: ModeSource, values: FlagValues): ModeOptions {
  const command = modeSource === 'argument' ? mode : undefined;
  const target = stringValue(values, 'target');
  if (target === undefined && mode !== 'replay') {
    const what =
      modeSource === 'argument'
        ? `${mode} mode forwards requests to the backend`
        : `no mode was given, so proxytape runs in ${mode} mode (${SOURCE_REASONS[modeSource]}), which forwards requests to the backend`;
    throw new UsageError(
      `Missing --target: ${what}; pass its URL, e.g. --target http://127.0.0.1:3000 (only replay works without one).`,
      command,
    );
  }
  const fixtures = stringValue(values, 'fixtures');
  if (fixtures !== undefined && fixtures.trim() === '') {
    throw new UsageError('Invalid --fixtures "": expected a directory, e.g. --fixtures test/fixtures.', command);
  }
  const cassette = stringValue(values, 'cassette');
  const port = stringValue(values, 'port');
  const host = stringValue(values, 'host');
  const timeout = stringValue(values, 'upstream-timeout');
  const options: ModeOptions = {
    mode,
    modeSource,
    fixtures: fixtures ?? CLI_DEFAULTS.fixtures,
    // The cassette name's syntax is checked by createTape(), whose message the CLI shows with "(check --cassette)".
    cassette: cassette ?? CLI_DEFAULTS.cassette,
    host: host === undefined ? CLI_DEFAULTS.host : parseHost(host, '--host', command),
    port: port === undefined ? CLI_DEFAULTS.port : parsePort(port, '--port', command),
    preserveHost: values['preserve-host'] === true,
    strict: values['strict'] === true,
    ignoreQuery: (stringValue(values, 'ignore-query') ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
    ignoreBody: values['ignore-body'] === true,
  };
  if (target !== undefined) options.target = parseTargetUrl(target, '--target', command);
  if (timeout !== undefined) options.upstreamTimeout = parseMilliseconds(timeout, '--upstream-timeout', command);
  return options;
}

function stringValue(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
