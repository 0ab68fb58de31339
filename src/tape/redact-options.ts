import { ConfigError } from '../errors.js';
import { describe, rejectUnknownKeys } from '../proxy/config.js';
import {
  DEFAULT_REDACTED_HEADERS,
  DEFAULT_REDACTED_JSON_KEYS,
  DEFAULT_REDACTED_QUERY,
  isSecretHeaderName,
  normalizeFieldName,
} from './redact-defaults.js';
import { type JsonPathStep, parseJsonPath } from './redact-json-path.js';

/** One field the custom redaction function sees. For `json`, `name` is the field's JSON path (`$.user.ssn`). */
export interface RedactionField {
  kind: 'header' | 'query' | 'json';
  name: string;
  value: string;
}

/**
 * What to redact, on top of the defaults. Secrets are replaced by `[REDACTED]`
 * before anything is written to a fixture, the journal or a log line.
 *
 * @example
 * ```ts
 * const options: RedactionOptions = {
 *   headers: ['x-tenant-secret'],
 *   query: ['session_key'],
 *   jsonPaths: ['ssn', '$.items[*].card'],
 *   custom: ({ kind, name, value }) => (kind === 'header' && name === 'x-user' ? value.replace(/@.*$/, '@…') : undefined),
 * };
 * ```
 */
export interface RedactionOptions {
  /** Extra header names to redact (added to the defaults); case-insensitive. */
  headers?: readonly string[];
  /** Extra query parameter names; case-insensitive, `-` and `_` ignored. */
  query?: readonly string[];
  /** Extra JSON keys (any depth; case-insensitive, `-` and `_` ignored) and/or JSON paths like '$.user.ssn' / '$.items[*].card'. */
  jsonPaths?: readonly string[];
  /**
   * Last say: receives each header, query parameter and JSON leaf (with its original value)
   * and may return a replacement (or `REDACTED`); `undefined` keeps the built-in decision.
   * Must be idempotent: matching applies redaction again to already-redacted requests.
   */
  custom?: (field: RedactionField) => string | undefined;
  /** Turn the defaults off (explicit lists only). @default true */
  defaults?: boolean;
}

/** Redaction options checked and turned into lookup sets. */
export interface CompiledRedaction {
  /** Lower-case header names. */
  headers: ReadonlySet<string>;
  /** Apply the name-based header rule (`…-token`, `…-secret`…). */
  headerRule: boolean;
  /** Normalised query names (see `normalizeFieldName`). */
  query: ReadonlySet<string>;
  /** Normalised JSON keys redacted at any depth. */
  jsonKeys: ReadonlySet<string>;
  jsonPaths: readonly JsonPathStep[][];
  custom: ((field: RedactionField) => string | undefined) | undefined;
}

const OPTION_KEYS = ['headers', 'query', 'jsonPaths', 'custom', 'defaults'] as const;

/** Validates {@link RedactionOptions}; throws a `ConfigError` naming the option (`redact.<name>`). */
export function compileRedaction(options: unknown = {}): CompiledRedaction {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('redact', `Invalid option \`redact\`: ${describe(options)}. Must be an object like { headers: ['x-secret'] }.`);
  }
  rejectUnknownKeys('redact.', options, OPTION_KEYS);
  const o = options as Record<string, unknown>;

  const defaults = o.defaults ?? true;
  if (typeof defaults !== 'boolean') {
    throw new ConfigError('redact.defaults', `Invalid option \`redact.defaults\`: ${describe(defaults)}. Must be true or false.`);
  }
  const custom = o.custom;
  if (custom !== undefined && typeof custom !== 'function') {
    throw new ConfigError(
      'redact.custom',
      `Invalid option \`redact.custom\`: ${describe(custom)}. Must be a function ({ kind, name, value }) => string | undefined.`,
    );
  }

  const headers = names('headers', o.headers, "['x-tenant-secret']").map((n) => n.toLowerCase());
  const query = names('query', o.query, "['session_key']").map(normalizeFieldName);
  const jsonKeys: string[] = [];
  const jsonPaths: JsonPathStep[][] = [];
  for (const entry of names('jsonPaths', o.jsonPaths, "['ssn', '$.user.card']")) {
    if (!entry.startsWith('$')) {
      jsonKeys.push(normalizeFieldName(entry));
      continue;
    }
    const steps = parseJsonPath(entry);
    if (typeof steps === 'string') {
      throw new ConfigError('redact.jsonPaths', `Invalid option \`redact.jsonPaths\`: ${JSON.stringify(entry)}: ${steps}.`);
    }
    jsonPaths.push(steps);
  }

  return {
    headers: new Set(defaults ? [...DEFAULT_REDACTED_HEADERS, ...headers] : headers),
    headerRule: defaults,
    query: new Set(defaults ? [...DEFAULT_REDACTED_QUERY.map(normalizeFieldName), ...query] : query),
    jsonKeys: new Set(defaults ? [...DEFAULT_REDACTED_JSON_KEYS.map(normalizeFieldName), ...jsonKeys] : jsonKeys),
    jsonPaths,
    custom: custom as CompiledRedaction['custom'],
  };
}

function names(option: string, value: unknown, example: string): string[] {
  if (value === undefined) return [];
  const bad = (): ConfigError =>
    new ConfigError(
      `redact.${option}`,
      `Invalid option \`redact.${option}\`: ${describe(value)}. Must be an array of non-empty strings, e.g. ${example}.`,
    );
  if (!Array.isArray(value)) throw bad();
  for (const item of value) if (typeof item !== 'string' || item.trim() === '') throw bad();
  return (value as string[]).map((item) => item.trim());
}

/** The header rule, exported for `isSecretHeader()`. */
export function headerIsSecret(compiled: CompiledRedaction, lowerName: string): boolean {
  return compiled.headers.has(lowerName) || (compiled.headerRule && isSecretHeaderName(lowerName));
}
