import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sends `value` as pretty JSON with an exact Content-Length. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, { 'content-type': 'application/json; charset=utf-8', ...headers });
}

/** Sends a UTF-8 text body with an exact Content-Length. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  send(res, status, text, { 'content-type': 'text/plain; charset=utf-8', ...headers });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** Largest request body the demo accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole request body; rejects with a message when it exceeds `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
