/**
 * Atomic file writes: a fixture is written to a temp file in the same directory,
 * fsynced, then renamed over its final name, so a reader (or a proxy started after
 * a crash) sees the old file or the new one, never half of one. Temp files are
 * named `.<base>.<pid>-<random>.tmp`: the index skips them, and the pid lets a later
 * start delete the ones whose writer is gone.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A fresh temp file path in `dir` for `base` (the name the file will be renamed to).
 *
 * @example
 * ```ts
 * tempFileName('/f/default/api', 'GET-x-1a2b3c4d-0.json'); // '/f/default/api/.GET-x-1a2b3c4d-0.json.4242-9f8e7d6c.tmp'
 * ```
 */
export function tempFileName(dir: string, base: string): string {
  return path.join(dir, `.${base}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** True for a name made by {@link tempFileName} (or any `.*.tmp`): never read as a fixture. */
export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/** The pid of the process that created a temp file, when its name carries one. */
export function tempFileOwner(name: string): number | undefined {
  const match = /\.(\d+)-[0-9a-f]+\.tmp$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Whether a process with this pid is running (on this machine). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a file's contents to disk (used on a body sidecar before it is renamed into place). */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Best-effort fsync of a directory so a rename survives a power loss; not supported everywhere (Windows), hence ignored errors. */
export async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability nicety only: the rename itself is already atomic.
  }
}

/**
 * Writes `data` to `file` atomically: temp file in the same directory, (fsync when `durable`), rename.
 * The rename alone makes a crash of the process leave the old file or the new one, never half
 * of either; `durable` also survives a power loss, at a cost of milliseconds per file.
 * On failure the temp file is removed and the error rethrown; `file` is untouched.
 *
 * @example
 * ```ts
 * await writeFileAtomic('/f/default/api/GET-x-1a2b3c4d-0.json', serializeFixture(fixture));
 * ```
 */
export async function writeFileAtomic(file: string, data: string | Buffer, durable = false): Promise<void> {
  const temp = tempFileName(path.dirname(file), path.basename(file));
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
