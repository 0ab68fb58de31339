/**
 * Options of `handlersFromFixtures()`: one interface, one defaults object,
 * validated up front so a bad option fails when the handlers are built, not
 * on the first request.
 */
import { ConfigError } from '../../errors.js';
import { describe, rejectUnknownKeys } from '../../proxy/config.js';
import { type MatchOptions, validateMatchOptions } from '../../tape/match.js';
import { type RedactionOptions, type Redactor, createRedactor } from '../../tape/redact.js';
import { SequenceTracker, type SequencePolicy } from '../../tape/sequence.js';
import { validateCassetteOption } from '../../tape/tape.js';

/**
 * What happens to a request the fixtures do not answer:
 * - `miss`: a 502 with `x-proxytape: miss` and the same explanation the proxy gives;
 * - `bypass`: the handler steps aside — later handlers, then msw's own `onUnhandledRequest`, decide.
 */
export const UNHANDLED_POLICIES = ['miss', 'bypass'] as const;
export type UnhandledPolicy = (typeof UNHANDLED_POLICIES)[number];

/**
 * Options of {@link handlersFromFixtures}. Give the same `match`, `redact` and
 * `sequence` options the fixtures were recorded and replayed with by the proxy:
 * they decide the match key.
 *
 * @example
 * ```ts
 * const handlers = await handlersFromFixtures('test/fixtures', {
 *   cassette: 'checkout',
 *   match: { ignoreQuery: ['_'] },
 *   baseUrl: 'https://api.example.com/v1',
 * });
 * ```
 */
export interface MswReplayOptions {
  /** Cassette to replay; a request can pick another with the `x-proxytape-cassette` header, as with the proxy. @default 'default' */
  cassette?: string;
  /** What makes two requests the same (see docs/matching.md). @default {} */
  match?: MatchOptions;
  /** Identical requests replay in recorded order, then: repeat the last, cycle, or fail. @default 'repeat-last' */
  sequence?: SequencePolicy;
  /** Extra secrets to redact (see docs/redaction.md); redacted fields match any live value. @default {} */
  redact?: RedactionOptions;
  /** A request no fixture answers: `miss` (502 with the explanation) or `bypass` (left to msw). @default 'miss' */
  onUnhandled?: UnhandledPolicy;
  /**
   * Only requests under this URL are handled (same origin, path under its path); others are left
   * to msw. Its path is removed before matching, like the proxy's `--target` base path: with
   * `https://api.example.com/v1`, `GET https://api.example.com/v1/users` matches a fixture of `GET /users`.
   * @default undefined — every origin, the whole path
   */
  baseUrl?: string;
}

/** The defaults of {@link MswReplayOptions}. */
export const MSW_REPLAY_DEFAULTS = {
  cassette: 'default',
  sequence: 'repeat-last',
  onUnhandled: 'miss',
} as const satisfies MswReplayOptions;

/** Options checked and compiled: what the replayer runs with. */
export interface ResolvedMswReplayOptions {
  cassette: string;
  match: MatchOptions;
  redactor: Redactor;
  sequences: SequenceTracker;
  onUnhandled: UnhandledPolicy;
  /** Origin and base path (no trailing slash, '' for the root) requests must be under; undefined: any. */
  base: { origin: string; path: string } | undefined;
}

const OPTION_KEYS = ['cassette', 'match', 'sequence', 'redact', 'onUnhandled', 'baseUrl'] as const;

/** Validates {@link MswReplayOptions}; throws a `ConfigError` naming the bad option and what it must be. */
export function resolveMswReplayOptions(options: unknown = {}): ResolvedMswReplayOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('options', `Invalid options: ${describe(options)}. Must be an object like { cassette: 'default' }.`);
  }
  rejectUnknownKeys('', options, OPTION_KEYS);
  const o = options as MswReplayOptions;
  const onUnhandled = o.onUnhandled ?? MSW_REPLAY_DEFAULTS.onUnhandled;
  if (!(UNHANDLED_POLICIES as readonly unknown[]).includes(onUnhandled)) {
    throw new ConfigError(
      'onUnhandled',
      `Invalid option \`onUnhandled\`: ${describe(onUnhandled)}. Must be one of: ${UNHANDLED_POLICIES.join(', ')}.`,
    );
  }
  return {
    cassette: validateCassetteOption(o.cassette ?? MSW_REPLAY_DEFAULTS.cassette),
    match: validateMatchOptions(o.match ?? {}),
    redactor: createRedactor(o.redact ?? {}),
    sequences: new SequenceTracker(o.sequence ?? MSW_REPLAY_DEFAULTS.sequence),
    onUnhandled,
    base: o.baseUrl === undefined ? undefined : resolveBase(o.baseUrl),
  };
}

function resolveBase(value: unknown): { origin: string; path: string } {
  const bad = (why: string): ConfigError =>
    new ConfigError(
      'baseUrl',
      `Invalid option \`baseUrl\`: ${describe(value)} ${why}. Must be an absolute http: or https: URL like 'https://api.example.com/v1'.`,
    );
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw bad('is not a URL');
  }
  if (typeof value !== 'string') throw bad('is not a string');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`has the protocol ${url.protocol}`);
  if (url.search !== '' || url.hash !== '') throw bad('has a query or fragment');
  // Like the proxy's target: a trailing slash is not part of the base path.
  return { origin: url.origin, path: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '') };
}
