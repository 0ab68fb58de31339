import type { RawHeaders } from './headers-util.js';
import { tokens } from './headers-util.js';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1, and the list Go's httputil.ReverseProxy
 * strips): they describe one connection, never the message, so they are
 * removed in both directions along with every header named in `Connection`.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Lower-case names listed in every `Connection` header line (empty tokens ignored); null when
 * none. Tokens that are hop-by-hop anyway (`keep-alive`, `close`, `upgrade`…) are left out, so
 * the common `Connection: keep-alive` costs no allocation.
 */
export function connectionTokens(raw: RawHeaders): Set<string> | null {
  let out: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'connection') continue;
    const value = raw[i + 1]!;
    const lower = value.toLowerCase();
    if (lower === 'keep-alive' || lower === 'close' || lower === 'upgrade') continue;
    for (const t of tokens(value)) {
      if (t === 'close' || HOP_BY_HOP_HEADERS.has(t)) continue;
      (out ??= new Set()).add(t);
    }
  }
  return out;
}
