import { type Readable } from 'node:stream';
import { ProxyError } from '../errors.js';
import type { RawHeaders } from '../proxy/headers-util.js';
import { HOP_BY_HOP_HEADERS } from '../proxy/hop-headers.js';
import { CONTROL_HEADER_PREFIX } from '../proxy/request-headers.js';
import type { OutgoingRequest } from '../proxy/transport.js';
import type { MatchableRequest } from './match.js';
import { parseQuery } from './query.js';
import type { Redactor } from './redact.js';

/**
 * Request headers never stored nor matched: hop-by-hop ones, what the proxy adds
 * or rewrites (Host with the proxy's port, X-Forwarded-*, Via), framing
 * (Content-Length, Transfer-Encoding) and proxytape's own control headers.
 */
const UNSTORED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'via',
  'expect',
]);

/** The client request as record/replay sees it: body read, headers filtered and redacted. */
export interface RequestView {
  method: string;
  /** Path without the query, as the client sent it. */
  path: string;
  /** Raw query string without '?' ('' when none). */
  rawQuery: string;
  /** For matching and storing: redacted query and headers, raw body. */
  matchable: MatchableRequest;
  /** The body bytes as received (to forward when recording). */
  body: Buffer;
}

/** Reads the request body and builds the redacted view used for matching and fixtures. */
export async function viewRequest(outgoing: OutgoingRequest, redactor: Redactor): Promise<RequestView> {
  const { method, url, rawHeaders } = outgoing.inbound;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const body = await readBody(outgoing);
  const headers = redactor.headers(storableHeaders(rawHeaders));
  let contentType: string | undefined;
  for (const [name, value] of headers) if (name === 'content-type') contentType = value;
  return {
    method,
    path,
    rawQuery,
    body,
    matchable: { method, path, query: redactor.query(parseQuery(rawQuery)), headers, body, contentType },
  };
}

/** Client headers worth storing, as lower-case `[name, value]` pairs (not yet redacted). */
export function storableHeaders(raw: RawHeaders): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || UNSTORED_REQUEST_HEADERS.has(lower) || lower.startsWith(CONTROL_HEADER_PREFIX)) continue;
    out.push([lower, raw[i + 1]!]);
  }
  return out;
}

async function readBody(outgoing: OutgoingRequest): Promise<Buffer> {
  const body = outgoing.body;
  if (body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body as Readable) chunks.push(chunk as Buffer);
  } catch (err) {
    const { method, url } = outgoing.inbound;
    throw new ProxyError(
      'PROXYTAPE_REQUEST_BODY',
      `Failed to proxy ${method} ${url}: reading the request body failed (${(err as Error).message}). Check the client: it closed the connection or sent fewer bytes than its Content-Length.`,
      { method, url, cause: err },
    );
  }
  return Buffer.concat(chunks);
}
