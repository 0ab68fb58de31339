import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

interface SocketState {
  /** Requests on this socket whose response has not closed yet. */
  active: number;
  /** Handed to the upgrade listener: busy until the socket closes. */
  upgraded: boolean;
}

const TRACKED = Symbol('proxytape.trackedResponse');

type TrackedResponse = ServerResponse & {
  [TRACKED]?: { tracker: ConnectionTracker; socket: Duplex; state: SocketState | undefined } | undefined;
};

function onTrackedClose(this: TrackedResponse): void {
  const tracked = this[TRACKED];
  if (tracked === undefined) return;
  this[TRACKED] = undefined;
  tracked.tracker.responseClosed(this, tracked.socket, tracked.state);
}

/**
 * Counts what a server is doing — sockets, in-flight requests, upgraded
 * sockets — so close() can drain: shut idle keep-alive sockets at once, let
 * busy ones finish, and destroy whatever is left at the deadline.
 */
export class ConnectionTracker {
  readonly #sockets = new Map<Duplex, SocketState>();
  readonly #responses = new Set<ServerResponse>();
  #upgraded = 0;
  #draining = false;
  #waiters: (() => void)[] = [];

  /** Requests being answered plus upgraded sockets still open. */
  get inFlight(): number {
    return this.#responses.size + this.#upgraded;
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
    const state: SocketState = { active: 0, upgraded: false };
    this.#sockets.set(socket, state);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      if (state.upgraded) {
        state.upgraded = false;
        this.#upgraded--;
        this.#settle();
      }
    });
  }

  /** True when no response is being written on `socket` (a client error may then answer on it). */
  isIdle(socket: Duplex): boolean {
    const state = this.#sockets.get(socket);
    return state === undefined || (state.active === 0 && !state.upgraded);
  }

  /** Counts a request as in flight until its response closes (finished or aborted). */
  trackRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.#sockets.get(socket);
    if (state) state.active++;
    this.#responses.add(res);
    // Node then answers with `Connection: close` and closes the socket after this response.
    if (this.#draining) res.shouldKeepAlive = false;
    // A shared listener and one small record per response: this runs for every request.
    (res as TrackedResponse)[TRACKED] = { tracker: this, socket, state };
    res.on('close', onTrackedClose);
  }

  /** @internal The response of a tracked request closed (finished or aborted). */
  responseClosed(res: ServerResponse, socket: Duplex, state: SocketState | undefined): void {
    this.#responses.delete(res);
    if (state) {
      state.active--;
      if (this.#draining) this.#closeWhenIdle(socket, state);
    }
    this.#settle();
  }

  /** Counts an upgraded socket as in flight until it closes. */
  trackUpgrade(socket: Duplex): void {
    let state = this.#sockets.get(socket);
    if (!state) {
      this.addSocket(socket);
      state = this.#sockets.get(socket);
      if (!state) return;
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
    for (const res of this.#responses) {
      if (!res.headersSent) res.shouldKeepAlive = false;
    }
    for (const [socket, state] of this.#sockets) {
      if (state.active === 0 && !state.upgraded) socket.destroy();
    }
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

  /** Destroys every open socket (the drain deadline passed). */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }

  #closeWhenIdle(socket: Duplex, state: SocketState): void {
    // Let Node finish its own bookkeeping for the response (and start a pipelined request, if any) first.
    setImmediate(() => {
      if (state.active === 0 && !state.upgraded && !socket.destroyed) socket.destroy();
    });
  }

  #settle(): void {
    if (this.inFlight !== 0 || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
