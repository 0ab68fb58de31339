/**
 * Replay without the proxy: the lookup of the tape transport's replay mode —
 * same match key, same custom matcher scan, same sequences, same miss
 * explanation — for requests that never leave the process.
 */
import { ProxyError, isProxytapeError } from '../../errors.js';
import { validateCassette } from '../../tape/cassette.js';
import { type MatchOptions, matchKey } from '../../tape/match.js';
import { findCandidates, replayMiss } from '../../tape/lookup.js';
import type { Redactor } from '../../tape/redact.js';
import type { SequenceTracker } from '../../tape/sequence.js';
import type { FixtureStore } from '../../tape/store.js';
import type { StoredFixture } from '../../tape/types.js';
import type { FetchRequestView } from './fetch-request.js';

/** What a {@link FixtureReplayer} needs: the store and the compiled options. */
export interface FixtureReplayerSettings {
  store: FixtureStore;
  /** Cassette of requests that name none. */
  cassette: string;
  match: MatchOptions;
  redactor: Redactor;
  sequences: SequenceTracker;
}

/** The mode shown in miss messages: msw only ever replays. */
const MODE = 'replay';

/**
 * Picks the fixture that answers a request, or throws the `ProxyError` the proxy would have
 * answered with: `PROXYTAPE_REPLAY_MISS` (nearest fixture and differences in the message),
 * `PROXYTAPE_SEQUENCE_EXHAUSTED` (policy `error`) or `PROXYTAPE_INVALID_CASSETTE`.
 *
 * @example
 * ```ts
 * const replayer = new FixtureReplayer({ store, cassette: 'default', match: {}, redactor, sequences: new SequenceTracker('repeat-last') });
 * const stored = replayer.replay(await viewFetchRequest(request, '/users', redactor));
 * ```
 */
export class FixtureReplayer {
  readonly #s: FixtureReplayerSettings;

  constructor(settings: FixtureReplayerSettings) {
    this.#s = settings;
  }

  replay(view: FetchRequestView): StoredFixture {
    const s = this.#s;
    const cassette = this.#cassetteOf(view);
    const key = matchKey(view.matchable, s.match, s.redactor);
    const candidates = findCandidates(this.#s, cassette, key, view.matchable);
    if (candidates.length === 0) throw this.#miss(view, cassette);
    const index = s.sequences.next(cassette, candidates[0]!.fixture.match.key, candidates.length);
    if (index === -1) {
      // Same text as the proxy's, so a test reads the same failure either way.
      throw new ProxyError(
        'PROXYTAPE_SEQUENCE_EXHAUSTED',
        `Failed to replay ${view.method} ${s.redactor.url(view.url)} (mode: ${MODE}, cassette: ${cassette}): all ${candidates.length} recorded responses were replayed and the sequence policy is 'error'. Record the request once more, or use the sequence policy 'repeat-last' or 'cycle'.`,
        { method: view.method, url: view.url },
      );
    }
    const stored = candidates[index]!;
    s.store.markUsed(stored);
    return stored;
  }

  #cassetteOf(view: FetchRequestView): string {
    if (view.cassette === undefined) return this.#s.cassette;
    try {
      return validateCassette(view.cassette);
    } catch (err) {
      const message = isProxytapeError(err) ? err.message : String(err);
      throw new ProxyError('PROXYTAPE_INVALID_CASSETTE', `Cannot serve ${view.method} ${view.url}: ${message}`, {
        method: view.method,
        url: view.url,
        cause: err,
      });
    }
  }

  #miss(view: FetchRequestView, cassette: string): ProxyError {
    return replayMiss(this.#s, view.matchable, { url: view.url, mode: MODE, cassette });
  }
}
