import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { loadBody, sidecarName } from '../../../src/tape/body-codec.js';
import { fixtureFileName, serializeFixture } from '../../../src/tape/fixture-file.js';
import { FixtureStore } from '../../../src/tape/store.js';
import { scanFixtures } from '../../../src/tape/fixture-scan.js';
import type { Fixture } from '../../../src/tape/types.js';
import { keyOf, sampleFixture, thrown } from '../../unit/tape/sample-fixtures.js';

const HINT = 'Fix or delete the file named in the message (re-record it), or restore it from version control.';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'proxytape-store-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function fixtureFor(
  label: string,
  sequence = 0,
  body: Fixture['response']['body'] = { encoding: 'text', text: `${label} #${sequence}` },
): Fixture {
  const base = sampleFixture();
  return {
    ...base,
    match: { key: keyOf(label), sequence },
    request: { ...base.request, path: `/${label}` },
    response: { ...base.response, body },
  };
}

/** Writes a fixture file by hand, as if recorded earlier (or committed to the repo). */
async function put(relativeDir: string, fixture: Fixture, name = fixtureFileName(fixture)): Promise<string> {
  const dir = path.join(root, relativeDir);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  await writeFile(file, serializeFixture(fixture));
  return file;
}

/** Every file under root, relative, sorted. */
async function tree(): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

describe('FixtureStore.open', () => {
  it('creates a missing root and starts empty', async () => {
    const missing = path.join(root, 'not', 'yet');
    const store = await FixtureStore.open(missing);
    expect(existsSync(missing)).toBe(true);
    expect(store.root).toBe(missing);
    expect(store.list()).toEqual([]);
  });

  it('indexes nested cassettes: the last directory is the host, the ones before it the cassette', async () => {
    const a = await put('default/api.example.com', fixtureFor('users'));
    const b = await put('checkout/happy-path/api.example.com', fixtureFor('cart'));
    const c = await put('checkout/happy-path/payments.example.com', fixtureFor('pay'));
    const d = await put('127.0.0.1', fixtureFor('root-level'));
    const store = await FixtureStore.open(root);

    expect(store.find('default', keyOf('users')).map((s) => s.path)).toEqual([a]);
    expect(store.find('checkout/happy-path', keyOf('cart')).map((s) => s.path)).toEqual([b]);
    expect(store.find('', keyOf('root-level')).map((s) => s.path)).toEqual([d]);
    expect(store.find('default', keyOf('cart'))).toEqual([]);
    expect(store.list('checkout/happy-path').map((s) => s.path)).toEqual([b, c]);
    expect(store.list().map((s) => s.cassette)).toEqual(['', 'checkout/happy-path', 'checkout/happy-path', 'default']);
    expect(store.find('default', keyOf('users'))[0]?.fixture).toEqual(fixtureFor('users'));
  });

  it('finds the fixtures of a key ordered by sequence', async () => {
    for (const sequence of [2, 0, 3, 1]) await put('default/api', fixtureFor('repeat', sequence));
    const store = await FixtureStore.open(root);
    expect(store.find('default', keyOf('repeat')).map((s) => s.fixture.match.sequence)).toEqual([0, 1, 2, 3]);
  });

  it('refuses a corrupt fixture, naming the file and the parse error', async () => {
    await put('default/api', fixtureFor('fine'));
    const file = path.join(root, 'default', 'api', 'GET-broken-00000000-0.json');
    await writeFile(file, '{\n  "version": 1,\n  "match": {\n');
    await expect(FixtureStore.open(root)).rejects.toMatchObject({
      code: 'PROXYTAPE_FIXTURE_CORRUPT',
      message: `Cannot load fixture ${file}: JSON parse error at line 4, column 1 (position 31): unexpected end of input. ${HINT}`,
    });
  });

  it('refuses an invalid fixture, naming the field', async () => {
    const file = await put('default/api', fixtureFor('bad'));
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status": 200', '"status": "200"'));
    await expect(FixtureStore.open(root)).rejects.toThrow(
      `Cannot load fixture ${file}: "response.status" must be an integer from 100 to 999, got "200". ${HINT}`,
    );
  });

  it('reports the first corrupt file in path order, whatever the read order', async () => {
    for (const name of ['c', 'a', 'b'])
      await writeFile(
        path.join(await mkdir(path.join(root, name, 'h'), { recursive: true }).then(() => path.join(root, name, 'h')), 'x.json'),
        'nope',
      );
    await expect(FixtureStore.open(root)).rejects.toThrow(`Cannot load fixture ${path.join(root, 'a', 'h', 'x.json')}: JSON parse error`);
  });

  it('refuses a fixture whose body sidecar is missing, naming the sidecar', async () => {
    const body = { encoding: 'file' as const, file: 'GET-big-x-0.body', size: 10, sha256: keyOf('x') };
    const file = await put('default/api', fixtureFor('big', 0, body));
    await expect(FixtureStore.open(root)).rejects.toThrow(
      `Cannot load fixture ${file}: body sidecar ${path.join(root, 'default', 'api', 'GET-big-x-0.body')} is missing. ${HINT}`,
    );
  });

  it('refuses two fixtures in one directory with the same key and sequence, naming both', async () => {
    const original = await put('default/api', fixtureFor('users'));
    const copy = path.join(root, 'default', 'api', 'GET-users-copy.json');
    await writeFile(copy, (await readFile(original, 'utf8')).replace('users #0', 'edited copy'));
    await expect(FixtureStore.open(root)).rejects.toMatchObject({
      code: 'PROXYTAPE_FIXTURE_CORRUPT',
      message: expect.stringMatching(new RegExp(`^Cannot load fixture .*: it has the same match key and sequence \\(0\\) as .*`)),
    });
    const message = await FixtureStore.open(root).catch((err: Error) => err.message);
    expect(message).toContain(original);
    expect(message).toContain(copy);
  });

  it('refuses a fixture that is a symbolic link to a missing file, naming it', async () => {
    await put('default/api', fixtureFor('fine'));
    const link = path.join(root, 'default', 'api', 'GET-gone-00000000-0.json');
    await symlink(path.join(root, 'nowhere.json'), link);
    await expect(FixtureStore.open(root)).rejects.toMatchObject({
      code: 'PROXYTAPE_FIXTURE_CORRUPT',
      message: expect.stringContaining(`Cannot load fixture ${link}: it cannot be read (ENOENT`),
    });
  });

  it('refuses a directory it cannot list, naming it, instead of missing its fixtures', async () => {
    // (Permissions cannot make a directory unreadable to root, which CI runs as: a path that
    // is not a directory fails readdir() the same way, with ENOTDIR.)
    const notADirectory = path.join(root, 'plain-file');
    await writeFile(notADirectory, 'x');
    await expect(scanFixtures(notADirectory)).rejects.toMatchObject({
      code: 'PROXYTAPE_FIXTURE_CORRUPT',
      message: expect.stringContaining(`Cannot load fixtures: the directory ${notADirectory} cannot be read (ENOTDIR`),
    });
  });

  // root reads any directory: this one runs for other users only.
  (process.getuid?.() === 0 ? it.skip : it)('refuses a directory without read permission, naming it', async () => {
    const locked = path.join(root, 'locked');
    await mkdir(path.join(locked, 'api'), { recursive: true });
    await chmod(locked, 0o000);
    try {
      await expect(FixtureStore.open(root)).rejects.toThrow(`Cannot load fixtures: the directory ${locked} cannot be read (EACCES`);
    } finally {
      await chmod(locked, 0o755);
    }
  });

  it('ignores temp files, deletes those of dead writers, and ignores orphan sidecars and hidden directories', async () => {
    await put('default/api', fixtureFor('kept'));
    const dir = path.join(root, 'default', 'api');
    // A crashed recording: half a JSON in a temp file, and a sidecar renamed before its JSON was written.
    const deadTemp = path.join(dir, '.GET-x-12345678-0.json.2147483646-0badc0de.tmp');
    const liveTemp = path.join(dir, `.GET-y-12345678-0.json.${process.pid}-0badc0de.tmp`);
    const foreignTemp = path.join(dir, '.something.tmp');
    for (const temp of [deadTemp, liveTemp, foreignTemp]) await writeFile(temp, '{"version": 1, "mat');
    await writeFile(path.join(dir, 'GET-orphan-12345678-0.body'), randomBytes(100));
    await mkdir(path.join(root, '.git', 'objects'), { recursive: true });
    await writeFile(path.join(root, '.git', 'objects', 'junk.json'), 'not json');

    const store = await FixtureStore.open(root);
    expect(store.list().map((s) => path.basename(s.path))).toEqual([fixtureFileName(fixtureFor('kept'))]);
    expect(existsSync(deadTemp)).toBe(false);
    // A live writer (another proxy recording into the same root) keeps its temp file.
    expect(existsSync(liveTemp)).toBe(true);
    expect(existsSync(foreignTemp)).toBe(true);
  });
});

describe('FixtureStore.write', () => {
  it('writes the serialised fixture to <root>/<cassette>/<host>/<name> and indexes it', async () => {
    const store = await FixtureStore.open(root);
    const fixture = fixtureFor('users');
    const file = await store.write('suite/one', 'api.example.com', fixture);
    expect(file).toBe(path.join(root, 'suite', 'one', 'api.example.com', fixtureFileName(fixture)));
    expect(await readFile(file, 'utf8')).toBe(serializeFixture(fixture));
    expect(store.find('suite/one', keyOf('users'))).toEqual([{ fixture, path: file, cassette: 'suite/one' }]);
    expect(await tree()).toEqual([path.join('suite', 'one', 'api.example.com', fixtureFileName(fixture))]);

    const reopened = await FixtureStore.open(root);
    expect(reopened.find('suite/one', keyOf('users'))).toEqual([{ fixture, path: file, cassette: 'suite/one' }]);
  });

  it('overwrites a fixture with the same name (re-recording) and keeps one index entry', async () => {
    const store = await FixtureStore.open(root);
    await store.write('default', 'api', fixtureFor('users', 0, { encoding: 'text', text: 'old' }));
    const file = await store.write('default', 'api', fixtureFor('users', 0, { encoding: 'text', text: 'new' }));
    expect(store.find('default', keyOf('users')).map((s) => s.fixture.response.body)).toEqual([{ encoding: 'text', text: 'new' }]);
    expect(await readFile(file, 'utf8')).toContain('"text": "new"');
  });

  it('never shows a partial fixture: readers see the old file or the new one', async () => {
    const store = await FixtureStore.open(root);
    const big = (n: number): Fixture => fixtureFor('big', 0, { encoding: 'text', text: String(n).repeat(2_000_000) });
    const file = await store.write('default', 'api', big(1));
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const text = await readFile(file, 'utf8');
        const parsed = JSON.parse(text) as Fixture; // throws on a torn file
        seen.add((parsed.response.body as { text: string }).text[0] ?? '');
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let n = 2; n <= 6; n++) await store.write('default', 'api', big(n));
    writing = false;
    await reader;
    expect(seen.size).toBeGreaterThan(0);
    expect([...seen].every((d) => '123456'.includes(d))).toBe(true);
    // No temp file left behind.
    expect(await tree()).toEqual([path.join('default', 'api', fixtureFileName(big(1)))]);
  });

  it('refuses an invalid cassette name with nothing written outside the root', async () => {
    const store = await FixtureStore.open(path.join(root, 'fixtures'));
    await expect(store.write('../escape', 'api', fixtureFor('x'))).rejects.toMatchObject({ code: 'PROXYTAPE_INVALID_CASSETTE' });
    await expect(store.write('default', '../api', fixtureFor('x'))).rejects.toMatchObject({ code: 'PROXYTAPE_RECORD_FAILED' });
    expect(await tree()).toEqual([]);
  });

  it('fails with PROXYTAPE_RECORD_FAILED naming the path when the disk refuses', async () => {
    const store = await FixtureStore.open(root);
    await writeFile(path.join(root, 'default'), 'a file where the cassette directory should be');
    const file = path.join(root, 'default', 'api', fixtureFileName(fixtureFor('x')));
    await expect(store.write('default', 'api', fixtureFor('x'))).rejects.toMatchObject({
      code: 'PROXYTAPE_RECORD_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `^Failed to record fixture ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*E(EXIST|NOTDIR).*\\. Check that the fixtures directory is writable and the disk is not full\\.$`,
        ),
      ),
    });
    expect(store.list()).toEqual([]);
  });
});

describe('sidecar bodies', () => {
  const bytes = randomBytes(512 * 1024);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const bigBody = { encoding: 'file' as const, file: 'placeholder.body', size: bytes.length, sha256 };

  it('moves the temp body next to the JSON and loads it back byte-exact, also after reopening', async () => {
    const store = await FixtureStore.open(root);
    const temp = store.tempPath(path.join(root, 'default', 'api'));
    expect(path.basename(temp)).toMatch(/^\..*\.tmp$/);
    await writeFile(temp, bytes);
    const fixture = fixtureFor('big', 0, bigBody);
    const file = await store.write('default', 'api', fixture, temp);

    const name = sidecarName(fixtureFileName(fixture));
    expect(existsSync(temp)).toBe(false);
    expect(await tree()).toEqual([path.join('default', 'api', name), path.join('default', 'api', fixtureFileName(fixture))]);
    const [stored] = store.find('default', keyOf('big'));
    expect(stored?.fixture.response.body).toEqual({ ...bigBody, file: name });
    expect(loadBody(stored!.fixture.response.body, file).equals(bytes)).toBe(true);

    const [reopened] = (await FixtureStore.open(root)).find('default', keyOf('big'));
    expect(loadBody(reopened!.fixture.response.body, reopened!.path).equals(bytes)).toBe(true);
  });

  it('refuses a temp body whose size differs from the fixture, and a sidecar without a file body', async () => {
    const store = await FixtureStore.open(root);
    const temp = store.tempPath();
    await writeFile(temp, bytes.subarray(1));
    const file = path.join(root, 'default', 'api', fixtureFileName(fixtureFor('big', 0, bigBody)));
    await expect(store.write('default', 'api', fixtureFor('big', 0, bigBody), temp)).rejects.toThrow(
      `Failed to record fixture ${file}: the body sidecar ${temp} has ${bytes.length - 1} bytes, response.body.size says ${bytes.length}.`,
    );
    await expect(store.write('default', 'api', fixtureFor('small'), temp)).rejects.toMatchObject({ code: 'PROXYTAPE_RECORD_FAILED' });
    expect(store.list()).toEqual([]);
  });

  it('removes a stale sidecar when a large body is re-recorded small', async () => {
    const store = await FixtureStore.open(root);
    const temp = store.tempPath();
    await writeFile(temp, bytes);
    await store.write('default', 'api', fixtureFor('big', 0, bigBody), temp);
    await store.write('default', 'api', fixtureFor('big', 0, { encoding: 'text', text: 'small now' }));
    expect(await tree()).toEqual([path.join('default', 'api', fixtureFileName(fixtureFor('big')))]);
  });

  it('refuses a temp path outside the root', async () => {
    const store = await FixtureStore.open(path.join(root, 'fixtures'));
    expect(thrown(() => store.tempPath(root))).toMatchObject({ code: 'PROXYTAPE_RECORD_FAILED' });
  });
});

describe('sequences, forget, used fixtures', () => {
  it('reserves sequence numbers after those on disk and those being written', async () => {
    await put('default/api', fixtureFor('seq', 0));
    await put('default/api', fixtureFor('seq', 1));
    const store = await FixtureStore.open(root);
    expect(store.reserveSequence('default', keyOf('seq'))).toBe(2);
    expect(store.reserveSequence('default', keyOf('seq'))).toBe(3);
    expect(store.reserveSequence('other', keyOf('seq'))).toBe(0);
    expect(store.reserveSequence('default', keyOf('fresh'))).toBe(0);
    await store.write('default', 'api', fixtureFor('seq', 7));
    expect(store.reserveSequence('default', keyOf('seq'))).toBe(8);
  });

  it('forgets the fixtures of a key, on disk and in the index, and restarts its sequence at 0', async () => {
    const store = await FixtureStore.open(root);
    const temp = store.tempPath();
    await writeFile(temp, 'abc');
    const sha256 = createHash('sha256').update('abc').digest('hex');
    await store.write('default', 'api', fixtureFor('gone', 0, { encoding: 'file', file: 'x.body', size: 3, sha256 }), temp);
    await store.write('default', 'api', fixtureFor('gone', 1));
    const kept = await store.write('default', 'api', fixtureFor('kept'));
    store.reserveSequence('default', keyOf('gone'));

    await store.forget('default', keyOf('gone'));
    expect(store.find('default', keyOf('gone'))).toEqual([]);
    expect(store.reserveSequence('default', keyOf('gone'))).toBe(0);
    expect(await tree()).toEqual([path.relative(root, kept)]);
  });

  it('lists the fixtures never marked used, per cassette', async () => {
    const a = await put('one/api', fixtureFor('a'));
    const b = await put('one/api', fixtureFor('b'));
    const c = await put('two/api', fixtureFor('c'));
    const store = await FixtureStore.open(root);
    expect(store.unused().map((s) => s.path)).toEqual([a, b, c]);
    store.markUsed(store.find('one', keyOf('a'))[0]!);
    expect(store.unused().map((s) => s.path)).toEqual([b, c]);
    expect(store.unused('one').map((s) => s.path)).toEqual([b]);
    expect(store.unused('two').map((s) => s.path)).toEqual([c]);
    // Re-recording a used fixture keeps it used (same path).
    await store.write('one', 'api', fixtureFor('a', 0, { encoding: 'text', text: 'again' }));
    expect(store.unused('one').map((s) => s.path)).toEqual([b]);
  });
});

describe('FixtureStore.write after its directory was deleted', () => {
  it('creates the directory again instead of failing', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'proxytape-store-'));
    try {
      const store = await FixtureStore.open(root);
      const fixture = (requestPath: string, key: string) => ({
        version: 1 as const,
        match: { key, sequence: 0 },
        request: { method: 'GET', path: requestPath, query: [] as [string, string][], headers: [] as [string, string][], body: null },
        response: { status: 200, statusText: 'OK', headers: [] as [string, string][], body: { encoding: 'text' as const, text: 'ok' } },
      });
      await store.write('default', 'api', fixture('/a', 'a'.repeat(64)));
      await rm(path.join(root, 'default'), { recursive: true, force: true });
      const file = await store.write('default', 'api', fixture('/b', 'b'.repeat(64)));
      expect(JSON.parse(await readFile(file, 'utf8')).request.path).toBe('/b');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
