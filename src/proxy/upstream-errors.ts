import { type ErrorCode, ProxyError, describeFailure, isProxytapeError } from '../errors.js';
import type { OutgoingRequest } from './transport.js';

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** Which stable code an upstream failure maps to, before or after the response headers. */
export function classifyUpstreamError(err: unknown, afterHeaders: boolean): ErrorCode {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  // undici 7's HTTPParserError usually has no code (its llhttp error-name lookup yields undefined): match the name.
  const parserError = e?.name === 'HTTPParserError';
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'PROXYTAPE_BODY_TIMEOUT';
  if (afterHeaders) return 'PROXYTAPE_UPSTREAM_BODY_ABORTED';
  if (code === 'ECONNREFUSED') return 'PROXYTAPE_UPSTREAM_REFUSED';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') return 'PROXYTAPE_UPSTREAM_DNS';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'PROXYTAPE_CONNECT_TIMEOUT';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'PROXYTAPE_HEADERS_TIMEOUT';
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'PROXYTAPE_UPSTREAM_TLS';
  if (
    parserError ||
    code.startsWith('HPE_') ||
    code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
    message === 'bad response' ||
    message === 'bad upgrade'
  ) {
    return 'PROXYTAPE_UPSTREAM_INVALID_RESPONSE';
  }
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'PROXYTAPE_REQUEST_BODY';
  if (RESET_CODES.has(code)) return 'PROXYTAPE_UPSTREAM_RESET';
  return 'PROXYTAPE_UPSTREAM_ERROR';
}

/**
 * Wraps an undici/socket failure in a `ProxyError` naming the request, the
 * upstream URL and how to fix it. An error that is already a proxytape error
 * (a client abort, a request-body failure) passes through unchanged.
 */
export function toProxyError(err: unknown, request: OutgoingRequest, afterHeaders: boolean): ProxyError {
  if (isProxytapeError(err) && err instanceof ProxyError) return err;
  if (isProxytapeError(err)) {
    return new ProxyError(err.code, err.message, { method: err.method, url: err.url, upstream: err.upstream, cause: err });
  }
  const { method, url } = request.inbound;
  const upstream = request.origin + request.path;
  let code = classifyUpstreamError(err, afterHeaders);
  // A failing client upload surfaces as an upstream error from undici; name the real culprit.
  const body = request.body as { errored?: unknown } | null;
  if (body && typeof body === 'object' && 'errored' in body && body.errored) code = 'PROXYTAPE_REQUEST_BODY';
  const e = err as { code?: unknown; message?: unknown } | null;
  const detail = `${upstream}: ${typeof e?.code === 'string' ? `${e.code} ` : ''}${typeof e?.message === 'string' ? e.message : String(err)}`;
  return new ProxyError(code, describeFailure(code, method, url, detail), { method, url, upstream, cause: err });
}
