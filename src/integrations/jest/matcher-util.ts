/** Small helpers the matchers share: jest-style misuse errors, hint options, counts. */
import type { MatcherContext } from 'expect';

/** Throws jest's "matcher error" (a misuse, not a failed expectation) with the received value and its type. */
export function invalidReceived(context: MatcherContext, hint: string, what: string, received: unknown): never {
  const { utils } = context;
  throw new Error(
    utils.matcherErrorMessage(
      hint,
      `${utils.RECEIVED_COLOR('received')} value must be ${what}`,
      utils.printWithType('Received', received, utils.printReceived),
    ),
  );
}

/** Throws jest's "matcher error" for a bad expected argument. */
export function invalidExpected(context: MatcherContext, hint: string, problem: string, expected: unknown): never {
  const { utils } = context;
  throw new Error(
    utils.matcherErrorMessage(
      hint,
      `${utils.EXPECTED_COLOR('expected')} value ${problem}`,
      utils.printWithType('Expected', expected, utils.printExpected),
    ),
  );
}

/** `1 forwarded request`, `2 forwarded requests`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `matcherHint` options of the running assertion (`.not`, `.resolves` / `.rejects`). */
export function hintOptions(context: MatcherContext): { isNot: boolean; promise: string } {
  return { isNot: context.isNot === true, promise: context.promise ?? '' };
}
