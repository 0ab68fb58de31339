import { noteRelayed } from './relay-gc.js';
import { cutByShutdown, shutdownCut } from './shutdown-cut.js';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { type BodySink, StreamingBody } from './body.js';
import { ProxyError, type ProxytapeError, isProxytapeError } from '../errors.js';
import { type HeaderRecord, type RawHeaders, getRaw, rawToRecord, removeRaw, setRaw } from './headers-util.js';

/** Where a response came from; sent to the client as the `x-proxytape` header. */
export const PROXY_SOURCES = ['proxied', 'recorded', 'replayed', 'miss', 'error'] as const;
export type ProxySource = (typeof PROXY_SOURCES)[number];

/** The header every proxytape response carries. */
export const SOURCE_HEADER = 'x-proxytape';
/** On error responses: the stable error code. */
export const ERROR_CODE_HEADER = 'x-proxytape-error';

/** A response body: a stream (forwarded with backpressure), bytes, or nothing. */
export type ResponseBody = Readable | Buffer | null;

/** Key of a response's not-yet-read streaming body (internal to the proxy core). */
export const STREAM = Symbol('proxytape.stream');

/** Fields to build a {@link ProxytapeResponse}. */
export interface ProxytapeResponseInit {
  status: number;
  statusText?: string;
  /** Flat raw header list `[name, value, …]`; order, casing and repeats are kept. */
  rawHeaders?: RawHeaders;
  /** A Readable, bytes, null, or a transport's {@link StreamingBody}. */
  body?: ResponseBody | StreamingBody;
  source: ProxySource;
  /** Trailers to send after the body, or a function read once the body ended (streamed trailers). */
  trailers?: RawHeaders | (() => RawHeaders) | undefined;
  /** The error this response stands for (error and miss responses). */
  error?: ProxytapeError;
  /** The fixture file the response was replayed from or recorded to. */
  fixture?: string | undefined;
  /** For error context: the client request. */
  method?: string;
  url?: string;
}

/** What happened when a response was written to a client. `send()` never rejects. */
export interface SendResult {
  /** True when the whole body reached the client's socket buffer and the response ended cleanly. */
  ok: boolean;
  /** The status actually sent, when it is not the response's (a 502 for a head Node refused to send). */
  status?: number;
  /** Body bytes written to the client. */
  bytes: number;
  /** Why the response could not be completed (the client connection was aborted). */
  error?: ProxytapeError;
}

/**
 * A response produced by `proxy()`/`fullProxy()` or by middleware: plain status,
 * raw headers and a body stream, easy to send to any `ServerResponse`.
 *
 * @example
 * ```ts
 * app.get('/api/*', async (req, res) => {
 *   const response = await fullProxy(req, { target: 'https://api.example.com' });
 *   response.setHeader('x-served-by', 'proxytape');
 *   await response.send(res);
 * });
 * ```
 */
export class ProxytapeResponse {
  status: number;
  statusText: string;
  rawHeaders: RawHeaders;
  source: ProxySource;
  readonly error: ProxytapeError | undefined;
  /** The fixture file this response was replayed from or recorded to, if any. */
  readonly fixture: string | undefined;
  readonly method: string;
  readonly url: string;
  #trailers: RawHeaders | (() => RawHeaders) | undefined;
  #body: ResponseBody = null;
  /** A transport's body not yet turned into a Readable: `send()` streams it straight into the client. */
  [STREAM]: StreamingBody | null = null;

  constructor(init: ProxytapeResponseInit) {
    this.status = init.status;
    this.statusText = init.statusText ?? '';
    this.rawHeaders = init.rawHeaders ?? [];
    const body = init.body ?? null;
    if (body instanceof StreamingBody) this[STREAM] = body;
    else this.#body = body;
    this.source = init.source;
    this.error = init.error;
    this.fixture = init.fixture;
    this.method = init.method ?? 'GET';
    this.url = init.url ?? '/';
    this.#trailers = init.trailers;
  }

  /**
   * The body: a Readable (streamed), bytes, or null. Reading it turns a streaming
   * upstream body into a Node Readable; assigning replaces the body (a streaming
   * one that was never read is destroyed, which cancels its upstream request).
   */
  get body(): ResponseBody {
    const stream = this[STREAM];
    if (stream !== null) {
      this[STREAM] = null;
      this.#body = stream.toReadable();
    }
    return this.#body;
  }

  set body(value: ResponseBody) {
    const stream = this[STREAM];
    if (stream !== null) {
      this[STREAM] = null;
      stream.destroy(new Error('response body replaced before it was read'));
    }
    this.#body = value;
  }

  /** Response headers keyed by lower-case name (a fresh copy; change them with setHeader). */
  get headers(): HeaderRecord {
    return rawToRecord(this.rawHeaders);
  }

  /** Trailers received after the body (available once the body has ended). */
  get trailers(): RawHeaders {
    const t = this.#trailers;
    return typeof t === 'function' ? t() : (t ?? []);
  }

  /** First value of a header, case-insensitive. */
  getHeader(name: string): string | undefined {
    return getRaw(this.rawHeaders, name);
  }

  /** Replaces a header (all its lines) with one or several values. */
  setHeader(name: string, value: string | readonly string[]): this {
    setRaw(this.rawHeaders, name, value);
    return this;
  }

  /** Removes a header (all its lines). */
  removeHeader(name: string): this {
    removeRaw(this.rawHeaders, name);
    return this;
  }

  /**
   * Writes status, headers, body (with backpressure) and trailers to `res`.
   * A body that fails mid-way destroys `res` (the client sees an aborted
   * connection, never a clean end); a client that goes away destroys the body,
   * which cancels the upstream request. Never rejects.
   */
  send(res: ServerResponse): Promise<SendResult> {
    return sendResponse(this, res);
  }
}

/** Builds a small text response (used for errors and short-circuits). */
export function textResponse(
  status: number,
  text: string,
  options: { source?: ProxySource; rawHeaders?: RawHeaders; error?: ProxytapeError; method?: string; url?: string } = {},
): ProxytapeResponse {
  const body = Buffer.from(text, 'utf8');
  const rawHeaders: RawHeaders = [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(body.length),
    'cache-control',
    'no-store',
    ...(options.rawHeaders ?? []),
  ];
  const source = options.source ?? 'error';
  setRaw(rawHeaders, SOURCE_HEADER, source);
  if (options.error) setRaw(rawHeaders, ERROR_CODE_HEADER, options.error.code);
  return new ProxytapeResponse({
    status,
    rawHeaders,
    body,
    source,
    ...(options.error ? { error: options.error } : {}),
    ...(options.method ? { method: options.method } : {}),
    ...(options.url ? { url: options.url } : {}),
  });
}

/** Builds the error response `fullProxy()` answers with: the status of the code, a text body naming the cause and the request. */
export function errorResponse(
  error: ProxytapeError,
  source: ProxySource = MISS_CODES.has(error.code) ? 'miss' : 'error',
): ProxytapeResponse {
  const reason = STATUS_REASONS[error.status] ?? 'Error';
  const text = `${error.status} ${reason} (${error.code})\n${error.message}\n`;
  return textResponse(error.status, text, {
    source,
    error,
    ...(error.method ? { method: error.method } : {}),
    ...(error.url ? { url: error.url } : {}),
  });
}

const STATUS_REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** Codes whose error response is a replay miss (`x-proxytape: miss`) rather than an error. */
const MISS_CODES: ReadonlySet<string> = new Set(['PROXYTAPE_REPLAY_MISS', 'PROXYTAPE_SEQUENCE_EXHAUSTED']);

/** Writes a ProxytapeResponse to a ServerResponse. See {@link ProxytapeResponse.send}. */
export function sendResponse(response: ProxytapeResponse, res: ServerResponse): Promise<SendResult> {
  return new Promise<SendResult>((resolve) => writeResponse(response, res, resolve));
}

/**
 * The callback form of {@link sendResponse} (no promise on the request path).
 * `done` is called exactly once, when the response finished or failed.
 */
export function writeResponse(response: ProxytapeResponse, res: ServerResponse, done: (result: SendResult) => void): void {
  const stream = response[STREAM];
  if (stream !== null) {
    response[STREAM] = null;
    writeStreaming(response, stream, res, done);
    return;
  }
  const body = response.body;
  let bytes = 0;
  let settled = false;
  const finish = (result: SendResult): void => {
    if (settled) return;
    settled = true;
    done(result);
  };

  const head = res.destroyed || res.writableEnded ? HEAD_NOT_SENT : tryWriteHead(response, res);
  if (head !== HEAD_SENT) {
    if (body instanceof Readable) body.destroy();
    if (head instanceof Error) return sendRefusedHead(response, res, head, finish);
    finish({ ok: false, bytes: 0, error: clientGone(response, res) });
    return;
  }

  if (body === null || Buffer.isBuffer(body)) {
    if (body) bytes = body.length;
    res.on('close', () => finish(res.writableFinished ? { ok: true, bytes } : { ok: false, bytes, error: clientGone(response, res) }));
    res.end(body ?? undefined);
    return;
  }

  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (!res.write(chunk)) body.pause();
  };
  const onDrain = (): void => {
    body.resume();
  };
  const onEnd = (): void => {
    cleanup();
    const trailers = response.trailers;
    if (trailers.length > 0) res.addTrailers(pairs(trailers));
    res.end(() => finish({ ok: true, bytes }));
  };
  const onBodyError = (err: Error): void => {
    cleanup();
    // Abort the client connection: ending it cleanly would let a partial body pass for a complete one.
    abortClient(response, res, err);
    finish({ ok: false, bytes, error: bodyFailure(response, err) });
  };
  const onClose = (): void => {
    if (res.writableFinished) return;
    cleanup();
    // The client went away: destroying the body cancels the upstream request.
    body.destroy();
    finish({ ok: false, bytes, error: clientGone(response, res) });
  };
  const cleanup = (): void => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onBodyError);
    // The outcome is decided; a later error of the body (e.g. the upstream abort that destroying
    // it causes) must not surface as an unhandled 'error' event.
    body.on('error', noop);
    res.off('drain', onDrain);
    res.off('close', onClose);
  };
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onBodyError);
  res.on('drain', onDrain);
  res.once('close', onClose);
}

/**
 * The hot path: a transport's body written straight into `res` — no Readable, one
 * 'close' listener. A body that is already complete (most small responses) goes out
 * with a single `res.end(chunk)`.
 */
function writeStreaming(response: ProxytapeResponse, stream: StreamingBody, res: ServerResponse, done: (result: SendResult) => void): void {
  const head = res.destroyed || res.writableEnded ? HEAD_NOT_SENT : tryWriteHead(response, res);
  if (head !== HEAD_SENT) {
    const error = head instanceof Error ? head : clientGone(response, res);
    stream.destroy(error);
    if (head instanceof Error) return sendRefusedHead(response, res, head, done);
    done({ ok: false, bytes: 0, error });
    return;
  }
  let bytes = 0;
  let failure: Error | null = null;
  // 'close' is emitted once: on() spares the per-request once() wrapper.
  res.on('close', () => {
    if (res.writableFinished) return done({ ok: true, bytes });
    if (failure !== null) return done({ ok: false, bytes, error: bodyFailure(response, failure) });
    if (deliveredWhole(response, res, bytes)) {
      // The client read every byte the response declared and closed before Node noticed the
      // last write had gone out (curl does). Let the source run to its end instead of cancelling
      // it, so a recording of this response completes.
      stream.discard();
      return done({ ok: true, bytes });
    }
    const error = clientGone(response, res);
    // The client went away: destroying the body cancels the upstream request.
    stream.destroy(error);
    done({ ok: false, bytes, error });
  });

  const whole = stream.takeIfComplete();
  if (whole !== null) {
    const last = whole.length - 1;
    for (let i = 0; i < last; i++) {
      bytes += whole[i]!.length;
      res.write(whole[i]);
    }
    const trailers = response.trailers;
    if (trailers.length > 0) res.addTrailers(pairs(trailers));
    if (last >= 0) bytes += whole[last]!.length;
    res.end(last >= 0 ? whole[last] : undefined);
    return;
  }

  const sink = new ResponseSink(
    response,
    stream,
    res,
    (n) => (bytes += n),
    (err) => (failure = err),
  );
  stream.attach(sink);
}

/**
 * Streams a transport's body into a ServerResponse. A class instance, not an object
 * literal: see the note on Outgoing in proxy.ts.
 */
class ResponseSink implements BodySink {
  #waitingForDrain = false;
  readonly #onDrain = (): void => {
    this.#waitingForDrain = false;
    this.stream.resume();
  };

  constructor(
    private readonly response: ProxytapeResponse,
    private readonly stream: StreamingBody,
    private readonly res: ServerResponse,
    private readonly count: (bytes: number) => void,
    private readonly failed: (err: Error) => void,
  ) {}

  write(chunk: Buffer): boolean {
    this.count(chunk.length);
    noteRelayed(chunk.length);
    if (this.res.write(chunk)) return true;
    if (!this.#waitingForDrain) {
      this.#waitingForDrain = true;
      this.res.once('drain', this.#onDrain);
    }
    return false;
  }

  end(): void {
    const trailers = this.response.trailers;
    if (trailers.length > 0) this.res.addTrailers(pairs(trailers));
    this.res.end();
  }

  error(err: Error): void {
    this.failed(err);
    // Abort the client connection: ending it cleanly would let a partial body pass for a complete one.
    abortClient(this.response, this.res, err);
  }
}

function bodyFailure(response: ProxytapeResponse, err: Error): ProxytapeError {
  return isProxytapeError(err)
    ? err
    : new ProxyError(
        'PROXYTAPE_UPSTREAM_BODY_ABORTED',
        `Failed to proxy ${response.method} ${response.url}: the response body failed mid-way (${err.message}).`,
        { method: response.method, url: response.url, cause: err },
      );
}

function clientGone(response: ProxytapeResponse, res: ServerResponse): ProxyError {
  if (cutByShutdown(res.socket)) return shutdownCut(response.method, response.url);
  return new ProxyError(
    'PROXYTAPE_CLIENT_ABORTED',
    `Client closed the connection before ${response.method} ${response.url} was answered; the upstream request was cancelled.`,
    { method: response.method, url: response.url },
  );
}

function pairs(raw: RawHeaders): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

const HEAD_SENT = 1;
const HEAD_NOT_SENT = 0;

/**
 * writeHead(), turning a head Node refuses to send (it throws on a header value it finds
 * invalid, say) into the error to answer with instead: a proxy that lets it escape leaves
 * the client waiting for ever.
 */
function tryWriteHead(response: ProxytapeResponse, res: ServerResponse): typeof HEAD_SENT | typeof HEAD_NOT_SENT | ProxyError {
  try {
    return writeHead(response, res) ? HEAD_SENT : HEAD_NOT_SENT;
  } catch (err) {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    // Node keeps a status message it refused (a control byte in the backend's reason phrase)
    // and would reuse it for the replacement's head.
    res.statusMessage = '';
    return new ProxyError(
      'PROXYTAPE_UPSTREAM_INVALID_RESPONSE',
      `Failed to proxy ${response.method} ${response.url}: the response head cannot be relayed (${(err as Error).message}).`,
      { method: response.method, url: response.url, cause: err },
    );
  }
}

/** Responses whose head was refused and replaced: a replacement refused too is not replaced again. */
const replaced = new WeakSet<ServerResponse>();

/** Answers a 502 in place of a response whose head could not be sent. */
function sendRefusedHead(response: ProxytapeResponse, res: ServerResponse, error: ProxyError, done: (result: SendResult) => void): void {
  if (replaced.has(res)) {
    res.destroy(error);
    return done({ ok: false, bytes: 0, error });
  }
  replaced.add(res);
  const replacement = errorResponse(error);
  writeResponse(replacement, res, (result) => done({ ...result, ok: false, status: replacement.status, error }));
}

/** Writes status and headers; false if the response could not be started (throws when Node refuses the head). */
function writeHead(response: ProxytapeResponse, res: ServerResponse): boolean {
  if (res.headersSent) return false;
  let raw = response.rawHeaders;
  // A `Trailer` announcement on a response Node will not send chunked (a fixed length, no body,
  // an HTTP/1.0 client) makes writeHead throw: such a response cannot carry trailers, so it goes.
  if (getRaw(raw, 'trailer') !== undefined && !mayCarryTrailers(response, res)) raw = removeRaw([...raw], 'trailer');
  // A 204 has no body and must not announce one (RFC 9110 §8.6, §6.1): a backend's Content-Length
  // or Transfer-Encoding on it is dropped, as Go's server does, so no client waits for a body.
  if (response.status === 204 && (getRaw(raw, 'content-length') !== undefined || getRaw(raw, 'transfer-encoding') !== undefined)) {
    raw = removeRaw(removeRaw([...raw], 'content-length'), 'transfer-encoding');
  }
  // Keep the upstream Date; let Node add one only when the upstream sent none.
  if (getRaw(raw, 'date') !== undefined) res.sendDate = false;
  const preset = res.getHeaderNames();
  if (preset.length === 0) {
    // Fast path: Node writes a flat array as-is, repeated names (Set-Cookie) as separate lines.
    res.writeHead(response.status, response.statusText || undefined, raw);
  } else {
    // Headers set on `res` beforehand (express's X-Powered-By, a CORS header) are kept unless the
    // response sets the same name. With preset headers Node would pass a flat array through
    // setHeader pair by pair, collapsing repeated names, so group values per name instead.
    for (const name of preset) if (getRaw(raw, name) !== undefined) res.removeHeader(name);
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i]!.toLowerCase();
      const entry = grouped.get(lower);
      if (entry) entry.values.push(raw[i + 1]!);
      else grouped.set(lower, { name: raw[i]!, values: [raw[i + 1]!] });
    }
    for (const { name, values } of grouped.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
    res.writeHead(response.status, response.statusText || undefined);
  }
  const body = response.body;
  // Streams of unknown length (SSE, long polls) must reach the client as they come:
  // send the head now instead of waiting for the first chunk.
  if (body instanceof Readable && getRaw(raw, 'content-length') === undefined) res.flushHeaders();
  return true;
}

const noop = (): void => {};

/**
 * Aborts a response mid-body. With a length or chunked framing, closing the connection early
 * is enough for the client to see the body is cut. A body without either (an HTTP/1.0
 * client's) ends where the connection ends, so a clean close would make the partial body look
 * complete: that connection gets a TCP reset instead of a FIN. (A TLS socket cannot be reset.)
 */
function abortClient(response: ProxytapeResponse, res: ServerResponse, err: Error): void {
  const framed = res.chunkedEncoding || getRaw(response.rawHeaders, 'content-length') !== undefined;
  const socket = res.socket as (Socket & { resetAndDestroy?: () => Socket }) | null;
  if (!framed) {
    try {
      socket?.resetAndDestroy?.();
    } catch {
      // not a TCP socket: destroyed below
    }
  }
  res.destroy(err);
}

/** True when `res` was ended, or was handed all the bytes its Content-Length announced. */
function deliveredWhole(response: ProxytapeResponse, res: ServerResponse, bytes: number): boolean {
  if (res.writableEnded) return true;
  const declared = getRaw(response.rawHeaders, 'content-length');
  return declared !== undefined && bytes > 0 && String(bytes) === declared.trim();
}

/** Whether Node would send this response chunked, the only framing with room for trailers. */
function mayCarryTrailers(response: ProxytapeResponse, res: ServerResponse): boolean {
  const status = response.status;
  if (status < 200 || status === 204 || status === 304) return false;
  if (res.req?.method === 'HEAD' || res.req?.httpVersionMinor === 0) return false;
  return getRaw(response.rawHeaders, 'content-length') === undefined;
}
