/**
 * undici's `Pool` class, loaded on its own.
 *
 * `import { Pool } from 'undici'` evaluates undici's whole index — fetch, WebSocket,
 * EventSource, the cache and mock layers — which costs a proxy process about 9 MB of
 * resident memory and start-up time it never uses. undici 7 has no `exports` map, and
 * `lib/dispatcher/pool.js` is the module its index re-exports as `Pool` (the same
 * class object: a test checks it), so the HTTP transport loads just that.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool, errors as UndiciErrors } from 'undici';

const require = createRequire(import.meta.url);

/** undici's `Pool` constructor (identical to `require('undici').Pool`). */
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
/** An instance of undici's `Pool`. */
export type Pool = UndiciPool;

/** undici's error classes (the module its index re-exports as `errors`). */
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;
