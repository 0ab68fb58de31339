/**
 * The startup scan of a fixture root: finds every `<cassette>/<host>/<name>.json`,
 * reads and validates them, and refuses the root if any of
 * them is corrupt — a broken fixture must never turn into a silent replay miss.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, ProxytapeError, isProxytapeError } from '../errors.js';
import { isProcessAlive, isTempFile, tempFileOwner } from './atomic-write.js';
import { sidecarPath } from './body-codec.js';
import { parseFixture } from './fixture-file.js';
import type { StoredFixture } from './types.js';

/**
 * Fixtures read per event-loop turn. Reads are synchronous on purpose: for small files
 * `readFileSync` is ~5× faster than `fs.promises.readFile` (one syscall sequence instead
 * of four thread-pool round trips; measured 10,000 fixtures: ~150 ms sync in slices vs
 * ~600-1,000 ms async at concurrency 16-256 on a 2-CPU machine). Yielding between slices
 * keeps the event loop responsive if a store is opened while a server is running.
 */
export const SCAN_SLICE = 256;

interface Found {
  fixtures: string[];
  temps: string[];
  /** `*.json` symbolic links whose target cannot be reached: refused like unreadable files. */
  broken: { file: string; error: unknown }[];
}

function unreadable(file: string, err: unknown): ProxytapeError {
  return new ProxytapeError(
    'PROXYTAPE_FIXTURE_CORRUPT',
    `Cannot load fixture ${file}: it cannot be read (${(err as Error).message}). ${ERROR_CODES.PROXYTAPE_FIXTURE_CORRUPT.hint}`,
    { cause: err },
  );
}

/** A directory the fixtures may be in cannot be listed: refused, rather than missing its fixtures. */
export function unlistable(dir: string, err: unknown): ProxytapeError {
  return new ProxytapeError(
    'PROXYTAPE_FIXTURE_CORRUPT',
    `Cannot load fixtures: the directory ${dir} cannot be read (${(err as Error).message}). Check its permissions, or move it out of the fixtures directory.`,
    { cause: err },
  );
}

/** Lists fixture JSON files and temp files; hidden directories (`.git`…) are skipped. */
async function walk(dir: string, found: Found, root = true): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    // Removed since its parent was listed (another process cleaning up a cassette): nothing to load.
    if (!root && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
    // A directory the fixtures may be in cannot be listed: refuse, rather than miss its fixtures.
    throw unlistable(dir, err);
  }
  const subdirs: Promise<void>[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      let error: unknown;
      const target = await stat(full).catch((err: unknown) => void (error = err));
      isDir = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
      if (target === undefined && entry.name.endsWith('.json') && !isTempFile(entry.name) && !entry.name.startsWith('.')) {
        found.broken.push({ file: full, error });
      }
    }
    if (isTempFile(entry.name)) {
      if (isFile) found.temps.push(full);
    } else if (entry.name.startsWith('.')) continue;
    else if (isDir) subdirs.push(walk(full, found, false));
    else if (isFile && entry.name.endsWith('.json')) found.fixtures.push(full);
  }
  await Promise.all(subdirs);
}

/** The cassette of a fixture file: the directories between root and its host directory ('' for none). */
function cassetteOf(root: string, file: string): string {
  const dirs = path
    .relative(root, path.dirname(file))
    .split(path.sep)
    .filter((s) => s !== '');
  return dirs.slice(0, -1).join('/');
}

/**
 * Reads and validates one fixture file under `root` (absolute): undefined when it is gone;
 * `PROXYTAPE_FIXTURE_CORRUPT` naming it when it is corrupt, unreadable or lacks its sidecar.
 *
 * @example
 * ```ts
 * const stored = loadFixtureFile('/repo/fixtures', '/repo/fixtures/default/api/GET-users-3e073d98-0.json');
 * ```
 */
export function loadFixtureFile(root: string, file: string): StoredFixture | undefined {
  try {
    return loadOne(root, file);
  } catch (err) {
    throw isProxytapeError(err) ? err : unreadable(file, err);
  }
}

function loadOne(root: string, file: string): StoredFixture | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // Removed between listing and reading (another process re-recording): not a fixture any more.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(file, err);
  }
  const fixture = parseFixture(text, file);
  for (const body of [fixture.response.body, fixture.request.body]) {
    if (body === null || body.encoding !== 'file') continue;
    // A sidecar is renamed into place before its JSON, so a missing one is damage, not a crash leftover.
    const sidecar = sidecarPath(body, file);
    const size = statSync(sidecar, { throwIfNoEntry: false })?.size;
    const problem = size === undefined ? 'is missing' : size !== body.size ? `has ${size} bytes, the fixture says ${body.size}` : undefined;
    if (problem !== undefined) {
      throw new ProxytapeError(
        'PROXYTAPE_FIXTURE_CORRUPT',
        `Cannot load fixture ${file}: body sidecar ${sidecar} ${problem}. ${ERROR_CODES.PROXYTAPE_FIXTURE_CORRUPT.hint}`,
      );
    }
  }
  return { fixture, path: file, cassette: cassetteOf(root, file) };
}

/**
 * Two files in one directory with the same match key and sequence (a copy made by hand, say)
 * would both answer the same request, one after the other: refuse them, naming both.
 */
function refuseDuplicates(fixtures: readonly StoredFixture[]): void {
  const seen = new Map<string, string>();
  for (const stored of fixtures) {
    const id = `${path.dirname(stored.path)}\0${stored.fixture.match.key}\0${stored.fixture.match.sequence}`;
    const other = seen.get(id);
    if (other === undefined) {
      seen.set(id, stored.path);
      continue;
    }
    throw new ProxytapeError(
      'PROXYTAPE_FIXTURE_CORRUPT',
      `Cannot load fixture ${stored.path}: it has the same match key and sequence (${stored.fixture.match.sequence}) as ${other}, so both would answer the same request. Delete one of them (a copy?), or re-record the request.`,
    );
  }
}

/** Result of {@link scanFixtures}. */
export interface ScanResult {
  fixtures: StoredFixture[];
  /** Temp files left by a writer that is gone (a crash mid-recording), already deleted. */
  removedTemps: string[];
}

/**
 * Reads every fixture under `root` (absolute). Rejects with `PROXYTAPE_FIXTURE_CORRUPT`
 * for the first corrupt or unreadable file in path order. Temp files are never read; those whose writing process is dead are deleted.
 *
 * @example
 * ```ts
 * const { fixtures } = await scanFixtures('/repo/fixtures');
 * ```
 */
export async function scanFixtures(root: string): Promise<ScanResult> {
  const found: Found = { fixtures: [], temps: [], broken: [] };
  await walk(root, found);
  found.fixtures.sort();
  const broken = found.broken.sort((a, b) => (a.file < b.file ? -1 : 1))[0];
  if (broken !== undefined) throw unreadable(broken.file, broken.error);
  const fixtures: StoredFixture[] = [];
  // In path order, so the error reported for a root with several corrupt files is always the same one.
  for (const [i, file] of found.fixtures.entries()) {
    if (i > 0 && i % SCAN_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    let stored: StoredFixture | undefined;
    try {
      stored = loadOne(root, file);
    } catch (err) {
      throw isProxytapeError(err) ? err : unreadable(file, err);
    }
    if (stored !== undefined) fixtures.push(stored);
  }
  refuseDuplicates(fixtures);
  const removedTemps: string[] = [];
  for (const temp of found.temps) {
    const owner = tempFileOwner(path.basename(temp));
    // Only temp files whose writer is dead: another proxy may be recording into the same root right now.
    if (owner !== undefined && !isProcessAlive(owner)) {
      await unlink(temp).then(
        () => removedTemps.push(temp),
        () => undefined,
      );
    }
  }
  return { fixtures, removedTemps };
}
