import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ProxyError } from '../errors.js';
import { StreamingBody } from './body.js';
import type { CompiledProxyConfig } from './config.js';
import { type RawHeaders, buffersToRaw } from './headers-util.js';
import type { OutgoingRequest, Transport, UpgradedResponse, UpstreamResponse } from './transport.js';
import { Pool, undiciErrors } from './undici-pool.js';
import { toProxyError } from './upstream-errors.js';

/** Options of the HTTP transport's per-origin undici pools. */
export interface HttpTransportOptions {
  /** Most connections per origin (null = no limit). @default null */
  connections?: number | null;
  /** How long an idle upstream connection is kept, ms. @default 4_000 */
  keepAliveTimeout?: number;
}

/** Callbacks a dispatch settles with (once). */
export type Settle = { resolve: (r: UpstreamResponse | UpgradedResponse) => void; reject: (e: ProxyError) => void };

/** Key of HttpTransport's callback dispatch, used by the proxy core's request path. */
export const DISPATCH = Symbol('proxytape.dispatch');

/**
 * undici times connecting, the response headers and the body with its "fast timers", which
 * tick every half second and fire up to a second late: a 100 ms headers timeout fires after
 * ~1 s. Timeouts shorter than this get a precise timer of their own (undici's stays as a
 * backstop); the defaults (10 s connect, 60 s headers and body) cost no timer per request.
 */
const PRECISE_TIMEOUT_BELOW_MS = 10_000;

function onHeadersTimeout(handler: DispatchHandler): void {
  handler.timedOut(new undiciErrors.HeadersTimeoutError());
}

function onBodyTimeout(handler: DispatchHandler): void {
  handler.timedOut(new undiciErrors.BodyTimeoutError());
}

function onConnectTimeout(handler: DispatchHandler): void {
  handler.timedOut(new undiciErrors.ConnectTimeoutError());
}

/**
 * undici's native dispatch handler (raw Buffer headers, no parsing into
 * objects): the leanest path from the upstream socket to the client. The body
 * goes into a {@link StreamingBody}; `onData` returning false pauses the
 * upstream socket until the consumer resumes it.
 */
class DispatchHandler {
  // undici keeps up to 256 finished requests per connection (and their handlers) in its queue
  // before trimming it, so everything a handler references is dropped once it is done: otherwise
  // thousands of request bodies, headers and client sockets outlive their requests and get
  // promoted to the old generation, which costs more than the proxying itself.
  private request: OutgoingRequest | null;
  private settle: Settle | null;
  private abort: ((err: Error) => void) | null = null;
  private body: StreamingBody | null = null;
  private onAbortSignal: (() => void) | null = null;
  /** The precise connect, headers or body timer, when the timeout is short (see PRECISE_TIMEOUT_BELOW_MS). */
  private timer: NodeJS.Timeout | null = null;
  /** A precise timer failed the request before undici handed over its abort function: abort it when it does. */
  private abortOnConnect: Error | null = null;
  /** The response status, once the headers are in. */
  private status = 0;

  constructor(request: OutgoingRequest, settle: Settle) {
    this.request = request;
    this.settle = settle;
    const signal = request.signal;
    if (signal) {
      this.onAbortSignal = () => this.abortWith(signal.reason as Error);
      signal.addEventListener('abort', this.onAbortSignal);
    }
    // undici's own connect timer has the same one-second granularity as its headers timer.
    this.startTimer(request.config.timeouts.connect, onConnectTimeout);
  }

  private abortWith(err: Error): void {
    if (this.abort) this.abort(err);
    else if (this.settle && this.request) {
      this.settle.reject(toProxyError(err, this.request, false));
      this.settle = null;
    }
  }

  /** A precise timer fired: fail the request as undici's own timeout would. */
  timedOut(err: Error): void {
    this.timer = null;
    if (this.abort === null) this.abortOnConnect = err;
    this.abortWith(err);
  }

  private startTimer(ms: number, fire: (handler: DispatchHandler) => void): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = ms > 0 && ms < PRECISE_TIMEOUT_BELOW_MS ? setTimeout(fire, ms, this).unref() : null;
  }

  private release(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.onAbortSignal) this.request?.signal?.removeEventListener('abort', this.onAbortSignal);
    this.onAbortSignal = null;
    this.request = null;
    this.settle = null;
    this.body = null;
    this.abort = null;
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.abortOnConnect !== null) return abort(this.abortOnConnect);
    const request = this.request;
    if (request === null) return;
    if (request.signal?.aborted) abort(request.signal.reason as Error);
    // undici starts its headers timer here too: when the request goes out on a connection.
    else this.startTimer(request.config.timeouts.headers, onHeadersTimeout);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) {
      this.request?.onInformational?.(statusCode, buffersToRaw(rawHeaders));
      return true;
    }
    this.status = statusCode;
    const settle = this.settle;
    if (!settle) return false;
    this.settle = null;
    const body = new StreamingBody();
    const abort = this.abort;
    body.abortSource = (err) => abort?.(err);
    this.body = body;
    const bodyTimeout = this.request?.config.timeouts.body ?? 0;
    this.startTimer(bodyTimeout, onBodyTimeout);
    // Like undici's, the body timeout counts the time between chunks (and restarts when a paused body resumes).
    body.resumeSource = this.timer === null ? resume : () => (this.timer?.refresh(), resume());
    settle.resolve(new ProxiedResponse(statusCode, statusText ?? '', buffersToRaw(rawHeaders), body));
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.timer?.refresh();
    return this.body?.push(chunk) ?? false;
  }

  onComplete(trailers: Buffer[] | null): void {
    const body = this.body;
    this.release();
    if (!body) return;
    if (trailers && trailers.length > 0) body.trailers = buffersToRaw(trailers);
    body.end();
  }

  onError(err: Error): void {
    const { body, settle, request, status } = this;
    this.release();
    if (request === null) return;
    if (body) {
      // A 204 or 304 has no body whatever its Content-Length says (RFC 9110 §8.6); undici 7 still
      // counts the missing bytes as a mismatch. The response is complete.
      if ((status === 204 || status === 304) && (err as { code?: unknown }).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
        return body.end();
      if (!body.done) body.fail(toProxyError(err, request, true));
    } else if (settle) {
      settle.reject(toProxyError(err, request, false));
    }
  }

  onUpgrade(_statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex): void {
    const settle = this.settle;
    this.release();
    settle?.resolve({
      status: 101,
      statusText: 'Switching Protocols',
      rawHeaders: buffersToRaw(rawHeaders),
      socket,
    } satisfies UpgradedResponse);
  }
}

// Per-request objects as class instances, not object literals: see the note on Outgoing in proxy.ts.

/** An upstream response whose body is streaming in. */
class ProxiedResponse implements UpstreamResponse {
  readonly source = 'proxied';
  readonly trailers: () => RawHeaders;
  constructor(
    public status: number,
    public statusText: string,
    public rawHeaders: RawHeaders,
    public body: StreamingBody,
  ) {
    this.trailers = () => body.trailers;
  }
}

/** undici's dispatch options for one request. */
class DispatchRequest implements Dispatcher.DispatchOptions {
  origin: string;
  method: Dispatcher.HttpMethod;
  path: string;
  headers: RawHeaders;
  body: OutgoingRequest['body'];
  headersTimeout: number;
  bodyTimeout: number;
  upgrade: string | null;
  /** TLS server name (SNI and certificate check) when the config names one: undici otherwise derives it from Host. */
  servername?: string;

  constructor(request: OutgoingRequest, upgrade: string | undefined) {
    const { timeouts } = request.config;
    this.origin = request.origin;
    this.method = request.method as Dispatcher.HttpMethod;
    this.path = request.path;
    this.headers = request.rawHeaders;
    this.body = request.body;
    this.headersTimeout = timeouts.headers;
    this.bodyTimeout = timeouts.body;
    this.upgrade = upgrade ?? null;
    const servername = request.config.tls?.servername;
    if (servername !== undefined) this.servername = servername;
  }
}

/**
 * Forwards requests over HTTP/1.1 with one undici `Pool` per origin and TLS
 * settings. Idle upstream sockets are kept alive and unref'd, so they never
 * hold a process (or a test run) open.
 *
 * @example
 * ```ts
 * const transport = new HttpTransport({ connections: 64 });
 * const handler = createProxyHandler({ target: 'http://127.0.0.1:3000', transport });
 * // …
 * await transport.close();
 * ```
 */
export class HttpTransport implements Transport {
  readonly #pools = new Map<string, Pool>();
  readonly #options: HttpTransportOptions;
  #closed = false;

  constructor(options: HttpTransportOptions = {}) {
    this.#options = options;
  }

  /** The pool for a config's origin and TLS settings (created on first use). */
  pool(config: CompiledProxyConfig): Pool {
    const key = poolKey(config);
    let pool = this.#pools.get(key);
    if (!pool) {
      if (this.#closed) throw new Error('HttpTransport is closed');
      const tls = config.tls;
      pool = new Pool(config.origin, {
        connections: this.#options.connections ?? null,
        keepAliveTimeout: this.#options.keepAliveTimeout ?? 4_000,
        headersTimeout: config.timeouts.headers,
        bodyTimeout: config.timeouts.body,
        connect: {
          timeout: config.timeouts.connect,
          ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
          ...(tls?.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
          ...(tls?.servername !== undefined ? { servername: tls.servername } : {}),
        },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  roundTrip(request: OutgoingRequest): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => this.#dispatch(request, undefined, { resolve: resolve as Settle['resolve'], reject }));
  }

  upgrade(request: OutgoingRequest, protocol: string): Promise<UpgradedResponse | UpstreamResponse> {
    return new Promise((resolve, reject) => this.#dispatch(request, protocol, { resolve, reject }));
  }

  /** The callback form of roundTrip() the proxy's request path uses: no promise per request. */
  [DISPATCH](request: OutgoingRequest, settle: Settle): void {
    this.#dispatch(request, undefined, settle);
  }

  #dispatch(request: OutgoingRequest, upgrade: string | undefined, settle: Settle): void {
    const handler = new DispatchHandler(request, settle);
    try {
      this.pool(request.config).dispatch(new DispatchRequest(request, upgrade), handler as never);
    } catch (err) {
      handler.onError(err as Error);
    }
  }

  /** Closes every pool: waits for running requests, then closes idle connections. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }

  /** Destroys every pool at once, failing running requests. */
  async destroy(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

function poolKey(config: CompiledProxyConfig): string {
  const { tls, timeouts } = config;
  if (!tls && timeouts.connect === 10_000 && timeouts.headers === 60_000 && timeouts.body === 60_000) return config.origin;
  return `${config.origin}|${timeouts.connect}|${timeouts.headers}|${timeouts.body}|${tls?.rejectUnauthorized ?? ''}|${tls?.servername ?? ''}|${caKey(tls?.ca)}`;
}

const caIds = new WeakMap<object, number>();
let nextCaId = 0;
function caKey(ca: string | Buffer | Array<string | Buffer> | undefined): string {
  if (ca === undefined) return '';
  if (typeof ca === 'string') return `s${ca.length}:${ca.slice(-64)}`;
  let id = caIds.get(ca);
  if (id === undefined) caIds.set(ca, (id = nextCaId++));
  return `o${id}`;
}

let shared: HttpTransport | undefined;

/** The process-wide HTTP transport used when a config names none. */
export function defaultTransport(): HttpTransport {
  return (shared ??= new HttpTransport());
}
