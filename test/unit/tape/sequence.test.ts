import { describe, expect, it } from '@jest/globals';
import { isConfigError } from '../../../src/errors.js';
import { SEQUENCE_POLICIES, SequenceTracker, type SequencePolicy } from '../../../src/tape/sequence.js';

function run(policy: SequencePolicy, times: number, count = 3): number[] {
  const tracker = new SequenceTracker(policy);
  return Array.from({ length: times }, () => tracker.next('default', 'k', count));
}

describe('SequenceTracker', () => {
  it('lists the policies', () => {
    expect(SEQUENCE_POLICIES).toEqual(['repeat-last', 'cycle', 'error']);
  });

  it('repeat-last: 1, 2, 3 then 3', () => {
    expect(run('repeat-last', 6)).toEqual([0, 1, 2, 2, 2, 2]);
  });

  it('cycle: 1, 2, 3, 1, 2, 3, 1', () => {
    expect(run('cycle', 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('error: 1, 2, 3 then exhausted (-1)', () => {
    expect(run('error', 5)).toEqual([0, 1, 2, -1, -1]);
  });

  it('a single recording repeats under repeat-last and cycle', () => {
    expect(run('repeat-last', 3, 1)).toEqual([0, 0, 0]);
    expect(run('cycle', 3, 1)).toEqual([0, 0, 0]);
  });

  it('no recordings: -1 under every policy', () => {
    for (const policy of SEQUENCE_POLICIES) expect(run(policy, 2, 0)).toEqual([-1, -1]);
  });

  it('keys and cassettes are counted apart', () => {
    const tracker = new SequenceTracker('repeat-last');
    expect([
      tracker.next('a', 'k', 3),
      tracker.next('a', 'k', 3),
      tracker.next('b', 'k', 3),
      tracker.next('a', 'other', 3),
      tracker.next('a', 'k', 3),
    ]).toEqual([0, 1, 0, 0, 2]);
  });

  it('picks up a growing count (auto mode recorded one more)', () => {
    const tracker = new SequenceTracker('error');
    expect([tracker.next('c', 'k', 1), tracker.next('c', 'k', 1), tracker.next('c', 'k', 3)]).toEqual([0, -1, 2]);
  });

  it('reset() starts over, for every cassette or one', () => {
    const tracker = new SequenceTracker('repeat-last');
    tracker.next('a', 'k', 3);
    tracker.next('b', 'k', 3);
    tracker.reset('a');
    expect([tracker.next('a', 'k', 3), tracker.next('b', 'k', 3)]).toEqual([0, 1]);
    tracker.reset();
    expect([tracker.next('a', 'k', 3), tracker.next('b', 'k', 3)]).toEqual([0, 0]);
  });

  it('rejects an unknown policy naming the valid ones', () => {
    let error: unknown;
    try {
      new SequenceTracker('loop' as SequencePolicy);
    } catch (err) {
      error = err;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({
      option: 'sequence',
      message: 'Invalid option `sequence`: "loop". Must be one of: repeat-last, cycle, error.',
    });
  });
});
