import type { ProxyEvent } from '../proxy/handler.js';

/** Counts what a running proxy served, for the summary printed at shutdown. */
export class RequestStats {
  /** Requests answered (or aborted), whatever the outcome. */
  served = 0;
  /**
   * Requests that failed on proxytape's or the backend's side: an error or miss
   * answer, or a response aborted mid-body. A client that hangs up early (e.g.
   * `curl | head`) is not counted: nothing failed on this side.
   */
  errors = 0;

  /** Counts one finished request; pass it as (part of) `onResponse`. */
  record(event: ProxyEvent): void {
    this.served += 1;
    const failed = event.source === 'error' || event.source === 'miss' || event.error !== undefined;
    if (failed && event.error?.code !== 'PROXYTAPE_CLIENT_ABORTED') this.errors += 1;
  }
}
