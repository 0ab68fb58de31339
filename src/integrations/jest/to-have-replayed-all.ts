import type { ExpectationResult, MatcherContext } from 'expect';
import { count, hintOptions, invalidReceived } from './matcher-util.js';
import { describeEntry, journalEntries, tapeSummary } from './subject.js';

const NAME = 'toHaveReplayedAll';

/**
 * `expect(proxy).toHaveReplayedAll()`: passes when no request missed and every
 * fixture of the cassettes used was replayed. Takes a RunningProxy (its
 * `summary()`, and its journal to name the misses) or the TapeSummary that
 * `close()` resolves with.
 */
export function toHaveReplayedAll(this: MatcherContext, received: unknown, ...rest: unknown[]): ExpectationResult {
  const options = hintOptions(this);
  const hint = this.utils.matcherHint(NAME, undefined, '', options);
  this.utils.ensureNoExpected(rest[0], NAME, options);
  const summary = tapeSummary(received);
  if (summary === undefined) invalidReceived(this, hint, 'a RunningProxy or the TapeSummary its close() resolves with', received);
  const pass = summary.missed === 0 && summary.unused.length === 0;
  const counts =
    `${count(summary.missed, 'missed request')}, ${count(summary.unused.length, 'unused fixture')} ` +
    `(mode ${summary.mode}: ${summary.replayed} replayed, ${summary.recorded} recorded, ${summary.proxied} proxied)`;
  if (pass) {
    return {
      pass: true,
      message: () => `${hint}\n\nExpected: a missed request or an unused fixture\nReceived: ${counts}`,
    };
  }
  return {
    pass: false,
    message: () => {
      const lines = [`${hint}\n`, 'Expected: every request replayed and every fixture used', `Received: ${counts}`];
      const misses = (journalEntries(received) ?? []).filter((e) => e.source === 'miss');
      if (misses.length > 0) lines.push('', 'Missed:', ...misses.map((e) => `  ${describeEntry(e)}`));
      if (summary.unused.length > 0) lines.push('', 'Unused fixtures:', ...summary.unused.map((f) => `  ${f}`));
      return lines.join('\n');
    },
  };
}
