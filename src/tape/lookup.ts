import path from 'node:path';
import { ProxyError } from '../errors.js';
import { loadBody } from './body-codec.js';
import { type MatchOptions, type MatchableRequest, matchKey, matchableFromFixture } from './match.js';
import { explainMiss, missMessage } from './nearest.js';
import type { Redactor } from './redact.js';
import { RecordedFixture, matchOf } from './recorded-fixture.js';
import type { FixtureStore } from './store.js';
import type { StoredBody, StoredFixture } from './types.js';

/** What a replay lookup needs; shared by the proxy's tape transport and the in-process replayers. */
export interface LookupContext {
  store: FixtureStore;
  match: MatchOptions;
  redactor: Redactor;
  /** The target's directory name inside a cassette: its fixtures win over other hosts' (see {@link forHost}). */
  hostDir?: string;
}

/**
 * A cassette can hold the fixtures of several backends (`<cassette>/<host>/…`: proxies for two
 * APIs sharing a fixture root), and the match key does not include the host. When the
 * candidates of a key come from more than one host directory, only one directory's answer:
 * the proxy's own target's when it has fixtures there, else the first in path order. Sequences
 * of two backends never interleave.
 */
export function forHost(ctx: LookupContext, cassette: string, candidates: readonly StoredFixture[]): readonly StoredFixture[] {
  if (candidates.length < 2) return candidates;
  const first = path.dirname(candidates[0]!.path);
  if (candidates.every((stored) => path.dirname(stored.path) === first)) return candidates;
  if (ctx.hostDir !== undefined) {
    const own = ctx.store.dirOf(cassette, ctx.hostDir);
    const mine = candidates.filter((stored) => path.dirname(stored.path) === own);
    if (mine.length > 0) return mine;
  }
  return candidates.filter((stored) => path.dirname(stored.path) === first);
}

/**
 * The fixtures answering `request` in sequence order: a hash lookup on the key stored in
 * each fixture, or a scan with a custom matcher. When the lookup finds nothing, the
 * cassette's fixtures are compared on their keys under the *current* match options,
 * recomputed from their stored requests: a fixture recorded before an option changed
 * (`--ignore-query page` added after recording) still answers, as the miss explanation
 * suggests it will.
 */
export function findCandidates(ctx: LookupContext, cassette: string, key: string, request: MatchableRequest): readonly StoredFixture[] {
  const { store, match } = ctx;
  if (!match.matcher) {
    const found = store.find(cassette, key);
    return forHost(ctx, cassette, found.length > 0 ? found : rekeyedCandidates(ctx, cassette, key));
  }
  const matcher = match.matcher;
  return forHost(
    ctx,
    cassette,
    store
      .list(cassette)
      .filter((stored) => matcher(request, stored.fixture))
      .sort((a, b) => matchOf(a).sequence - matchOf(b).sequence),
  );
}

/** Per lookup context (its options and redactor), each fixture's key recomputed from its stored request. */
const rekeyed = new WeakMap<LookupContext, WeakMap<StoredFixture, string>>();

function rekeyedCandidates(ctx: LookupContext, cassette: string, key: string): readonly StoredFixture[] {
  let keys = rekeyed.get(ctx);
  if (keys === undefined) rekeyed.set(ctx, (keys = new WeakMap()));
  const out: StoredFixture[] = [];
  for (const stored of ctx.store.list(cassette)) {
    // Recorded by this process, under these options: its key is current (and its file stays unread).
    let current = stored instanceof RecordedFixture ? matchOf(stored).key : keys.get(stored);
    if (current === undefined) {
      try {
        current = matchKey(
          matchableFromFixture(stored.fixture.request, (body: StoredBody) => loadBody(body, stored.path)),
          ctx.match,
          ctx.redactor,
        );
      } catch {
        // A sidecar request body that cannot be read: the fixture answers its stored key only.
        current = stored.fixture.match.key;
      }
      keys.set(stored, current);
    }
    if (current === key) out.push(stored);
  }
  return out.length < 2 ? out : out.sort((a, b) => matchOf(a).sequence - matchOf(b).sequence || (a.path < b.path ? -1 : 1));
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
