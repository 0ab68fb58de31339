import path from 'node:path';

/**
 * A file path as the CLI shows it: relative to `cwd` when the file is inside
 * it (`fixtures/demo/…`), absolute otherwise (no `../../` chains).
 *
 * @example
 * ```ts
 * displayPath('/repo/fixtures/a.json', '/repo'); // 'fixtures/a.json'
 * displayPath('/tmp/f/a.json', '/repo');         // '/tmp/f/a.json'
 * ```
 */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.resolve(cwd, file) : relative;
}
