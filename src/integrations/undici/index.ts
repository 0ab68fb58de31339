/**
 * `proxytape/undici`: record and replay in-process `fetch()` / undici calls into the
 * same fixtures as the proxy. This file is the explicit public API of the subpath.
 */
export { createTapeDispatcher, TapeDispatcher } from './tape-dispatcher.js';
export type { TapeDispatcherOptions } from './options.js';
export type { TapeSummary } from '../../tape/tape.js';
export type { Mode } from '../../tape/modes.js';
