/**
 * What proxytape redacts when nothing is configured: data, kept apart from the
 * redactor that applies it (redact.ts).
 */

/** The placeholder written instead of a secret. */
export const REDACTED = '[REDACTED]';

/**
 * Header names (lower-case) whose values are redacted by default, in requests and
 * responses. Besides these, any header whose name has a `token`, `secret`,
 * `password`, `passwd`, `apikey`, `credential(s)` or `api-key` part is redacted
 * (see {@link isSecretHeaderName}).
 */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-apikey',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'x-functions-key',
  'ocp-apim-subscription-key',
  'x-vault-token',
  'private-token',
  'x-gitlab-token',
  'x-client-secret',
  'x-session-token',
  'x-auth',
  'x-authorization',
]);

/**
 * Query parameter names redacted by default. Compared case-insensitively and
 * ignoring `-` and `_`, so `api_key`, `apiKey` and `API-KEY` are one name.
 */
export const DEFAULT_REDACTED_QUERY: readonly string[] = Object.freeze([
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'refresh_token',
  'id_token',
  'auth_token',
  'token',
  'key',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'auth',
  'session',
  'sessionid',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
]);

/**
 * JSON object keys whose values are redacted at any depth, in request and
 * response bodies. Compared like query names: case-insensitively, ignoring `-`
 * and `_` (`clientSecret` matches `client_secret`).
 */
export const DEFAULT_REDACTED_JSON_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'private_key',
  // Request headers echoed back as JSON (`{"headers": {"Authorization": …}}`):
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'x_api_key',
]);

/** Headers whose value is a list of `name=value` cookies: the names stay readable. */
export const COOKIE_HEADERS: readonly string[] = Object.freeze(['cookie']);
export const SET_COOKIE_HEADERS: readonly string[] = Object.freeze(['set-cookie']);
/** `<scheme> <credentials>` headers: the scheme stays readable (`Bearer [REDACTED]`). */
export const AUTH_SCHEME_HEADERS: readonly string[] = Object.freeze(['authorization', 'proxy-authorization']);
/** Headers holding a URL whose query may carry secrets: the URL's secret parameters are redacted. */
export const URL_HEADERS: readonly string[] = Object.freeze(['location', 'content-location', 'referer']);

const SECRET_HEADER_PART = /(?:^|[-_])(?:token|secret|password|passwd|apikey|credentials?|api[-_]key)(?:[-_]|$)/;

/**
 * The name-based rule behind the default header list: `x-mycorp-auth-token`,
 * `x-client-secret-v2`, `my-api-key` are secrets.
 */
export function isSecretHeaderName(lowerName: string): boolean {
  return SECRET_HEADER_PART.test(lowerName);
}

/** How query and JSON names are compared: lower-case, without `-` and `_`. */
export function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}
