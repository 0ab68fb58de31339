import path from 'node:path';
import { ConfigError, type ProxytapeError } from '../errors.js';
import { describe, rejectUnknownKeys } from '../proxy/config.js';
import { HttpTransport } from '../proxy/http-transport.js';
import type { Transport } from '../proxy/transport.js';
import { DEFAULT_INLINE_LIMIT } from './body-codec.js';
import { validateCassette } from './cassette.js';
import { hostDirName } from './fixture-file.js';
import { type MatchOptions, validateMatchOptions } from './match.js';
import { type Mode, resolveMode } from './modes.js';
import { type RedactionOptions, createRedactor } from './redact.js';
import { SEQUENCE_POLICIES, SequenceTracker, type SequencePolicy } from './sequence.js';
import { FixtureStore } from './store.js';
import { TapeTransport, type TapeStats } from './tape-transport.js';
import type { StoredFixture } from './types.js';

/** Response headers that change on every call and are never stored (extend with `volatileHeaders`). */
export const DEFAULT_VOLATILE_HEADERS: readonly string[] = [
  'date',
  'age',
  'x-request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-cf-id',
  'cf-ray',
  'x-runtime',
  'x-response-time',
  'server-timing',
  'x-envoy-upstream-service-time',
  'report-to',
  'nel',
];

/**
 * Options of {@link createTape}. Every field is optional except `target` in the
 * modes that reach the network (record, auto, passthrough).
 */
export interface TapeOptions {
  /** record | replay | auto | passthrough. @default PROXYTAPE_MODE, else 'replay' when CI=true, else 'auto' */
  mode?: Mode;
  /** Fixture root directory. @default './fixtures' */
  fixtures?: string;
  /** Cassette for requests that name none with the `x-proxytape-cassette` header. @default 'default' */
  cassette?: string;
  /** Backend URL; needed in every mode but replay. */
  target?: string | URL;
  /** What makes two requests the same (see docs/matching.md). */
  match?: MatchOptions;
  /** Extra secrets to redact before anything is written (see docs/redaction.md). */
  redact?: RedactionOptions;
  /** Identical requests replay in recorded order, then: repeat the last, cycle, or fail. @default 'repeat-last' */
  sequence?: SequencePolicy;
  /** Extra response headers never stored (Date and friends always are). */
  volatileHeaders?: readonly string[];
  /** Bodies above this many bytes are stored in a sidecar file. @default 262144 */
  inlineLimit?: number;
  /** fsync each fixture so it survives a power loss (writes are atomic either way). @default false */
  durable?: boolean;
  /** Forwards to the backend. @default a new HttpTransport */
  upstream?: Transport;
  /** Called when a fixture could not be written (the client still got its response). */
  onRecordError?: (error: ProxytapeError) => void;
}

/** The shutdown summary: what was recorded, replayed, missed, and what was never used. */
export interface TapeSummary extends TapeStats {
  mode: Mode;
  /** Fixtures of the cassettes used in this run that no request replayed. */
  unused: string[];
}

/** A record/replay engine: the transport to give `createProxyHandler()`, and its summary. */
export interface Tape {
  readonly mode: Mode;
  readonly transport: TapeTransport;
  readonly store: FixtureStore;
  /** The fixture root, absolute. */
  readonly fixtures: string;
  summary(): TapeSummary;
  /** Waits for fixture writes in flight, then closes the upstream transport. */
  close(): Promise<TapeSummary>;
}

const TAPE_KEYS = [
  'mode',
  'fixtures',
  'cassette',
  'target',
  'match',
  'redact',
  'sequence',
  'volatileHeaders',
  'inlineLimit',
  'durable',
  'upstream',
  'onRecordError',
];

/**
 * Opens the fixture store (indexing every fixture; a corrupt one is refused
 * with its path) and builds the record/replay transport.
 *
 * @example
 * ```ts
 * const tape = await createTape({ mode: 'auto', target: 'https://api.example.com', fixtures: 'test/fixtures' });
 * const handler = createProxyHandler({ target: 'https://api.example.com', transport: tape.transport });
 * const server = await createServer(handler);
 * // … run tests against server.url …
 * await server.close();
 * console.log(await tape.close()); // { recorded: 2, replayed: 10, missed: 0, unused: [] … }
 * ```
 */
export async function createTape(options: TapeOptions = {}): Promise<Tape> {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError('options', `Invalid tape options: ${describe(options)}. Must be an object.`);
  rejectUnknownKeys('', options, TAPE_KEYS);
  const mode = resolveMode(options.mode);
  const fixtures = path.resolve(options.fixtures ?? './fixtures');
  const cassette = validateCassetteOption(options.cassette ?? 'default');
  let target: URL | undefined;
  if (options.target !== undefined) {
    try {
      target = new URL(String(options.target));
    } catch {
      throw new ConfigError(
        'target',
        `Invalid option \`target\`: ${describe(options.target)} is not a URL. Must be an absolute http: or https: URL.`,
      );
    }
  } else if (mode !== 'replay') {
    throw new ConfigError(
      'target',
      `Missing option \`target\`: mode '${mode}' forwards requests to the backend, so it needs its URL (only 'replay' works without one).`,
    );
  }
  const sequence = options.sequence ?? 'repeat-last';
  if (!(SEQUENCE_POLICIES as readonly string[]).includes(sequence)) {
    throw new ConfigError(
      'sequence',
      `Invalid option \`sequence\`: ${describe(sequence)}. Must be one of: ${SEQUENCE_POLICIES.join(', ')}.`,
    );
  }
  const inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
  if (!Number.isInteger(inlineLimit) || inlineLimit < 0) {
    throw new ConfigError('inlineLimit', `Invalid option \`inlineLimit\`: ${describe(inlineLimit)}. Must be a whole number of bytes >= 0.`);
  }
  const volatile = options.volatileHeaders ?? [];
  if (!Array.isArray(volatile) || !volatile.every((h) => typeof h === 'string')) {
    throw new ConfigError(
      'volatileHeaders',
      `Invalid option \`volatileHeaders\`: ${describe(volatile)}. Must be an array of header names.`,
    );
  }
  const match = validateMatchOptions(options.match ?? {});
  const redactor = createRedactor(options.redact ?? {});
  if (options.durable !== undefined && typeof options.durable !== 'boolean') {
    throw new ConfigError('durable', `Invalid option \`durable\`: ${describe(options.durable)}. Must be true or false.`);
  }
  const store = await FixtureStore.open(fixtures, { inlineLimit, durable: options.durable ?? false });
  const upstream = options.upstream ?? new HttpTransport();
  const transport = new TapeTransport({
    mode,
    store,
    cassette,
    hostDir: target ? hostDirName(target) : 'replay',
    upstream,
    redactor,
    match,
    sequences: new SequenceTracker(sequence),
    volatileHeaders: new Set([...DEFAULT_VOLATILE_HEADERS, ...volatile.map((h) => h.toLowerCase())]),
    inlineLimit,
    ...(options.onRecordError ? { onRecordError: options.onRecordError } : {}),
  });
  const summary = (): TapeSummary => ({
    mode,
    ...transport.stats,
    unused: transport.cassettesUsed.flatMap((c) => store.unused(c)).map((f: StoredFixture) => f.path),
  });
  return {
    mode,
    transport,
    store,
    fixtures,
    summary,
    close: async () => {
      await transport.close();
      await store.close();
      return summary();
    },
  };
}

/** Checks the `cassette` option: a ConfigError naming the option, with the cassette rule. */
export function validateCassetteOption(name: unknown): string {
  if (typeof name !== 'string')
    throw new ConfigError('cassette', `Invalid option \`cassette\`: ${describe(name)}. Must be a string like 'default' or 'users/list'.`);
  try {
    return validateCassette(name);
  } catch (err) {
    throw new ConfigError('cassette', `Invalid option \`cassette\`: ${(err as Error).message}`);
  }
}
