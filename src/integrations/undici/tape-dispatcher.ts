import { Dispatcher, errors } from 'undici';
import { type CompiledProxyConfig, compileProxyConfig } from '../../proxy/config.js';
import { hostDirName } from '../../tape/fixture-file.js';
import type { Mode } from '../../tape/modes.js';
import { SequenceTracker } from '../../tape/sequence.js';
import { FixtureStore } from '../../tape/store.js';
import type { TapeSummary } from '../../tape/tape.js';
import { TapeTransport, type TapeStats } from '../../tape/tape-transport.js';
import { FORWARDED_DISPATCH_OPTIONS, readDispatchOptions } from './dispatch-request.js';
import { Exchange } from './exchange.js';
import { toResponseSink } from './handler-adapter.js';
import { type DispatcherSettings, type TapeDispatcherOptions, validateDispatcherOptions } from './options.js';
import { DISPATCH_OPTIONS, type DispatcherOutgoing, DispatcherTransport } from './upstream-transport.js';
import { SlotTable } from '../../util/slot-table.js';

/**
 * An undici `Dispatcher` that records and replays in-process `fetch()` /
 * `undici.request()` calls into proxytape's fixture store — the same files,
 * matching, redaction, sequences and cassettes as the proxy. Made by
 * {@link createTapeDispatcher}.
 */
export class TapeDispatcher extends Dispatcher {
  readonly mode: Mode;
  readonly store: FixtureStore;
  /** The fixture root, absolute. */
  readonly fixtures: string;
  readonly #settings: DispatcherSettings;
  readonly #sequences: SequenceTracker;
  readonly #upstream: DispatcherTransport;
  /** One TapeTransport per host directory: fixtures are filed under the host each request went to. */
  readonly #transports = new Map<string, TapeTransport>();
  readonly #configs = new Map<string, CompiledProxyConfig>();
  /** Exchanges in flight (a slot table, not a Set: see SlotTable). */
  readonly #active = new SlotTable<Exchange>();
  #closed = false;
  #destroyed = false;

  /** @internal Use {@link createTapeDispatcher}, which opens the store first. */
  constructor(settings: DispatcherSettings, store: FixtureStore) {
    super();
    this.#settings = settings;
    this.mode = settings.mode;
    this.store = store;
    this.fixtures = store.root;
    this.#sequences = new SequenceTracker(settings.sequence);
    this.#upstream = new DispatcherTransport(settings.upstream);
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler === null || typeof handler !== 'object') throw new errors.InvalidArgumentError('handler must be an object');
    const sink = toResponseSink(handler);
    try {
      if (opts === null || typeof opts !== 'object') throw new errors.InvalidArgumentError('opts must be an object.');
      if (this.#destroyed) throw new errors.ClientDestroyedError();
      if (this.#closed) throw new errors.ClientClosedError();
      const request = readDispatchOptions(opts);
      const transport = this.#transportFor(request.origin);
      const config = this.#configFor(request.origin);
      const forwarded: Partial<Dispatcher.DispatchOptions> = {};
      for (const key of FORWARDED_DISPATCH_OPTIONS) if (opts[key] !== undefined) Object.assign(forwarded, { [key]: opts[key] });
      const exchange = new Exchange(sink);
      const slot = this.#active.add(exchange);
      void exchange.settled.then(() => this.#active.delete(slot));
      exchange.run((signal) => {
        const outgoing: DispatcherOutgoing = {
          method: request.method,
          origin: request.origin,
          path: request.path,
          rawHeaders: request.forwardHeaders,
          body: request.body,
          // What matching, cassettes and fixtures see: the caller's request as it made it.
          inbound: { method: request.method, url: request.path, rawHeaders: request.rawHeaders },
          config,
          signal,
          [DISPATCH_OPTIONS]: forwarded,
        };
        return transport.roundTrip(outgoing);
      });
      return true;
    } catch (err) {
      sink.error(err as Error);
      return false;
    }
  }

  /** Counts so far and the fixtures of the cassettes used that nothing replayed. */
  summary(): TapeSummary {
    const stats: TapeStats = { recorded: 0, replayed: 0, missed: 0, proxied: 0, recordFailures: 0 };
    const cassettes = new Set([this.#settings.cassette]);
    for (const transport of this.#transports.values()) {
      for (const key of Object.keys(stats) as (keyof TapeStats)[]) stats[key] += transport.stats[key];
      for (const cassette of transport.cassettesUsed) cassettes.add(cassette);
    }
    const unused = [...cassettes].flatMap((cassette) => this.store.unused(cassette)).map((stored) => stored.path);
    return { mode: this.mode, ...stats, unused };
  }

  /**
   * Stops taking requests, waits for those running to complete (as any undici
   * dispatcher does: read or cancel your response bodies), flushes fixture
   * writes and closes the Agent it made. Read `summary()` afterwards.
   */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#closed = true;
    const done = (async () => {
      await Promise.all(this.#active.values().map((exchange) => exchange.settled));
      await this.#flush();
      await this.store.close();
      await this.#upstream.close();
    })();
    if (callback === undefined) return done;
    void done.then(() => callback());
  }

  /**
   * Aborts running requests (their handlers get `err`, or undici's
   * `ClientDestroyedError`), discards their unfinished recordings, flushes the
   * fixtures already complete and destroys the Agent it made.
   */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(errOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const cb = typeof errOrCallback === 'function' ? errOrCallback : callback;
    const err = (typeof errOrCallback === 'function' ? null : errOrCallback) ?? new errors.ClientDestroyedError();
    this.#closed = this.#destroyed = true;
    const done = (async () => {
      const running = this.#active.values();
      for (const exchange of running) exchange.abort(err);
      await Promise.all(running.map((exchange) => exchange.settled));
      await this.#flush();
      await this.store.close();
      await this.#upstream.destroy(err);
    })();
    if (cb === undefined) return done;
    void done.then(() => cb());
  }

  async #flush(): Promise<void> {
    await Promise.all([...this.#transports.values()].map((transport) => transport.flush()));
  }

  #transportFor(origin: string): TapeTransport {
    const hostDir = hostDirName(origin);
    let transport = this.#transports.get(hostDir);
    if (transport === undefined) {
      const s = this.#settings;
      // Every transport shares the store and the replay sequences: only where new
      // fixtures are filed differs.
      transport = new TapeTransport({
        mode: s.mode,
        store: this.store,
        cassette: s.cassette,
        hostDir,
        upstream: this.#upstream,
        redactor: s.redactor,
        match: s.match,
        sequences: this.#sequences,
        volatileHeaders: s.volatileHeaders,
        inlineLimit: s.inlineLimit,
        ...(s.onRecordError ? { onRecordError: s.onRecordError } : {}),
      });
      this.#transports.set(hostDir, transport);
    }
    return transport;
  }

  #configFor(origin: string): CompiledProxyConfig {
    let config = this.#configs.get(origin);
    if (config === undefined) {
      config = compileProxyConfig({ target: origin, xForwarded: false });
      this.#configs.set(origin, config);
    }
    return config;
  }
}

/**
 * Opens the fixture store (indexing every fixture; a corrupt one is refused
 * with its path) and returns a dispatcher that records and replays through it.
 * Install it for every `fetch()` with `setGlobalDispatcher()`, or pass it as
 * `dispatcher` to one call.
 *
 * @example
 * ```ts
 * import { getGlobalDispatcher, setGlobalDispatcher, fetch } from 'undici';
 * import { createTapeDispatcher } from 'proxytape/undici';
 *
 * const previous = getGlobalDispatcher();
 * const tape = await createTapeDispatcher({ mode: 'auto', fixtures: 'test/fixtures' });
 * setGlobalDispatcher(tape);
 * const users = await (await fetch('https://api.example.com/users')).json(); // recorded once, then replayed
 * setGlobalDispatcher(previous);
 * await tape.close(); // flushes fixture writes
 * console.log(tape.summary()); // { mode: 'auto', recorded: 1, replayed: 0, … }
 * ```
 */
export async function createTapeDispatcher(options: TapeDispatcherOptions = {}): Promise<TapeDispatcher> {
  const settings = validateDispatcherOptions(options);
  const store = await FixtureStore.open(settings.fixtures, { inlineLimit: settings.inlineLimit });
  return new TapeDispatcher(settings, store);
}
