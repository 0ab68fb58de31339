/**
 * proxytape — a recording reverse proxy for deterministic integration tests.
 * This file is the explicit public API: nothing is public by accident.
 */
export {
  ERROR_CODES,
  ERROR_CODE_LIST,
  ProxytapeError,
  ProxyError,
  FullProxyError,
  ConfigError,
  isProxytapeError,
  isProxyError,
  isFullProxyError,
  isConfigError,
} from './errors.js';
export type { ErrorCode, ErrorCodeInfo, ErrorContext } from './errors.js';

export { proxy, fullProxy } from './proxy/proxy.js';
export type { ProxyRequest, ProxyCallOptions } from './proxy/proxy.js';
export { compileProxyConfig, PROXY_CONFIG_DEFAULTS, HOST_POLICIES } from './proxy/config.js';
export type { ProxyConfig, CompiledProxyConfig, HostPolicy, ProxyTimeouts, ProxyTlsOptions } from './proxy/config.js';
export {
  ProxytapeResponse,
  sendResponse,
  textResponse,
  errorResponse,
  PROXY_SOURCES,
  SOURCE_HEADER,
  ERROR_CODE_HEADER,
} from './proxy/response.js';
export type { ProxySource, ProxytapeResponseInit, ResponseBody, SendResult } from './proxy/response.js';
export { HttpTransport, defaultTransport } from './proxy/http-transport.js';
export type { HttpTransportOptions } from './proxy/http-transport.js';
export { PREPARED_ANSWER } from './proxy/transport.js';
export type {
  Transport,
  OutgoingRequest,
  UpstreamResponse,
  UpgradedResponse,
  AbortSignalLike,
  PreparedAnswer,
  PreparedAnswerTransport,
} from './proxy/transport.js';
export { HOP_BY_HOP_HEADERS } from './proxy/hop-headers.js';
export { installRelayCollector } from './proxy/relay-gc.js';
export type { RawHeaders, HeaderRecord } from './proxy/headers-util.js';
export { createProxyHandler } from './proxy/handler.js';
export type { ProxyHandler, ProxyHandlerOptions, ProxyEvent } from './proxy/handler.js';
export { createRouter } from './proxy/router.js';
export type { Route, Router, RoutableHandler } from './proxy/router.js';

export { createServer, SERVER_DEFAULTS, ListenError, isListenError, toRequestListener } from './server/index.js';
export type {
  ProxytapeServer,
  ServerListener,
  UpgradeListener,
  ServerOptions,
  CloseOptions,
  RequestListenerOptions,
} from './server/index.js';

export { Chain, compose, createContext } from './middleware/index.js';
export type {
  AfterMiddleware,
  AroundMiddleware,
  BeforeMiddleware,
  Handler,
  MaybePromise,
  MiddlewareSpec,
  RequestContext,
} from './middleware/index.js';

export { createTape, DEFAULT_VOLATILE_HEADERS } from './tape/tape.js';
export type { Tape, TapeOptions, TapeSummary } from './tape/tape.js';
export { TapeTransport, CASSETTE_HEADER } from './tape/tape-transport.js';
export type { TapeStats } from './tape/tape-transport.js';
export { MODES, resolveMode, isMode } from './tape/modes.js';
export type { Mode } from './tape/modes.js';
export { FixtureStore } from './tape/store.js';
export type { FixtureStoreOptions } from './tape/store.js';
export { FIXTURE_VERSION } from './tape/types.js';
export type { Fixture, FixtureRequest, FixtureResponse, StoredBody, HeaderPairs, StoredFixture } from './tape/types.js';
export { serializeFixture, parseFixture } from './tape/fixture-file.js';
export { validateCassette } from './tape/cassette.js';
export { createRedactor, REDACTED, DEFAULT_REDACTED_HEADERS, DEFAULT_REDACTED_QUERY, DEFAULT_REDACTED_JSON_KEYS } from './tape/redact.js';
export type { Redactor, RedactionOptions } from './tape/redact.js';
export type { MatchOptions, MatchableRequest } from './tape/match.js';
export { SEQUENCE_POLICIES } from './tape/sequence.js';
export type { SequencePolicy } from './tape/sequence.js';

export { startProxy } from './api/start-proxy.js';
export type { StartProxyOptions, RunningProxy, CassetteHandle } from './api/start-proxy.js';
export { withAdminApi, ADMIN_PREFIX } from './api/admin.js';
export type { AdminInfo } from './api/admin.js';
export { Journal } from './journal/journal.js';
export type { JournalEntry, JournalRequest, JournalHeaders } from './journal/journal.js';
export type { ForwardedRequest } from './proxy/handler.js';
