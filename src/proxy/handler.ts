import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES, FullProxyError, ProxyError, ProxytapeError, isProxyError, isProxytapeError } from '../errors.js';
import { CancelToken } from './cancel.js';
import { type OutgoingRequest, PREPARED_ANSWER, type PreparedAnswerTransport, type Transport, type UpstreamResponse } from './transport.js';
import { type CompiledProxyConfig, type ProxyConfig, compileProxyConfig, rejectUnknownKeys, describe } from './config.js';
import { ConfigError } from '../errors.js';
import { writeInformational } from './informational.js';
import { type ProxyCallOptions, declaresBody, fullProxy, roundTrip, toOutgoing, toResponse } from './proxy.js';
import { type ProxySource, errorResponse, writeResponse } from './response.js';
import type { RawHeaders } from './headers-util.js';
import { cutByShutdown, shutdownCut } from './shutdown-cut.js';
import { proxyUpgrade } from './upgrade.js';
import { DISPATCH, HttpTransport, type Settle } from './http-transport.js';
import type { Chain } from '../middleware/chain.js';
import { compose } from '../middleware/compose.js';
import { createContext } from '../middleware/context.js';
import type { Handler, MiddlewareSpec } from '../middleware/types.js';
import type { ProxytapeResponse } from './response.js';

/** One handled request, reported to `onResponse` (the CLI logs these). */
export interface ProxyEvent {
  method: string;
  url: string;
  /** Status sent to the client (101 for a tunnel; 499 when the client left first). */
  status: number;
  source: ProxySource;
  /** From receiving the request to the end of the response. */
  durationMs: number;
  /** Response body bytes written to the client. */
  bytes: number;
  /** Set when the request failed (error response, aborted connection). */
  error?: ProxytapeError;
  /** The fixture file replayed from or recorded to. */
  fixture?: string;
  /** The client's request headers as received. */
  requestHeaders: RawHeaders;
  /** The request as forwarded upstream (after Host rewrite, X-Forwarded-*, hop-by-hop stripping); absent if it failed before. */
  forwarded?: ForwardedRequest;
}

/** The request as proxytape forwarded it (or, in replay, would have). */
export interface ForwardedRequest {
  method: string;
  /** Absolute upstream URL. */
  url: string;
  rawHeaders: RawHeaders;
  /** The body bytes, when the transport read them whole (record, replay, auto). */
  body?: Buffer;
}

/** Options of {@link createProxyHandler}. */
export interface ProxyHandlerOptions {
  /** Called once per request after the response ended (or failed). */
  onResponse?: (event: ProxyEvent) => void;
  /**
   * Before / Around / After middleware run around the proxy (see docs/middleware.md).
   * Before hooks may rewrite `ctx.method` / `ctx.url` (what is forwarded) or answer early.
   */
  middleware?: Chain | MiddlewareSpec;
}

/** A Node request listener that proxies, plus the upgrade listener and close(). */
export interface ProxyHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Listener for the server's 'upgrade' event (WebSocket tunnels). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The validated config this handler forwards with. */
  readonly config: CompiledProxyConfig;
  /** Releases the upstream connections of the handler's transport (its own, or the one given in the config). */
  close(): Promise<void>;
}

const HANDLER_OPTION_KEYS = ['onResponse', 'middleware'] as const;

/**
 * Builds a plain Node request listener that forwards every request with
 * `fullProxy()` and sends the answer: use it with `http.createServer`,
 * proxytape's `createServer`, express, or `supertest(handler)`.
 *
 * @example
 * ```ts
 * const handler = createProxyHandler({ target: 'http://127.0.0.1:3000' });
 * const server = await createServer(handler, { port: 0 });
 * console.log(server.url); // http://127.0.0.1:43123 — every request goes to :3000
 * ```
 */
export function createProxyHandler(config: ProxyConfig | CompiledProxyConfig, options: ProxyHandlerOptions = {}): ProxyHandler {
  let compiled = compileProxyConfig(config);
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('options', `Invalid handler options: ${describe(options)}. Must be an object like { onResponse, middleware }.`);
  }
  rejectUnknownKeys('', options, HANDLER_OPTION_KEYS);
  const onResponse = options.onResponse;
  if (onResponse !== undefined && typeof onResponse !== 'function') {
    throw new ConfigError('onResponse', `Invalid option \`onResponse\`: ${describe(onResponse)}. Must be a function (event) => void.`);
  }
  // Each handler owns its upstream pools unless the config names a transport, so close() frees them.
  if (compiled.transport === undefined) compiled = Object.freeze({ ...compiled, transport: new HttpTransport() });
  const run = options.middleware === undefined ? undefined : compose(options.middleware, proxyVia(compiled));

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    handleRequest(req, res, compiled, onResponse, run);
  }) as ProxyHandler;
  handler.upgrade = (req, socket, head) => {
    const start = performance.now();
    void proxyUpgrade(req, socket, head, compiled).then((outcome) => {
      onResponse?.({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        status: outcome.status,
        source: outcome.source,
        durationMs: performance.now() - start,
        bytes: 0,
        ...(outcome.error ? { error: outcome.error } : {}),
        requestHeaders: req.rawHeaders,
      });
    });
  };
  Object.defineProperty(handler, 'config', { value: compiled, enumerable: true });
  handler.close = async () => {
    await compiled.transport?.close?.();
  };
  return handler;
}

/** The innermost middleware handler: forwards what the context says (Before hooks may rewrite it). */
function proxyVia(config: CompiledProxyConfig): Handler {
  return (ctx) => {
    const { req } = ctx;
    req.method = ctx.method;
    req.url = ctx.url;
    const options = (ctx.state.get(CALL_OPTIONS) ?? {}) as ProxyCallOptions;
    return fullProxy(req, config, options);
  };
}

const CALL_OPTIONS = Symbol('proxytape.callOptions');

function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  config: CompiledProxyConfig,
  onResponse: ProxyHandlerOptions['onResponse'],
  run: Handler | undefined,
): void {
  const start = onResponse ? performance.now() : 0;
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  if (run === undefined && sendPrepared(req, res, config, method, url, start, onResponse)) return;
  // Cancel the upstream request if the client leaves before the response starts. Once its head
  // is sent, the response writer owns that decision: it cancels the body's source when the
  // client leaves mid-body, and lets it finish when the client had read all of it already.
  const token = new CancelToken();
  // 'close' is emitted once: on() spares the per-request once() wrapper.
  res.on('close', () => {
    if (!res.writableFinished && !res.headersSent) token.abort(clientAborted(method, url, req));
  });
  // A client that leaves in the middle of sending its body: Node closes the request but emits no
  // 'close' on the response, and the upstream request would wait for the rest of the body.
  if (declaresBody(req.rawHeaders)) {
    req.once('close', () => {
      if (!req.complete) token.abort(clientAborted(method, url, req));
    });
  }
  let outgoingSeen: OutgoingRequest | undefined;
  const callOptions = new CallOptions(token, (status, raw) => writeInformational(req, res, status, raw));
  if (onResponse) callOptions.onOutgoing = (o) => (outgoingSeen = o);
  const forwarded = (): { forwarded?: ForwardedRequest } => {
    const o = outgoingSeen;
    if (o === undefined) return {};
    return {
      forwarded: {
        method: o.method,
        url: o.origin + o.path,
        rawHeaders: o.rawHeaders,
        ...(o.bodyBytes !== undefined ? { body: o.bodyBytes } : {}),
      },
    };
  };

  const respond = (response: ProxytapeResponse): void => {
    writeResponse(response, res, (result) => {
      if (!onResponse) return;
      const error = response.error ?? result.error;
      // A recording cut short (backend or client gone mid-body) is discarded: no fixture to name.
      // A replay cut short by a damaged fixture is an error, not a replay.
      const discarded =
        error !== undefined &&
        (response.source === 'recorded' || (response.source === 'replayed' && error.code === 'PROXYTAPE_FIXTURE_CORRUPT'));
      onResponse({
        method,
        url,
        status: result.status ?? (result.ok || res.headersSent ? response.status : 499),
        source: discarded || result.status !== undefined ? 'error' : response.source,
        durationMs: performance.now() - start,
        bytes: result.bytes,
        ...(error ? { error } : {}),
        ...(response.fixture !== undefined && !discarded ? { fixture: response.fixture } : {}),
        requestHeaders: req.rawHeaders,
        ...forwarded(),
      });
    });
  };
  // A caller bug (body consumed by a listener mounted earlier) or an unrecovered middleware error: answer, naming it.
  const fail = (err: unknown): void => {
    const error = isProxytapeError(err)
      ? err
      : new ProxytapeError(
          'PROXYTAPE_MIDDLEWARE_ERROR',
          `Middleware failed for ${method} ${url}: ${err instanceof Error ? err.message : String(err)}. ${ERROR_CODES.PROXYTAPE_MIDDLEWARE_ERROR.hint}`,
          { method, url, cause: err },
        );
    if (res.headersSent) {
      res.destroy();
      onResponse?.({
        method,
        url,
        status: error.status,
        source: 'error',
        durationMs: performance.now() - start,
        bytes: 0,
        error,
        requestHeaders: req.rawHeaders,
        ...forwarded(),
      });
      return;
    }
    respond(errorResponse(error));
  };

  if (run) {
    const ctx = createContext(req);
    ctx.state.set(CALL_OPTIONS, callOptions);
    run(ctx).then(respond, fail);
    return;
  }
  // No middleware: the lean path, straight to the transport (same steps as fullProxy()).
  let outgoing: OutgoingRequest;
  try {
    outgoing = toOutgoing(req, config, callOptions, FullProxyError);
  } catch (err) {
    fail(err);
    return;
  }
  const transport = config.transport as (Transport & { [DISPATCH]?: HttpTransport[typeof DISPATCH] }) | undefined;
  if (transport?.[DISPATCH]) {
    // The HTTP transport's callback form: no promise on the hot path.
    const request = outgoing;
    transport[DISPATCH](
      request,
      new Settled(
        (upstream) => respond(toResponse(upstream as UpstreamResponse, request)),
        (err) => respond(errorResponse(err)),
      ),
    );
    return;
  }
  roundTrip(outgoing, config).then(respond, (err: unknown) => (isProxyError(err) ? respond(errorResponse(err)) : fail(err)));
}

// Per-request objects as class instances, not object literals: see the note on Outgoing in proxy.ts.

class CallOptions implements ProxyCallOptions {
  onOutgoing?: (outgoing: OutgoingRequest) => void;
  constructor(
    public signal: CancelToken,
    public onInformational: (status: number, rawHeaders: RawHeaders) => void,
  ) {}
}

class Settled implements Settle {
  constructor(
    public resolve: Settle['resolve'],
    public reject: Settle['reject'],
  ) {}
}

function clientAborted(method: string, url: string, req: IncomingMessage): ProxyError {
  // Not the client: the server's shutdown cut the connection at its drain deadline.
  if (cutByShutdown(req.socket)) return shutdownCut(method, url);
  return new ProxyError(
    'PROXYTAPE_CLIENT_ABORTED',
    `Client closed the connection before ${method} ${url} was answered; the upstream request was cancelled.`,
    { method, url },
  );
}

/**
 * The fast path: a transport that can answer a body-less request from memory (replay)
 * does so before any upstream request is built. Returns false to take the full path.
 */
function sendPrepared(
  req: IncomingMessage,
  res: ServerResponse,
  config: CompiledProxyConfig,
  method: string,
  url: string,
  start: number,
  onResponse: ProxyHandlerOptions['onResponse'],
): boolean {
  const transport = config.transport as Partial<PreparedAnswerTransport> | undefined;
  const prepare = transport?.[PREPARED_ANSWER];
  // Headers preset on res (express's X-Powered-By…) need the merging writer of the full path.
  if (prepare === undefined || declaresBody(req.rawHeaders) || res.getHeaderNames().length > 0) return false;
  const answer = prepare.call(transport, method, url, req.rawHeaders);
  if (answer === undefined) return false;
  res.writeHead(answer.status, answer.statusText || undefined, answer.rawHeaders);
  res.end(answer.body ?? undefined);
  if (onResponse) {
    res.once('close', () => {
      // What the full path would have forwarded, for the journal (built only when someone listens).
      let forwarded: ForwardedRequest | undefined;
      try {
        const o = toOutgoing(req, config, {}, ProxyError);
        forwarded = { method: o.method, url: o.origin + o.path, rawHeaders: o.rawHeaders };
      } catch {
        forwarded = undefined;
      }
      onResponse({
        method,
        url,
        status: res.writableFinished ? answer.status : 499,
        source: answer.source,
        durationMs: performance.now() - start,
        bytes: res.writableFinished && method !== 'HEAD' ? (answer.body?.length ?? 0) : 0,
        ...(answer.fixture !== undefined ? { fixture: answer.fixture } : {}),
        requestHeaders: req.rawHeaders,
        ...(forwarded ? { forwarded } : {}),
      });
    });
  }
  return true;
}
