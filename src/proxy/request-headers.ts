import type { CompiledProxyConfig } from './config.js';
import type { RawHeaders } from './headers-util.js';
import { tokens } from './headers-util.js';
import { HOP_BY_HOP_HEADERS, connectionTokens } from './hop-headers.js';

/** Request headers starting with this prefix steer proxytape and are never forwarded. */
export const CONTROL_HEADER_PREFIX = 'x-proxytape-';

/** What the header policy needs to know about the client connection. */
export interface ClientInfo {
  /** Client IP appended to X-Forwarded-For; omitted when unknown. */
  ip: string | undefined;
  /** 'http' or 'https': how the client reached the proxy. */
  proto: string;
}

/**
 * Builds the headers sent upstream from the client's raw headers:
 * - drops hop-by-hop headers and every header the client named in `Connection`;
 * - keeps `TE: trailers` only (and only when the client's TE listed it);
 * - sets Host by policy; drops `Expect` (the proxy answers 100-continue itself);
 * - appends the client IP to X-Forwarded-For and sets X-Forwarded-Host/Proto — after
 *   the Connection-named removal, so a client's `Connection: X-Forwarded-For` can't strip them;
 * - invents nothing else (no User-Agent).
 */
export function buildUpstreamHeaders(inbound: RawHeaders, config: CompiledProxyConfig, client: ClientInfo): RawHeaders {
  const named = connectionTokens(inbound);
  const xf = config.xForwarded;
  const out: RawHeaders = [];
  let incomingHost: string | undefined;
  let priorXff: string[] | undefined;
  let teTrailers = false;

  for (let i = 0; i < inbound.length; i += 2) {
    const name = inbound[i]!;
    const value = inbound[i + 1]!;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      incomingHost ??= value;
      continue;
    }
    if (lower === 'te') {
      if (tokens(value).some((t) => t === 'trailers' || t.startsWith('trailers;'))) teTrailers = true;
      continue;
    }
    if (HOP_BY_HOP_HEADERS.has(lower) || lower === 'expect') continue;
    // proxytape's own control headers (x-proxytape-cassette…) are for the proxy, never the backend.
    if (lower.startsWith(CONTROL_HEADER_PREFIX)) continue;
    if (named !== null && named.has(lower)) continue;
    if (xf && lower.startsWith('x-forwarded-')) {
      if (lower === 'x-forwarded-for') (priorXff ??= []).push(value);
      if (lower === 'x-forwarded-for' || lower === 'x-forwarded-host' || lower === 'x-forwarded-proto') continue;
    }
    out.push(name, value);
  }

  const host = config.hostHeader ?? incomingHost;
  // Host goes first, where an ordinary client puts it.
  if (host !== undefined) out.unshift('host', host);
  if (teTrailers) out.push('te', 'trailers');
  if (xf) {
    if (client.ip !== undefined) {
      out.push('x-forwarded-for', priorXff ? `${priorXff.join(', ')}, ${client.ip}` : client.ip);
    } else if (priorXff) {
      out.push('x-forwarded-for', priorXff.join(', '));
    }
    if (incomingHost !== undefined) out.push('x-forwarded-host', incomingHost);
    out.push('x-forwarded-proto', client.proto);
  }
  return out;
}

/**
 * Joins the target's base path and query with the client's request target, keeping
 * the client's bytes as they are (`%2F`, `;`, invalid escapes are never decoded).
 */
export function joinPath(config: CompiledProxyConfig, requestTarget: string): string {
  let target = requestTarget;
  // Absolute-form (`GET http://host/path`): keep only the path and query.
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
    target = m ? target.slice(m[0].length) : `/${target === '*' ? '' : target}`;
    if (target === '' || target.charCodeAt(0) !== 47) target = `/${target}`;
  }
  const { basePath, baseQuery } = config;
  if (basePath === '' && baseQuery === '') return target;
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  let query = q === -1 ? '' : target.slice(q + 1);
  if (basePath !== '') path = basePath + path;
  if (baseQuery !== '') query = query === '' ? baseQuery : `${baseQuery}&${query}`;
  return query === '' && q === -1 ? path : `${path}?${query}`;
}
