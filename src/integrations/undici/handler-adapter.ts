import { type Dispatcher, util } from 'undici';

/**
 * One shape for both of undici's handler APIs, so the dispatcher drives a response
 * once. Return values follow the legacy API: `false` from `headers`/`data` pauses
 * the body until `resume` is called.
 */
export interface ResponseSink {
  connect(abort: (err?: Error) => void): void;
  headers(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  data(chunk: Buffer): boolean;
  complete(trailers: Buffer[]): void;
  error(err: Error): void;
}

type LegacyHandler = Pick<
  Dispatcher.DispatchHandler,
  'onConnect' | 'onResponseStarted' | 'onHeaders' | 'onData' | 'onComplete' | 'onError'
>;

/**
 * Adapts a dispatch handler: the controller API (`onRequestStart`…, undici 7
 * interceptors and `compose()`) when the handler has `onRequestStart`, else the
 * legacy one (`onConnect`/`onHeaders` with raw Buffer headers…, which fetch and
 * `undici.request` use) — the rule undici's own `UnwrapHandler` applies.
 */
export function toResponseSink(handler: Dispatcher.DispatchHandler): ResponseSink {
  return typeof handler.onRequestStart === 'function' ? controllerSink(handler) : legacySink(handler);
}

function legacySink(handler: LegacyHandler): ResponseSink {
  return {
    connect: (abort) => handler.onConnect?.(abort),
    headers: (status, rawHeaders, resume, statusText) => {
      handler.onResponseStarted?.();
      return handler.onHeaders?.(status, rawHeaders, resume, statusText) !== false;
    },
    data: (chunk) => handler.onData?.(chunk) !== false,
    // The type says string[]; undici itself passes the raw Buffer list.
    complete: (trailers) => handler.onComplete?.(trailers as unknown as string[]),
    error: (err) => {
      if (typeof handler.onError !== 'function') throw err;
      handler.onError(err);
    },
  };
}

/** The controller undici 7 hands to `onRequestStart` and every later callback. */
class Controller implements Dispatcher.DispatchController {
  #abort: (err?: Error) => void;
  #aborted = false;
  #reason: Error | null = null;
  #paused = false;
  /** Set once the response started: resumes a paused body. */
  resumeBody: (() => void) | null = null;
  rawHeaders: Buffer[] | null = null;
  rawTrailers: Buffer[] | null = null;

  constructor(abort: (err?: Error) => void) {
    this.#abort = abort;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#abort(reason);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.resumeBody?.();
  }
}

function controllerSink(handler: Dispatcher.DispatchHandler): ResponseSink {
  let controller = new Controller(() => {});
  return {
    connect: (abort) => {
      controller = new Controller(abort);
      handler.onRequestStart?.(controller, {});
    },
    headers: (status, rawHeaders, resume, statusText) => {
      controller.rawHeaders = rawHeaders;
      controller.resumeBody = resume;
      handler.onResponseStart?.(controller, status, util.parseHeaders(rawHeaders), statusText);
      return !controller.paused;
    },
    data: (chunk) => {
      handler.onResponseData?.(controller, chunk);
      return !controller.paused;
    },
    complete: (trailers) => {
      controller.rawTrailers = trailers;
      handler.onResponseEnd?.(controller, util.parseHeaders(trailers));
    },
    error: (err) => {
      if (typeof handler.onResponseError !== 'function') throw err;
      handler.onResponseError(controller, err);
    },
  };
}
