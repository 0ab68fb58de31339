import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * True when the module at `moduleUrl` is the script Node was started with
 * (`node dist/demo/backend.js`), false when it was imported.
 *
 * @example
 * ```ts
 * if (isMainModule(import.meta.url)) void main();
 * ```
 */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
