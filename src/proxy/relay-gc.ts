/**
 * Optional young-generation collections paced by the bytes a proxy relays.
 *
 * Relaying a large body, Node allocates a fresh 64 KiB Buffer for every socket read, and
 * its memory is released only when V8 collects the Buffer's small JS wrapper. Few other
 * objects are allocated per chunk, so young-generation collections are rare and dead read
 * buffers pile up between them — about 35 MB while one 1 GiB response streams through.
 * A collector installed here runs after every `everyBytes` relayed, which bounds that
 * pile-up; a minor collection of a young generation holding little else takes well under
 * a millisecond.
 *
 * Nothing is installed by default: the library never triggers collections in a process
 * it is loaded into. The `proxytape` executable installs one for its own process
 * (src/cli/runtime-tuning.ts).
 */

import { ConfigError } from '../errors.js';
import { describe } from './config.js';

let collect: (() => void) | undefined;
let every = 0;
let relayed = 0;

/**
 * Installs (or, with `undefined`, removes) the collector run after every `everyBytes`
 * bytes of response body relayed.
 *
 * @example
 * ```ts
 * installRelayCollector(() => gc({ type: 'minor' }), 8 * 1024 * 1024);
 * ```
 */
export function installRelayCollector(collector: (() => void) | undefined, everyBytes = 8 * 1024 * 1024): void {
  if (collector !== undefined && typeof collector !== 'function') {
    throw new ConfigError(
      'collector',
      `Invalid collector: ${describe(collector)}. Must be a function () => void, or undefined to remove it.`,
    );
  }
  if (!Number.isSafeInteger(everyBytes) || everyBytes <= 0) {
    throw new ConfigError('everyBytes', `Invalid everyBytes: ${describe(everyBytes)}. Must be a positive integer number of bytes.`);
  }
  collect = collector;
  every = everyBytes;
  relayed = 0;
}

/** Whether a collector is installed. */
export function hasRelayCollector(): boolean {
  return collect !== undefined;
}

/** Counts body bytes streamed to a client (any source: upstream, recording, sidecar replay); runs the collector each time `everyBytes` more have passed. */
export function noteRelayed(bytes: number): void {
  if (collect === undefined) return;
  relayed += bytes;
  if (relayed < every) return;
  relayed %= every;
  collect();
}
