import { ProxyError } from '../errors.js';
import { loadBody } from './body-codec.js';
import { type MatchOptions, type MatchableRequest, matchableFromFixture } from './match.js';
import { explainMiss, missMessage } from './nearest.js';
import type { Redactor } from './redact.js';
import type { FixtureStore } from './store.js';
import type { StoredBody, StoredFixture } from './types.js';

/** What a replay lookup needs; shared by the proxy's tape transport and the in-process replayers. */
export interface LookupContext {
  store: FixtureStore;
  match: MatchOptions;
  redactor: Redactor;
}

/** The fixtures answering `request` in sequence order: a hash lookup, or a scan with a custom matcher. */
export function findCandidates(ctx: LookupContext, cassette: string, key: string, request: MatchableRequest): readonly StoredFixture[] {
  const { store, match } = ctx;
  if (!match.matcher) return store.find(cassette, key);
  const matcher = match.matcher;
  return store
    .list(cassette)
    .filter((stored) => matcher(request, stored.fixture))
    .sort((a, b) => a.fixture.match.sequence - b.fixture.match.sequence);
}

/** The `PROXYTAPE_REPLAY_MISS` error for `request`: nearest fixture, differences, how to fix. */
export function replayMiss(
  ctx: LookupContext,
  request: MatchableRequest,
  where: { url: string; mode: string; cassette: string },
): ProxyError {
  const { store, match, redactor } = ctx;
  const candidates = store.list(where.cassette).map((stored) => ({
    fixture: stored.fixture,
    path: stored.path,
    // Loaded only for the few closest candidates the explanation compares bodies of.
    request: () => matchableFromFixture(stored.fixture.request, (body: StoredBody) => loadBody(body, stored.path)),
  }));
  const explanation = explainMiss(request, candidates, match, redactor);
  const message = missMessage({
    method: request.method,
    url: redactor.url(where.url),
    mode: where.mode,
    cassette: where.cassette,
    explanation,
    redactor,
  });
  return new ProxyError('PROXYTAPE_REPLAY_MISS', message, { method: request.method, url: where.url });
}
