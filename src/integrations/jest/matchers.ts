import { toHaveForwarded } from './to-have-forwarded.js';
import { toHaveForwardedHeader } from './to-have-forwarded-header.js';
import { toHaveReplayedAll } from './to-have-replayed-all.js';

/**
 * The proxytape matchers, for `expect.extend(proxytapeMatchers)`.
 *
 * @example
 * ```ts
 * import { expect } from '@jest/globals';
 * import { proxytapeMatchers } from 'proxytape/jest';
 * expect.extend(proxytapeMatchers);
 * ```
 */
export const proxytapeMatchers = Object.freeze({ toHaveForwarded, toHaveForwardedHeader, toHaveReplayedAll });

/** Anything with `extend(matchers)`: Jest's `expect`, from `@jest/globals` or the global one. */
export interface ExtendableExpect {
  extend(matchers: typeof proxytapeMatchers): void;
}

/**
 * Registers the proxytape matchers on `expect`; call it once per test file, or
 * from a `setupFilesAfterEnv` file so every test file has them.
 *
 * @example
 * ```ts
 * // test/setup-proxytape.ts, listed in jest.config `setupFilesAfterEnv`
 * import { expect } from '@jest/globals';
 * import { setupProxytapeMatchers } from 'proxytape/jest';
 * setupProxytapeMatchers(expect);
 * ```
 */
export function setupProxytapeMatchers(expect: ExtendableExpect): void {
  if ((typeof expect !== 'object' && typeof expect !== 'function') || typeof expect?.extend !== 'function') {
    throw new TypeError('setupProxytapeMatchers(expect) needs Jest\'s `expect`: import { expect } from "@jest/globals".');
  }
  expect.extend(proxytapeMatchers);
}
