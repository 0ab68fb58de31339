import { stringify } from 'node:querystring';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RawHeaders } from '../../proxy/headers-util.js';
import { HOP_BY_HOP_HEADERS } from '../../proxy/hop-headers.js';
import { CONTROL_HEADER_PREFIX } from '../../proxy/request-headers.js';

/** A request as a dispatcher receives it, reduced to what record/replay needs. */
export interface DispatchedRequest {
  /** `http://host:port` (URL `origin` form). */
  origin: string;
  method: string;
  /** Path and query, as given (plus `opts.query` serialised like undici does). */
  path: string;
  /** Every request header as a flat string list, in the caller's order. */
  rawHeaders: RawHeaders;
  /** Headers to send to the real backend: without hop-by-hop and `x-proxytape-*` ones. */
  forwardHeaders: RawHeaders;
  body: Readable | Buffer | null;
}

/** Options of the caller's dispatch carried over to the real backend as they are. */
export const FORWARDED_DISPATCH_OPTIONS = ['headersTimeout', 'bodyTimeout', 'idempotent', 'blocking', 'reset', 'expectContinue'] as const;

/**
 * Normalises undici dispatch options: headers in any of undici's forms (object, flat
 * array, `[name, value]` pairs, iterable), bodies as string, bytes, stream, Blob or
 * (async) iterable — fetch hands over an async generator. Throws a TypeError for a
 * request it cannot handle (no origin, FormData body, upgrade).
 */
export function readDispatchOptions(opts: Dispatcher.DispatchOptions): DispatchedRequest {
  if (opts.origin === undefined || opts.origin === null) {
    throw new TypeError(`proxytape's tape dispatcher needs an absolute URL: ${String(opts.method)} ${String(opts.path)} has no origin.`);
  }
  const origin = new URL(String(opts.origin)).origin;
  if (opts.upgrade !== undefined && opts.upgrade !== null && opts.upgrade !== false) {
    throw new TypeError(
      `proxytape's tape dispatcher cannot record or replay protocol upgrades (${String(opts.upgrade)}) for ${origin}${opts.path}; use the proxy for WebSockets.`,
    );
  }
  const method = String(opts.method ?? 'GET').toUpperCase();
  let path = opts.path;
  if (opts.query !== undefined && opts.query !== null) {
    const query = stringify(opts.query as Record<string, string>);
    if (query !== '') path += `${path.includes('?') ? '&' : '?'}${query}`;
  }
  const rawHeaders = flattenHeaders(opts.headers);
  const forwardHeaders: RawHeaders = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    // The caller may name a cassette per request; like the proxy, the backend never sees it.
    if (lower.startsWith(CONTROL_HEADER_PREFIX) || HOP_BY_HOP_HEADERS.has(lower)) continue;
    forwardHeaders.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return { origin, method, path, rawHeaders, forwardHeaders, body: toBody(opts.body, origin, path) };
}

type HeaderValue = string | number | Buffer | readonly (string | Buffer)[] | undefined | null;

/** undici accepts headers as an object, a flat list, a list of pairs or any iterable of pairs. */
export function flattenHeaders(headers: unknown): RawHeaders {
  const out: RawHeaders = [];
  if (headers === undefined || headers === null) return out;
  const push = (name: unknown, value: HeaderValue): void => {
    if (value === undefined || value === null) return;
    const key = String(name);
    if (Array.isArray(value)) for (const v of value as readonly (string | Buffer)[]) out.push(key, headerText(v));
    else out.push(key, headerText(value as string | number | Buffer));
  };
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const pair of headers as [unknown, HeaderValue][]) push(pair[0], pair[1]);
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) push(headerText(headers[i] as string | Buffer), headers[i + 1] as HeaderValue);
    }
    return out;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[unknown, HeaderValue]>) push(name, value);
    return out;
  }
  for (const [name, value] of Object.entries(headers as Record<string, HeaderValue>)) push(name, value);
  return out;
}

function headerText(value: string | number | Buffer): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
}

function toBody(body: unknown, origin: string, path: string): Readable | Buffer | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Readable) return body;
  const tag = (body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === 'FormData') {
    throw new TypeError(
      `proxytape's tape dispatcher cannot send a FormData body (${origin}${path}) through dispatch(); use fetch(), which encodes it first.`,
    );
  }
  if ((tag === 'Blob' || tag === 'File') && typeof (body as Blob).stream === 'function') {
    return Readable.from(bytesOf((body as Blob).stream() as unknown as AsyncIterable<unknown>), { objectMode: false });
  }
  const iterable = body as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (typeof iterable[Symbol.asyncIterator] === 'function' || typeof iterable[Symbol.iterator] === 'function') {
    return Readable.from(bytesOf(body as AsyncIterable<unknown>), { objectMode: false });
  }
  throw new TypeError(`proxytape's tape dispatcher cannot send a request body of type ${tag ?? typeof body} (${origin}${path}).`);
}

/** fetch's request body generator yields Uint8Array chunks; streams want Buffers. */
async function* bytesOf(source: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (ArrayBuffer.isView(chunk)) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`proxytape's tape dispatcher: a request body chunk must be bytes or a string, got ${typeof chunk}.`);
  }
}
