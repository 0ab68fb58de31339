import type { AbortSignalLike } from './transport.js';

/**
 * A one-shot abort signal for the proxy's own request path: an `AbortController`
 * with its EventTarget costs more per request than the whole header policy, and
 * a transport only ever registers one listener.
 */
export class CancelToken implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  #listeners: (() => void)[] | null = null;

  addEventListener(_type: 'abort', listener: () => void): void {
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const list = this.#listeners;
    if (list === null) return;
    const i = list.indexOf(listener);
    if (i !== -1) list.splice(i, 1);
  }

  /** Aborts once; later calls do nothing. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const list = this.#listeners;
    this.#listeners = null;
    if (list !== null) for (const listener of list) listener();
  }
}
