/**
 * Fixtures recorded by another process while this one runs: parallel test workers
 * sharing a fixture root, a second proxy recording in `auto` mode, a file restored from
 * version control. The index is built once at start; on a replay miss the store looks
 * again at the cassette's directories and loads the fixture files that appeared since.
 *
 * A directory is listed again only when its modification time changed (creating or
 * renaming a file in it changes it), so a miss in an unchanged cassette costs one
 * `stat` per directory.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isTempFile } from './atomic-write.js';
import { loadFixtureFile, unlistable } from './fixture-scan.js';
import type { StoredFixture } from './types.js';

/** A directory time younger than this (2 s) may still change within its clock tick. */
const RECENT_NS = 2_000_000_000n;

interface Seen {
  mtimeNs: bigint;
  /** Sub-directories (host directories) found at the last listing. */
  dirs: string[];
}

/**
 * Finds fixture files that appeared in a cassette's host directories since the last
 * look. One per store.
 *
 * @example
 * ```ts
 * const refresher = new FixtureRefresher(root, (file) => index.get(file) !== undefined);
 * for (const stored of await refresher.newFixtures('/repo/fixtures/default')) index.add(stored);
 * ```
 */
export class FixtureRefresher {
  readonly #root: string;
  readonly #known: (file: string) => boolean;
  readonly #seen = new Map<string, Seen>();
  /** One look per cassette directory at a time: concurrent misses share it. */
  readonly #running = new Map<string, Promise<StoredFixture[]>>();

  constructor(root: string, known: (file: string) => boolean) {
    this.#root = root;
    this.#known = known;
  }

  /**
   * The fixtures in `<cassetteDir>/<host>/*.json` that `known` does not know, loaded and
   * validated (a corrupt one rejects with `PROXYTAPE_FIXTURE_CORRUPT` naming it).
   */
  newFixtures(cassetteDir: string): Promise<StoredFixture[]> {
    let running = this.#running.get(cassetteDir);
    if (running === undefined) {
      running = this.#look(cassetteDir).finally(() => this.#running.delete(cassetteDir));
      this.#running.set(cassetteDir, running);
    }
    return running;
  }

  async #look(cassetteDir: string): Promise<StoredFixture[]> {
    const hosts = await this.#changed(cassetteDir, true);
    const found: StoredFixture[] = [];
    for (const host of hosts ?? this.#seen.get(cassetteDir)?.dirs ?? []) {
      const files = await this.#changed(host, false);
      if (files === undefined) continue;
      try {
        for (const file of files) {
          if (this.#known(file)) continue;
          const stored = loadFixtureFile(this.#root, file);
          if (stored !== undefined) found.push(stored);
        }
      } catch (err) {
        // A corrupt file (maybe one still being written in place): this directory is not
        // "seen" — the next look lists it again, so the file is refused again or, once
        // fixed, loaded, and so are the valid files next to it.
        this.#seen.delete(host);
        throw err;
      }
    }
    return found;
  }

  /**
   * The entries of `dir` (sub-directories, or fixture files) when it changed since the last
   * look, else undefined. Sub-directories are remembered for the next look.
   */
  async #changed(dir: string, wantDirs: boolean): Promise<string[] | undefined> {
    let mtimeNs: bigint;
    try {
      mtimeNs = (await stat(dir, { bigint: true })).mtimeNs;
    } catch {
      return []; // gone, or not created yet: nothing there
    }
    const seen = this.#seen.get(dir);
    if (seen !== undefined && seen.mtimeNs === mtimeNs) return undefined;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw unlistable(dir, err);
    }
    const dirs: string[] = [];
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.') || isTempFile(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) dirs.push(full);
      else if (entry.name.endsWith('.json') && (entry.isFile() || entry.isSymbolicLink())) files.push(full);
    }
    // File times come from a coarse clock (a few ms): a file created in the same tick after this
    // listing would leave the time unchanged. A recent time is not trusted: listed again next time.
    const recent = BigInt(Date.now()) * 1_000_000n - mtimeNs < RECENT_NS;
    this.#seen.set(dir, { mtimeNs: recent ? -1n : mtimeNs, dirs });
    return wantDirs ? dirs : files.sort();
  }
}
