import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CODES } from '../errors.js';
import { ERROR_CODE_HEADER, SOURCE_HEADER } from '../proxy/response.js';

/** The error Node's HTTP parser hands to 'clientError'. */
export type ClientError = Error & { code?: string; reason?: string };

interface ClientErrorAnswer {
  status: number;
  reason: string;
  what: string;
  hint: string;
}

/**
 * Answers a request Node could not parse ('clientError'): a `400 Bad Request`
 * (431 for oversized headers, 408 for a request that never completed) naming
 * the parser's error code, then closes that socket. Other connections are not
 * affected. A request whose head was parsed but whose body is malformed is answered
 * on its own response (`unanswered`) while that response has not started. When
 * nothing can be written — the client reset the connection, the socket is no longer
 * writable, or a response is already being written on it — the socket is just destroyed.
 */
export function answerClientError(err: ClientError, socket: Duplex, canWrite: boolean, unanswered?: ServerResponse): void {
  // HPE_INVALID_EOF_STATE: the client closed the connection in the middle of a request. Nobody
  // is left to answer; destroying the socket tells the request's handler it is gone.
  const clientGone = err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE';
  if (clientGone || !socket.writable || (!canWrite && unanswered === undefined)) {
    socket.destroy();
    return;
  }
  const answer = describe(err);
  const body = Buffer.from(`${answer.status} ${answer.reason}: ${answer.what} (${detail(err)}). ${answer.hint}\n`, 'utf8');
  if (unanswered !== undefined) {
    // The request's head was fine and its handler runs, but its body is malformed (a bad chunk
    // size): answer on its response, which also tells the handler the request is over.
    unanswered.writeHead(answer.status, answer.reason, [
      SOURCE_HEADER,
      'error',
      ERROR_CODE_HEADER,
      'PROXYTAPE_BAD_REQUEST',
      'content-type',
      'text/plain; charset=utf-8',
      'content-length',
      String(body.length),
      'connection',
      'close',
    ]);
    // Node leaves the request itself open after a parse error: close it too, so whatever reads
    // its body (an upstream request it streams into) learns that it will never complete.
    unanswered.end(body, () => {
      socket.destroy();
      unanswered.req.destroy();
    });
    return;
  }
  const head =
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
    `${SOURCE_HEADER}: error\r\n` +
    `${ERROR_CODE_HEADER}: PROXYTAPE_BAD_REQUEST\r\n` +
    'content-type: text/plain; charset=utf-8\r\n' +
    `content-length: ${body.length}\r\n` +
    'connection: close\r\n' +
    '\r\n';
  // end() flushes the answer before the FIN; destroy once flushed so a client
  // that never closes its side cannot keep the socket (and close()) waiting.
  socket.once('finish', () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

function describe(err: ClientError): ClientErrorAnswer {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      reason: 'Request Header Fields Too Large',
      what: 'the request headers are larger than the server accepts',
      hint: 'Send fewer or smaller headers, or raise the limit with `node --max-http-header-size`.',
    };
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return {
      status: 408,
      reason: 'Request Timeout',
      what: 'the client did not send a complete request in time',
      hint: 'Check the client: it opened the connection but stalled while sending the request.',
    };
  }
  return {
    status: 400,
    reason: 'Bad Request',
    what: 'proxytape could not parse the request',
    hint: ERROR_CODES.PROXYTAPE_BAD_REQUEST.hint,
  };
}

function detail(err: ClientError): string {
  const code = err.code ?? 'UNKNOWN';
  const why = (err.reason ?? err.message).replace(/[\r\n]+/g, ' ').trim();
  return why ? `${code}: ${why}` : code;
}
