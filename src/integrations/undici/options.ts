import path from 'node:path';
import type { Dispatcher } from 'undici';
import { ConfigError } from '../../errors.js';
import { describe, rejectUnknownKeys } from '../../proxy/config.js';
import { DEFAULT_INLINE_LIMIT } from '../../tape/body-codec.js';
import { validateCassette } from '../../tape/cassette.js';
import { type MatchOptions, validateMatchOptions } from '../../tape/match.js';
import { type Mode, resolveMode } from '../../tape/modes.js';
import { type Redactor, createRedactor } from '../../tape/redact.js';
import { SEQUENCE_POLICIES, type SequencePolicy } from '../../tape/sequence.js';
import { DEFAULT_VOLATILE_HEADERS, type TapeOptions } from '../../tape/tape.js';

/**
 * Options of {@link createTapeDispatcher}: those of `createTape()` (same meaning, same
 * defaults) except `target` — a dispatcher forwards each request to its own origin — and
 * `upstream`, which is an undici `Dispatcher` here.
 *
 * @example
 * ```ts
 * const options: TapeDispatcherOptions = {
 *   mode: process.env.CI ? 'replay' : 'auto',
 *   fixtures: 'test/fixtures',
 *   redact: { headers: ['x-tenant-secret'] },
 *   sequence: 'repeat-last',
 * };
 * ```
 */
export interface TapeDispatcherOptions extends Omit<TapeOptions, 'target' | 'upstream'> {
  /**
   * Forwards requests to the real backends (record, auto, passthrough). It is used as is
   * and not closed by `close()`; the default one is.
   * @default a new undici `Agent`
   */
  upstream?: Dispatcher;
}

/** The validated form of {@link TapeDispatcherOptions}. */
export interface DispatcherSettings {
  mode: Mode;
  /** Absolute fixture root. */
  fixtures: string;
  cassette: string;
  match: MatchOptions;
  redactor: Redactor;
  sequence: SequencePolicy;
  /** Lower-case names, the defaults included. */
  volatileHeaders: ReadonlySet<string>;
  inlineLimit: number;
  upstream: Dispatcher | undefined;
  onRecordError: TapeOptions['onRecordError'];
}

const KEYS = ['mode', 'fixtures', 'cassette', 'match', 'redact', 'sequence', 'volatileHeaders', 'inlineLimit', 'upstream', 'onRecordError'];

/**
 * Validates dispatcher options with the same rules and messages as `createTape()`.
 * Throws a `ConfigError` naming the option.
 */
export function validateDispatcherOptions(options: unknown): DispatcherSettings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('options', `Invalid tape dispatcher options: ${describe(options)}. Must be an object.`);
  }
  if ('target' in options) {
    throw new ConfigError(
      'target',
      'Unknown option `target`: a tape dispatcher forwards every request to its own origin (the URL given to fetch), so it takes no target. Remove the option.',
    );
  }
  rejectUnknownKeys('', options, KEYS);
  const o = options as TapeDispatcherOptions;
  const mode = resolveMode(o.mode);
  const sequence = o.sequence ?? 'repeat-last';
  if (!(SEQUENCE_POLICIES as readonly string[]).includes(sequence)) {
    throw new ConfigError(
      'sequence',
      `Invalid option \`sequence\`: ${describe(sequence)}. Must be one of: ${SEQUENCE_POLICIES.join(', ')}.`,
    );
  }
  const inlineLimit = o.inlineLimit ?? DEFAULT_INLINE_LIMIT;
  if (!Number.isInteger(inlineLimit) || inlineLimit < 0) {
    throw new ConfigError('inlineLimit', `Invalid option \`inlineLimit\`: ${describe(inlineLimit)}. Must be a whole number of bytes >= 0.`);
  }
  const volatile: unknown = o.volatileHeaders ?? [];
  if (!Array.isArray(volatile) || !volatile.every((h) => typeof h === 'string')) {
    throw new ConfigError(
      'volatileHeaders',
      `Invalid option \`volatileHeaders\`: ${describe(volatile)}. Must be an array of header names.`,
    );
  }
  const upstream = o.upstream;
  if (upstream !== undefined && (typeof upstream !== 'object' || upstream === null || typeof upstream.dispatch !== 'function')) {
    throw new ConfigError(
      'upstream',
      `Invalid option \`upstream\`: ${describe(upstream)}. Must be an undici Dispatcher such as \`new Agent()\`.`,
    );
  }
  if (o.onRecordError !== undefined && typeof o.onRecordError !== 'function') {
    throw new ConfigError(
      'onRecordError',
      `Invalid option \`onRecordError\`: ${describe(o.onRecordError)}. Must be a function (error) => void.`,
    );
  }
  return {
    mode,
    fixtures: path.resolve(o.fixtures ?? './fixtures'),
    cassette: cassetteOption(o.cassette ?? 'default'),
    match: validateMatchOptions(o.match ?? {}),
    redactor: createRedactor(o.redact ?? {}),
    sequence,
    volatileHeaders: new Set([...DEFAULT_VOLATILE_HEADERS, ...(volatile as string[]).map((h) => h.toLowerCase())]),
    inlineLimit,
    upstream,
    onRecordError: o.onRecordError,
  };
}

function cassetteOption(name: unknown): string {
  if (typeof name !== 'string') {
    throw new ConfigError('cassette', `Invalid option \`cassette\`: ${describe(name)}. Must be a string like 'default' or 'users/list'.`);
  }
  try {
    return validateCassette(name);
  } catch (err) {
    throw new ConfigError('cassette', `Invalid option \`cassette\`: ${(err as Error).message}`);
  }
}
