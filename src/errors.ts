/**
 * One registry of proxytape's error codes. Codes are stable API: match on
 * `error.code`, never on the message text or on `instanceof` (which fails when
 * two copies of proxytape are loaded, e.g. across Jest module registries — use
 * the `is*Error()` guards below instead).
 *
 * @example
 * ```ts
 * import { proxy, isProxyError } from 'proxytape';
 * try {
 *   await proxy(req, { target: 'http://127.0.0.1:9' });
 * } catch (err) {
 *   if (isProxyError(err) && err.code === 'PROXYTAPE_UPSTREAM_REFUSED') console.log(err.status); // 502
 * }
 * ```
 */
import { scrubMessage } from './util/scrub-urls.js';

export const ERROR_CODES = {
  PROXYTAPE_INVALID_CONFIG: {
    status: 500,
    phase: 'config',
    summary: 'An option passed to proxytape is invalid.',
    hint: 'Fix the option named in the message; the message lists the allowed values.',
  },
  PROXYTAPE_BODY_CONSUMED: {
    status: 500,
    phase: 'caller',
    summary: 'The request body was already read before it was handed to proxytape.',
    hint: 'Proxy the request before any body parser reads it (mount proxytape before express.json(), or skip body parsing for proxied routes).',
  },
  PROXYTAPE_REQUEST_BODY: {
    status: 400,
    phase: 'request',
    summary: 'Reading the client request body failed (the client aborted the upload or sent a malformed body).',
    hint: 'Check the client: it closed the connection or sent fewer bytes than its Content-Length.',
  },
  PROXYTAPE_BAD_REQUEST: {
    status: 400,
    phase: 'request',
    summary: 'The client sent a malformed HTTP request.',
    hint: 'Check the client: the request line or headers are not valid HTTP/1.1.',
  },
  PROXYTAPE_CLIENT_ABORTED: {
    status: 499,
    phase: 'request',
    summary: 'The client disconnected before the response was complete; the upstream request was cancelled.',
    hint: 'Nothing to fix in proxytape: the client (or its timeout) closed the connection.',
  },
  PROXYTAPE_DRAIN_TIMEOUT: {
    status: 503,
    phase: 'request',
    summary: 'The server was stopped, and its drain timeout passed before this in-flight response was complete; the connection was closed.',
    hint: 'Stop the proxy once the requests it serves have finished, or give close() a longer drainTimeout (the CLI waits 10 s).',
  },
  PROXYTAPE_MIDDLEWARE_ERROR: {
    status: 500,
    phase: 'request',
    summary: 'A middleware hook threw and no catch hook recovered.',
    hint: 'Fix the failing hook, or add a catch hook that returns a response.',
  },
  PROXYTAPE_LISTENER_ERROR: {
    status: 500,
    phase: 'request',
    summary: 'The request listener given to createServer() threw or rejected.',
    hint: 'Make the listener catch its errors and answer with an error response.',
  },
  PROXYTAPE_LISTEN_FAILED: {
    status: 500,
    phase: 'config',
    summary: 'The server could not listen on the requested address.',
    hint: 'Use a free port (port 0 picks one) and an address of this machine.',
  },
  PROXYTAPE_NO_ROUTE: {
    status: 404,
    phase: 'request',
    summary: 'No route of the router matches the request (by Host header or path prefix).',
    hint: 'Add a route for this host or path, or a fallback route.',
  },
  PROXYTAPE_UPSTREAM_REFUSED: {
    status: 502,
    phase: 'connect',
    summary: 'The backend refused the connection.',
    hint: 'Is the backend running and listening on that address? Check --target.',
  },
  PROXYTAPE_UPSTREAM_DNS: {
    status: 502,
    phase: 'connect',
    summary: "The backend's host name could not be resolved.",
    hint: 'Check the host name in --target (typo? offline?).',
  },
  PROXYTAPE_UPSTREAM_TLS: {
    status: 502,
    phase: 'connect',
    summary: 'The TLS handshake with the backend failed (certificate or protocol).',
    hint: 'For a self-signed test backend pass `tls: { ca }` or `tls: { rejectUnauthorized: false }`.',
  },
  PROXYTAPE_UPSTREAM_RESET: {
    status: 502,
    phase: 'headers',
    summary: 'The backend closed or reset the connection before sending response headers.',
    hint: 'Check the backend logs: it crashed or closed the socket while handling the request.',
  },
  PROXYTAPE_UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    phase: 'headers',
    summary: 'The backend sent a response that is not valid HTTP/1.1.',
    hint: 'Check that --target points at an HTTP server (and uses https: for a TLS port).',
  },
  PROXYTAPE_UPSTREAM_ERROR: {
    status: 502,
    phase: 'headers',
    summary: 'The request to the backend failed.',
    hint: 'See the cause for details.',
  },
  PROXYTAPE_CONNECT_TIMEOUT: {
    status: 504,
    phase: 'connect',
    summary: 'Connecting to the backend timed out.',
    hint: 'Is the backend reachable? Raise timeouts.connect (--upstream-timeout) if it is just slow.',
  },
  PROXYTAPE_HEADERS_TIMEOUT: {
    status: 504,
    phase: 'headers',
    summary: 'The backend did not send response headers in time.',
    hint: 'Raise timeouts.headers (--upstream-timeout) or make the backend answer sooner.',
  },
  PROXYTAPE_BODY_TIMEOUT: {
    status: 504,
    phase: 'body',
    summary: 'The backend stopped sending the response body (no data within the body timeout); the client connection was aborted.',
    hint: 'Raise timeouts.body (--upstream-timeout), or set it to 0 for long-lived streams.',
  },
  PROXYTAPE_UPSTREAM_BODY_ABORTED: {
    status: 502,
    phase: 'body',
    summary:
      'The backend connection failed while the response body was streaming; the client connection was aborted so it cannot mistake a partial body for a complete one.',
    hint: 'Check the backend logs: it crashed or closed the socket mid-response.',
  },
  PROXYTAPE_REPLAY_MISS: {
    status: 502,
    phase: 'headers',
    summary: 'No recorded fixture matches the request.',
    hint: 'Record it (`proxytape record --target <url>`), run in `auto` mode to record what is missing, or relax matching with an ignore option.',
  },
  PROXYTAPE_SEQUENCE_EXHAUSTED: {
    status: 502,
    phase: 'headers',
    summary: 'Every fixture recorded for this request was already replayed, and the sequence policy is `error`.',
    hint: 'Record the request once more, or use the sequence policy `repeat-last` or `cycle`.',
  },
  PROXYTAPE_FIXTURE_CORRUPT: {
    status: 500,
    phase: 'config',
    summary: 'A fixture file cannot be read or is not a valid proxytape fixture.',
    hint: 'Fix or delete the file named in the message (re-record it), or restore it from version control.',
  },
  PROXYTAPE_INVALID_CASSETTE: {
    status: 400,
    phase: 'request',
    summary: 'The cassette name is not allowed.',
    hint: 'Use segments of letters, digits, `.`, `_` and `-` joined by `/` (no `..`, no leading `/`, no empty segment).',
  },
  PROXYTAPE_RECORD_FAILED: {
    status: 500,
    phase: 'body',
    summary: 'Writing a fixture to disk failed; the response reached the client but was not recorded.',
    hint: 'Check that the fixtures directory is writable and the disk is not full.',
  },
  PROXYTAPE_HAR_INVALID: {
    status: 400,
    phase: 'config',
    summary: 'The HAR input is not valid HAR 1.2 that proxytape can convert.',
    hint: 'Fix or remove the entry and field named in the message, then import again; nothing was written.',
  },
  PROXYTAPE_HAR_WRITE_FAILED: {
    status: 500,
    phase: 'config',
    summary: 'Writing the imported fixtures failed; the files the import had written were removed or restored.',
    hint: 'Check that the fixtures directory is writable and the disk is not full.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** Metadata for one stable error code. */
export interface ErrorCodeInfo {
  /** The HTTP status `fullProxy()` answers with (499: nothing is sent, the client is gone). */
  readonly status: number;
  /** When the failure happens: `body` failures abort the client connection instead of answering. */
  readonly phase: 'config' | 'caller' | 'request' | 'connect' | 'headers' | 'body';
  readonly summary: string;
  readonly hint: string;
}

/** Every stable error code proxytape can produce. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The error codes as a list, e.g. for documentation checks. */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

const BRAND = Symbol.for('proxytape.error');

/** Fields that say which request an error belongs to. */
export interface ErrorContext {
  /** HTTP method of the client request. */
  method?: string | undefined;
  /** URL of the client request as received (path and query). */
  url?: string | undefined;
  /** The upstream URL the request was sent to, when known. */
  upstream?: string | undefined;
  cause?: unknown;
}

/**
 * Base class of every error proxytape throws. `code` is stable; `status` is
 * the HTTP status `fullProxy()` answers with; `method`/`url` name the request.
 */
export class ProxytapeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly upstream: string | undefined;
  /** Brand checked by the guards: works across module registries. */
  readonly [BRAND]: string;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, kind = 'ProxytapeError') {
    // A message names its request, whose URL may carry secrets: see scrubMessage.
    super(scrubMessage(message), context.cause === undefined ? undefined : { cause: context.cause });
    this.name = kind;
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.method = context.method;
    this.url = context.url;
    this.upstream = context.upstream;
    this[BRAND] = kind;
  }

  /** Registry metadata for this error's code. */
  get info(): ErrorCodeInfo {
    return ERROR_CODES[this.code];
  }
}

/**
 * Thrown by `proxy()` when the backend fails (and by `proxy()` when the body
 * was already consumed). `fullProxy()` turns it into a 502/504 response.
 */
export class ProxyError extends ProxytapeError {
  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context, 'ProxyError');
  }
}

/**
 * Thrown by `fullProxy()` only when the request body was already consumed —
 * a caller bug, detected before connecting, so a dead backend can't hide it.
 */
export class FullProxyError extends ProxytapeError {
  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(code, message, context, 'FullProxyError');
  }
}

/** Thrown at construction for an invalid option; the message names the option and allowed values. */
export class ConfigError extends ProxytapeError {
  readonly option: string;
  constructor(option: string, message: string) {
    super('PROXYTAPE_INVALID_CONFIG', message, {}, 'ConfigError');
    this.option = option;
  }
}

function brandOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const brand = (value as { [BRAND]?: unknown })[BRAND];
  return typeof brand === 'string' ? brand : undefined;
}

/** True for any proxytape error, even one from another copy of the module. */
export function isProxytapeError(value: unknown): value is ProxytapeError {
  return brandOf(value) !== undefined;
}

/** True for a `ProxyError` (backend failure or replay miss). */
export function isProxyError(value: unknown): value is ProxyError {
  return brandOf(value) === 'ProxyError';
}

/** True for a `FullProxyError` (request body already consumed). */
export function isFullProxyError(value: unknown): value is FullProxyError {
  return brandOf(value) === 'FullProxyError';
}

/** True for a `ConfigError` (invalid option). */
export function isConfigError(value: unknown): value is ConfigError {
  return brandOf(value) === 'ConfigError';
}

/** Builds the standard message: what failed, for which request, how to fix it. */
export function describeFailure(code: ErrorCode, method: string, url: string, detail?: string): string {
  const info = ERROR_CODES[code];
  const what = detail ? `${info.summary} (${detail})` : info.summary;
  return `Failed to proxy ${method} ${url}: ${what} ${info.hint}`;
}
