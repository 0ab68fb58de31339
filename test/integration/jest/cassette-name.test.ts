import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { type RunningProxy, startProxy, validateCassette } from '../../../src/index.js';
import { cassetteForCurrentTest, cassetteName, setupProxytapeMatchers, useCassette } from '../../../src/integrations/jest/index.js';
import { createTestServer, type TestServer } from '../../helpers/http-test-server.js';
import { REPO_ROOT } from '../../helpers/spawn-cli.js';
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dir.js';

setupProxytapeMatchers(expect);
const THIS_FILE = path.join(REPO_ROOT, 'test/integration/jest/cassette-name.test.ts');

describe('cassetteName', () => {
  test('is the test file relative to root without its extension, then the test name, lower-cased and sanitised', () => {
    expect(cassetteName('/repo/test/integration/users.test.ts', 'users API creates a user', { root: '/repo/test' })).toBe(
      'integration/users.test/users-api-creates-a-user',
    );
    expect(cassetteName('/repo/test/a.spec.mjs', 'GET /users?page=2 → 200 (ok)', { root: '/repo' })).toBe(
      'test/a.spec/get-users-page-2-200-ok',
    );
    expect(cassetteName('/repo/t.test.ts', '..hidden', { root: '/repo', prefix: 'jest' })).toBe('jest/t.test/hidden');
    expect(cassetteName('/repo/t.test.ts', '!!!', { root: '/repo' })).toBe('t.test/_');
  });

  test('a test outside root is named by its file name alone', () => {
    expect(cassetteName('/elsewhere/x.test.ts', 'works', { root: '/repo' })).toBe('x.test/works');
  });

  test('long names are cut to 200 characters and end in a hash, so they stay distinct and valid', () => {
    const a = cassetteName('/repo/t.test.ts', `${'long name '.repeat(30)}a`, { root: '/repo' });
    const b = cassetteName('/repo/t.test.ts', `${'long name '.repeat(30)}b`, { root: '/repo' });
    expect(a).toHaveLength(200);
    expect(a).toMatch(/^t\.test\/long-name-long-name-.*-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(validateCassette(a)).toBe(a);
  });

  test.each([
    ['a/b.test.ts', 'x y'],
    ['ünïcödé/spaces in dir/file.test.tsx', '../../etc/passwd'],
    ['.hidden/t.test.ts', '.'],
    ['weird\\back\\slash.test.js', 'tab\there\0nul'],
  ])('always a valid cassette name: %s / %j', (file, name) => {
    const cassette = cassetteName(path.join('/repo', file), name, { root: '/repo' });
    expect(validateCassette(cassette)).toBe(cassette);
  });
});

describe('cassetteForCurrentTest', () => {
  test('names the running test from expect.getState()', () => {
    expect(cassetteForCurrentTest({ root: REPO_ROOT })).toBe(
      'test/integration/jest/cassette-name.test/cassetteforcurrenttest-names-the-running-test-from-expect.getstate',
    );
    expect(cassetteForCurrentTest({ root: path.join(REPO_ROOT, 'test'), expect })).toBe(
      'integration/jest/cassette-name.test/cassetteforcurrenttest-names-the-running-test-from-expect.getstate',
    );
  });

  test('the names of tests that sanitise alike do not depend on which ran first (-t, .only, test.concurrent)', () => {
    const base =
      'test/integration/jest/cassette-name.test/cassetteforcurrenttest-two-tests-whose-names-sanitise-alike-still-get-distinct-cassettes-a-b';
    const as = (name: string): string =>
      cassetteForCurrentTest({ root: REPO_ROOT, expect: { getState: () => ({ testPath: THIS_FILE, currentTestName: name }) } });
    // Asked for the second-declared test before the first one ever ran: still the suffixed name.
    expect(as('cassetteForCurrentTest two tests whose names sanitise alike still get distinct cassettes: a-b')).toMatch(
      new RegExp(`^${base.replace(/\./g, '\\.')}-[0-9a-f]{8}$`),
    );
    expect(as('cassetteForCurrentTest two tests whose names sanitise alike still get distinct cassettes: a b')).toBe(base);
  });

  test('two tests whose names sanitise alike still get distinct cassettes: a b', () => {
    expect(cassetteForCurrentTest({ root: REPO_ROOT })).toBe(
      'test/integration/jest/cassette-name.test/cassetteforcurrenttest-two-tests-whose-names-sanitise-alike-still-get-distinct-cassettes-a-b',
    );
  });

  test('two tests whose names sanitise alike still get distinct cassettes: a-b', () => {
    expect(cassetteForCurrentTest({ root: REPO_ROOT })).toMatch(
      /^test\/integration\/jest\/cassette-name\.test\/cassetteforcurrenttest-two-tests-whose-names-sanitise-alike-still-get-distinct-cassettes-a-b-[0-9a-f]{8}$/,
    );
  });

  test('outside a test it says where to call it', () => {
    const state = { getState: () => ({ testPath: THIS_FILE }) };
    expect(() => cassetteForCurrentTest({ expect: state })).toThrow(
      'cassetteForCurrentTest() was called outside a test: call it inside test(…) or a beforeEach/afterEach hook, where Jest knows the test name.',
    );
  });
});

describe('useCassette records each test into its own cassette', () => {
  let backend: TestServer;
  let proxy: RunningProxy;
  let fixtures: string;
  let current: ReturnType<typeof useCassette>;

  beforeAll(async () => {
    backend = await createTestServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello from ${req.url}`);
    });
    fixtures = await makeTempDir('proxytape-jest-cassettes-');
    proxy = await startProxy({ mode: 'auto', target: backend.url, fixtures });
  });
  beforeEach(() => {
    current = useCassette(proxy, { root: REPO_ROOT });
  });
  afterAll(async () => {
    await proxy.close();
    await backend.close();
    await removeTempDirs();
  });

  test('first test', async () => {
    const res = await current.fetch('/greeting');
    expect(await res.text()).toBe('hello from /greeting');
    expect(proxy).toHaveForwarded({ cassette: current.name, path: '/greeting' });
  });

  test('second test', async () => {
    await (await current.fetch('/greeting')).text();
    // Same request, but this test's cassette had no fixture yet: recorded, not replayed from the first test's.
    expect(proxy.journal.filter(current.name).map((e) => e.source)).toEqual(['recorded']);
    await proxy.close();
    const files = await readdir(fixtures, { recursive: true });
    const cassettes = files.filter((f) => f.endsWith('.json')).map((f) => path.dirname(path.dirname(f)));
    expect(cassettes.sort()).toEqual([
      'test/integration/jest/cassette-name.test/useCassette-records-each-test-into-its-own-cassette-first-test'.toLowerCase(),
      'test/integration/jest/cassette-name.test/useCassette-records-each-test-into-its-own-cassette-second-test'.toLowerCase(),
    ]);
  });
});
