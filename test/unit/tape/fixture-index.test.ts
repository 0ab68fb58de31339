import { FixtureIndex } from '../../../src/tape/fixture-index.js';
import type { StoredFixture } from '../../../src/tape/types.js';
import { keyOf, sampleFixture } from './sample-fixtures.js';

function stored(sequence: number, path: string, key = keyOf('users')): StoredFixture {
  const base = sampleFixture();
  return { fixture: { ...base, match: { key, sequence } }, path, cassette: 'c' };
}

describe('FixtureIndex', () => {
  it('keeps the fixtures of one match key ordered by sequence whatever order they are added in', () => {
    const index = new FixtureIndex();
    index.add(stored(2, '/f/c-2.json'));
    index.add(stored(0, '/f/c-0.json'));
    index.add(stored(1, '/f/c-1.json'));
    expect(index.find('c', keyOf('users')).map((s) => s.fixture.match.sequence)).toEqual([0, 1, 2]);
    expect(index.size).toBe(3);
  });

  it('replaces a fixture added again under the same path instead of listing it twice', () => {
    const index = new FixtureIndex();
    index.add(stored(0, '/f/a.json'));
    index.add(stored(1, '/f/a.json'));
    expect(index.find('c', keyOf('users')).map((s) => s.fixture.match.sequence)).toEqual([1]);
    expect(index.size).toBe(1);
  });

  it('never changes a list it handed out before a later add', () => {
    const index = new FixtureIndex();
    index.add(stored(0, '/f/a.json'));
    const before = index.find('c', keyOf('users'));
    index.add(stored(1, '/f/b.json'));
    expect(before).toHaveLength(1);
    expect(index.find('c', keyOf('users'))).toHaveLength(2);
  });

  it('shows an added fixture in the per-cassette list even after that list was read', () => {
    const index = new FixtureIndex();
    index.add(stored(0, '/f/b.json'));
    expect(index.list('c')).toHaveLength(1);
    index.add(stored(0, '/f/a.json', keyOf('other')));
    expect(index.list('c').map((s) => s.path)).toEqual(['/f/a.json', '/f/b.json']);
  });
});
