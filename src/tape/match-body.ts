/**
 * A request body as matching compares it. Shared by `matchKey()` (which hashes it)
 * and `explainMiss()` (which diffs it), so both always agree on what "the same body" is.
 */
import { hash } from 'node:crypto';
import type { MatchOptions, MatchableRequest } from './match.js';
import { parseQuery } from './query.js';
import { type Redactor, NOT_JSON, isFormContentType, isJsonContentType, parseJsonBody } from './redact.js';

/**
 * - `none`: no body (0 bytes), or the body is ignored;
 * - `json`: a redacted JSON value (JSON content type and valid JSON, or what `normalizeBody` returned);
 * - `form`: redacted `application/x-www-form-urlencoded` fields, sorted by name then value;
 * - `bytes`: anything else, compared by its bytes.
 */
export type MatchBody =
  { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'form'; fields: [string, string][] } | { kind: 'bytes'; bytes: Buffer };

/** Interprets a request's body for matching: redacted, normalised, classified. */
export function matchBody(request: MatchableRequest, options: MatchOptions, redactor: Redactor): MatchBody {
  if (options.ignoreBody === true) return { kind: 'none' };
  const { body, contentType } = request;
  let value: unknown = body;
  let form = false;
  if (body.length > 0 && isJsonContentType(contentType)) {
    const parsed = parseJsonBody(body);
    if (parsed !== NOT_JSON) value = redactor.json(parsed.value);
  } else if (body.length > 0 && isFormContentType(contentType)) {
    const text = body.toString('utf8');
    const redacted = redactor.form(text);
    value = redacted === text ? body : Buffer.from(redacted, 'utf8');
    form = true;
  }
  if (options.normalizeBody) return classify(options.normalizeBody(value, request));
  if (form) return { kind: 'form', fields: sortPairs(redactor.query(parseQuery((value as Buffer).toString('utf8')))) };
  return classify(value);
}

function classify(value: unknown): MatchBody {
  if (value === undefined) return { kind: 'none' };
  if (value instanceof Uint8Array) {
    if (value.length === 0) return { kind: 'none' };
    return { kind: 'bytes', bytes: Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length) };
  }
  return { kind: 'json', value };
}

/** Sorts `[name, value]` pairs by name, then value (code-unit order); stable for equal pairs. */
export function sortPairs(pairs: [string, string][]): [string, string][] {
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
}

/** Hex sha256 of bytes or a UTF-8 string. */
export function sha256(data: Buffer | string): string {
  // One-shot: no Hash object per call (a match key is computed per request).
  return hash('sha256', data, 'hex');
}
