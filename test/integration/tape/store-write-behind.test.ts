/**
 * FixtureStore.record(): fixtures are indexed at once and written atomically by the
 * background writer thread; flush/close wait for them; failures surface per fixture.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isProxytapeError } from '../../../src/errors.js';
import { sidecarName } from '../../../src/tape/body-codec.js';
import { fixtureFileName, serializeFixture } from '../../../src/tape/fixture-file.js';
import { DEFAULT_WRITE_BEHIND_LIMIT, FixtureWriter } from '../../../src/tape/fixture-writer.js';
import { FixtureStore } from '../../../src/tape/store.js';
import type { Fixture } from '../../../src/tape/types.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';
import { keyOf, sampleFixture } from '../../unit/tape/sample-fixtures.js';

const stores: FixtureStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await removeTempDirs();
});

async function openStore(options: Parameters<typeof FixtureStore.open>[1] = {}): Promise<FixtureStore> {
  const store = await FixtureStore.open(await makeTempDir('proxytape-wb-'), options);
  stores.push(store);
  return store;
}

function fixtureFor(label: string, sequence = 0): Fixture {
  const base = sampleFixture();
  return {
    ...base,
    match: { key: keyOf(label), sequence },
    request: { ...base.request, path: `/${label}` },
    response: { ...base.response, body: { encoding: 'text', text: `${label} #${sequence}` } },
  };
}

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('FixtureStore.record (write-behind)', () => {
  it('indexes the fixture at once and writes exactly its serialised JSON', async () => {
    const store = await openStore();
    const fixture = fixtureFor('users');
    const { file, written } = store.record('default', 'api', fixture);
    expect(file).toBe(path.join(store.root, 'default', 'api', fixtureFileName(fixture)));
    expect(store.find('default', fixture.match.key).map((s) => s.path)).toEqual([file]);
    await expect(written).resolves.toBe(file);
    expect(await readFile(file, 'utf8')).toBe(serializeFixture(fixture));
  });

  it('keeps a recorded fixture as its file once written: reads it back from there, equal to the one recorded', async () => {
    const store = await openStore();
    const fixture = fixtureFor('kept');
    const { file, written } = store.record('default', 'api', fixture);
    expect(store.find('default', fixture.match.key).map((s) => s.path)).toEqual([file]);
    // Before its file exists, an entry answers from the text being written.
    const early = store.record('default', 'api', fixtureFor('early'));
    expect(store.find('default', keyOf('early'))).toEqual([{ fixture: fixtureFor('early'), path: early.file, cassette: 'default' }]);
    await Promise.all([written, early.written]);

    // Once written, the index holds no copy: the file is what the entry reads.
    const other = { ...fixture, response: { ...fixture.response, body: { encoding: 'text' as const, text: 'changed on disk' } } };
    await writeFile(file, serializeFixture(other));
    expect(store.find('default', fixture.match.key)).toEqual([{ fixture: other, path: file, cassette: 'default' }]);
    // …and keeps what it read.
    await writeFile(file, serializeFixture(fixture));
    expect(store.find('default', fixture.match.key)[0]!.fixture).toEqual(other);
  });

  it('reports a recorded fixture whose file was deleted as PROXYTAPE_FIXTURE_CORRUPT, naming the file', async () => {
    const store = await openStore();
    const fixture = fixtureFor('gone');
    const { file, written } = store.record('default', 'api', fixture);
    await written;
    await rm(file);
    const [stored] = store.find('default', fixture.match.key);
    let error: unknown;
    try {
      void stored!.fixture;
    } catch (err) {
      error = err;
    }
    expect(isProxytapeError(error) && error.code).toBe('PROXYTAPE_FIXTURE_CORRUPT');
    expect((error as Error).message).toContain(
      `Cannot load fixture ${file}: it was recorded in this run, but its file cannot be read any more`,
    );
    // Its match key and sequence are still known without the file: forget() and new recordings work.
    expect(store.reserveSequence('default', fixture.match.key)).toBe(1);
    await store.forget('default', fixture.match.key);
    expect(store.find('default', fixture.match.key)).toEqual([]);
  });

  it('writes 300 fixtures queued in one go, each complete, with no temp file left', async () => {
    const store = await openStore();
    const queued = Array.from({ length: 300 }, (_, i) => store.record('default', 'api', fixtureFor(`item-${i}`)));
    expect(store.pendingWrites).toBeGreaterThan(0);
    await store.flush();
    expect(store.pendingWrites).toBe(0);
    await Promise.all(queued.map((q) => q.written));
    const files = await allFiles(path.join(store.root, 'default', 'api'));
    expect(files).toHaveLength(300);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const reopened = await FixtureStore.open(store.root);
    expect(reopened.size).toBe(300);
    await reopened.close();
  });

  it('fails a write whose directory cannot be created, naming the file, and drops it from the index', async () => {
    const store = await openStore();
    // A plain file where the cassette directory should go.
    await writeFile(path.join(store.root, 'blocked'), 'not a directory');
    const fixture = fixtureFor('blocked');
    const { file, written } = store.record('blocked', 'api', fixture);
    const err = await written.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isProxytapeError(err) && err.code).toBe('PROXYTAPE_RECORD_FAILED');
    expect((err as Error).message).toContain(file);
    expect(store.find('blocked', fixture.match.key)).toEqual([]);
    // The writer keeps working for the next fixture.
    await expect(store.record('default', 'api', fixtureFor('after')).written).resolves.toMatch(/GET-after-/);
  });

  it('makes the directory again when a test suite deleted it after an earlier write', async () => {
    const store = await openStore();
    await store.record('default', 'api', fixtureFor('first')).written;
    await rm(path.join(store.root, 'default'), { recursive: true, force: true });
    const again = await store.record('default', 'api', fixtureFor('second')).written;
    expect(existsSync(again)).toBe(true);
  });

  it('writeCapacity() makes callers wait while more than writeBehindLimit bytes are queued', async () => {
    const store = await openStore({ writeBehindLimit: 1 });
    expect(store.writeCapacity()).toBeUndefined();
    const { written } = store.record('default', 'api', fixtureFor('big'));
    const wait = store.writeCapacity();
    expect(wait).toBeInstanceOf(Promise);
    let released = false;
    void wait!.then(() => (released = true));
    await written;
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(true);
    expect(store.writeCapacity()).toBeUndefined();
  });

  it('refuses writes after close() and leaves the index readable', async () => {
    const store = await openStore();
    await store.record('default', 'api', fixtureFor('kept')).written;
    await store.close();
    await expect(store.record('default', 'api', fixtureFor('late')).written).rejects.toThrow(/closed/);
    expect(store.find('default', keyOf('kept'))).toHaveLength(1);
  });

  it('rejects a sidecar body that names a file other than the sidecar next to the fixture', async () => {
    const store = await openStore();
    const base = fixtureFor('sidecar');
    const fixture: Fixture = {
      ...base,
      response: { ...base.response, body: { encoding: 'file', file: 'elsewhere.bin', size: 1, sha256: '0'.repeat(64) } },
    };
    await expect(store.record('default', 'api', fixture).written).rejects.toThrow(/response\.body\.file must be/);
    expect(store.find('default', fixture.match.key)).toEqual([]);
  });

  it('rewrites only the JSON of a fixture whose sidecar is already in place, and keeps that sidecar', async () => {
    const store = await openStore();
    const base = fixtureFor('big');
    const name = fixtureFileName(base);
    const sidecar = path.join(store.root, 'default', 'api', sidecarName(name));
    await mkdir(path.dirname(sidecar), { recursive: true });
    await writeFile(sidecar, 'x');
    const fixture: Fixture = {
      ...base,
      response: {
        ...base.response,
        body: { encoding: 'file', file: sidecarName(name), size: 1, sha256: createHash('sha256').update('x').digest('hex') },
      },
    };
    const file = await store.record('default', 'api', fixture).written;
    expect(JSON.parse(await readFile(file, 'utf8')).response.body.file).toBe(sidecarName(name));
    expect(await readFile(sidecar, 'utf8')).toBe('x');
    const reopened = await FixtureStore.open(store.root);
    expect(reopened.size).toBe(1);
    await reopened.close();
  });
});

describe.each([
  ['on the event loop (light load)', Number.POSITIVE_INFINITY, false],
  ['on the writer thread (heavy load)', 0, true],
])('FixtureWriter %s', (_name, threshold, threaded) => {
  const writers: FixtureWriter[] = [];
  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.close()));
  });
  function makeWriter(): FixtureWriter {
    const writer = new FixtureWriter(DEFAULT_WRITE_BEHIND_LIMIT, threshold);
    writers.push(writer);
    return writer;
  }

  it('writes atomically, creating the directory, and leaves no temp file', async () => {
    const writer = makeWriter();
    const dir = path.join(await makeTempDir('proxytape-fw-'), 'a', 'b');
    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.write(path.join(dir, `f${i}.json`), `{"i":${i}}\n`, i % 2 === 0)));
    expect(writer.threaded).toBe(threaded);
    const files = await allFiles(dir);
    expect(files).toHaveLength(40);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(await readFile(path.join(dir, 'f7.json'), 'utf8')).toBe('{"i":7}\n');
    expect(writer.pending).toBe(0);
    expect(writer.pendingBytes).toBe(0);
  });

  it('rejects one failed write with the errno code and keeps writing the others', async () => {
    const writer = makeWriter();
    const root = await makeTempDir('proxytape-fw-');
    await writeFile(path.join(root, 'file'), 'x');
    const bad = writer.write(path.join(root, 'file', 'under-a-file.json'), '{}', false);
    const good = writer.write(path.join(root, 'ok', 'fine.json'), '{}', false);
    // mkdir -p over a file: EEXIST (ENOTDIR on some systems).
    await expect(bad).rejects.toMatchObject({ name: 'FixtureWriteError', code: expect.stringMatching(/^(EEXIST|ENOTDIR)$/) });
    await expect(good).resolves.toBeUndefined();
  });
});

describe('FixtureWriter when its thread dies', () => {
  it('fails only the writes handed to the thread, then keeps writing on the event loop, each write settled once', async () => {
    const writer = new FixtureWriter(DEFAULT_WRITE_BEHIND_LIMIT, 0);
    const dir = await makeTempDir('proxytape-fw-');
    const outcomes = Array.from({ length: 50 }, (_, i) =>
      writer.write(path.join(dir, `a${i}.json`), `{"a":${i}}\n`, false).then(
        () => 'written' as const,
        (err: unknown) => ((err as Error).name === 'FixtureWriteError' ? ('failed' as const) : ('other' as const)),
      ),
    );
    // The batch goes out on the next turn; kill the thread as soon as it exists.
    await new Promise((resolve) => setImmediate(resolve));
    expect(writer.thread).toBeDefined();
    await writer.thread!.terminate();
    const settled = await Promise.all(outcomes);
    expect(settled.every((o) => o === 'written' || o === 'failed')).toBe(true);
    // Every write that reported success is on disk, complete.
    for (const [i, o] of settled.entries()) {
      if (o === 'written') expect(await readFile(path.join(dir, `a${i}.json`), 'utf8')).toBe(`{"a":${i}}\n`);
    }
    expect(writer.pending).toBe(0);
    expect(writer.threaded).toBe(false);
    // Later writes stay on the event loop (no new thread), in the slots the failed writes freed.
    await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write(path.join(dir, `b${i}.json`), `{"b":${i}}\n`, false)));
    expect(writer.threaded).toBe(false);
    for (let i = 0; i < 20; i++) expect(await readFile(path.join(dir, `b${i}.json`), 'utf8')).toBe(`{"b":${i}}\n`);
    expect(writer.pending).toBe(0);
    await writer.close();
  });
});
