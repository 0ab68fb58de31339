/**
 * Repeated identical requests replay in recorded order: the first request gets
 * the fixture with sequence 0, the second sequence 1… and once they are all
 * used, the policy decides.
 */
import { ConfigError } from '../errors.js';
import { describe } from '../proxy/config.js';

/**
 * What happens once every recorded response for a request was replayed:
 * - `repeat-last`: keep answering with the last one (1, 2, 3, 3, 3…);
 * - `cycle`: start again from the first (1, 2, 3, 1, 2…);
 * - `error`: fail with `PROXYTAPE_SEQUENCE_EXHAUSTED`.
 */
export const SEQUENCE_POLICIES = ['repeat-last', 'cycle', 'error'] as const;
export type SequencePolicy = (typeof SEQUENCE_POLICIES)[number];

/**
 * Counts replays per (cassette, match key). Cassettes are counted apart, so parallel
 * test workers using their own cassettes never advance each other's sequences.
 *
 * @example
 * ```ts
 * const tracker = new SequenceTracker('repeat-last');
 * [1, 2, 3, 4].map(() => tracker.next('default', key, 3)); // [0, 1, 2, 2]
 * new SequenceTracker('error').next('default', key, 0);     // -1
 * ```
 */
export class SequenceTracker {
  readonly policy: SequencePolicy;
  readonly #served = new Map<string, Map<string, number>>();

  /** Throws a `ConfigError` (option `sequence`) for an unknown policy. */
  constructor(policy: SequencePolicy) {
    if (!(SEQUENCE_POLICIES as readonly unknown[]).includes(policy)) {
      throw new ConfigError(
        'sequence',
        `Invalid option \`sequence\`: ${describe(policy)}. Must be one of: ${SEQUENCE_POLICIES.join(', ')}.`,
      );
    }
    this.policy = policy;
  }

  /**
   * Index into the recorded list (ordered by sequence) for the next replay of (cassette, key),
   * given how many fixtures are recorded for it; -1 when exhausted under `error` (and always
   * when `count` is 0). A count that grows (auto mode recorded one more) is picked up.
   */
  next(cassette: string, key: string, count: number): number {
    let keys = this.#served.get(cassette);
    if (keys === undefined) {
      keys = new Map();
      this.#served.set(cassette, keys);
    }
    const served = keys.get(key) ?? 0;
    if (count <= 0) return -1;
    keys.set(key, served + 1);
    if (served < count) return served;
    if (this.policy === 'repeat-last') return count - 1;
    if (this.policy === 'cycle') return served % count;
    return -1;
  }

  /** Starts every sequence again from the first fixture — or only those of one cassette. */
  reset(cassette?: string): void {
    if (cassette === undefined) this.#served.clear();
    else this.#served.delete(cassette);
  }
}
