import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { markCutByShutdown } from '../proxy/shutdown-cut.js';

class SocketState {
  constructor(
    readonly tracker: ConnectionTracker,
    readonly socket: Duplex,
  ) {}
  /**
   * Responses on this socket that have not closed yet (one, or a few with pipelining).
   * A small array per socket rather than one Set for the server: see the note on ConnectionTracker.
   */
  responses: ServerResponse[] = [];
  /** Handed to the upgrade listener: busy until the socket closes. */
  upgraded = false;
  /** During a drain: the response this tracker set to answer with `Connection: close` (the socket's last one). */
  closing: ServerResponse | null = null;
}

const TRACKED = Symbol('proxytape.trackedResponse');

/** A tracked response points at its socket's state (allocated once per connection, not per request). */
type TrackedResponse = ServerResponse & { [TRACKED]?: SocketState | undefined };

function onTrackedClose(this: TrackedResponse): void {
  const state = this[TRACKED];
  if (state === undefined) return;
  this[TRACKED] = undefined;
  state.tracker.responseClosed(this, state);
}

/**
 * Counts what a server is doing — sockets, in-flight requests, upgraded
 * sockets — so close() can drain: shut idle keep-alive sockets at once, let
 * busy ones finish, and destroy whatever is left at the deadline.
 *
 * Responses are kept per socket, never in one server-wide `Set`. With a `Set` that
 * gained and lost an entry per request, every request's whole object graph (request,
 * response, buffers, closures) survived V8's young-generation collections into the old
 * generation: a third of all allocations under load, five times the GC time, a quarter
 * of the throughput (measured: BENCHMARKS.md, "Why the proxy was slower than the
 * floor"). The likely mechanism: such a set keeps rehashing into new backing tables,
 * and what the discarded tables still point to counts as live until the next full
 * collection.
 */
export class ConnectionTracker {
  readonly #sockets = new Map<Duplex, SocketState>();
  #active = 0;
  #upgraded = 0;
  #draining = false;
  #waiters: (() => void)[] = [];

  /** Requests being answered plus upgraded sockets still open. */
  get inFlight(): number {
    return this.#active + this.#upgraded;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Registers a freshly accepted connection. */
  addSocket(socket: Duplex): void {
    // A connection the kernel had queued before close(): nobody will serve it.
    if (this.#draining) {
      socket.destroy();
      return;
    }
    this.#register(socket);
  }

  #register(socket: Duplex): SocketState {
    const state = new SocketState(this, socket);
    this.#sockets.set(socket, state);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      // Responses still listed will never be written (e.g. requests pipelined behind a response that
      // closed the connection): Node emits no 'close' for them, so they stop counting here.
      const orphaned = state.responses.length;
      if (orphaned > 0) {
        state.responses.length = 0;
        this.#active -= orphaned;
      }
      if (state.upgraded) {
        state.upgraded = false;
        this.#upgraded--;
      }
      this.#settle();
    });
    return state;
  }

  /** True when no response is being written on `socket` (a client error may then answer on it). */
  isIdle(socket: Duplex): boolean {
    const state = this.#sockets.get(socket);
    return state === undefined || (state.responses.length === 0 && !state.upgraded);
  }

  /**
   * The response in flight on `socket` whose head is not sent yet, if it is the only one: a
   * request whose body turned out malformed can still be answered on it.
   */
  unansweredResponse(socket: Duplex): ServerResponse | undefined {
    const responses = this.#sockets.get(socket)?.responses;
    const only = responses?.length === 1 ? responses[0] : undefined;
    return only !== undefined && !only.headersSent && !only.writableEnded ? only : undefined;
  }

  /** Counts a request as in flight until its response closes (finished or aborted). */
  trackRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    // A request on a socket the server never reported (emitted by hand): tracked all the same.
    const state = this.#sockets.get(socket) ?? this.#register(socket);
    state.responses.push(res);
    this.#active++;
    if (this.#draining) this.#closeAfter(state, res);
    // This runs for every request: a shared listener, and the socket state as the record (nothing allocated).
    (res as TrackedResponse)[TRACKED] = state;
    res.on('close', onTrackedClose);
  }

  /** @internal The response of a tracked request closed (finished or aborted). */
  responseClosed(res: ServerResponse, state: SocketState): void {
    const list = state.responses;
    const i = list.indexOf(res);
    if (i !== -1) {
      list.splice(i, 1);
      this.#active--;
    }
    if (this.#draining) this.#closeWhenIdle(state);
    this.#settle();
  }

  /** Counts an upgraded socket as in flight until it closes. */
  trackUpgrade(socket: Duplex): void {
    let state = this.#sockets.get(socket);
    if (state === undefined) {
      this.addSocket(socket);
      state = this.#sockets.get(socket);
      if (state === undefined) return;
    }
    if (state.upgraded) return;
    state.upgraded = true;
    this.#upgraded++;
  }

  /**
   * Enters drain mode: responses not started yet will carry `Connection: close`,
   * idle keep-alive sockets are destroyed now, busy ones when their last response closes.
   */
  startDrain(): void {
    this.#draining = true;
    for (const [socket, state] of this.#sockets) {
      const last = state.responses.at(-1);
      if (last !== undefined) this.#closeAfter(state, last);
      else if (!state.upgraded) socket.destroy();
    }
  }

  /**
   * Makes `res`, the last response listed on its socket, answer with `Connection: close`: Node
   * then closes the socket after it. Only the last one: requests pipelined behind it are answered
   * first. A response marked before a later pipelined request arrived is set back to keep-alive.
   */
  #closeAfter(state: SocketState, res: ServerResponse): void {
    const previous = state.closing;
    if (previous !== null && previous !== res && !previous.headersSent) previous.shouldKeepAlive = true;
    state.closing = null;
    if (res.headersSent || !res.shouldKeepAlive) return;
    res.shouldKeepAlive = false;
    state.closing = res;
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` (if given) passes first. */
  waitForIdle(timeoutMs?: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onIdle = (): void => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== onIdle);
          resolve(false);
        }, timeoutMs);
      }
      this.#waiters.push(onIdle);
    });
  }

  /**
   * Destroys every open socket. At the drain deadline (`cut`), the requests still in flight on
   * them are marked as cut by the shutdown, so they are reported as that, not as clients gone.
   */
  destroyAll(cut = false): void {
    for (const socket of this.#sockets.keys()) {
      if (cut) markCutByShutdown(socket);
      socket.destroy();
    }
  }

  #closeWhenIdle(state: SocketState): void {
    const socket = state.socket;
    // Let Node finish its own bookkeeping for the response (and start a pipelined request, if any) first.
    setImmediate(() => {
      if (state.responses.length === 0 && !state.upgraded && !socket.destroyed) socket.destroy();
    });
  }

  #settle(): void {
    if (this.inFlight !== 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
