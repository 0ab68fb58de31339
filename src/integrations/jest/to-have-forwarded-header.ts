import type { ExpectationResult, MatcherContext } from 'expect';
import { count, hintOptions, invalidExpected, invalidReceived } from './matcher-util.js';
import { type ForwardedView, describeEntry, forwardedView, journalEntries } from './subject.js';
import type { StringExpectation } from './types.js';

const NAME = 'toHaveForwardedHeader';

/**
 * `expect(proxy).toHaveForwardedHeader(name, value?)`: passes when some forwarded
 * request carried header `name` (case-insensitive) — with a value equal to `value`
 * (a string or an asymmetric matcher) when one is given. Mostly used negated, to
 * prove a header never left for the backend.
 */
export function toHaveForwardedHeader(
  this: MatcherContext,
  received: unknown,
  name: string,
  ...rest: [value?: StringExpectation]
): ExpectationResult {
  const withValue = rest.length > 0;
  const value = rest[0];
  const options = { ...hintOptions(this), ...(withValue ? { secondArgument: 'value' } : {}) };
  const hint = this.utils.matcherHint(NAME, undefined, 'name', options);
  const entries = journalEntries(received);
  if (entries === undefined) invalidReceived(this, hint, 'a RunningProxy, a Journal or an array of journal entries', received);
  if (typeof name !== 'string' || name === '') invalidExpected(this, hint, 'must be a header name (a non-empty string)', name);
  const header = name.toLowerCase();
  const utils = this.utils;
  const views = entries.map(forwardedView).filter((v): v is ForwardedView => v !== undefined);
  const carrying = views.filter((v) => v.headers[header] !== undefined);
  const matching = withValue ? carrying.filter((v) => this.equals(v.headers[header], value)) : carrying;
  const wanted = `header ${utils.printExpected(header)}${withValue ? `: ${utils.printExpected(value)}` : ''}`;
  const sent = (v: ForwardedView): string =>
    `${describeEntry(v.entry)}\n          sent ${header}: ${utils.printReceived(v.headers[header])}`;

  if (matching.length > 0) {
    const first = matching[0]!;
    return {
      pass: true,
      message: () =>
        `${hint}\n\n` +
        `Expected: no forwarded request with ${wanted}\n` +
        `Received: ${matching.length} of ${count(views.length, 'forwarded request')}, the first\n` +
        `          ${sent(first)}`,
    };
  }
  return {
    pass: false,
    message: () => {
      const head = `${hint}\n\nExpected: a forwarded request with ${wanted}\n`;
      if (views.length === 0) return `${head}Received: no forwarded requests`;
      const last = carrying.at(-1);
      if (last === undefined) {
        const lastView = views.at(-1)!;
        return (
          `${head}Received: none of ${count(views.length, 'forwarded request')} had it; the last\n` +
          `          ${describeEntry(lastView.entry)}\n` +
          `          sent ${Object.keys(lastView.headers).join(', ')}`
        );
      }
      const diff = utils.printDiffOrStringify(value, last.headers[header], 'Expected', 'Received', this.expand !== false);
      return (
        `${head}Received: ${carrying.length} of ${count(views.length, 'forwarded request')} had it with another value; the last\n` +
        `          ${describeEntry(last.entry)}\n\n${diff}`
      );
    },
  };
}
