import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { ProxyError, type ProxytapeError, isProxyError } from '../errors.js';
import { StreamingBody } from './body.js';
import { type CompiledProxyConfig } from './config.js';
import { type RawHeaders, getRaw } from './headers-util.js';
import { HOP_BY_HOP_HEADERS, connectionTokens } from './hop-headers.js';
import { defaultTransport } from './http-transport.js';
import { toOutgoing } from './proxy.js';
import { buildDownstreamHeaders } from './response-headers.js';
import { SOURCE_HEADER, errorResponse, type ProxySource } from './response.js';
import type { UpgradedResponse, UpstreamResponse } from './transport.js';

/** What happened to one upgrade request. */
export interface UpgradeOutcome {
  status: number;
  source: ProxySource;
  error?: ProxytapeError;
}

/**
 * Tunnels a protocol upgrade (WebSocket, h2c…) to the backend: on 101 the two
 * sockets are piped both ways, and an end from either side is passed on as a
 * half-close (FIN) so the other side may still finish writing. A backend that
 * refuses to switch gets its answer relayed; a failure gets a 502/504 written
 * on the raw socket.
 */
export async function proxyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  config: CompiledProxyConfig,
): Promise<UpgradeOutcome> {
  socket.on('error', () => socket.destroy());
  const protocol = req.headers.upgrade ?? '';
  const transport = config.transport ?? defaultTransport();
  const ac = new AbortController();
  const onClientClose = (): void =>
    ac.abort(
      new ProxyError('PROXYTAPE_CLIENT_ABORTED', `Client closed the connection before the upgrade of ${req.method} ${req.url} completed.`, {
        method: req.method,
        url: req.url,
      }),
    );
  socket.once('close', onClientClose);
  try {
    if (!transport.upgrade) {
      throw new ProxyError(
        'PROXYTAPE_UPSTREAM_ERROR',
        `Failed to proxy ${req.method} ${req.url}: this transport cannot tunnel protocol upgrades (Upgrade: ${protocol}).`,
        { method: req.method, url: req.url },
      );
    }
    const outgoing = toOutgoing(req, config, { signal: ac.signal }, ProxyError);
    // The client's Upgrade/Connection headers are hop-by-hop; undici sends its own for `upgrade`.
    const answer = await transport.upgrade(outgoing, protocol);
    socket.off('close', onClientClose);
    if (answer.status === 101 && 'socket' in answer) {
      tunnel(socket, head, answer);
      return { status: 101, source: 'proxied' };
    }
    await relayResponse(socket, answer as UpstreamResponse);
    return { status: answer.status, source: (answer as UpstreamResponse).source };
  } catch (err) {
    socket.off('close', onClientClose);
    const error = isProxyError(err)
      ? err
      : new ProxyError('PROXYTAPE_UPSTREAM_ERROR', `Failed to proxy ${req.method} ${req.url}: ${(err as Error).message}`, {
          method: req.method,
          url: req.url,
          cause: err,
        });
    if (!socket.destroyed) {
      const response = errorResponse(error);
      writeHeadRaw(socket, response.status, response.rawHeaders.concat(['connection', 'close']));
      socket.end(response.body as Buffer);
    }
    return { status: error.status, source: 'error', error };
  }
}

function tunnel(client: Duplex, head: Buffer, upstream: UpgradedResponse): void {
  const { socket } = upstream;
  // undici's sockets are not half-open; a tunnel must pass each side's FIN on and keep the other direction open.
  (socket as Duplex & { allowHalfOpen: boolean }).allowHalfOpen = true;
  const raw = upgradeHeaders(upstream.rawHeaders);
  writeHeadRaw(client, 101, raw);
  if (head.length > 0) socket.write(head);
  socket.on('error', () => client.destroy());
  client.on('error', () => socket.destroy());
  // A side that closes after a clean exchange of FINs leaves the other side alone: the pipe has
  // already ended it, and destroying it now would drop writes still buffered for a slow reader.
  // A side that closes any other way (reset, error, destroyed) takes the other side down.
  socket.on('close', () => closePeer(socket, client));
  client.on('close', () => closePeer(client, socket));
  client.pipe(socket);
  socket.pipe(client);
}

function closePeer(closed: Duplex, peer: Duplex): void {
  if (closed.readableEnded && closed.writableFinished && !closed.errored) return;
  peer.destroy();
}

/** 101 headers: hop-by-hop stripped, then Connection/Upgrade restored as the switch requires. */
function upgradeHeaders(upstreamRaw: RawHeaders): RawHeaders {
  const named = connectionTokens(upstreamRaw);
  const out: RawHeaders = [];
  for (let i = 0; i < upstreamRaw.length; i += 2) {
    const lower = upstreamRaw[i]!.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(lower) || (named?.has(lower) ?? false) || lower === SOURCE_HEADER) continue;
    out.push(upstreamRaw[i]!, upstreamRaw[i + 1]!);
  }
  const protocol = getRaw(upstreamRaw, 'upgrade');
  out.unshift('connection', 'Upgrade');
  if (protocol) out.splice(2, 0, 'upgrade', protocol);
  out.push(SOURCE_HEADER, 'proxied');
  return out;
}

async function relayResponse(client: Duplex, answer: UpstreamResponse): Promise<void> {
  const raw = buildDownstreamHeaders(answer.rawHeaders, answer.source).filter((_, i, a) => {
    const name = (i % 2 === 0 ? a[i] : a[i - 1])!.toLowerCase();
    return name !== 'content-length';
  });
  const chunks: Buffer[] = [];
  const source = answer.body instanceof StreamingBody ? answer.body.toReadable() : answer.body;
  if (source instanceof Readable) for await (const c of source) chunks.push(c as Buffer);
  else if (source) chunks.push(source);
  const body = Buffer.concat(chunks);
  writeHeadRaw(client, answer.status, raw.concat(['content-length', String(body.length), 'connection', 'close']), answer.statusText);
  client.end(body);
}

function writeHeadRaw(socket: Duplex, status: number, raw: RawHeaders, statusText?: string): void {
  let head = `HTTP/1.1 ${status} ${statusText || STATUS_CODES[status] || ''}\r\n`;
  for (let i = 0; i < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  socket.write(`${head}\r\n`, 'latin1');
}
