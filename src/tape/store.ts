/**
 * The fixture store: a fixture root on disk (`<root>/<cassette>/<host>/<name>.json`)
 * and its in-memory index. Reads everything once at open (refusing corrupt files),
 * then keeps the index in step with its own writes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { copyFile, mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, ProxytapeError, isProxytapeError } from '../errors.js';
import { fsyncFile } from './atomic-write.js';
import { DEFAULT_WRITE_BEHIND_LIMIT, FixtureWriter } from './fixture-writer.js';
import { DEFAULT_INLINE_LIMIT, requestSidecarName, sidecarName } from './body-codec.js';
import { withFixtureLock } from './fixture-lock.js';
import { cassetteDir } from './cassette.js';
import { fixtureFileName, serializeFixture } from './fixture-file.js';
import { FixtureIndex } from './fixture-index.js';
import { FixtureRefresher } from './fixture-refresh.js';
import { RecordedFixture, matchOf } from './recorded-fixture.js';
import { scanFixtures } from './fixture-scan.js';
import type { Fixture, StoredBody, StoredFixture } from './types.js';

/** Options of {@link FixtureStore.open}. */
export interface FixtureStoreOptions {
  /**
   * Bodies larger than this many bytes belong in a sidecar file (the recorder streams them
   * to {@link FixtureStore.tempPath} and passes that to `write`).
   * @default 262144 (256 KiB, DEFAULT_INLINE_LIMIT)
   */
  inlineLimit?: number;
  /**
   * fsync every fixture (and its directory) before it counts as written, so it survives a power
   * loss. Without it the temp-file + rename still guarantees that a crashed or killed proxy leaves
   * either the old fixture or the new one; fsync costs milliseconds per file when recording.
   * @default false
   */
  durable?: boolean;
  /**
   * Bytes of fixture JSON allowed to wait for the fixture writer before new
   * recordings wait for it (see {@link FixtureStore.record}).
   * @default 67108864 (64 MiB)
   */
  writeBehindLimit?: number;
}

const HOST_DIR = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function slot(cassette: string, key: string): string {
  return `${cassette}\0${key}`;
}

function recordFailed(file: string, problem: string, cause?: unknown): ProxytapeError {
  return new ProxytapeError(
    'PROXYTAPE_RECORD_FAILED',
    `Failed to record fixture ${file}: ${problem}. ${ERROR_CODES.PROXYTAPE_RECORD_FAILED.hint}`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Fixtures on disk, indexed by (cassette, match key). The root cassette (fixtures
 * directly in `<root>/<host>/`) is `''`; any other cassette is a validated name.
 *
 * @example
 * ```ts
 * const store = await FixtureStore.open('./fixtures');
 * const [first] = store.find('default', key);
 * if (first) store.markUsed(first);
 * ```
 */
export class FixtureStore {
  /** Absolute path of the fixture root. */
  readonly root: string;
  /** Bodies above this size (bytes) go to sidecars. */
  readonly inlineLimit: number;
  private readonly index = new FixtureIndex();
  private readonly used = new Set<string>();
  /** Next sequence handed out per (cassette, key), covering writes still in progress. */
  private readonly reserved = new Map<string, number>();
  /** dirOf() results (validated paths), per cassette and host directory. */
  private readonly dirs = new Map<string, string>();
  /** Directories already created by this store (saves a mkdir per recorded fixture). */
  private readonly madeDirs = new Set<string>();
  /** Whether writes are fsynced. */
  readonly durable: boolean;
  /** Writes fixture JSON off the response path (on a writer thread under heavy load). */
  private readonly writer: FixtureWriter;
  /** Finds fixture files other processes added since the open (see refresh()). */
  private readonly refresher: FixtureRefresher;

  private constructor(root: string, inlineLimit: number, durable: boolean, writeBehindLimit: number) {
    this.root = root;
    this.inlineLimit = inlineLimit;
    this.durable = durable;
    this.writer = new FixtureWriter(writeBehindLimit);
    this.refresher = new FixtureRefresher(root, (file) => this.index.get(file) !== undefined);
  }

  /**
   * Indexes the fixture files that appeared in a cassette since the store last looked —
   * recorded by another process sharing the root (parallel test workers, a second proxy),
   * or restored from version control — and resolves with how many. Replay calls it on a
   * miss before answering one. Only directories whose modification time changed are
   * listed again. Rejects with `PROXYTAPE_FIXTURE_CORRUPT` naming a new file that is corrupt.
   *
   * @example
   * ```ts
   * if (store.find('default', key).length === 0 && (await store.refresh('default')) > 0) {
   *   // look again
   * }
   * ```
   */
  async refresh(cassette: string): Promise<number> {
    const found = await this.refresher.newFixtures(cassette === '' ? this.root : cassetteDir(this.root, cassette));
    let added = 0;
    for (const stored of found) {
      if (this.index.get(stored.path) !== undefined) continue;
      this.index.add(stored);
      added++;
    }
    return added;
  }

  /**
   * Opens (creating it if missing) and indexes a fixture root. Rejects with
   * `PROXYTAPE_FIXTURE_CORRUPT` naming the file if any fixture is corrupt, unreadable
   * or lacks its body sidecar. Leftover temp files of dead writers are deleted.
   *
   * @example
   * ```ts
   * const store = await FixtureStore.open(path.join(os.tmpdir(), 'fixtures'), { inlineLimit: 64 * 1024 });
   * ```
   */
  static async open(root: string, options: FixtureStoreOptions = {}): Promise<FixtureStore> {
    const inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    if (!Number.isInteger(inlineLimit) || inlineLimit < 0) {
      throw new ProxytapeError(
        'PROXYTAPE_INVALID_CONFIG',
        `Invalid inlineLimit: ${String(inlineLimit)}. Must be a non-negative integer (bytes).`,
      );
    }
    const writeBehindLimit = options.writeBehindLimit ?? DEFAULT_WRITE_BEHIND_LIMIT;
    if (!Number.isInteger(writeBehindLimit) || writeBehindLimit < 0) {
      throw new ProxytapeError(
        'PROXYTAPE_INVALID_CONFIG',
        `Invalid writeBehindLimit: ${String(writeBehindLimit)}. Must be a non-negative integer (bytes).`,
      );
    }
    const absolute = path.resolve(root);
    try {
      await mkdir(absolute, { recursive: true });
    } catch (err) {
      throw new ProxytapeError(
        'PROXYTAPE_FIXTURE_CORRUPT',
        `Cannot open the fixtures directory ${absolute}: ${(err as Error).message}. Check the --fixtures path and its permissions.`,
        { cause: err },
      );
    }
    const store = new FixtureStore(absolute, inlineLimit, options.durable ?? false, writeBehindLimit);
    const { fixtures } = await scanFixtures(absolute);
    store.index.load(fixtures);
    return store;
  }

  /** Number of fixtures indexed. */
  get size(): number {
    return this.index.size;
  }

  /** Fixtures recorded for (cassette, match key), ordered by sequence. A Map get: independent of the fixture count. */
  find(cassette: string, key: string): readonly StoredFixture[] {
    return this.index.find(cassette, key);
  }

  /** Every fixture of a cassette (for nearest-match explanations), or of all cassettes; ordered by path. */
  list(cassette?: string): readonly StoredFixture[] {
    return this.index.list(cassette);
  }

  /** The next free sequence number for (cassette, key) — counting fixtures already on disk and writes in progress. */
  reserveSequence(cassette: string, key: string): number {
    const id = slot(cassette, key);
    const onDisk = this.index.find(cassette, key).reduce((max, s) => Math.max(max, matchOf(s).sequence + 1), 0);
    const next = Math.max(onDisk, this.reserved.get(id) ?? 0);
    this.reserved.set(id, next + 1);
    return next;
  }

  /** The directory of (cassette, host dir): the root itself for cassette `''`. */
  dirOf(cassette: string, hostDir: string): string {
    const id = `${cassette}\0${hostDir}`;
    let dir = this.dirs.get(id);
    if (dir === undefined) {
      dir = this.resolveDir(cassette, hostDir);
      this.dirs.set(id, dir);
    }
    return dir;
  }

  private resolveDir(cassette: string, hostDir: string): string {
    if (!HOST_DIR.test(hostDir)) {
      throw recordFailed(
        path.join(this.root, cassette, hostDir),
        `the host directory name ${JSON.stringify(hostDir)} is not a plain name (use hostDirName())`,
      );
    }
    return path.join(cassette === '' ? this.root : cassetteDir(this.root, cassette), hostDir);
  }

  /**
   * Writes a fixture atomically (temp file in the same directory, fsync, rename) and
   * indexes it; overwrites a fixture with the same file name. With `bodySidecar` (a temp
   * file holding the response body), the fixture's response body must be
   * `{ encoding: 'file', size, sha256 }`: the file is checked against `size`, renamed next
   * to the JSON *before* the JSON is written (a crash leaves at worst an orphan sidecar),
   * and `body.file` is set to its name. Resolves with the fixture path once the file is on disk.
   *
   * @example
   * ```ts
   * const file = await store.write('default', hostDirName(target), fixture);
   * ```
   */
  async write(cassette: string, hostDir: string, fixture: Fixture, bodySidecar?: string, requestSidecar?: string): Promise<string> {
    if (bodySidecar === undefined && requestSidecar === undefined) return this.record(cassette, hostDir, fixture).written;
    const dir = this.dirOf(cassette, hostDir);
    const name = fixtureFileName(fixture);
    const file = path.join(dir, name);
    let toWrite = fixture;
    try {
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const moves: { temp: string; final: string }[] = [];
      if (bodySidecar !== undefined) {
        const body = await this.checkSidecar(file, bodySidecar, fixture.response.body, 'response');
        const final = path.join(dir, sidecarName(name));
        moves.push({ temp: bodySidecar, final });
        toWrite = { ...toWrite, response: { ...toWrite.response, body: { ...body, file: path.basename(final) } } };
      }
      if (requestSidecar !== undefined) {
        const body = await this.checkSidecar(file, requestSidecar, fixture.request.body, 'request');
        const final = path.join(dir, requestSidecarName(name));
        moves.push({ temp: requestSidecar, final });
        toWrite = { ...toWrite, request: { ...toWrite.request, body: { ...body, file: path.basename(final) } } };
      }
      const json = serializeFixture(toWrite);
      // Sidecars and JSON are separate renames: another process committing the same fixture
      // must not interleave its renames with these (its JSON would end up with our sidecar).
      await withFixtureLock(file, async () => {
        // An older fixture of this name would pair with the new sidecars until the JSON is
        // replaced: remove it first, so a crash in between leaves no fixture (re-recorded
        // next time) instead of a corrupt one.
        await unlink(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        this.index.remove(file);
        for (const { temp, final } of moves) await moveFile(temp, final);
        // The same atomic write as record(): temp file, (fsync,) rename, (fsync of the directory).
        await this.writer.write(file, json, this.durable);
      });
    } catch (err) {
      if (isProxytapeError(err)) throw err;
      throw recordFailed(file, (err as Error).message, err);
    }
    this.index.add({ fixture: toWrite, path: file, cassette });
    this.used.add(file);
    return file;
  }

  /** A new sidecar must match its `{ encoding: 'file', size }` body; fsynced when durable. */
  private async checkSidecar(
    file: string,
    sidecar: string,
    body: Fixture['response']['body'],
    which: 'request' | 'response',
  ): Promise<Extract<NonNullable<Fixture['response']['body']>, { encoding: 'file' }>> {
    const label = which === 'response' ? 'body sidecar' : 'request body sidecar';
    if (body === null || body.encoding !== 'file') {
      throw recordFailed(file, `a ${label} was given but ${which}.body is not { encoding: "file" }`);
    }
    const { size } = await stat(sidecar);
    if (size !== body.size) throw recordFailed(file, `the ${label} ${sidecar} has ${size} bytes, ${which}.body.size says ${body.size}`);
    if (this.durable) await fsyncFile(sidecar);
    return body;
  }

  /**
   * Indexes a fixture whose body is inline (or a sidecar already next to it) at once — `find()` returns it
   * from this call on — and queues its file on the fixture writer (write-behind: atomic temp
   * file + rename, fsync when `durable`; on a writer thread under heavy recording load). `written` resolves with the path once
   * the file is on disk; it rejects with `PROXYTAPE_RECORD_FAILED` (and the fixture leaves
   * the index) if it could not be written. {@link FixtureStore.flush} waits for every queued write.
   *
   * @example
   * ```ts
   * const { file, written } = store.record('default', hostDirName(target), fixture);
   * store.find('default', fixture.match.key); // already includes it
   * await written; // file is on disk
   * ```
   */
  record(cassette: string, hostDir: string, fixture: Fixture): { file: string; written: Promise<string> } {
    const dir = this.dirOf(cassette, hostDir);
    const name = fixtureFileName(fixture);
    const file = path.join(dir, name);
    const body = fixture.response.body;
    // A sidecar body is allowed when it names the sidecar next to the fixture (already in place):
    // only the JSON is written. A new sidecar goes through write(…, bodySidecar).
    if (body !== null && body.encoding === 'file' && body.file !== sidecarName(name)) {
      const problem = `response.body.file must be ${JSON.stringify(sidecarName(name))} (next to the fixture), got ${JSON.stringify(body.file)}`;
      return { file, written: Promise.reject(recordFailed(file, problem)) };
    }
    const requestBody = fixture.request.body;
    if (requestBody !== null && requestBody.encoding === 'file' && requestBody.file !== requestSidecarName(name)) {
      const problem = `request.body.file must be ${JSON.stringify(requestSidecarName(name))} (next to the fixture), got ${JSON.stringify(requestBody.file)}`;
      return { file, written: Promise.reject(recordFailed(file, problem)) };
    }
    // What this file held before (re-recording): a sidecar it no longer needs is removed.
    let previous: Fixture | undefined;
    try {
      previous = this.index.get(file)?.fixture;
    } catch {
      // Its file is gone or broken (it is replaced now): no sidecar of its to clean up that we know of.
    }
    const staleSidecar = body?.encoding !== 'file' && previous?.response.body?.encoding === 'file';
    const staleRequestSidecar = requestBody?.encoding !== 'file' && previous?.request.body?.encoding === 'file';
    const text = serializeFixture(fixture);
    const stored = new RecordedFixture(file, cassette, { key: fixture.match.key, sequence: fixture.match.sequence }, text);
    this.index.add(stored);
    // Recorded in this run: never an "unused" fixture, from the moment `find()` returns it.
    this.used.add(file);
    const written = this.writer.write(file, text, this.durable).then(
      async () => {
        stored.written();
        // Re-recorded with a small body: the old sidecar is stale.
        if (staleSidecar) await unlink(path.join(dir, sidecarName(name))).catch(() => undefined);
        if (staleRequestSidecar) await unlink(path.join(dir, requestSidecarName(name))).catch(() => undefined);
        return file;
      },
      (err: unknown) => {
        if (this.index.get(file) === stored) this.index.remove(file);
        throw recordFailed(file, (err as Error).message, err);
      },
    );
    return { file, written };
  }

  /**
   * Resolves at once (undefined) while the fixture writer keeps up; when more than
   * `writeBehindLimit` bytes of fixture JSON wait for it, a promise that resolves once it
   * has caught up. Recording awaits this before forwarding, so memory stays bounded.
   */
  writeCapacity(): Promise<void> | undefined {
    return this.writer.capacity();
  }

  /** Fixture files queued on the fixture writer and not yet on disk. */
  get pendingWrites(): number {
    return this.writer.pending;
  }

  /** Resolves when every fixture queued so far is on disk (or failed). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Flushes queued fixture writes and stops the writer thread if one runs; the store can still be read. */
  close(): Promise<void> {
    return this.writer.close();
  }

  /** Marks a fixture as replayed (for the "unused fixtures" summary). */
  markUsed(stored: StoredFixture): void {
    this.used.add(stored.path);
  }

  /** Fixtures neither replayed (marked used) nor recorded through this store (optionally of one cassette), ordered by path. */
  unused(cassette?: string): StoredFixture[] {
    return this.index.list(cassette).filter((s) => !this.used.has(s.path));
  }

  /**
   * A fresh path for a temp file inside the root (or inside `hostDirPath`, which must be
   * in the root and is created), for streaming a large body to disk before `write` commits it.
   * Named like every temp file (`.*.tmp`): never indexed, deleted at a later open if its writer died.
   *
   * @example
   * ```ts
   * const temp = store.tempPath();
   * await pipeline(body, createWriteStream(temp));
   * ```
   */
  tempPath(hostDirPath?: string): string {
    const dir = hostDirPath === undefined ? this.root : path.resolve(hostDirPath);
    const relative = path.relative(this.root, dir);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw recordFailed(dir, `temp files must be inside the fixtures directory ${this.root}`);
    }
    mkdirSync(dir, { recursive: true });
    return path.join(dir, `.body.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  }

  /**
   * Removes the fixtures of (cassette, key) from the index and disk (JSON first, then its
   * sidecar), and resets the key's sequence — record mode re-recording from sequence 0.
   * With `hostDir`, only that host's fixtures go: a cassette shared by proxies for several
   * backends keeps the other backends' recordings of the same request.
   *
   * @example
   * ```ts
   * await store.forget('default', key, hostDirName(target));
   * store.reserveSequence('default', key); // 0
   * ```
   */
  async forget(cassette: string, key: string, hostDir?: string): Promise<void> {
    const dir = hostDir === undefined ? undefined : this.dirOf(cassette, hostDir);
    const doomed = this.index.find(cassette, key).filter((stored) => dir === undefined || path.dirname(stored.path) === dir);
    this.reserved.delete(slot(cassette, key));
    for (const stored of doomed) {
      this.index.remove(stored.path);
      this.used.delete(stored.path);
    }
    await Promise.all(
      doomed.map(async (stored) => {
        // Its sidecars, read before the file goes (a fixture recorded in this run is read from it).
        let bodies: StoredBody[] = [];
        try {
          bodies = [stored.fixture.response.body, stored.fixture.request.body];
        } catch {
          // Unreadable already: no sidecar of its that we know of.
        }
        try {
          await unlink(stored.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
            throw recordFailed(stored.path, `cannot delete it (${(err as Error).message})`, err);
        }
        for (const body of bodies) {
          if (body !== null && body.encoding === 'file')
            await unlink(path.join(path.dirname(stored.path), body.file)).catch(() => undefined);
        }
      }),
    );
  }
}

/** rename, or copy + unlink when the temp file is on another device. */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await unlink(from);
  }
}
