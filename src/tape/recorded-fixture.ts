/**
 * The index entry of a fixture recorded in this run. Recording indexes every interaction
 * at once (`find()` returns it, auto mode replays it), but a long recording session
 * rarely reads any of them back — and holding each one as a fixture object made memory
 * grow by the whole fixture, body included, per recorded interaction (2.2 KB for a 1 KiB
 * body, 101 KB for a 100 KB one: bench/record-heap.mjs), for as long as the process ran.
 *
 * So the entry keeps only its match key and sequence. Until its file is written it
 * holds the file's text; after that, nothing: the first read of `fixture` parses the
 * file (synchronously — a fixture with an inline body is small) and keeps the result.
 */
import { readFileSync } from 'node:fs';
import { ProxytapeError, isProxytapeError } from '../errors.js';
import { parseFixture } from './fixture-file.js';
import type { Fixture, StoredFixture } from './types.js';

/**
 * A {@link StoredFixture} whose fixture is read from its text, or its file, when first needed.
 * `fixture` is an own enumerable property (a getter), so the entry compares and prints like a
 * plain `{ fixture, path, cassette }`.
 */
export class RecordedFixture implements StoredFixture {
  declare readonly fixture: Fixture;
  readonly #match: Fixture['match'];
  #text: string | undefined;
  #fixture: Fixture | undefined;

  static readonly #property: PropertyDescriptor = {
    enumerable: true,
    get(this: RecordedFixture): Fixture {
      return this.#load();
    },
  };

  /** `text` is what `serializeFixture()` made of the fixture: what its file will hold. */
  constructor(
    readonly path: string,
    readonly cassette: string,
    match: Fixture['match'],
    text: string,
  ) {
    Object.defineProperty(this, 'fixture', RecordedFixture.#property);
    this.#match = match;
    this.#text = text;
  }

  /** The match key and sequence of any stored fixture; a recorded one is not read for it. */
  static matchOf(stored: StoredFixture): Fixture['match'] {
    return #match in stored ? (stored as RecordedFixture).#match : stored.fixture.match;
  }

  /** The file now holds the text: let the text go (the file is read if the fixture is ever needed). */
  written(): void {
    this.#text = undefined;
  }

  #load(): Fixture {
    if (this.#fixture === undefined) {
      const text = this.#text ?? this.#readFile();
      this.#fixture = parseFixture(text, this.path);
      this.#text = undefined;
    }
    return this.#fixture;
  }

  #readFile(): string {
    try {
      return readFileSync(this.path, 'utf8');
    } catch (err) {
      if (isProxytapeError(err)) throw err;
      throw new ProxytapeError(
        'PROXYTAPE_FIXTURE_CORRUPT',
        `Cannot load fixture ${this.path}: it was recorded in this run, but its file cannot be read any more (${(err as Error).message}). Keep the fixtures directory in place while the proxy runs, or re-record the request.`,
        { cause: err },
      );
    }
  }
}

/**
 * A stored fixture's match key and sequence, without reading a recorded one.
 *
 * @example
 * ```ts
 * list.sort((a, b) => matchOf(a).sequence - matchOf(b).sequence);
 * ```
 */
export function matchOf(stored: StoredFixture): Fixture['match'] {
  return RecordedFixture.matchOf(stored);
}
