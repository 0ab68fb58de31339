import { readFileSync } from 'node:fs';

/**
 * proxytape's version from its package.json. Both `src/cli/` and `dist/cli/`
 * sit two levels below the package root, so the same relative URL works for
 * the sources and the build.
 *
 * @example
 * ```ts
 * readPackageVersion(); // '0.1.0'
 * ```
 */
export function readPackageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') {
    throw new Error(`Cannot read the proxytape version: ${url.pathname} has no "version" field. Reinstall proxytape.`);
  }
  return pkg.version;
}
