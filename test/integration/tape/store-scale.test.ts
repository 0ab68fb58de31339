import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixtureFileName, serializeFixture } from '../../../src/tape/fixture-file.js';
import { FixtureStore } from '../../../src/tape/store.js';
import type { Fixture } from '../../../src/tape/types.js';
import { keyOf, sampleFixture } from '../../unit/tape/sample-fixtures.js';

const COUNT = 10_000;
let root: string;

function fixture(i: number): Fixture {
  const base = sampleFixture();
  return {
    ...base,
    match: { key: keyOf(`req ${i}`), sequence: 0 },
    request: { ...base.request, path: `/items/${i}` },
    response: { ...base.response, body: { encoding: 'json', json: { id: i } } },
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'proxytape-scale-'));
  // 10 cassettes × 1,000 fixtures, written in batches.
  for (let c = 0; c < 10; c++) await mkdir(path.join(root, `cassette-${c}`, 'api.example.com'), { recursive: true });
  for (let start = 0; start < COUNT; start += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, k) => {
        const f = fixture(start + k);
        return writeFile(path.join(root, `cassette-${(start + k) % 10}`, 'api.example.com', fixtureFileName(f)), serializeFixture(f));
      }),
    );
  }
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FixtureStore at scale', () => {
  it(`indexes ${COUNT} fixtures and finds each by key (the < 1 s target is checked by npm run bench)`, async () => {
    const started = performance.now();
    const store = await FixtureStore.open(root);
    const elapsed = performance.now() - started;
    console.log(`FixtureStore.open indexed ${store.size} fixtures in ${elapsed.toFixed(0)} ms`);
    expect(store.size).toBe(COUNT);
    for (const i of [0, 1, 4_999, 9_999]) {
      const [found] = store.find(`cassette-${i % 10}`, keyOf(`req ${i}`));
      expect(found?.fixture.request.path).toBe(`/items/${i}`);
    }
    expect(store.list('cassette-3')).toHaveLength(COUNT / 10);
  }, 30_000);
});
