/**
 * Helpers for flat raw header lists (`[name, value, name, value, …]`), the
 * shape Node's `rawHeaders`, undici's dispatch API and `writeHead(status, array)`
 * all share. Keeping this shape end to end preserves order, casing and repeated
 * headers (separate Set-Cookie lines) without building objects per request.
 */

/** A flat list of header name/value pairs: `[name, value, name, value, …]`. */
export type RawHeaders = string[];

/** Header values keyed by lower-case name; repeated headers become arrays. */
export type HeaderRecord = Record<string, string | string[]>;

/** Converts a flat raw header list to a record keyed by lower-case name. */
export function rawToRecord(raw: readonly string[]): HeaderRecord {
  const out: HeaderRecord = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  return out;
}

/** Converts a header record (or Node's IncomingHttpHeaders) to a flat raw list. */
export function recordToRaw(record: Readonly<Record<string, string | readonly string[] | number | undefined>>): RawHeaders {
  const out: RawHeaders = [];
  for (const name of Object.keys(record)) {
    const value = record[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) out.push(name, String(v));
    else out.push(name, String(value));
  }
  return out;
}

/** Converts undici's raw Buffer header list to strings (latin1, as on the wire). */
export function buffersToRaw(raw: readonly (Buffer | string)[] | null | undefined): RawHeaders {
  if (!raw) return [];
  const out: RawHeaders = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i]!;
    out[i] = typeof v === 'string' ? v : v.toString('latin1');
  }
  return out;
}

/** First value of a header in a raw list (case-insensitive name), or undefined. */
export function getRaw(raw: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === lower.length && raw[i]!.toLowerCase() === lower) return raw[i + 1];
  }
  return undefined;
}

/** All values of a header in a raw list (case-insensitive name). */
export function getAllRaw(raw: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === lower.length && raw[i]!.toLowerCase() === lower) out.push(raw[i + 1]!);
  }
  return out;
}

/** Removes every occurrence of a header from a raw list, in place. Returns the list. */
export function removeRaw(raw: RawHeaders, name: string): RawHeaders {
  const lower = name.toLowerCase();
  let w = 0;
  for (let r = 0; r < raw.length; r += 2) {
    if (raw[r]!.length === lower.length && raw[r]!.toLowerCase() === lower) continue;
    raw[w++] = raw[r]!;
    raw[w++] = raw[r + 1]!;
  }
  raw.length = w;
  return raw;
}

/** Replaces every occurrence of a header with one value (or several), in place. */
export function setRaw(raw: RawHeaders, name: string, value: string | readonly string[]): RawHeaders {
  removeRaw(raw, name);
  if (typeof value === 'string') raw.push(name, value);
  else for (const v of value) raw.push(name, v);
  return raw;
}

/** Splits a comma-separated header value into trimmed, lower-cased, non-empty tokens. */
export function tokens(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim().toLowerCase();
    if (t) out.push(t);
  }
  return out;
}
