import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { ProxyError } from '../errors.js';
import type { CompiledProxyConfig } from './config.js';
import { type RawHeaders, buffersToRaw } from './headers-util.js';
import type { OutgoingRequest, Transport, UpgradedResponse, UpstreamResponse } from './transport.js';
import { toProxyError } from './upstream-errors.js';

/** Options of the HTTP transport's per-origin undici pools. */
export interface HttpTransportOptions {
  /** Most connections per origin (null = no limit). @default null */
  connections?: number | null;
  /** How long an idle upstream connection is kept, ms. @default 4_000 */
  keepAliveTimeout?: number;
}

/**
 * The response body as it streams from undici. `push()` returning false pauses
 * the upstream socket; `_read()` resumes it, so a slow client slows the backend
 * instead of filling memory. Destroying it aborts the upstream request.
 */
class UpstreamBody extends Readable {
  trailers: RawHeaders = [];
  resumeUpstream: (() => void) | null = null;
  abortUpstream: ((err: Error) => void) | null = null;
  paused = false;
  done = false;

  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      this.resumeUpstream?.();
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.done) {
      this.done = true;
      this.abortUpstream?.(err ?? new Error('response body destroyed before it ended'));
    }
    cb(err);
  }
}

const noop = (): void => {};

type Settle = { resolve: (r: UpstreamResponse | UpgradedResponse) => void; reject: (e: ProxyError) => void };

/**
 * undici's native dispatch handler (raw Buffer headers, no parsing into
 * objects): the leanest path from the upstream socket to the client.
 */
class DispatchHandler {
  private abort: ((err: Error) => void) | null = null;
  private body: UpstreamBody | null = null;
  private settled = false;
  private readonly onAbortSignal: (() => void) | null;

  constructor(
    private readonly request: OutgoingRequest,
    private readonly settle: Settle,
  ) {
    const signal = request.signal;
    if (signal) {
      this.onAbortSignal = () => this.abortWith(signal.reason as Error);
      signal.addEventListener('abort', this.onAbortSignal, { once: true });
    } else this.onAbortSignal = null;
  }

  private abortWith(err: Error): void {
    if (this.abort) this.abort(err);
    else if (!this.settled) {
      this.settled = true;
      this.settle.reject(toProxyError(err, this.request, false));
    }
  }

  private release(): void {
    if (this.onAbortSignal) this.request.signal?.removeEventListener('abort', this.onAbortSignal);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.request.signal?.aborted) abort(this.request.signal.reason as Error);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) {
      this.request.onInformational?.(statusCode, buffersToRaw(rawHeaders));
      return true;
    }
    const body = new UpstreamBody();
    body.resumeUpstream = resume;
    body.abortUpstream = (err) => this.abort?.(err);
    this.body = body;
    this.settled = true;
    this.settle.resolve({
      status: statusCode,
      statusText: statusText ?? '',
      rawHeaders: buffersToRaw(rawHeaders),
      body,
      trailers: () => body.trailers,
      source: 'proxied',
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    const body = this.body!;
    if (body.push(chunk)) return true;
    body.paused = true;
    return false;
  }

  onComplete(trailers: Buffer[] | null): void {
    this.release();
    const body = this.body;
    if (!body) return;
    body.trailers = buffersToRaw(trailers);
    body.done = true;
    body.push(null);
  }

  onError(err: Error): void {
    this.release();
    const body = this.body;
    if (!body) {
      if (this.settled) return;
      this.settled = true;
      this.settle.reject(toProxyError(err, this.request, false));
    } else if (!body.done) {
      body.done = true;
      // Like undici's own bodies: a failure must never crash the process through an 'error' event
      // nobody listens to (the consumer may already have detached, e.g. when the client left and
      // its abort signal is what failed the request). Listeners still see the error.
      body.on('error', noop);
      body.destroy(toProxyError(err, this.request, true));
    }
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex): void {
    this.release();
    this.settled = true;
    this.settle.resolve({
      status: 101,
      statusText: 'Switching Protocols',
      rawHeaders: buffersToRaw(rawHeaders),
      socket,
    } satisfies UpgradedResponse);
    void statusCode;
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
    return this.#dispatch(request, undefined) as Promise<UpstreamResponse>;
  }

  upgrade(request: OutgoingRequest, protocol: string): Promise<UpgradedResponse | UpstreamResponse> {
    return this.#dispatch(request, protocol);
  }

  #dispatch(request: OutgoingRequest, upgrade: string | undefined): Promise<UpstreamResponse | UpgradedResponse> {
    return new Promise((resolve, reject) => {
      const handler = new DispatchHandler(request, { resolve, reject });
      try {
        const { timeouts } = request.config;
        this.pool(request.config).dispatch(
          {
            origin: request.origin,
            method: request.method,
            path: request.path,
            headers: request.rawHeaders,
            body: request.body,
            headersTimeout: timeouts.headers,
            bodyTimeout: timeouts.body,
            ...(upgrade !== undefined ? { upgrade } : {}),
          },
          handler as never,
        );
      } catch (err) {
        handler.onError(err as Error);
      }
    });
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
