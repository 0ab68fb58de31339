import { ProxytapeError, isProxytapeError } from '../errors.js';

/**
 * Errors of the HAR conversion, part of proxytape's one error registry
 * (src/errors.ts, codes `PROXYTAPE_HAR_INVALID` and `PROXYTAPE_HAR_WRITE_FAILED`).
 */

/** The stable codes of {@link HarError}. */
export const HAR_ERROR_CODES = ['PROXYTAPE_HAR_INVALID', 'PROXYTAPE_HAR_WRITE_FAILED'] as const;

/** One of the {@link HAR_ERROR_CODES}. */
export type HarErrorCode = (typeof HAR_ERROR_CODES)[number];

/**
 * A HAR that cannot be converted (`PROXYTAPE_HAR_INVALID`, with the JSON path of the wrong
 * field in `field` and the entry index in `entry`) or an import that could not be written.
 *
 * @example
 * ```ts
 * try {
 *   harToFixtures(JSON.parse(text));
 * } catch (err) {
 *   if (isHarError(err)) console.error(err.message); // Invalid HAR: log.entries[3].request.url is missing
 * }
 * ```
 */
export class HarError extends ProxytapeError {
  /** The wrong field, e.g. `log.entries[3].request.url`. */
  readonly field: string | undefined;
  /** Index of the wrong entry in `log.entries`. */
  readonly entry: number | undefined;

  constructor(code: HarErrorCode, message: string, context: { field?: string; entry?: number; cause?: unknown } = {}) {
    super(code, message, context.cause === undefined ? {} : { cause: context.cause }, 'HarError');
    this.field = context.field;
    this.entry = context.entry;
  }
}

/** True for a {@link HarError}, even one from another copy of the module. */
export function isHarError(value: unknown): value is HarError {
  return isProxytapeError(value) && (HAR_ERROR_CODES as readonly string[]).includes(value.code);
}

/** `Invalid HAR: <field> <problem>`, with the entry index taken from the field path. */
export function invalidHar(field: string, problem: string): HarError {
  const entry = /^log\.entries\[(\d+)\]/.exec(field)?.[1];
  return new HarError('PROXYTAPE_HAR_INVALID', `Invalid HAR: ${field} ${problem}`, {
    field,
    ...(entry === undefined ? {} : { entry: Number(entry) }),
  });
}
