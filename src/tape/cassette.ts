/**
 * Cassette names: sub-directories of the fixture root, chosen per proxy or per
 * request (the `x-proxytape-cassette` header). A name comes from a client, so it
 * is validated before it touches a path: nothing may resolve outside the root.
 */
import path from 'node:path';
import { ERROR_CODES, ProxytapeError } from '../errors.js';

/** Longest accepted cassette name: deep enough for `suite/file/test` names, far from path limits. */
export const MAX_CASSETTE_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function invalid(name: unknown, reason: string): ProxytapeError {
  const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
  return new ProxytapeError(
    'PROXYTAPE_INVALID_CASSETTE',
    `Invalid cassette name ${shown}: ${reason}. ${ERROR_CODES.PROXYTAPE_INVALID_CASSETTE.hint}`,
  );
}

function problem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > MAX_CASSETTE_LENGTH) return `it is longer than ${MAX_CASSETTE_LENGTH} characters`;
  if (name.includes('\0')) return 'it contains a NUL character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (name.startsWith('/') || /^[A-Za-z]:\//.test(name)) return 'it is an absolute path';
  if (name.endsWith('/')) return 'it ends with "/"';
  for (const segment of name.split('/')) {
    if (segment === '') return 'it has an empty segment ("//")';
    if (segment === '..' || segment === '.') return `it has a "${segment}" segment`;
    // Hidden directories are not indexed (and temp files start with '.'), so a cassette there would never replay.
    if (segment.startsWith('.')) return `its segment ${JSON.stringify(segment)} starts with "."`;
    if (!SEGMENT.test(segment)) {
      const bad = [...segment].find((ch) => !SEGMENT.test(ch)) ?? '';
      return `it contains ${JSON.stringify(bad)}, which is not allowed`;
    }
  }
  return undefined;
}

/**
 * Returns `name` if it is a valid cassette name — segments of `[A-Za-z0-9._-]` joined
 * by `/`, no `.`/`..`/empty/hidden segment, not absolute, no backslash or NUL, at most
 * 200 characters — else throws `PROXYTAPE_INVALID_CASSETTE` naming it and the rule.
 * The root cassette has no name here: callers spell the default cassette `'default'`.
 *
 * @example
 * ```ts
 * validateCassette('checkout/happy-path'); // 'checkout/happy-path'
 * validateCassette('../etc');              // throws: Invalid cassette name "../etc": it has a ".." segment. Use segments…
 * ```
 */
export function validateCassette(name: string): string {
  const reason = typeof name === 'string' ? problem(name) : 'it is not a string';
  if (reason !== undefined) throw invalid(name, reason);
  return name;
}

/**
 * The directory of a cassette under `root`, after validating the name, with a
 * final check that it resolves inside `root`.
 *
 * @example
 * ```ts
 * cassetteDir('/repo/fixtures', 'checkout/happy-path'); // '/repo/fixtures/checkout/happy-path'
 * ```
 */
export function cassetteDir(root: string, cassette: string): string {
  validateCassette(cassette);
  const dir = path.join(root, ...cassette.split('/'));
  const relative = path.relative(path.resolve(root), path.resolve(dir));
  // Defence in depth: validation already excludes every way out of the root.
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw invalid(cassette, `it resolves outside the fixtures directory ${root}`);
  }
  return dir;
}
