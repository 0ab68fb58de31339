import { pipeline } from 'node:stream';
import zlib from 'node:zlib';
import type { RawHeaders } from '../proxy/headers-util.js';
import type { UpstreamResponse } from '../proxy/transport.js';
import { loadBody, streamSidecar } from './body-codec.js';
import { acceptsEncoding, encode } from './compression.js';
import type { StoredFixture } from './types.js';

const ENCODERS = { gzip: () => zlib.createGzip(), deflate: () => zlib.createDeflate(), br: () => zlib.createBrotliCompress() } as const;
type Encoding = keyof typeof ENCODERS;

function isEncoding(value: string | undefined): value is Encoding {
  return value === 'gzip' || value === 'deflate' || value === 'br';
}

/**
 * Builds the response a fixture replays: its status and headers, the body
 * re-encoded with the recorded Content-Encoding when the client accepts it
 * (else identity), and a Content-Length that is always right. Large (sidecar)
 * bodies stream from disk. Node adds a fresh Date header.
 */
export function replayResponse(stored: StoredFixture, method: string, acceptEncoding: string | undefined): UpstreamResponse {
  const { response } = stored.fixture;
  const rawHeaders: RawHeaders = [];
  // The body's framing is proxytape's to compute. A HEAD answer is the exception: it was recorded
  // with the GET's Content-Length (it has no body to measure), and that one is kept.
  let storedLength = false;
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding') continue;
    if (lower === 'content-length') {
      if (method !== 'HEAD') continue;
      storedLength = true;
    }
    rawHeaders.push(name, value);
  }
  const encoding =
    isEncoding(response.contentEncoding) && acceptsEncoding(acceptEncoding, response.contentEncoding)
      ? response.contentEncoding
      : undefined;
  if (encoding) rawHeaders.push('content-encoding', encoding);
  const trailers = response.trailers;
  const base: Omit<UpstreamResponse, 'body'> = {
    status: response.status,
    statusText: response.statusText,
    rawHeaders,
    source: 'replayed',
    fixture: stored.path,
    ...(trailers && trailers.length > 0 ? { trailers: () => trailers.flat() } : {}),
  };
  const noBody =
    method === 'HEAD' || response.status === 204 || response.status === 304 || (response.status >= 100 && response.status < 200);
  const body = response.body;

  if (body !== null && body.encoding === 'file' && !encoding) {
    // Stream large bodies from the sidecar; the stored size is the length.
    if (!storedLength) rawHeaders.push('content-length', String(body.size));
    return { ...base, body: noBody ? null : streamSidecar(body, stored.path) };
  }
  if (body !== null && body.encoding === 'file' && encoding) {
    // Re-encoding a large body streams through zlib: the length is unknown up front, so it goes chunked.
    if (noBody) return { ...base, body: null };
    const encoder = ENCODERS[encoding]();
    // pipeline(), not pipe(): a damaged sidecar must fail the encoder (and so the response) too.
    pipeline(streamSidecar(body, stored.path), encoder, () => undefined);
    return { ...base, body: encoder };
  }
  let bytes = loadBody(body, stored.path);
  if (encoding) bytes = encode(bytes, encoding);
  // HEAD: only a recorded length is true (the stored body is empty); 204/304 carry none.
  if (!(response.status === 204 || response.status === 304) && !storedLength && method !== 'HEAD') {
    rawHeaders.push('content-length', String(bytes.length));
  }
  return { ...base, body: noBody || bytes.length === 0 ? null : bytes };
}
