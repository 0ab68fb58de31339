/**
 * Secrets echoed back. A backend that answers with what it received (httpbin's
 * `/anything`, a debug endpoint, an error page quoting the request) puts the
 * client's credentials in the response, where no header or field rule finds
 * them. So recording collects the values the redactor removed from the request
 * — the token of `Authorization: Bearer …`, each cookie value, secret query
 * parameters — and removes them from the stored response too.
 */
import { REDACTED } from './redact-defaults.js';
import type { Redactor } from './redact.js';

/**
 * Shorter values are not looked for in responses: a 3-character "secret" would
 * turn up inside unrelated data. (They are still redacted where the rules find them.)
 */
export const MIN_ECHOED_SECRET_LENGTH = 6;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
// eslint-disable-next-line no-control-regex
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * The secret values of a request: every part of a header value or query value
 * that `redactor` replaced, longest first, without duplicates or short ones.
 *
 * @example
 * ```ts
 * secretValues([['authorization', 'Bearer tok-123456'], ['cookie', 'sid=abcdef12; theme=dark']], [['api_key', 'k-999999']], redactor);
 * // ['tok-123456', 'abcdef12', 'k-999999']
 * ```
 */
export function secretValues(
  headers: readonly (readonly [string, string])[],
  query: readonly (readonly [string, string])[],
  redactor: Redactor,
): string[] {
  const found = new Set<string>();
  const redactedHeaders = redactor.headers(headers);
  for (let i = 0; i < headers.length; i++) collect(headers[i]![1], redactedHeaders[i]![1], found);
  const redactedQuery = redactor.query(query);
  for (let i = 0; i < query.length; i++) collect(query[i]![1], redactedQuery[i]![1], found);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Adds the parts of `raw` that became `[REDACTED]` in `redacted` (or all of it when the two do not line up). */
function collect(raw: string, redacted: string, into: Set<string>): void {
  if (raw === redacted) return;
  for (const part of replacedParts(raw, redacted)) {
    const value = part.trim();
    if (value.length >= MIN_ECHOED_SECRET_LENGTH && value !== REDACTED) into.add(value);
  }
}

/** `('Bearer abc', 'Bearer [REDACTED]')` → `['abc']`; `('a=1; b=2', 'a=[REDACTED]; b=[REDACTED]')` → `['1', '2']`. */
function replacedParts(raw: string, redacted: string): string[] {
  const literals = redacted.split(REDACTED);
  if (literals.length === 1 || !raw.startsWith(literals[0]!)) return [raw];
  const parts: string[] = [];
  let at = literals[0]!.length;
  for (let i = 1; i < literals.length; i++) {
    const literal = literals[i]!;
    const last = i === literals.length - 1;
    const next = last ? raw.length - literal.length : raw.indexOf(literal, at);
    if (next < at || (last && !raw.endsWith(literal))) return [raw];
    parts.push(raw.slice(at, next));
    at = next + literal.length;
  }
  return parts;
}

/**
 * `body` without any of `secrets` in it: each occurrence becomes `[REDACTED]`, in binary
 * bodies too (byte for byte). A body holding none of the secrets is returned as it is (the
 * same Buffer, byte-exact). JSON keeps its layout when the secrets only occur inside strings;
 * otherwise it is re-serialised compactly, a number spelling a secret becoming the string `[REDACTED]`.
 *
 * @example
 * ```ts
 * scrubSecrets(Buffer.from('{"auth":"Bearer tok-123456"}'), 'application/json', ['tok-123456']).toString();
 * // '{"auth":"Bearer [REDACTED]"}'
 * ```
 */
export function scrubSecrets(body: Buffer, contentType: string | undefined, secrets: readonly string[]): Buffer {
  if (secrets.length === 0 || body.length === 0) return body;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return scrubBytes(body, secrets);
  }
  if (BINARY_CONTROL.test(text)) return scrubBytes(body, secrets);
  if (!secrets.some((secret) => text.includes(secret))) return body;
  const scrubbed = scrubText(text, secrets);
  if (contentType !== undefined && /json/i.test(contentType) && isJson(text) && !isJson(scrubbed)) {
    // A secret matched outside a string (a number, say): remove it value by value instead.
    return Buffer.from(JSON.stringify(scrubJson(JSON.parse(text) as unknown, secrets)), 'utf8');
  }
  return Buffer.from(scrubbed, 'utf8');
}

const PLACEHOLDER = Buffer.from(REDACTED, 'utf8');

/** Binary bodies: each occurrence of a secret's UTF-8 bytes replaced (the length changes; replay computes it). */
function scrubBytes(body: Buffer, secrets: readonly string[]): Buffer {
  let out = body;
  for (const secret of secrets) {
    const needle = Buffer.from(secret, 'utf8');
    let at = out.indexOf(needle);
    if (at === -1) continue;
    const parts: Buffer[] = [];
    let from = 0;
    while (at !== -1) {
      parts.push(out.subarray(from, at), PLACEHOLDER);
      from = at + needle.length;
      at = out.indexOf(needle, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return out;
}

/** Header values without any of `secrets` (names unchanged). */
export function scrubHeaderValues(pairs: [string, string][], secrets: readonly string[]): [string, string][] {
  if (secrets.length === 0) return pairs;
  return pairs.map(([name, value]) => [name, scrubText(value, secrets)]);
}

function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first: a secret that contains a shorter one is replaced whole.
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

function scrubJson(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  // A number spelling a secret: replaced by the placeholder string (the secret must not stay).
  if (typeof value === 'number' && secrets.some((secret) => String(value).includes(secret))) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => scrubJson(item, secrets));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const scrubbedKey = scrubText(key, secrets);
      if (scrubbedKey === '__proto__')
        Object.defineProperty(out, scrubbedKey, { value: scrubJson(item, secrets), enumerable: true, writable: true, configurable: true });
      else out[scrubbedKey] = scrubJson(item, secrets);
    }
    return out;
  }
  return value;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
