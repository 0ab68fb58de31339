/**
 * `proxytape/jest`: matchers over the proxy's journal and summary, and one
 * cassette per test. The explicit public API of the subpath.
 *
 * @example
 * ```ts
 * import { afterAll, beforeAll, expect, test } from '@jest/globals';
 * import { type RunningProxy, startProxy } from 'proxytape';
 * import { setupProxytapeMatchers, useCassette } from 'proxytape/jest';
 *
 * setupProxytapeMatchers(expect);
 * let proxy: RunningProxy;
 * beforeAll(async () => (proxy = await startProxy({ mode: 'auto', target: 'https://api.example.com', fixtures: 'test/fixtures' })));
 * afterAll(() => proxy.close());
 *
 * test('creates a user', async () => {
 *   await useCassette(proxy).fetch('/users', { method: 'POST', body: JSON.stringify({ name: 'Ann' }) });
 *   expect(proxy).toHaveForwarded({ method: 'POST', path: '/users', body: { name: 'Ann' } });
 *   expect(proxy).not.toHaveForwardedHeader('x-debug');
 * });
 * ```
 */
export { proxytapeMatchers, setupProxytapeMatchers } from './matchers.js';
export type { ExtendableExpect } from './matchers.js';
export { toHaveForwarded } from './to-have-forwarded.js';
export { toHaveForwardedHeader } from './to-have-forwarded-header.js';
export { toHaveReplayedAll } from './to-have-replayed-all.js';
export { cassetteName, cassetteForCurrentTest, useCassette } from './cassette-name.js';
export type { CassetteNameOptions, CurrentCassetteOptions, TestStateSource, CassetteSource } from './cassette-name.js';
export type { ForwardedExpectation, StringExpectation, AsymmetricMatcherLike, JournalSubject, ProxytapeMatchers } from './types.js';
