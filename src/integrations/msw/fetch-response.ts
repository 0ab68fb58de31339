/**
 * Fixtures and proxytape error responses as Fetch `Response`s, with the
 * headers the proxy would have sent (less what only a socket needs).
 */
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { ProxyError, type ProxytapeError } from '../../errors.js';
import type { RawHeaders } from '../../proxy/headers-util.js';
import { errorResponse } from '../../proxy/response.js';
import { buildDownstreamHeaders } from '../../proxy/response-headers.js';
import { replayResponse } from '../../tape/replay.js';
import type { StoredFixture } from '../../tape/types.js';

/**
 * The Response a fixture replays: status, status text, the recorded headers plus
 * `content-length` and `x-proxytape: replayed`, and the recorded body, always identity.
 *
 * Why identity: the proxy re-compresses when the client accepts it, and fetch decodes that
 * transparently — but fetch does not decode a mocked Response, and the `Request` msw sees does
 * not carry the `Accept-Encoding` fetch adds on the wire. Sending the decoded bytes gives the
 * application exactly what it reads through the proxy. Trailers cannot travel in a Fetch
 * Response and are left out.
 *
 * @example
 * ```ts
 * const response = fixtureResponse(stored, request.method);
 * response.headers.get('x-proxytape'); // 'replayed'
 * ```
 */
export function fixtureResponse(stored: StoredFixture, method: string): Response {
  const { status } = stored.fixture.response;
  if (status < 200 || status > 599) {
    // The proxy can relay these; a Fetch Response cannot represent them.
    return proxytapeErrorResponse(
      new ProxyError(
        'PROXYTAPE_UPSTREAM_INVALID_RESPONSE',
        `Failed to replay ${method} ${stored.fixture.request.path} from ${stored.path}: status ${status} cannot be represented by a Fetch Response (200–599). Replay this fixture through the proxy instead of msw.`,
        { method },
      ),
      method,
    );
  }
  // No Accept-Encoding: replayResponse sends identity with an exact Content-Length.
  const replayed = replayResponse(stored, method, undefined);
  const headers = withoutTrailerAnnouncement(buildDownstreamHeaders(replayed.rawHeaders, 'replayed'));
  const body = replayed.body;
  let init: Buffer | ReadableStream<Uint8Array> | null = null;
  if (Buffer.isBuffer(body)) init = body;
  else if (body instanceof Readable) init = Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
  return new Response(init, { status, statusText: reasonPhrase(status, replayed.statusText), headers: toHeaders(headers) });
}

/**
 * The proxy's error response for a proxytape error (miss, exhausted sequence, invalid cassette):
 * the code's status, `x-proxytape: miss` or `error`, `x-proxytape-error: <code>`, and the text body
 * `502 Bad Gateway (PROXYTAPE_REPLAY_MISS)\n<message>\n` — no body for HEAD, as on the wire.
 *
 * @example
 * ```ts
 * const response = proxytapeErrorResponse(missError, request.method);
 * response.status; // 502
 * ```
 */
export function proxytapeErrorResponse(error: ProxytapeError, method: string): Response {
  const proxied = errorResponse(error);
  const body = proxied.body;
  return new Response(Buffer.isBuffer(body) && method !== 'HEAD' ? body : null, {
    status: proxied.status,
    statusText: reasonPhrase(proxied.status, proxied.statusText),
    headers: toHeaders(proxied.rawHeaders),
  });
}

/** Node's server sends its standard reason phrase when none is given: do the same. */
function reasonPhrase(status: number, recorded: string): string {
  return recorded !== '' ? recorded : (STATUS_CODES[status] ?? '');
}

function toHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** A `Trailer` header promises trailers a Fetch Response cannot deliver. */
function withoutTrailerAnnouncement(raw: RawHeaders): RawHeaders {
  const out: RawHeaders = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'trailer') out.push(raw[i]!, raw[i + 1]!);
  return out;
}
