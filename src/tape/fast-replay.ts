import type { PreparedAnswer } from '../proxy/transport.js';
import { buildDownstreamHeaders } from '../proxy/response-headers.js';
import { acceptsEncoding } from './compression.js';
import type { MatchOptions } from './match.js';
import { matchKey } from './match.js';
import { parseQuery } from './query.js';
import type { Redactor } from './redact.js';
import { replayResponse } from './replay.js';
import type { StoredFixture } from './types.js';

/** A replayed answer built once and sent as is: final status, headers (with `x-proxytape`) and bytes. */
export type PreparedReplay = PreparedAnswer;

/** Most request-target → match-key entries kept (cleared when full: a cache, not a store). */
const KEY_CACHE_LIMIT = 10_000;

/**
 * The replay fast path for body-less requests under default matching: the
 * match key of a request target is computed once (redaction and query
 * normalisation are pure functions of it), and the answer of each fixture is
 * built once per method and content coding. A hit costs a few map lookups —
 * the rest of the proxy pipeline (header policy, streaming body) is skipped.
 * Anything unusual (sidecar bodies, trailers, header matching, custom matchers)
 * takes the ordinary path.
 */
export class ReplayCache {
  // Nested maps rather than one map keyed by a string built per request: looking up the
  // request target as it came from the parser hashes it once, where a built key would first
  // be copied together, then hashed, on every replayed request.
  /** cassette → method → request target → match key. */
  readonly #keys = new Map<string, Map<string, Map<string, string>>>();
  #keyCount = 0;
  /** fixture → method → served content coding ('' = identity) → prepared answer. */
  readonly #prepared = new WeakMap<StoredFixture, Map<string, Map<string, PreparedReplay>>>();

  constructor(
    private readonly match: MatchOptions,
    private readonly redactor: Redactor,
  ) {}

  /** True when matching depends only on method and request target for body-less requests. */
  static applies(match: MatchOptions): boolean {
    return !match.matcher && !match.normalizeBody && (match.headers === undefined || match.headers.length === 0);
  }

  /** The match key of a body-less request (same value the full path computes). */
  keyOf(cassette: string, method: string, url: string): string {
    let byMethod = this.#keys.get(cassette);
    let byUrl = byMethod?.get(method);
    let key = byUrl?.get(url);
    if (key === undefined) {
      const q = url.indexOf('?');
      const path = q === -1 ? url : url.slice(0, q);
      const query = this.redactor.query(parseQuery(q === -1 ? '' : url.slice(q + 1)));
      key = matchKey({ method, path, query, headers: [], body: Buffer.alloc(0), contentType: undefined }, this.match, this.redactor);
      if (this.#keyCount >= KEY_CACHE_LIMIT) {
        this.#keys.clear();
        this.#keyCount = 0;
        byMethod = undefined;
        byUrl = undefined;
      }
      if (byMethod === undefined) this.#keys.set(cassette, (byMethod = new Map()));
      if (byUrl === undefined) {
        byUrl = byMethod.get(method);
        if (byUrl === undefined) byMethod.set(method, (byUrl = new Map()));
      }
      byUrl.set(url, key);
      this.#keyCount++;
    }
    return key;
  }

  /** True when every candidate can be answered from memory (no sidecar body, no trailers). */
  static inMemory(candidates: readonly StoredFixture[]): boolean {
    for (const { fixture } of candidates) {
      if (fixture.response.body?.encoding === 'file' || (fixture.response.trailers?.length ?? 0) > 0) return false;
    }
    return true;
  }

  /** The prepared answer of `stored` for this method and the client's Accept-Encoding. */
  answer(stored: StoredFixture, method: string, acceptEncoding: string | undefined): PreparedReplay {
    const coding = stored.fixture.response.contentEncoding;
    const served = coding !== undefined && acceptsEncoding(acceptEncoding, coding) ? coding : '';
    let byMethod = this.#prepared.get(stored);
    let byCoding = byMethod?.get(method);
    let prepared = byCoding?.get(served);
    if (prepared === undefined) {
      const upstream = replayResponse(stored, method, acceptEncoding);
      prepared = {
        status: upstream.status,
        statusText: upstream.statusText,
        rawHeaders: buildDownstreamHeaders(upstream.rawHeaders, 'replayed'),
        body: Buffer.isBuffer(upstream.body) ? upstream.body : null,
        source: 'replayed',
        fixture: stored.path,
      };
      if (byMethod === undefined) this.#prepared.set(stored, (byMethod = new Map()));
      if (byCoding === undefined) byMethod.set(method, (byCoding = new Map()));
      byCoding.set(served, prepared);
    }
    return prepared;
  }
}
