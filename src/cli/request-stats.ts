import type { ProxyEvent } from '../proxy/handler.js';

/** Counts what a running proxy served, for the summary printed at shutdown. */
export class RequestStats {
  /** Requests answered (or aborted), whatever the outcome. */
  served = 0;
  /** Replay misses: no fixture matched (counted apart from errors). */
  misses = 0;
  /**
   * Requests that failed on proxytape's or the backend's side: an error
   * answer, or a response aborted mid-body. A client that hangs up early (e.g.
   * `curl | head`) is not counted: nothing failed on this side. Nor is a miss.
   */
  errors = 0;

  /** Counts one finished request; pass it as (part of) `onResponse`. */
  record(event: ProxyEvent): void {
    this.served += 1;
    if (event.source === 'miss') {
      this.misses += 1;
      return;
    }
    const failed = event.source === 'error' || event.error !== undefined;
    if (failed && event.error?.code !== 'PROXYTAPE_CLIENT_ABORTED') this.errors += 1;
  }
}
