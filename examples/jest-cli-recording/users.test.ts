/**
 * Example: the proxytape CLI in front of a backend, one cassette per test, and
 * assertions through the admin API. Run with `npx jest examples/jest-cli-recording`
 * in your project (here it runs from test/examples/ so CI executes it).
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { JournalEntry } from 'proxytape';
import { cassetteForCurrentTest, setupProxytapeMatchers } from 'proxytape/jest';
import { type Backend, startBackend } from './backend.js';
import { type CliProxy, startCliProxy } from './proxytape-cli.js';

setupProxytapeMatchers(expect);

let backend: Backend;
let proxy: CliProxy;
let fixtures: string;

beforeAll(async () => {
  backend = await startBackend();
  // In a real project: a committed directory such as test/fixtures, `auto` locally and `replay` in CI.
  fixtures = await mkdtemp(path.join(os.tmpdir(), 'proxytape-example-'));
  proxy = await startCliProxy(['auto', '--target', backend.url, '--fixtures', fixtures]);
});

afterAll(async () => {
  await proxy?.stop();
  await backend?.close();
  if (fixtures) await rm(fixtures, { recursive: true, force: true });
});

/** The code under test would be your API client; here, fetch with the cassette header. */
function api(pathname: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  // One cassette per test, named from this file and the test name: parallel workers never collide.
  headers.set('x-proxytape-cassette', cassetteForCurrentTest());
  return fetch(`${proxy.url}${pathname}`, { ...init, headers });
}

/** What the proxy forwarded for the current test, from the admin API. */
async function forwarded(): Promise<JournalEntry[]> {
  const res = await fetch(`${proxy.url}/__proxytape/journal?cassette=${encodeURIComponent(cassetteForCurrentTest())}`);
  return (await res.json()) as JournalEntry[];
}

test('creates a user', async () => {
  const res = await api('/users', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer example-token' },
    body: JSON.stringify({ name: 'Bob' }),
  });
  expect(res.status).toBe(201);
  expect(await res.json()).toEqual({ id: 2, name: 'Bob' });

  const journal = await forwarded();
  expect(journal).toHaveForwarded({
    method: 'POST',
    path: '/users',
    headers: { authorization: 'Bearer [REDACTED]', 'content-type': 'application/json' },
    body: { name: 'Bob' },
  });
  expect(journal.map((e) => e.source)).toEqual(['recorded']);
});

test('lists users', async () => {
  const first = await api('/users');
  expect(await first.json()).toEqual([{ id: 1, name: 'Ann' }]);
  // The same request again in this test replays the fixture just recorded.
  await (await api('/users')).text();

  const journal = await forwarded();
  expect(journal.map((e) => `${e.method} ${e.path} ${e.source}`)).toEqual(['GET /users recorded', 'GET /users replayed']);
  expect(journal).not.toHaveForwardedHeader('authorization');
});

test('each test recorded into its own cassette', async () => {
  const files = await readdir(fixtures, { recursive: true });
  const cassettes = [...new Set(files.filter((f) => f.endsWith('.json')).map((f) => path.dirname(path.dirname(f))))].sort();
  // e.g. examples/jest-cli-recording/users.test/creates-a-user (the path of the test file, then the test name)
  expect(cassettes).toEqual([expect.stringMatching(/\.test\/creates-a-user$/), expect.stringMatching(/\.test\/lists-users$/)]);
});
