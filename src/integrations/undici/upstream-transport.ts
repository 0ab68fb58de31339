import { Agent, type Dispatcher } from 'undici';
import { StreamingBody } from '../../proxy/body.js';
import { buffersToRaw } from '../../proxy/headers-util.js';
import type { OutgoingRequest, Transport, UpstreamResponse } from '../../proxy/transport.js';

/** Key of the caller's own dispatch options (timeouts…) on an OutgoingRequest; object spread keeps it. */
export const DISPATCH_OPTIONS = Symbol('proxytape.dispatchOptions');

/** An OutgoingRequest that carries dispatch options to pass on to the real backend. */
export type DispatcherOutgoing = OutgoingRequest & { [DISPATCH_OPTIONS]?: Partial<Dispatcher.DispatchOptions> };

/**
 * The tape dispatcher's way to the real backends: a Transport over an undici
 * Dispatcher (an `Agent` by default, made on first use so replay never opens
 * one). Unlike the proxy's HttpTransport it passes undici's errors through
 * unwrapped: code under test sees the same `fetch failed` / `ECONNREFUSED`
 * it would see without proxytape.
 */
export class DispatcherTransport implements Transport {
  readonly #given: Dispatcher | undefined;
  #own: Agent | null = null;

  constructor(dispatcher: Dispatcher | undefined) {
    this.#given = dispatcher;
  }

  roundTrip(request: DispatcherOutgoing): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const handler = new UpstreamHandler(request, resolve, reject);
      try {
        const dispatcher = this.#given ?? (this.#own ??= new Agent());
        dispatcher.dispatch(
          {
            ...request[DISPATCH_OPTIONS],
            origin: request.origin,
            path: request.path,
            method: request.method as Dispatcher.HttpMethod,
            headers: request.rawHeaders,
            body: request.body,
          },
          handler,
        );
      } catch (err) {
        handler.onError(err as Error);
      }
    });
  }

  /** Closes the Agent this transport made (a dispatcher given in the options is the caller's to close). */
  async close(): Promise<void> {
    const own = this.#own;
    this.#own = null;
    await own?.close();
  }

  async destroy(err: Error | null): Promise<void> {
    const own = this.#own;
    this.#own = null;
    await own?.destroy(err);
  }
}

/** undici's legacy handler API (raw Buffer headers), as the proxy's HttpTransport uses it. */
class UpstreamHandler implements Dispatcher.DispatchHandler {
  #request: OutgoingRequest;
  #resolve: ((response: UpstreamResponse) => void) | null;
  #reject: ((err: Error) => void) | null;
  #abort: ((err?: Error) => void) | null = null;
  #body: StreamingBody | null = null;
  #onAbortSignal: (() => void) | null = null;

  constructor(request: OutgoingRequest, resolve: (response: UpstreamResponse) => void, reject: (err: Error) => void) {
    this.#request = request;
    this.#resolve = resolve;
    this.#reject = reject;
    const signal = request.signal;
    if (signal) {
      this.#onAbortSignal = () => {
        const reason = signal.reason as Error;
        if (this.#abort) this.#abort(reason);
        else this.onError(reason);
      };
      signal.addEventListener('abort', this.#onAbortSignal);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    const signal = this.#request.signal;
    if (signal?.aborted) abort(signal.reason as Error);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx interim responses are not recorded; the final response follows.
    if (statusCode < 200) return true;
    const resolve = this.#resolve;
    if (resolve === null) return false;
    this.#resolve = this.#reject = null;
    const body = new StreamingBody();
    body.resumeSource = resume;
    body.abortSource = (err) => this.#abort?.(err);
    this.#body = body;
    resolve({
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
    return this.#body?.push(chunk) ?? false;
  }

  onComplete(trailers: string[] | Buffer[] | null): void {
    const body = this.#body;
    this.#release();
    if (body === null) return;
    if (trailers && trailers.length > 0) body.trailers = buffersToRaw(trailers);
    body.end();
  }

  onError(err: Error): void {
    const body = this.#body;
    const reject = this.#reject;
    this.#release();
    if (body !== null) body.fail(err);
    else reject?.(err);
  }

  #release(): void {
    if (this.#onAbortSignal) this.#request.signal?.removeEventListener('abort', this.#onAbortSignal);
    this.#onAbortSignal = null;
    this.#resolve = this.#reject = null;
    this.#body = null;
  }
}
