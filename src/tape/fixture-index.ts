/**
 * The in-memory index of a fixture root: (cassette, match key) → fixtures ordered
 * by sequence, so a replay lookup is one Map get whatever the number of fixtures.
 * Arrays handed out are never mutated afterwards (a change replaces them), so a
 * caller may hold one across writes.
 */
import { matchOf } from './recorded-fixture.js';
import type { StoredFixture } from './types.js';

function bySequence(a: StoredFixture, b: StoredFixture): number {
  return matchOf(a).sequence - matchOf(b).sequence || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

const NONE: readonly StoredFixture[] = Object.freeze([]);

function byPath(a: StoredFixture, b: StoredFixture): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** (cassette, key) → fixtures, plus per-path and per-cassette views. */
export class FixtureIndex {
  /** cassette → match key → fixtures (nested: a lookup builds no string; see ReplayCache.keyOf). */
  private readonly slots = new Map<string, Map<string, readonly StoredFixture[]>>();
  private readonly paths = new Map<string, StoredFixture>();
  private readonly lists = new Map<string | undefined, readonly StoredFixture[]>();

  /** Number of fixtures indexed. */
  get size(): number {
    return this.paths.size;
  }

  /**
   * Adds many fixtures at once (the startup scan): one sort per slot instead of one per fixture.
   *
   * @example
   * ```ts
   * index.load(await scanFixtures(root));
   * ```
   */
  load(fixtures: Iterable<StoredFixture>): void {
    const grouped = new Map<Map<string, readonly StoredFixture[]>, Map<string, StoredFixture[]>>();
    for (const stored of fixtures) {
      this.remove(stored.path);
      this.paths.set(stored.path, stored);
      const keys = this.#keysOf(stored.cassette);
      let groups = grouped.get(keys);
      if (groups === undefined) grouped.set(keys, (groups = new Map()));
      const key = matchOf(stored).key;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = [...(keys.get(key) ?? [])]));
      group.push(stored);
    }
    for (const [keys, groups] of grouped) for (const [key, group] of groups) keys.set(key, group.sort(bySequence));
    this.lists.clear();
  }

  /** Adds or replaces (same path) one fixture. */
  add(stored: StoredFixture): void {
    // A fixture recorded while the proxy runs: placed into its slot's sorted list directly
    // (one copy of a short list) rather than through load()'s grouping.
    this.remove(stored.path);
    this.paths.set(stored.path, stored);
    const keys = this.#keysOf(stored.cassette);
    const key = matchOf(stored).key;
    const list = keys.get(key);
    if (list === undefined) keys.set(key, [stored]);
    else {
      const next = [...list];
      let i = next.length;
      while (i > 0 && bySequence(next[i - 1]!, stored) > 0) i--;
      next.splice(i, 0, stored);
      keys.set(key, next);
    }
    if (this.lists.size > 0) this.lists.clear();
  }

  /** Removes the fixture at `path`, if indexed; returns it. */
  remove(path: string): StoredFixture | undefined {
    const stored = this.paths.get(path);
    if (stored === undefined) return undefined;
    this.paths.delete(path);
    const keys = this.#keysOf(stored.cassette);
    const key = matchOf(stored).key;
    const rest = (keys.get(key) ?? []).filter((s) => s.path !== path);
    if (rest.length === 0) keys.delete(key);
    else keys.set(key, rest);
    this.lists.clear();
    return stored;
  }

  /** Fixtures of (cassette, key), ordered by sequence (then path). */
  find(cassette: string, key: string): readonly StoredFixture[] {
    return this.slots.get(cassette)?.get(key) ?? NONE;
  }

  #keysOf(cassette: string): Map<string, readonly StoredFixture[]> {
    let keys = this.slots.get(cassette);
    if (keys === undefined) this.slots.set(cassette, (keys = new Map()));
    return keys;
  }

  /** The fixture indexed at `path`. */
  get(path: string): StoredFixture | undefined {
    return this.paths.get(path);
  }

  /** Every fixture of one cassette, or of all, ordered by path (stable for explanations). */
  list(cassette?: string): readonly StoredFixture[] {
    let list = this.lists.get(cassette);
    if (list === undefined) {
      const all = [...this.paths.values()];
      list = (cassette === undefined ? all : all.filter((s) => s.cassette === cassette)).sort(byPath);
      this.lists.set(cassette, list);
    }
    return list;
  }
}
