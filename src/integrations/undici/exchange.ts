import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { errors } from 'undici';
import { isProxytapeError } from '../../errors.js';
import { StreamingBody } from '../../proxy/body.js';
import { errorResponse } from '../../proxy/response.js';
import { buildDownstreamHeaders } from '../../proxy/response-headers.js';
import type { UpstreamResponse } from '../../proxy/transport.js';
import { fromReadable } from '../../tape/tee.js';
import type { ResponseSink } from './handler-adapter.js';

/**
 * proxytape's own failures the caller gets as a response, exactly as through the
 * proxy (status, `x-proxytape: miss|error`, the explanation as a text body) rather
 * than as a network error: a miss is an answer about the fixtures, not a failed connection.
 */
const ANSWERED_CODES: ReadonlySet<string> = new Set([
  'PROXYTAPE_REPLAY_MISS',
  'PROXYTAPE_SEQUENCE_EXHAUSTED',
  'PROXYTAPE_INVALID_CASSETTE',
]);

/**
 * One dispatched request: runs the round trip, then drives the caller's handler —
 * headers, body chunks with backpressure (`false` pauses until `resume`), trailers —
 * and honours the handler's abort at any point (the upstream request and any
 * recording in progress are cancelled; the handler gets `onError(reason)`).
 */
export class Exchange {
  /** Resolves once the handler got its last callback (complete or error). */
  readonly settled: Promise<void>;
  #settle!: () => void;
  readonly #sink: ResponseSink;
  readonly #controller = new AbortController();
  #state: 'waiting' | 'streaming' | 'done' = 'waiting';
  #body: StreamingBody | null = null;

  constructor(sink: ResponseSink) {
    this.#sink = sink;
    this.settled = new Promise<void>((resolve) => (this.#settle = resolve));
  }

  /** Calls `onConnect`, then `roundTrip(signal)`; the signal aborts when the handler aborts. */
  run(roundTrip: (signal: AbortSignal) => Promise<UpstreamResponse>): void {
    try {
      this.#sink.connect((err) => this.abort(err ?? new errors.RequestAbortedError()));
    } catch (err) {
      this.abort(err as Error);
    }
    if (this.#state === 'done') return;
    let pending: Promise<UpstreamResponse>;
    try {
      pending = roundTrip(this.#controller.signal);
    } catch (err) {
      pending = Promise.reject(err as Error);
    }
    pending.then(
      (response) => this.#respond(response),
      (err: unknown) => this.#roundTripFailed(err),
    );
  }

  /** Stops the exchange: cancels the upstream request or body, then tells the handler. */
  abort(err: Error): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.#controller.abort(err);
    this.#body?.destroy(err);
    this.#body = null;
    // Like undici, the handler hears of the abort after abort() returned, never from inside it.
    queueMicrotask(() => this.#error(err));
  }

  #roundTripFailed(err: unknown): void {
    if (this.#state === 'done') return;
    if (isProxytapeError(err) && ANSWERED_CODES.has(err.code)) {
      const response = errorResponse(err);
      this.#respond({
        status: response.status,
        statusText: STATUS_CODES[response.status] ?? '',
        rawHeaders: response.rawHeaders,
        body: response.body,
        source: response.source,
      });
      return;
    }
    this.#state = 'done';
    // Passed through as thrown: socket errors come from Node's realm, where `instanceof Error` can be false (Jest).
    this.#error(typeof err === 'object' && err !== null ? (err as Error) : new Error(String(err)));
  }

  #respond(response: UpstreamResponse): void {
    if (this.#state !== 'waiting') {
      discard(response.body);
      return;
    }
    const body = toStreamingBody(response.body);
    this.#body = body;
    this.#state = 'streaming';
    let attached = false;
    const attach = (): void => {
      if (attached || this.#state !== 'streaming') return;
      attached = true;
      body.attach({
        write: (chunk) => this.#state === 'streaming' && this.#call(() => this.#sink.data(chunk), false),
        end: () => {
          if (this.#state !== 'streaming') return;
          this.#state = 'done';
          this.#body = null;
          const trailers = (response.trailers?.() ?? body.trailers).map(latin1);
          this.#call(() => this.#sink.complete(trailers), undefined);
          this.#settle();
        },
        error: (err) => {
          if (this.#state !== 'streaming') return;
          this.#state = 'done';
          this.#body = null;
          this.#error(err);
        },
      });
    };
    const resume = (): void => (attached ? body.resume() : attach());
    const headers = buildDownstreamHeaders(response.rawHeaders, response.source).map(latin1);
    const flowing = this.#call(() => this.#sink.headers(response.status, headers, resume, response.statusText), false);
    // Paused by the handler (false from onHeaders): the body waits for resume().
    if (flowing) attach();
  }

  /** Runs a handler callback; one that throws aborts the exchange (as undici does). */
  #call<T>(callback: () => T, fallback: T): T {
    try {
      return callback();
    } catch (err) {
      this.abort(err as Error);
      return fallback;
    }
  }

  #error(err: Error): void {
    try {
      this.#sink.error(err);
    } catch {
      // A handler without an error callback: undici would throw it from its socket callback;
      // here there is no caller left to throw to, and crashing the test run helps no one.
    } finally {
      this.#settle();
    }
  }
}

function latin1(value: string): Buffer {
  return Buffer.from(value, 'latin1');
}

function toStreamingBody(body: UpstreamResponse['body']): StreamingBody {
  if (body instanceof StreamingBody) return body;
  if (body instanceof Readable) return fromReadable(body);
  const out = new StreamingBody();
  if (body !== null && body.length > 0) out.push(body);
  out.end();
  return out;
}

function discard(body: UpstreamResponse['body']): void {
  const reason = new Error('the dispatch was aborted before its response arrived');
  if (body instanceof StreamingBody) body.destroy(reason);
  else if (body instanceof Readable) body.destroy();
}
