/**
 * Types of `proxytape/jest`, and the augmentation that makes the matchers
 * typecheck on `expect(...)` — both for `import { expect } from '@jest/globals'`
 * (whose matchers are the `expect` package's `Matchers` interface) and for the
 * global `expect` of `@types/jest` (the `jest.Matchers` namespace interface).
 */
import type { JournalEntry } from '../../journal/journal.js';

/**
 * An asymmetric matcher (`expect.any(String)`, `expect.stringMatching(/…/)`,
 * `expect.objectContaining({…})`): anything `expect`'s equality delegates to.
 */
export interface AsymmetricMatcherLike {
  asymmetricMatch(other: unknown): boolean;
}

/** A string, or an asymmetric matcher that a string is checked against. */
export type StringExpectation = string | AsymmetricMatcherLike;

/**
 * What `toHaveForwarded` looks for: every field given must match the request
 * as forwarded upstream; fields left out are not checked.
 */
export interface ForwardedExpectation {
  /** HTTP method; a string is compared case-insensitively. */
  method?: StringExpectation;
  /** Path of the forwarded URL, without the query (`/v1/users` when the target is `…/v1`). */
  path?: StringExpectation;
  /** The absolute upstream URL, query included (secrets in the query redacted). */
  url?: StringExpectation;
  /**
   * Headers that must be present with these values (names case-insensitive; values
   * as forwarded, so secrets read `Bearer [REDACTED]`). An asymmetric matcher instead
   * of a record is checked against all forwarded headers, names lower-cased.
   */
  headers?: Readonly<Record<string, StringExpectation>> | AsymmetricMatcherLike;
  /** The forwarded body: parsed JSON when it is JSON, else the text. Compared like `toEqual`. */
  body?: unknown;
  /** Cassette the request went to (see {@link cassetteForCurrentTest}). */
  cassette?: StringExpectation;
}

/** What the journal matchers accept: a `RunningProxy`, a `Journal`, or journal entries (also the admin API's JSON). */
export type JournalSubject =
  | { readonly journal: { readonly entries: readonly JournalEntry[] } }
  | { readonly entries: readonly JournalEntry[] }
  | readonly JournalEntry[];

/** The proxytape matchers, as they appear on `expect(value)`. */
export interface ProxytapeMatchers<R> {
  /**
   * Passes when some journal entry's forwarded request matches `expected` partially.
   *
   * @example
   * ```ts
   * expect(proxy).toHaveForwarded({ method: 'POST', path: '/users', headers: { 'content-type': expect.stringMatching(/json/) }, body: { name: 'Ann' } });
   * ```
   */
  toHaveForwarded(expected: ForwardedExpectation): R;
  /**
   * Passes when some forwarded request carried header `name` (case-insensitive),
   * with `value` if given.
   *
   * @example
   * ```ts
   * expect(proxy).not.toHaveForwardedHeader('x-internal-debug');
   * expect(proxy).toHaveForwardedHeader('authorization', 'Bearer [REDACTED]');
   * ```
   */
  toHaveForwardedHeader(name: string, value?: StringExpectation): R;
  /**
   * Passes when no request missed and no fixture of the cassettes used went unused.
   *
   * @example
   * ```ts
   * afterAll(async () => expect(await proxy.close()).toHaveReplayedAll());
   * ```
   */
  toHaveReplayedAll(): R;
}

// Merged declarations must repeat the original's type parameters, used or not.
/* eslint-disable @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type */
declare module 'expect' {
  // Same type parameters as the declaration being merged (expect 30).
  interface Matchers<R extends void | Promise<void>, T = unknown> extends ProxytapeMatchers<R> {}
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // Same type parameters as @types/jest's declaration.
    interface Matchers<R, T = {}> extends ProxytapeMatchers<R> {}
  }
}
/* eslint-enable @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type */
