import { Readable } from 'node:stream';
import type { RawHeaders } from './headers-util.js';

/** Where a {@link StreamingBody} delivers its bytes. */
export interface BodySink {
  /** Takes one chunk; returns false to pause the source until `StreamingBody.resume()`. */
  write(chunk: Buffer): boolean;
  /** The body ended cleanly; trailers are on the body. */
  end(): void;
  /** The body failed mid-way. */
  error(err: Error): void;
}

/** The sink of a body whose reader left (see StreamingBody.discard). */
const DISCARDING: BodySink = { write: () => true, end: () => undefined, error: () => undefined };

/** How much a body buffers before a consumer attaches, before pausing the source. */
const HIGH_WATER_MARK = 64 * 1024;

/**
 * A response body streaming in from a transport, delivered to exactly one
 * consumer: a {@link BodySink} (the zero-copy path `send()` uses to write
 * straight into a `ServerResponse`), or a Node `Readable` made on demand
 * (`toReadable()`, for code that reads `response.body`). Backpressure runs end
 * to end: a sink or reader that is full pauses the source (the upstream
 * socket); destroying the body aborts the upstream request.
 *
 * Transports produce into it with `push()`, `end()` and `fail()`.
 */
export class StreamingBody {
  /** Trailers received after the body (set before `end()`). */
  trailers: RawHeaders = [];
  /** Set by the transport: resumes a paused source. */
  resumeSource: (() => void) | null = null;
  /** Set by the transport: aborts the source (the upstream request). */
  abortSource: ((err: Error) => void) | null = null;

  #sink: BodySink | null = null;
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  #state: 'open' | 'ended' | 'failed' = 'open';
  #error: Error | null = null;
  #paused = false;
  #consumed = false;

  /** True once the source ended or failed. */
  get done(): boolean {
    return this.#state !== 'open';
  }

  /** Producer: one chunk. Returns false when the source should pause until resumed. */
  push(chunk: Buffer): boolean {
    if (this.#state !== 'open') return false;
    const sink = this.#sink;
    if (sink !== null) {
      if (sink.write(chunk)) return true;
      this.#paused = true;
      return false;
    }
    (this.#pending ??= []).push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < HIGH_WATER_MARK) return true;
    this.#paused = true;
    return false;
  }

  /** Producer: the body ended cleanly (set `trailers` first). */
  end(): void {
    if (this.#state !== 'open') return;
    this.#state = 'ended';
    this.#sink?.end();
  }

  /** Producer: the body failed. */
  fail(err: Error): void {
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = err;
    this.#sink?.error(err);
  }

  /** Consumer: resume a source paused by backpressure. */
  resume(): void {
    if (!this.#paused || this.#state !== 'open') return;
    this.#paused = false;
    this.resumeSource?.();
  }

  /**
   * Consumer: the reader is gone, but the source should still run to its end — every byte
   * the response declared was delivered, only the end of the source is still to come (a
   * recording tees from it). Chunks from now on are dropped and never pause the source.
   */
  discard(): void {
    this.#pending = null;
    this.#sink = DISCARDING;
    this.resume();
  }

  /** Consumer: stop reading and abort the source (the client went away). */
  destroy(err: Error): void {
    this.#sink = null;
    this.#pending = null;
    if (this.#state !== 'open') return;
    this.#state = 'failed';
    this.#error = err;
    this.abortSource?.(err);
  }

  /**
   * Consumer: delivers everything buffered so far, then streams into `sink`.
   * Returns false when buffered chunks filled the sink (call `resume()` on drain).
   */
  attach(sink: BodySink): boolean {
    if (this.#consumed) throw new Error('This response body is already being consumed; a body can be read once.');
    this.#consumed = true;
    const pending = this.#pending;
    this.#pending = null;
    this.#pendingBytes = 0;
    let flowing = true;
    if (pending !== null) for (const chunk of pending) flowing = sink.write(chunk) && flowing;
    if (this.#state === 'ended') sink.end();
    else if (this.#state === 'failed') sink.error(this.#error!);
    else {
      this.#sink = sink;
      if (flowing) this.resume();
      else this.#paused = true;
    }
    return flowing;
  }

  /**
   * Consumer: everything that is already here when the body has completed
   * (a small response often arrives whole before anyone reads it); else null.
   */
  takeIfComplete(): Buffer[] | null {
    if (this.#state !== 'ended' || this.#consumed) return null;
    this.#consumed = true;
    const pending = this.#pending ?? [];
    this.#pending = null;
    return pending;
  }

  /** Consumer: the body as a Node Readable (made once, on demand). */
  toReadable(): Readable {
    const readable = new Readable({
      highWaterMark: HIGH_WATER_MARK,
      read: () => this.resume(),
      destroy: (err, cb) => {
        this.destroy(err ?? new Error('response body destroyed before it ended'));
        cb(err);
      },
    });
    this.attach({
      write: (chunk) => readable.push(chunk),
      end: () => readable.push(null),
      error: (err) => {
        // Like undici's own bodies: a failure must not crash the process through an 'error'
        // event nobody listens to (the reader may have left already); listeners still get it.
        if (readable.listenerCount('error') === 0) readable.on('error', noop);
        readable.destroy(err);
      },
    });
    return readable;
  }
}

const noop = (): void => {};
