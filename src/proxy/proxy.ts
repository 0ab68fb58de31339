import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { FullProxyError, ProxyError, isProxyError } from '../errors.js';
import { type CompiledProxyConfig, type ProxyConfig, compileProxyConfig } from './config.js';
import { type RawHeaders, recordToRaw } from './headers-util.js';
import { defaultTransport } from './http-transport.js';
import { buildUpstreamHeaders, joinPath } from './request-headers.js';
import { buildDownstreamHeaders } from './response-headers.js';
import { ProxytapeResponse, type ProxytapeResponseInit, errorResponse } from './response.js';
import type { AbortSignalLike, OutgoingRequest, UpstreamResponse } from './transport.js';
import { toProxyError } from './upstream-errors.js';

/**
 * A request `proxy()` can forward: a Node `IncomingMessage`, or anything shaped
 * like it. The body is `body` when given, else the object itself when it is a
 * readable stream.
 */
export interface ProxyRequest {
  method?: string | undefined;
  /** Request target as received: path and query (raw bytes kept). */
  url?: string | undefined;
  headers?: IncomingHttpHeaders | Record<string, string | string[] | undefined>;
  /** Raw header list; preferred over `headers` when present (keeps order, casing, repeats). */
  rawHeaders?: string[];
  /** Explicit body; otherwise a readable request object is its own body. */
  body?: Readable | Buffer | string | null;
  socket?: { remoteAddress?: string | undefined; encrypted?: boolean } | null;
}

/** Per-call options for {@link proxy} and {@link fullProxy}. */
export interface ProxyCallOptions {
  /** Abort the upstream request (e.g. when the client disconnects); an `AbortSignal` fits. */
  signal?: AbortSignalLike;
  /** Receives 1xx interim responses (103 Early Hints) before the final one. */
  onInformational?: (status: number, rawHeaders: RawHeaders) => void;
  /** Sees the request exactly as it will be forwarded (after the header policy), e.g. for a journal. */
  onOutgoing?: (outgoing: OutgoingRequest) => void;
}

/** What `proxy()` derives from a request before handing it to the transport. */
export function toOutgoing(
  req: ProxyRequest,
  config: CompiledProxyConfig,
  options: ProxyCallOptions,
  consumedError: typeof ProxyError | typeof FullProxyError,
): OutgoingRequest {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const inboundRaw = req.rawHeaders ?? recordToRaw(req.headers ?? {});
  const body = requestBody(req, inboundRaw);
  if (body === CONSUMED) {
    throw new consumedError(
      'PROXYTAPE_BODY_CONSUMED',
      `Cannot proxy ${method} ${url}: the request body was already read (by a body parser or an earlier handler), so it cannot be forwarded. ` +
        'Proxy the request before any body parser runs (mount proxytape before express.json()), or pass the bytes as `body`.',
      { method, url },
    );
  }
  const socket = req.socket;
  const rawHeaders = buildUpstreamHeaders(inboundRaw, config, {
    ip: socket?.remoteAddress,
    proto: socket?.encrypted ? 'https' : 'http',
  });
  const outgoing = new Outgoing(method, config, joinPath(config, url), rawHeaders, body, new Inbound(method, url, inboundRaw), options);
  options.onOutgoing?.(outgoing);
  return outgoing;
}

// The per-request objects of the proxy path are class instances, not object literals. V8
// tracks where literals are allocated and, when most objects of one literal outlive a
// young-generation collection (as they all do while the heap is still small at start-up),
// allocates every later one directly in the old generation. A request's hub object made
// there holds its young request, response and buffers until the next full collection:
// they all get copied into the old generation too, and the proxy spends a quarter of its
// time collecting garbage (BENCHMARKS.md, "Why the proxy was slower than the floor").
// Instances of classes are never pretenured that way.

/** The client's request as received (what matching and fixtures see). */
class Inbound {
  constructor(
    public method: string,
    public url: string,
    public rawHeaders: RawHeaders,
  ) {}
}

class Outgoing implements OutgoingRequest {
  method: string;
  origin: string;
  path: string;
  rawHeaders: RawHeaders;
  body: Readable | Buffer | null;
  inbound: Inbound;
  config: CompiledProxyConfig;
  signal: AbortSignalLike | undefined;
  onInformational: ((status: number, rawHeaders: RawHeaders) => void) | undefined;
  bodyBytes?: Buffer;

  constructor(
    method: string,
    config: CompiledProxyConfig,
    path: string,
    rawHeaders: RawHeaders,
    body: Readable | Buffer | null,
    inbound: Inbound,
    options: ProxyCallOptions,
  ) {
    this.method = method;
    this.origin = config.origin;
    this.path = path;
    this.rawHeaders = rawHeaders;
    this.body = body;
    this.inbound = inbound;
    this.config = config;
    this.signal = options.signal;
    this.onInformational = options.onInformational;
  }
}

const CONSUMED = Symbol('consumed');

function requestBody(req: ProxyRequest, raw: RawHeaders): Readable | Buffer | null | typeof CONSUMED {
  if ('body' in req && req.body !== undefined) {
    const b = req.body;
    if (b === null || Buffer.isBuffer(b)) return b;
    if (typeof b === 'string') return Buffer.from(b);
    return isConsumed(b) ? CONSUMED : b;
  }
  if (!(req instanceof Readable)) return null;
  if (!declaresBody(raw)) return null;
  return isConsumed(req) ? CONSUMED : req;
}

/** A request declares a body with Transfer-Encoding or a non-zero Content-Length. */
export function declaresBody(raw: RawHeaders): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Compare lengths first: no lower-cased copy of every header name per request.
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true;
    if (name.length === 14 && name.toLowerCase() === 'content-length' && raw[i + 1]!.trim() !== '0') return true;
  }
  return false;
}

function isConsumed(stream: Readable): boolean {
  return stream.readableDidRead || stream.readableEnded || stream.destroyed;
}

/**
 * Forwards a request and resolves as soon as the backend has sent its headers;
 * the body streams behind with backpressure. Rejects with a `ProxyError`
 * (stable `code`, `method`, `url`, `cause`) when the backend fails.
 *
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   try {
 *     const response = await proxy(req, { target: 'http://127.0.0.1:3000' });
 *     await response.send(res);
 *   } catch (err) {
 *     if (isProxyError(err)) res.writeHead(err.status).end(err.message);
 *   }
 * });
 * ```
 */
export async function proxy(
  req: ProxyRequest,
  config: ProxyConfig | CompiledProxyConfig,
  options: ProxyCallOptions = {},
): Promise<ProxytapeResponse> {
  const compiled = compileProxyConfig(config);
  const outgoing = toOutgoing(req, compiled, options, ProxyError);
  return roundTrip(outgoing, compiled);
}

/** Runs a prepared request through the config's transport and applies the response header policy. */
export function roundTrip(outgoing: OutgoingRequest, config: CompiledProxyConfig): Promise<ProxytapeResponse> {
  const transport = config.transport ?? defaultTransport();
  // Custom transports may throw anything, even synchronously; callers always get a ProxyError with a stable code.
  const toError = (err: unknown): never => {
    throw toProxyError(err, outgoing, false);
  };
  let pending: Promise<UpstreamResponse>;
  try {
    pending = transport.roundTrip(outgoing);
  } catch (err) {
    return Promise.reject(toProxyError(err, outgoing, false));
  }
  return pending.then((upstream) => toResponse(upstream, outgoing), toError);
}

/** Wraps a transport's answer as the response the client gets (hop-by-hop stripped, `x-proxytape` set). */
export function toResponse(upstream: UpstreamResponse, outgoing: OutgoingRequest): ProxytapeResponse {
  return new ProxytapeResponse(new UpstreamInit(upstream, outgoing));
}

/** A transport's answer as response fields (a class instance: see the note on Outgoing). */
class UpstreamInit implements ProxytapeResponseInit {
  status: number;
  statusText: string;
  rawHeaders: RawHeaders;
  body: Exclude<ProxytapeResponseInit['body'], undefined>;
  source: ProxytapeResponseInit['source'];
  method: string;
  url: string;
  trailers: (() => RawHeaders) | undefined;
  fixture: string | undefined;

  constructor(upstream: UpstreamResponse, outgoing: OutgoingRequest) {
    this.status = upstream.status;
    this.statusText = upstream.statusText;
    this.rawHeaders = buildDownstreamHeaders(upstream.rawHeaders, upstream.source);
    this.body = upstream.body;
    this.source = upstream.source;
    this.method = outgoing.inbound.method;
    this.url = outgoing.inbound.url;
    this.trailers = upstream.trailers;
    this.fixture = upstream.fixture;
  }
}

/**
 * Like {@link proxy}, but never rejects for backend trouble: it answers 502
 * (refused, DNS, reset before headers, invalid response) or 504 (connect or
 * headers timeout) itself, with a text body naming the cause code and the
 * request. Rejects with `FullProxyError` (`PROXYTAPE_BODY_CONSUMED`) only when
 * the request body was already read — checked before connecting.
 *
 * @example
 * ```ts
 * app.use('/api', async (req, res) => {
 *   const response = await fullProxy(req, { target: 'http://127.0.0.1:3000' });
 *   await response.send(res); // 200 from the backend, or 502/504 from proxytape
 * });
 * ```
 */
export async function fullProxy(
  req: ProxyRequest,
  config: ProxyConfig | CompiledProxyConfig,
  options: ProxyCallOptions = {},
): Promise<ProxytapeResponse> {
  const compiled = compileProxyConfig(config);
  const outgoing = toOutgoing(req, compiled, options, FullProxyError);
  try {
    return await roundTrip(outgoing, compiled);
  } catch (err) {
    if (isProxyError(err)) return errorResponse(err);
    throw err;
  }
}
