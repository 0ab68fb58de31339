/**
 * A lock file per fixture, so that two processes recording the same request into one
 * fixture root (parallel test workers, two proxies) never pair one's JSON with the other's
 * sidecar. A fixture with a sidecar is two renames — the sidecar into place, then the JSON —
 * and without the lock they can interleave: A's sidecar, B's sidecar, B's JSON, A's JSON.
 * Inline fixtures are one atomic rename and need no lock.
 *
 * The lock is `.<fixture file>.lock` next to the fixture: created with `O_EXCL`, holding
 * the owner's pid. Hidden, so the index never reads it. A lock whose process is gone (a
 * proxy killed mid-write) or that is older than {@link STALE_LOCK_MS} is taken over.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './atomic-write.js';

/** A lock older than this (30 s) is taken over whoever holds it: no fixture commit takes that long. */
export const STALE_LOCK_MS = 30_000;

/** How long to wait for a lock before failing the recording (60 s). */
export const LOCK_WAIT_MS = 60_000;

/** The lock file of a fixture file. */
export function lockPath(fixtureFile: string): string {
  return path.join(path.dirname(fixtureFile), `.${path.basename(fixtureFile)}.lock`);
}

/** Whether the lock at `file` was left by a process that is gone, or is too old to be live. */
async function stale(file: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    if (Date.now() - info.mtimeMs > STALE_LOCK_MS) return true;
    // Empty: its owner is between creating and writing it (or died there: then it ages out).
    const pid = Number(text);
    return text !== '' && !(Number.isInteger(pid) && pid > 0 && isProcessAlive(pid));
  } catch (err) {
    // Gone meanwhile: free.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `commit` holding the lock of `fixtureFile`, waiting (polling every few ms) while another
 * live process holds it. Rejects if the lock cannot be had within {@link LOCK_WAIT_MS}.
 *
 * @example
 * ```ts
 * await withFixtureLock(file, async () => {
 *   await rename(tempSidecar, finalSidecar);
 *   await writeFileAtomic(file, json);
 * });
 * ```
 */
export async function withFixtureLock<T>(fixtureFile: string, commit: () => Promise<T>): Promise<T> {
  const file = lockPath(fixtureFile);
  const deadline = Date.now() + LOCK_WAIT_MS;
  let wait = 2;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(String(process.pid));
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await stale(file)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another process has held the lock ${file} for over ${LOCK_WAIT_MS / 1000} s (delete it if no proxytape runs)`);
    }
    await pause(wait);
    wait = Math.min(wait * 2, 50);
  }
  try {
    return await commit();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
