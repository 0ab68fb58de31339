/**
 * Writing an import: all or nothing. Every fixture is converted before this
 * runs; here each one is written atomically (`FixtureStore.write`), and if one
 * write fails the files this import already wrote are removed — or, where the
 * import had replaced an existing fixture, its previous bytes are put back.
 */
import { createHash } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadBody, sidecarName } from '../tape/body-codec.js';
import { fixtureFileName } from '../tape/fixture-file.js';
import type { FixtureStore } from '../tape/store.js';
import type { Fixture } from '../tape/types.js';
import { HarError } from './har-error.js';
import type { ImportedFixture } from './import.js';

/** What {@link writeImportedFixtures} did. */
export interface ImportWriteResult {
  /** Absolute paths of the fixture files written, in entry order. */
  written: string[];
  /** Older fixtures of the imported requests with a higher sequence, removed (the import replaces a request's fixtures). */
  removed: string[];
}

/** A file's bytes before the import touched it (`null`: it did not exist). */
type Backup = Map<string, Buffer | null>;

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function remember(backup: Backup, file: string): Promise<void> {
  if (!backup.has(file)) backup.set(file, await readIfExists(file));
}

async function restore(backup: Backup): Promise<void> {
  for (const [file, bytes] of [...backup].reverse()) {
    if (bytes === null) await unlink(file).catch(() => undefined);
    else await writeFile(file, bytes).catch(() => undefined);
  }
}

/** Writes one fixture; a body above the store's inline limit goes to a sidecar, as when recording. */
async function writeOne(store: FixtureStore, item: ImportedFixture): Promise<string> {
  const { fixture, cassette, hostDir } = item;
  const body = fixture.response.body;
  if (body === null || body.encoding === 'file') return store.write(cassette, hostDir, fixture);
  const bytes = loadBody(body, '');
  if (bytes.length <= store.inlineLimit) return store.write(cassette, hostDir, fixture);
  const temp = store.tempPath(store.dirOf(cassette, hostDir));
  await writeFile(temp, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const large: Fixture = {
    ...fixture,
    response: { ...fixture.response, body: { encoding: 'file', file: sidecarName(fixtureFileName(fixture)), size: bytes.length, sha256 } },
  };
  try {
    return await store.write(cassette, hostDir, large, temp);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Writes converted fixtures into `store`, all or nothing: on the first failure the files
 * already written by this call are removed (or restored to their previous bytes) and a
 * `HarError` (`PROXYTAPE_HAR_WRITE_FAILED`) names the file that failed. After every write
 * succeeded, older fixtures of the same requests with a sequence beyond the imported ones
 * are deleted, so a request replays exactly the imported responses.
 *
 * @example
 * ```ts
 * const store = await FixtureStore.open('test/fixtures');
 * const { written } = await writeImportedFixtures(store, harToFixtures(entries).fixtures);
 * ```
 */
export async function writeImportedFixtures(store: FixtureStore, fixtures: readonly ImportedFixture[]): Promise<ImportWriteResult> {
  const backup: Backup = new Map();
  const written: string[] = [];
  for (const item of fixtures) {
    const dir = store.dirOf(item.cassette, item.hostDir);
    const name = fixtureFileName(item.fixture);
    const file = path.join(dir, name);
    try {
      await remember(backup, file);
      await remember(backup, path.join(dir, sidecarName(name)));
      written.push(await writeOne(store, item));
    } catch (err) {
      await restore(backup);
      const undone = written.length === 0 ? '' : ` The ${written.length} fixture file(s) this import had written were removed or restored.`;
      throw new HarError(
        'PROXYTAPE_HAR_WRITE_FAILED',
        `Failed to write the fixture of log.entries[${item.index}] to ${file}: ${(err as Error).message}.${undone} Check that the fixtures directory is writable and the disk is not full.`,
        { entry: item.index, cause: err },
      );
    }
  }
  const imported = new Set(written);
  const removed: string[] = [];
  const slots = new Set(fixtures.map((item) => `${item.cassette}\0${item.fixture.match.key}`));
  for (const slot of slots) {
    const [cassette = '', key = ''] = slot.split('\0');
    for (const stored of store.find(cassette, key)) {
      if (imported.has(stored.path)) continue;
      await unlink(stored.path).catch(() => undefined);
      const body = stored.fixture.response.body;
      if (body !== null && body.encoding === 'file') await unlink(path.join(path.dirname(stored.path), body.file)).catch(() => undefined);
      removed.push(stored.path);
    }
  }
  return { written, removed: removed.sort() };
}
