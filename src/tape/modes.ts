import { ConfigError } from '../errors.js';

/**
 * How proxytape answers a request:
 * - `record`: forward every request and write (overwrite) its fixture;
 * - `replay`: never touch the network; a request without a fixture is a miss (502);
 * - `auto`: replay when a fixture matches, else forward and record it (record-missing);
 * - `passthrough`: forward, write nothing.
 */
export const MODES = ['record', 'replay', 'auto', 'passthrough'] as const;
export type Mode = (typeof MODES)[number];

/** True for a valid mode name. */
export function isMode(value: unknown): value is Mode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

/**
 * The mode to run in: the explicit one, else `PROXYTAPE_MODE`, else `replay`
 * when `CI=true` (or `CI=1`, `CI=TRUE`: no network surprises in CI), else `auto`. An unknown name
 * fails naming the valid ones.
 *
 * @example
 * ```ts
 * resolveMode(undefined, { CI: 'true' }); // 'replay'
 * resolveMode('record');                  // 'record'
 * ```
 */
export function resolveMode(explicit?: string, env: Record<string, string | undefined> = process.env): Mode {
  if (explicit !== undefined) return checkMode(explicit, 'mode');
  const fromEnv = env['PROXYTAPE_MODE'];
  if (fromEnv !== undefined && fromEnv !== '') return checkMode(fromEnv, 'PROXYTAPE_MODE');
  return isCiValue(env['CI']) ? 'replay' : 'auto';
}

/** Whether a `CI` environment value means "running in CI": `true` (any case) or `1`. */
export function isCiValue(value: string | undefined): boolean {
  return value !== undefined && /^(?:true|1)$/i.test(value.trim());
}

function checkMode(value: string, source: string): Mode {
  if (isMode(value)) return value;
  throw new ConfigError(
    source,
    `Invalid ${source === 'mode' ? 'option `mode`' : `environment variable ${source}`}: ${JSON.stringify(value)}. Must be one of: ${MODES.join(', ')}.`,
  );
}
