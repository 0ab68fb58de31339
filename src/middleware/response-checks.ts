import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { ProxytapeResponse } from '../proxy/response.js';

/**
 * True for a ProxytapeResponse. Checked by shape, not `instanceof`, so a
 * response built by another copy of proxytape (another Jest registry) passes.
 */
export function isProxytapeResponse(value: unknown): value is ProxytapeResponse {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof ProxytapeResponse, unknown>>;
  return typeof v.status === 'number' && Array.isArray(v.rawHeaders) && typeof v.send === 'function';
}

/** Returns `value` if it is a response, else throws a TypeError built by `explain` (with `cause`, if given). */
export function expectResponse(value: unknown, explain: (got: string) => string, cause?: unknown): ProxytapeResponse {
  if (isProxytapeResponse(value)) return value;
  throw new TypeError(explain(show(value)), cause === undefined ? undefined : { cause });
}

/** Like {@link expectResponse}, but `undefined` is allowed (and returned). */
export function expectOptionalResponse(value: unknown, explain: (got: string) => string, cause?: unknown): ProxytapeResponse | undefined {
  return value === undefined ? undefined : expectResponse(value, explain, cause);
}

/**
 * Destroys the body stream of a response that will never be sent (replaced or
 * dropped by the error flow), so an upstream connection is not left
 * half-read. A body the replacement reuses is kept.
 */
export function discardResponse(dropped: ProxytapeResponse, replacement?: ProxytapeResponse): void {
  const body = dropped.body;
  if (body instanceof Readable && body !== replacement?.body && !body.destroyed) body.destroy();
}

function show(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `an object (${inspect(value, { depth: 0, breakLength: Infinity }).slice(0, 80)})`;
  return inspect(value);
}
