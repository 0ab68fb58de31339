import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ProxyError, type ProxytapeError, isProxytapeError } from '../errors.js';
import { type RawHeaders, getRaw } from '../proxy/headers-util.js';
import { type PreparedReplay, ReplayCache } from './fast-replay.js';
import { HOP_BY_HOP_HEADERS } from '../proxy/hop-headers.js';
import { SOURCE_HEADER } from '../proxy/response.js';
import {
  type OutgoingRequest,
  PREPARED_ANSWER,
  type PreparedAnswerTransport,
  type Transport,
  type UpstreamResponse,
} from '../proxy/transport.js';
import { requestSidecarName, sidecarName, storeBody } from './body-codec.js';
import { normalizeEncoding } from './compression.js';
import { validateCassette } from './cassette.js';
import { fixtureFileName } from './fixture-file.js';
import { type MatchOptions, matchKey } from './match.js';
import type { Mode } from './modes.js';
import { findCandidates, forHost, replayMiss } from './lookup.js';
import { BodyRecorder, decodeRecorded } from './recorder.js';
import { type Redactor, redactBody } from './redact.js';
import { replayResponse } from './replay.js';
import { type RequestView, storableHeaders, viewRequest } from './request-view.js';
import { scrubHeaderValues, scrubSecrets, secretValues } from './redact-echo.js';
import { parseQuery } from './query.js';
import type { SequenceTracker } from './sequence.js';
import type { FixtureStore } from './store.js';
import { teeBody } from './tee.js';
import { FIXTURE_VERSION, type Fixture, type HeaderPairs, type StoredBody } from './types.js';
import { SlotTable } from '../util/slot-table.js';

/** The request header that picks a cassette per request (never forwarded). */
export const CASSETTE_HEADER = 'x-proxytape-cassette';

/** Everything a TapeTransport needs; built and validated by `createTape()`. */
export interface TapeTransportSettings {
  mode: Mode;
  store: FixtureStore;
  /** Cassette used when a request names none. */
  cassette: string;
  /** Directory name for the target's host inside a cassette. */
  hostDir: string;
  /** Forwards to the real backend (record, auto, passthrough). */
  upstream: Transport;
  redactor: Redactor;
  match: MatchOptions;
  sequences: SequenceTracker;
  /** Response headers never stored (lower-case). */
  volatileHeaders: ReadonlySet<string>;
  /** Bodies above this many bytes go to a sidecar file. */
  inlineLimit: number;
  /** Called when writing a fixture failed (the client already has its response). */
  onRecordError?: (error: ProxytapeError) => void;
}

/** Counters for the summary printed at shutdown. */
export interface TapeStats {
  recorded: number;
  replayed: number;
  missed: number;
  proxied: number;
  recordFailures: number;
}

/** Response headers never stored: framing, encoding (noted separately) and proxytape's own. */
const UNSTORED_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['content-length', 'content-encoding', 'transfer-encoding', SOURCE_HEADER]);

/**
 * The record/replay Transport: modes are transports, so a replayed response
 * travels the same core path as a live one. Replay answers from the fixture
 * store and fails with a `ProxyError` (`PROXYTAPE_REPLAY_MISS`) that
 * `fullProxy()` turns into a 502 like any upstream failure; recording wraps
 * the HTTP transport and tees the body into the store while the client
 * receives it.
 */
export class TapeTransport implements PreparedAnswerTransport {
  readonly stats: TapeStats = { recorded: 0, replayed: 0, missed: 0, proxied: 0, recordFailures: 0 };
  readonly #settings: TapeTransportSettings;
  /** Fixture writes in flight (a slot table, not a Set: see SlotTable). */
  readonly #pending = new SlotTable<Promise<void>>();
  readonly #recordSequences = new Map<string, number>();
  readonly #touched = new Set<string>();
  /**
   * auto mode: fixture writes in progress per (cassette, key). Each value is a box emptied
   * before its entry is deleted, so a discarded hash table pins nothing (see SlotTable).
   */
  readonly #recording = new Map<string, { write: Promise<void> | null }>();

  /** Replay fast path; null when the mode or the match options rule it out. */
  readonly #replayCache: ReplayCache | null;

  constructor(settings: TapeTransportSettings) {
    this.#settings = settings;
    // 'error' sequences must be able to answer "exhausted", which only the full path does.
    const fast =
      (settings.mode === 'replay' || settings.mode === 'auto') &&
      settings.sequences.policy !== 'error' &&
      ReplayCache.applies(settings.match);
    this.#replayCache = fast ? new ReplayCache(settings.match, settings.redactor) : null;
  }

  get mode(): Mode {
    return this.#settings.mode;
  }

  /**
   * Cassettes used during this run: each one a request went to (the proxy's own cassette when the
   * request named none). With no request at all, the proxy's own cassette: a run whose tests never
   * reached the proxy must not pass `--strict`. (Their fixtures nothing replayed are "unused".)
   */
  get cassettesUsed(): string[] {
    return this.#touched.size === 0 ? [this.#settings.cassette] : [...this.#touched];
  }

  async roundTrip(outgoing: OutgoingRequest): Promise<UpstreamResponse> {
    const s = this.#settings;
    const cassette = this.#cassetteOf(outgoing);
    if (s.mode === 'passthrough') {
      this.stats.proxied++;
      return s.upstream.roundTrip(outgoing);
    }
    const view = await viewRequest(outgoing, s.redactor);
    outgoing.bodyBytes = view.body;
    const key = matchKey(view.matchable, s.match, s.redactor);
    const id = `${cassette}\n${key}`;
    // replay: one lookup. auto: look up; on a miss, record — unless an identical request is being
    // recorded right now, in which case wait for its fixture and look again (it replays that
    // fixture instead of recording the same interaction twice). #record registers itself before
    // its first await, so the last check and the registration cannot interleave.
    for (;;) {
      if (s.mode === 'auto') {
        const inFlight = this.#recording.get(id)?.write;
        if (inFlight != null) await inFlight;
      }
      if (s.mode !== 'replay' && s.mode !== 'auto') break;
      let candidates = findCandidates(s, cassette, key, view.matchable);
      // Not indexed: maybe recorded by another process since the start (parallel test workers).
      if (candidates.length === 0 && (await s.store.refresh(cassette)) > 0) candidates = findCandidates(s, cassette, key, view.matchable);
      if (candidates.length > 0) {
        const index = s.sequences.next(cassette, candidates[0]!.fixture.match.key, candidates.length);
        if (index === -1) {
          this.stats.missed++;
          throw new ProxyError(
            'PROXYTAPE_SEQUENCE_EXHAUSTED',
            `Failed to replay ${view.method} ${s.redactor.url(outgoing.inbound.url)} (mode: ${s.mode}, cassette: ${cassette}): all ${candidates.length} recorded responses were replayed and the sequence policy is 'error'. Record the request once more, or use the sequence policy 'repeat-last' or 'cycle'.`,
            { method: view.method, url: outgoing.inbound.url },
          );
        }
        const stored = candidates[index]!;
        s.store.markUsed(stored);
        this.stats.replayed++;
        return replayResponse(stored, view.method, getRaw(outgoing.inbound.rawHeaders, 'accept-encoding'));
      }
      if (s.mode === 'replay') {
        this.stats.missed++;
        throw this.#miss(outgoing, view, cassette);
      }
      // auto: started recording while this request looked (the lookup may wait for the disk)?
      if (this.#recording.get(id)?.write == null) break;
    }
    return this.#record(outgoing, view, cassette, key);
  }

  /**
   * The fast path the proxy handler tries first for a body-less request: a prepared
   * replayed answer, or undefined to take the ordinary path (miss, recording, sidecar
   * bodies, custom matching…). Counts and sequences exactly like `roundTrip`.
   */
  [PREPARED_ANSWER](method: string, url: string, rawHeaders: RawHeaders): PreparedReplay | undefined {
    const s = this.#settings;
    const cache = this.#replayCache;
    if (cache === null) return undefined;
    const named = getRaw(rawHeaders, CASSETTE_HEADER);
    if (named !== undefined) return undefined;
    const cassette = s.cassette;
    this.#touched.add(cassette);
    const key = cache.keyOf(cassette, method, url);
    const candidates = forHost(s, cassette, s.store.find(cassette, key));
    try {
      if (candidates.length === 0 || !ReplayCache.inMemory(candidates)) return undefined;
    } catch {
      // A fixture recorded in this run whose file cannot be read: the ordinary path reports it.
      return undefined;
    }
    const index = s.sequences.next(cassette, key, candidates.length);
    const stored = candidates[index]!;
    s.store.markUsed(stored);
    this.stats.replayed++;
    return cache.answer(stored, method, getRaw(rawHeaders, 'accept-encoding'));
  }

  /** Waits for fixture writes in flight. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending.values());
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#settings.upstream.close?.();
  }

  #cassetteOf(outgoing: OutgoingRequest): string {
    const named = getRaw(outgoing.inbound.rawHeaders, CASSETTE_HEADER);
    if (named === undefined) {
      this.#touched.add(this.#settings.cassette);
      return this.#settings.cassette;
    }
    try {
      const cassette = validateCassette(named.trim());
      // Two different cassette headers: refuse rather than guess which one the client meant.
      const raw = outgoing.inbound.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        if (raw[i]!.toLowerCase() === CASSETTE_HEADER && raw[i + 1]!.trim() !== cassette) {
          throw new ConfigError(
            'cassette',
            `The request has several ${CASSETTE_HEADER} headers with different values (${JSON.stringify(cassette)}, ${JSON.stringify(raw[i + 1])}). Send one.`,
          );
        }
      }
      this.#touched.add(cassette);
      return cassette;
    } catch (err) {
      const { method, url } = outgoing.inbound;
      const message = isProxytapeError(err) ? err.message : String(err);
      throw new ProxyError('PROXYTAPE_INVALID_CASSETTE', `Cannot serve ${method} ${url}: ${message}`, { method, url, cause: err });
    }
  }

  #miss(outgoing: OutgoingRequest, view: RequestView, cassette: string): ProxyError {
    return replayMiss(this.#settings, view.matchable, { url: outgoing.inbound.url, mode: this.#settings.mode, cassette });
  }

  async #record(outgoing: OutgoingRequest, view: RequestView, cassette: string, key: string): Promise<UpstreamResponse> {
    const s = this.#settings;
    const id = `${cassette}\n${key}`;
    // auto: from now until its fixture is written (or the recording fails), an identical request
    // waits for this one and replays its fixture, instead of forwarding and recording it again.
    // Registered before the first await. The box is emptied before its entry is deleted (see #recording).
    let finish: (() => void) | undefined;
    const box: { write: Promise<void> | null } | null =
      s.mode === 'auto' ? { write: new Promise<void>((resolve) => (finish = resolve)) } : null;
    if (box !== null) this.#recording.set(id, box);
    const release = (): void => {
      if (box !== null) {
        box.write = null;
        if (this.#recording.get(id) === box) this.#recording.delete(id);
      }
      finish?.();
    };
    let upstream: UpstreamResponse;
    let sequence: number;
    try {
      // Too much fixture JSON still waiting for the writer thread: let it catch up first (bounded memory).
      const capacity = s.store.writeCapacity();
      if (capacity !== undefined) await capacity;
      sequence = await this.#sequenceFor(cassette, key);
      upstream = await s.upstream.roundTrip({ ...outgoing, body: view.body.length > 0 ? view.body : null });
    } catch (err) {
      release();
      throw err;
    }
    const skeleton = { method: view.method, path: view.path, key, sequence };
    const fileName = fixtureFileName({
      version: FIXTURE_VERSION,
      match: { key, sequence },
      request: { method: view.method, path: view.path, query: [], headers: [], body: null },
      response: { status: upstream.status, statusText: '', headers: [], body: null },
    });
    const dir = s.store.dirOf(cassette, s.hostDir);
    const fixturePath = path.join(dir, fileName);
    const recorder = new BodyRecorder(s.inlineLimit, () => s.store.tempPath(dir));
    const { body, done } = teeBody(upstream.body, recorder);
    const write = done.then(async (outcome) => {
      if (!outcome.ok) {
        await recorder.discard();
        return;
      }
      try {
        // What the request's secrets were, to keep them out of a response that echoes them.
        const secrets = secretValues(storableHeaders(outgoing.inbound.rawHeaders), parseQuery(view.rawQuery), s.redactor);
        const recorded = await recorder.finish();
        const fixture = await this.#buildFixture(view, upstream, skeleton, recorded, outcome.trailers, dir, fileName, secrets);
        if (fixture.sidecar === undefined && fixture.requestSidecar === undefined) {
          // Counted once indexed (the store marks it used then), not once its file landed: a
          // summary taken right after the response (a test's toHaveReplayedAll) already counts it.
          const { written } = s.store.record(cassette, s.hostDir, fixture.fixture);
          this.stats.recorded++;
          try {
            await written;
          } catch (err) {
            this.stats.recorded--;
            throw err;
          }
        } else {
          await s.store.write(cassette, s.hostDir, fixture.fixture, fixture.sidecar, fixture.requestSidecar);
          this.stats.recorded++;
        }
      } catch (err) {
        this.stats.recordFailures++;
        const error = isProxytapeError(err)
          ? err
          : new ProxyError(
              'PROXYTAPE_RECORD_FAILED',
              `Failed to record ${view.method} ${s.redactor.url(outgoing.inbound.url)} to ${fixturePath}: ${(err as Error).message}. Check that the fixtures directory is writable and the disk is not full.`,
              {
                method: view.method,
                url: outgoing.inbound.url,
                cause: err,
              },
            );
        s.onRecordError?.(error);
      }
    });
    const slot = this.#pending.add(write);
    void write.finally(() => {
      this.#pending.delete(slot);
      release();
    });
    return {
      status: upstream.status,
      statusText: upstream.statusText,
      rawHeaders: upstream.rawHeaders,
      body,
      trailers: () => body.trailers,
      source: 'recorded',
      fixture: fixturePath,
    };
  }

  /** record: the nth identical request of this run gets sequence n (re-recording rewrites the same files); auto: the next free one. */
  async #sequenceFor(cassette: string, key: string): Promise<number> {
    const s = this.#settings;
    if (s.mode !== 'record') return s.store.reserveSequence(cassette, key);
    const id = `${cassette}\n${key}`;
    const next = this.#recordSequences.get(id) ?? 0;
    this.#recordSequences.set(id, next + 1);
    // (Skipped when nothing is stored for the key: recording new traffic does not wait a turn.)
    if (next === 0 && s.store.find(cassette, key).length > 0) await s.store.forget(cassette, key, s.hostDir);
    return next;
  }

  async #buildFixture(
    view: RequestView,
    upstream: UpstreamResponse,
    skeleton: { key: string; sequence: number },
    recorded: Awaited<ReturnType<BodyRecorder['finish']>>,
    trailers: string[],
    dir: string,
    fileName: string,
    secrets: readonly string[],
  ): Promise<{ fixture: Fixture; sidecar?: string; requestSidecar?: string }> {
    const s = this.#settings;
    const received = getRaw(upstream.rawHeaders, 'content-encoding')?.trim().toLowerCase();
    // gzip / deflate / br are stored decoded and re-encoded on replay; any other coding is kept as received.
    const encoding = normalizeEncoding(received);
    const decoded = await decodeRecorded(recorded, encoding, s.inlineLimit, () => s.store.tempPath(dir));
    const contentType = getRaw(upstream.rawHeaders, 'content-type');
    let responseBody: StoredBody;
    let sidecar: string | undefined;
    if (decoded.kind === 'file') {
      const redacted = await redactSidecar(decoded, contentType, s.redactor, secrets);
      responseBody = { encoding: 'file', file: sidecarName(fileName), size: redacted.size, sha256: redacted.sha256 };
      sidecar = redacted.path;
    } else {
      responseBody = storeBody(scrubSecrets(redactBody(decoded.bytes, contentType, s.redactor), contentType, secrets), contentType);
    }
    const responseHeaders: HeaderPairs = [];
    for (let i = 0; i < upstream.rawHeaders.length; i += 2) {
      const lower = upstream.rawHeaders[i]!.toLowerCase();
      if (HOP_BY_HOP_HEADERS.has(lower) || UNSTORED_RESPONSE_HEADERS.has(lower) || s.volatileHeaders.has(lower)) continue;
      // A HEAD answer has no body to measure: keep its Content-Length as sent.
      responseHeaders.push([lower, upstream.rawHeaders[i + 1]!]);
    }
    if (received !== undefined && received !== 'identity' && encoding === undefined) responseHeaders.push(['content-encoding', received]);
    if (view.method === 'HEAD') {
      const length = getRaw(upstream.rawHeaders, 'content-length');
      if (length !== undefined) responseHeaders.push(['content-length', length]);
    }
    const trailerPairs: HeaderPairs = [];
    for (let i = 0; i < trailers.length; i += 2) trailerPairs.push([trailers[i]!.toLowerCase(), trailers[i + 1]!]);
    const requestContentType = view.matchable.contentType;
    // A large request body (an upload) goes to its own sidecar, like a large response body.
    const requestBytes = redactBody(view.body, requestContentType, s.redactor);
    let requestBody: StoredBody;
    let requestSidecar: string | undefined;
    if (requestBytes.length > s.inlineLimit) {
      requestSidecar = s.store.tempPath(dir);
      await writeFile(requestSidecar, requestBytes);
      const sha256 = createHash('sha256').update(requestBytes).digest('hex');
      requestBody = { encoding: 'file', file: requestSidecarName(fileName), size: requestBytes.length, sha256 };
    } else {
      requestBody = storeBody(requestBytes, requestContentType);
    }
    const fixture: Fixture = {
      version: FIXTURE_VERSION,
      match: { key: skeleton.key, sequence: skeleton.sequence },
      request: {
        method: view.method,
        path: view.path,
        query: view.matchable.query,
        headers: view.matchable.headers,
        body: requestBody,
      },
      response: {
        status: upstream.status,
        statusText: upstream.statusText,
        headers: scrubHeaderValues(s.redactor.headers(responseHeaders), secrets),
        body: responseBody,
        ...(encoding !== undefined ? { contentEncoding: encoding } : {}),
        ...(trailerPairs.length > 0 ? { trailers: s.redactor.headers(trailerPairs) } : {}),
      },
    };
    return {
      fixture,
      ...(sidecar !== undefined ? { sidecar } : {}),
      ...(requestSidecar !== undefined ? { requestSidecar } : {}),
    };
  }
}

/** Large bodies are redacted too, up to 64 MiB (larger ones are stored as received): JSON and form by field, any by the request's secrets. */
async function redactSidecar(
  file: { path: string; size: number; sha256: string },
  contentType: string | undefined,
  redactor: Redactor,
  secrets: readonly string[],
): Promise<{ path: string; size: number; sha256: string }> {
  if (file.size > 64 * 1024 * 1024) return file;
  // Structured bodies are redacted by field; any body is searched for the request's secrets.
  if (!(contentType !== undefined && /json|x-www-form-urlencoded/i.test(contentType)) && secrets.length === 0) return file;
  const bytes = await readFile(file.path);
  const redacted = scrubSecrets(redactBody(bytes, contentType, redactor), contentType, secrets);
  if (redacted === bytes) return file;
  await writeFile(file.path, redacted);
  return { path: file.path, size: redacted.length, sha256: createHash('sha256').update(redacted).digest('hex') };
}
