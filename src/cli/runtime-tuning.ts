/**
 * Memory tuning that the `proxytape` executable applies to its own process, and only
 * there: the library never changes the garbage collection of a process it is loaded into.
 *
 * It installs a young-generation collection after every 8 MiB of response body relayed
 * (see src/proxy/relay-gc.ts): dead 64 KiB socket read buffers no longer pile up between
 * V8's own collections, so one 1 GiB response streams through a `proxytape passthrough`
 * process peaking at about 80–90 MB of RSS instead of about 110 MB (BENCHMARKS.md). Small
 * requests are unaffected: the collections are paced by bytes relayed, not by requests.
 *
 * `PROXYTAPE_V8_TUNING=off` turns it off.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { installRelayCollector } from '../proxy/relay-gc.js';

/** The environment variable that turns the tuning off (`PROXYTAPE_V8_TUNING=off`). */
export const RUNTIME_TUNING_ENV = 'PROXYTAPE_V8_TUNING';

/** Bytes of response body relayed between two young-generation collections. */
export const RELAY_COLLECTION_BYTES = 8 * 1024 * 1024;

/**
 * Whether the tuning applies: unless `PROXYTAPE_V8_TUNING=off`.
 *
 * @example
 * ```ts
 * runtimeTuningEnabled({}); // true
 * runtimeTuningEnabled({ PROXYTAPE_V8_TUNING: 'off' }); // false
 * ```
 */
export function runtimeTuningEnabled(env: NodeJS.ProcessEnv): boolean {
  return env[RUNTIME_TUNING_ENV]?.trim().toLowerCase() !== 'off';
}

/**
 * Installs the relay-paced collector in this process (V8's `gc` function, obtained without
 * a command-line flag); returns whether it did.
 */
export function tuneRuntime(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!runtimeTuningEnabled(env)) return false;
  // --expose-gc set at run time takes effect in contexts created afterwards: this one.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as ((options: { type: 'minor' | 'major' }) => void) | undefined;
  if (typeof gc !== 'function') return false;
  installRelayCollector(() => gc({ type: 'minor' }), RELAY_COLLECTION_BYTES);
  return true;
}
