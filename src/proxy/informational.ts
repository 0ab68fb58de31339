import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RawHeaders } from './headers-util.js';
import { HOP_BY_HOP_HEADERS } from './hop-headers.js';

/**
 * Relays a 1xx interim response (103 Early Hints, 102 Processing) to an
 * HTTP/1.1 client before the final response. 100 Continue is Node's own
 * business (it answers `Expect` itself) and 101 goes through the upgrade path.
 * Written straight to the socket because Node's writeEarlyHints() drops 103s
 * without a Link header and knows no other 1xx.
 */
export function writeInformational(req: IncomingMessage, res: ServerResponse, status: number, raw: RawHeaders): void {
  if (status === 100 || status === 101 || status < 100 || status > 199) return;
  if (res.headersSent || req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor < 1)) return;
  // For a pipelined request still queued behind another, res.socket is null: skip rather than interleave.
  const socket = res.socket;
  if (!socket || socket.destroyed || !socket.writable) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Informational'}\r\n`;
  for (let i = 0; i < raw.length; i += 2) {
    if (HOP_BY_HOP_HEADERS.has(raw[i]!.toLowerCase())) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  socket.write(`${head}\r\n`, 'latin1');
}
