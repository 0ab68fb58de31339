/**
 * One cassette per test, named from the test file and the test's full name, so
 * every test records into (and replays from) its own directory and parallel Jest
 * workers never write the same fixture.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CassetteHandle } from '../../api/start-proxy.js';
import { MAX_CASSETTE_LENGTH } from '../../tape/cassette.js';

/** Options of {@link cassetteName} and {@link cassetteForCurrentTest}. */
export interface CassetteNameOptions {
  /** Directory test paths are named relative to (`test` → `integration/users.test/…`). @default process.cwd() */
  root?: string;
  /** Cassette segments put in front, e.g. `'jest'`. @default none */
  prefix?: string;
}

/** Where the current test's path and name are read from: Jest's `expect` (`expect.getState()`). */
export interface TestStateSource {
  getState(): {
    testPath?: string | undefined;
    currentTestName?: string | undefined;
    currentConcurrentTestName?: (() => string | undefined) | undefined;
  };
}

/** Options of {@link cassetteForCurrentTest} and {@link useCassette}. */
export interface CurrentCassetteOptions extends CassetteNameOptions {
  /** The `expect` to read the test from. @default the global `expect` */
  expect?: TestStateSource;
}

const TEST_FILE_EXTENSION = /\.(?:[cm]?[jt]sx?)$/;

/** One path segment of `[A-Za-z0-9._-]`: other characters become `-`, no leading `.` or `-`. */
function segment(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '');
  return cleaned === '' ? '_' : cleaned;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The cassette name for test `testName` in file `testPath`: the file's path relative
 * to `root` without its extension, then the test name lower-cased, each segment
 * reduced to `[A-Za-z0-9._-]` and joined by `/`. Names longer than 200 characters
 * are cut and end in a hash of the full name, so they stay distinct.
 *
 * @example
 * ```ts
 * cassetteName('/repo/test/integration/users.test.ts', 'users API creates a user', { root: '/repo/test' });
 * // 'integration/users.test/users-api-creates-a-user'
 * ```
 */
export function cassetteName(testPath: string, testName: string, options: CassetteNameOptions = {}): string {
  const root = path.resolve(options.root ?? process.cwd());
  let relative = path.relative(root, path.resolve(testPath));
  // A test outside the root is named by its file name alone rather than by `..` segments.
  if (relative.startsWith('..') || path.isAbsolute(relative)) relative = path.basename(testPath);
  const fileSegments = relative
    .replace(TEST_FILE_EXTENSION, '')
    .split(/[\\/]+/)
    .filter(Boolean)
    .map(segment);
  const prefix = (options.prefix ?? '').split('/').filter(Boolean).map(segment);
  let name = [...prefix, ...fileSegments, segment(testName.toLowerCase())].join('/');
  if (name.length > MAX_CASSETTE_LENGTH) name = withHash(name, `${testPath}\0${testName}`);
  return name;
}

/** Names handed out in this module registry (one per Jest test file), to tell apart tests whose names sanitise alike. */
const assigned = new Map<string, string>();

/** What proxytape reads of jest-circus's state: the tree of describe blocks and tests declared in the file. */
interface CircusBlock {
  type?: unknown;
  name?: unknown;
  children?: unknown;
}

/**
 * The full names (`describe` titles and test title joined by spaces, as Jest's `currentTestName`)
 * of every test declared in the running file — also those `-t`, `.only` or `.skip` leave out — in
 * declaration order. Read from jest-circus (Jest's default runner), which keeps its state on the
 * test environment's global under a symbol named `JEST_STATE_SYMBOL`; undefined elsewhere.
 */
function declaredTestNames(): string[] | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(g).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const root = symbol === undefined ? undefined : (g[symbol] as { rootDescribeBlock?: CircusBlock } | undefined)?.rootDescribeBlock;
  if (root === undefined || !Array.isArray(root.children)) return undefined;
  const names: string[] = [];
  const walk = (block: CircusBlock, titles: string[]): void => {
    for (const child of (Array.isArray(block.children) ? block.children : []) as CircusBlock[]) {
      if (typeof child.name !== 'string') continue;
      if (child.type === 'describeBlock') walk(child, [...titles, child.name]);
      else if (child.type === 'test') names.push([...titles, child.name].join(' '));
    }
  };
  walk(root, []);
  return names;
}

function withHash(name: string, key: string): string {
  const hash = shortHash(key);
  return `${name.slice(0, MAX_CASSETTE_LENGTH - hash.length - 1).replace(/[/.-]+$/, '')}-${hash}`;
}

/**
 * The cassette of the running test, from `expect.getState()`: its file and full
 * name through {@link cassetteName}. Call it inside a test or a `beforeEach` /
 * `afterEach` hook. Two tests of one file whose names reduce to the same cassette
 * (`"a b"` and `"a-b"`): the one declared second gets a hash suffix, so they never share,
 * whichever of them run (under Jest's default runner, jest-circus).
 *
 * @example
 * ```ts
 * test('creates a user', async () => {
 *   const res = await fetch(`${proxy.url}/users`, { method: 'POST', headers: { 'x-proxytape-cassette': cassetteForCurrentTest() } });
 * });
 * ```
 */
export function cassetteForCurrentTest(options: CurrentCassetteOptions = {}): string {
  const source = options.expect ?? (globalThis as { expect?: TestStateSource }).expect;
  if (source === undefined || typeof source.getState !== 'function') {
    throw new Error(
      'cassetteForCurrentTest() found no global `expect`: pass it, e.g. cassetteForCurrentTest({ expect }) with `import { expect } from "@jest/globals"`.',
    );
  }
  const state = source.getState();
  const testName = state.currentConcurrentTestName?.() ?? state.currentTestName;
  if (state.testPath === undefined || testName === undefined) {
    throw new Error(
      'cassetteForCurrentTest() was called outside a test: call it inside test(…) or a beforeEach/afterEach hook, where Jest knows the test name.',
    );
  }
  const { expect: _expect, ...nameOptions } = options;
  const testPath = state.testPath;
  const name = cassetteName(testPath, testName, nameOptions);
  const key = `${testPath}\0${testName}`;
  // Tests whose names reduce alike: the first declared keeps the name, the others get a hash
  // suffix — decided from the declared tests, so the same test gets the same cassette whichever
  // tests run (`-t`, `.only`) and in whatever order (`test.concurrent`).
  const declared = declaredTestNames();
  if (declared?.includes(testName)) {
    const first = declared.find((other) => other === testName || cassetteName(testPath, other, nameOptions) === name);
    return first === testName ? name : withHash(name, key);
  }
  // Not a declared test of a jest-circus run (another runner): the first to ask keeps the name.
  const owner = assigned.get(name);
  const chosen = owner !== undefined && owner !== key ? withHash(name, key) : name;
  assigned.set(chosen, key);
  return chosen;
}

/** Anything with proxytape's `cassette(name)`: a RunningProxy. */
export interface CassetteSource {
  cassette(name: string): CassetteHandle;
}

/**
 * The current test's cassette on `proxy`: `{ name, headers, fetch(path, init) }`
 * with the `x-proxytape-cassette` header set. Call it inside a test or `beforeEach`.
 *
 * @example
 * ```ts
 * test('lists users', async () => {
 *   const tape = useCassette(proxy);
 *   const res = await tape.fetch('/users');
 *   expect(proxy).toHaveForwarded({ cassette: tape.name, path: '/users' });
 * });
 * ```
 */
export function useCassette(proxy: CassetteSource, options: CurrentCassetteOptions = {}): CassetteHandle {
  return proxy.cassette(cassetteForCurrentTest(options));
}
