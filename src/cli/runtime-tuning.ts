/**
 * V8 tuning that the `proxytape` executable applies to its own process, and only there:
 * the library never changes the garbage collector of a process it is loaded into.
 *
 * Relaying a large body, Node allocates a 64 KiB Buffer for every socket read and frees
 * it at the next young-generation collection. V8 grows the young generation while a
 * process runs (up to 16 MiB per semi-space on 64-bit), and the bigger it gets, the more
 * dead read buffers pile up between two collections: about 35 MB while one 1 GiB
 * response streams through. Keeping the young generation at its starting size (a growth
 * factor of 1) bounds that pile-up: the process's peak RSS for that response drops from
 * about 107 MB to about 88 MB (BENCHMARKS.md), with no loss of throughput.
 *
 * To get the same in your own process: `NODE_OPTIONS=--max-semi-space-size=1`.
 */
import v8 from 'node:v8';

/** The flags applied (V8's own syntax). */
export const RUNTIME_TUNING_FLAGS: readonly string[] = ['--semi-space-growth-factor=1'];

/** The environment variable that turns the tuning off (`PROXYTAPE_V8_TUNING=off`). */
export const RUNTIME_TUNING_ENV = 'PROXYTAPE_V8_TUNING';

/**
 * The flags to apply: none when `PROXYTAPE_V8_TUNING=off`, or when the young generation
 * was already sized on the command line or in NODE_OPTIONS (the user's choice wins).
 *
 * @example
 * ```ts
 * runtimeTuningFlags({}, []); // ['--semi-space-growth-factor=1']
 * runtimeTuningFlags({ NODE_OPTIONS: '--max-semi-space-size=4' }, []); // []
 * ```
 */
export function runtimeTuningFlags(env: NodeJS.ProcessEnv, execArgv: readonly string[]): readonly string[] {
  if (env[RUNTIME_TUNING_ENV]?.trim().toLowerCase() === 'off') return [];
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((arg) => /semi[-_]space/.test(arg))) return [];
  return RUNTIME_TUNING_FLAGS;
}

/**
 * Applies {@link runtimeTuningFlags} to this process; returns the flags applied. Call it
 * first thing, before the process has allocated much.
 */
export function tuneRuntime(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): readonly string[] {
  const flags = runtimeTuningFlags(env, execArgv);
  for (const flag of flags) v8.setFlagsFromString(flag);
  return flags;
}
