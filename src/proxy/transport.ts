import type { Duplex, Readable } from 'node:stream';
import type { StreamingBody } from './body.js';
import type { CompiledProxyConfig } from './config.js';
import type { RawHeaders } from './headers-util.js';
import type { ProxySource } from './response.js';

/**
 * The request a {@link Transport} sends: already rewritten by the proxy core
 * (hop-by-hop headers stripped, Host and X-Forwarded-* set, base path joined).
 */
export interface OutgoingRequest {
  method: string;
  /** `http://host:port` of the target. */
  origin: string;
  /** Path and query to send, byte-for-byte as received (joined to the target's base path). */
  path: string;
  /** Headers to send upstream, as a flat raw list. */
  rawHeaders: RawHeaders;
  /** The request body: the client's stream (forwarded as it arrives), bytes, or none. */
  body: Readable | Buffer | null;
  /** The client request as received, for error messages, matching and fixtures. */
  inbound: { method: string; url: string; rawHeaders: RawHeaders };
  /** The config this request runs under (timeouts, TLS, target). */
  config: CompiledProxyConfig;
  /** Aborted when the client goes away: the transport must cancel the upstream request. */
  signal?: AbortSignalLike | undefined;
  /** The request body bytes, once a transport has read them whole (record/replay do): journals show them. */
  bodyBytes?: Buffer;
  /** Called for each 1xx interim response (e.g. 103 Early Hints) before the final response. */
  onInformational?: ((status: number, rawHeaders: RawHeaders) => void) | undefined;
}

/**
 * The part of `AbortSignal` a transport uses. An `AbortSignal` fits; the proxy's
 * own request path passes a lighter one-listener token.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** What a transport answers once the final response headers are known; the body streams behind. */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  /** Response headers as received upstream; the core strips hop-by-hop headers afterwards. */
  rawHeaders: RawHeaders;
  body: StreamingBody | Readable | Buffer | null;
  /** Trailers, read once the body has ended. */
  trailers?: () => RawHeaders;
  /** Which `x-proxytape` value the client sees. */
  source: ProxySource;
  /** The fixture file this response was replayed from or recorded to. */
  fixture?: string;
}

/** A successful protocol switch (101): the upstream socket to tunnel to. */
export interface UpgradedResponse {
  status: 101;
  statusText: string;
  rawHeaders: RawHeaders;
  socket: Duplex;
}

/**
 * Where the proxy core gets responses from — Go's `RoundTripper`. The HTTP
 * transport forwards over undici; record/replay transports answer from
 * fixtures. A transport rejects with a `ProxyError` (stable `code`) so that
 * `fullProxy()` can turn any failure into a response.
 *
 * @example
 * ```ts
 * const teapot: Transport = {
 *   async roundTrip(req) {
 *     return { status: 418, statusText: "I'm a teapot", rawHeaders: ['content-length', '0'], body: null, source: 'replayed' };
 *   },
 * };
 * await proxy(req, { target: 'http://unused.invalid', transport: teapot });
 * ```
 */
export interface Transport {
  /** Sends the request; resolves as soon as the final response headers are known. */
  roundTrip(request: OutgoingRequest): Promise<UpstreamResponse>;
  /** Opens a protocol upgrade (WebSocket); may answer an ordinary response when the backend refuses to switch. */
  upgrade?(request: OutgoingRequest, protocol: string): Promise<UpgradedResponse | UpstreamResponse>;
  /** Releases connections and files. */
  close?(): Promise<void>;
}

/**
 * Optional transport capability: answer a body-less request from memory before the
 * proxy builds anything (the replay fast path). Returning undefined takes the
 * ordinary `roundTrip` path. The answer's headers are final (hop-by-hop free,
 * `x-proxytape` set).
 */
export const PREPARED_ANSWER = Symbol.for('proxytape.preparedAnswer');

/** A response ready to write as is. */
export interface PreparedAnswer {
  status: number;
  statusText: string;
  rawHeaders: RawHeaders;
  body: Buffer | null;
  source: ProxySource;
  fixture?: string;
}

/** A transport with the prepared-answer fast path. */
export interface PreparedAnswerTransport extends Transport {
  [PREPARED_ANSWER](method: string, url: string, rawHeaders: RawHeaders): PreparedAnswer | undefined;
}
