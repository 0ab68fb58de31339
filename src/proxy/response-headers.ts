import type { RawHeaders } from './headers-util.js';
import { HOP_BY_HOP_HEADERS, connectionTokens } from './hop-headers.js';
import { SOURCE_HEADER, type ProxySource } from './response.js';

/**
 * Builds the headers sent to the client from the upstream response: drops
 * hop-by-hop headers and those named in `Connection`, re-announces `Trailer`
 * (the proxy forwards trailers, so the announcement stays true), and adds
 * `x-proxytape: <source>`. Repeated headers (Set-Cookie) stay separate lines.
 */
export function buildDownstreamHeaders(upstream: RawHeaders, source: ProxySource): RawHeaders {
  const named = connectionTokens(upstream);
  const out: RawHeaders = [];
  for (let i = 0; i < upstream.length; i += 2) {
    const name = upstream[i]!;
    const lower = name.toLowerCase();
    if (lower === 'trailer') {
      out.push(name, upstream[i + 1]!);
      continue;
    }
    if (HOP_BY_HOP_HEADERS.has(lower) || lower === SOURCE_HEADER) continue;
    if (named !== null && named.has(lower)) continue;
    out.push(name, upstream[i + 1]!);
  }
  out.push(SOURCE_HEADER, source);
  return out;
}
