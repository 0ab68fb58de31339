import type { ExpectationResult, MatcherContext } from 'expect';
import { count, hintOptions, invalidExpected, invalidReceived } from './matcher-util.js';
import { type ForwardedView, describeEntry, forwardedView, journalEntries } from './subject.js';
import type { ForwardedExpectation } from './types.js';

const NAME = 'toHaveForwarded';
/** Compared in this order, so the diff reads like a request line, then headers, then body. */
const KEYS = ['method', 'url', 'path', 'cassette', 'headers', 'body'] as const;
type Key = (typeof KEYS)[number];

function isAsymmetric(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function';
}

/** The expectation with header names lower-cased and a string method upper-cased. */
function normalize(context: MatcherContext, hint: string, expected: unknown): Partial<Record<Key, unknown>> {
  if (typeof expected !== 'object' || expected === null || Array.isArray(expected) || isAsymmetric(expected)) {
    invalidExpected(context, hint, 'must be an object like { method, path, url, headers, body, cassette }', expected);
  }
  const out: Partial<Record<Key, unknown>> = {};
  for (const key of Object.keys(expected)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      invalidExpected(context, hint, `has unknown key ${JSON.stringify(key)}; allowed: ${KEYS.join(', ')}`, expected);
    }
  }
  const given = expected as ForwardedExpectation;
  for (const key of KEYS) {
    if (!(key in given)) continue;
    const value: unknown = given[key];
    if (key === 'method' && typeof value === 'string') out.method = value.toUpperCase();
    else if (key === 'headers' && !isAsymmetric(value)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        invalidExpected(context, hint, 'has `headers` that is not an object of name → value', expected);
      }
      out.headers = Object.fromEntries(Object.entries(value).map(([name, v]) => [name.toLowerCase(), v as unknown]));
    } else out[key] = value;
  }
  return out;
}

/** The fields of `view` that `expected` names, shaped like it (only the expected headers). */
function project(view: ForwardedView, expected: Partial<Record<Key, unknown>>): Partial<Record<Key, unknown>> {
  const out: Partial<Record<Key, unknown>> = {};
  for (const key of KEYS) {
    if (!(key in expected)) continue;
    if (key === 'headers' && !isAsymmetric(expected.headers)) {
      const wanted = expected.headers as Record<string, unknown>;
      out.headers = Object.fromEntries(Object.keys(wanted).map((name) => [name, view.headers[name]]));
    } else out[key] = view[key];
  }
  return out;
}

/** How many expected fields (each expected header counting as one) `actual` gets right. */
function score(context: MatcherContext, actual: Partial<Record<Key, unknown>>, expected: Partial<Record<Key, unknown>>): number {
  let points = 0;
  for (const key of KEYS) {
    if (!(key in expected)) continue;
    if (key === 'headers' && !isAsymmetric(expected.headers)) {
      const wanted = expected.headers as Record<string, unknown>;
      const got = actual.headers as Record<string, unknown>;
      for (const name of Object.keys(wanted)) if (context.equals(got[name], wanted[name])) points++;
    } else if (context.equals(actual[key], expected[key])) points++;
  }
  return points;
}

/**
 * `expect(proxy).toHaveForwarded({ method, path, url, headers, body, cassette })`:
 * passes when some journal entry's forwarded request matches every given field.
 */
export function toHaveForwarded(this: MatcherContext, received: unknown, expected: ForwardedExpectation): ExpectationResult {
  const options = hintOptions(this);
  const hint = this.utils.matcherHint(NAME, undefined, undefined, options);
  const entries = journalEntries(received);
  if (entries === undefined) invalidReceived(this, hint, 'a RunningProxy, a Journal or an array of journal entries', received);
  const wanted = normalize(this, hint, expected);
  const views = entries.map(forwardedView).filter((v): v is ForwardedView => v !== undefined);
  const projected = views.map((view) => ({ view, actual: project(view, wanted) }));
  const match = projected.find(({ actual }) => this.equals(actual, wanted));
  const utils = this.utils;

  if (match !== undefined) {
    return {
      pass: true,
      message: () =>
        `${hint}\n\n` +
        `Expected: no forwarded request matching ${utils.printExpected(wanted)}\n` +
        `Received: ${describeEntry(match.view.entry)}\n` +
        `          ${utils.printReceived(match.actual)}`,
    };
  }
  return {
    pass: false,
    message: () => {
      const head = `${hint}\n\nExpected: a forwarded request matching ${utils.printExpected(wanted)}\n`;
      if (views.length === 0) {
        return `${head}Received: ${entries.length === 0 ? 'an empty journal' : `${count(entries.length, 'request')}, none forwarded`}`;
      }
      // Most fields right wins; on a tie the latest, usually the request the test just made.
      let best = projected[0]!;
      let bestScore = -1;
      for (const candidate of projected) {
        const s = score(this, candidate.actual, wanted);
        if (s >= bestScore) [best, bestScore] = [candidate, s];
      }
      const diff = utils.printDiffOrStringify(wanted, best.actual, 'Expected', 'Received', this.expand !== false);
      return (
        `${head}Received: ${count(views.length, 'forwarded request')}; the closest is\n` +
        `          ${describeEntry(best.view.entry)}\n\n${diff}`
      );
    },
  };
}
