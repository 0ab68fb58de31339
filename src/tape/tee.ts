import { type Readable } from 'node:stream';
import { StreamingBody } from '../proxy/body.js';
import { buffersToRaw } from '../proxy/headers-util.js';
import type { BodyRecorder } from './recorder.js';

/** How a teed body ended: cleanly (with its trailers) or not. */
export type TeeOutcome = { ok: true; trailers: string[] } | { ok: false; error: Error };

/**
 * Splits a response body in two while it streams: every chunk goes to the
 * client-facing body and to the recorder. Backpressure from either side
 * pauses the source — a slow client or a slow disk slows the backend, and
 * memory stays bounded. Resolves `done` when the source ended or failed.
 */
export function teeBody(
  source: StreamingBody | Readable | Buffer | null,
  recorder: BodyRecorder,
): { body: StreamingBody; done: Promise<TeeOutcome> } {
  const out = new StreamingBody();
  let resolveDone!: (outcome: TeeOutcome) => void;
  const done = new Promise<TeeOutcome>((resolve) => (resolveDone = resolve));

  if (source === null || Buffer.isBuffer(source)) {
    if (source !== null && source.length > 0) {
      recorder.write(source);
      out.push(source);
    }
    out.end();
    resolveDone({ ok: true, trailers: [] });
    return { body: out, done };
  }

  const upstream = source instanceof StreamingBody ? source : fromReadable(source);
  let clientFull = false;
  let diskFull = false;
  const maybeResume = (): void => {
    if (!clientFull && !diskFull) upstream.resume();
  };
  out.resumeSource = () => {
    clientFull = false;
    maybeResume();
  };
  out.abortSource = (err) => {
    upstream.destroy(err);
    resolveDone({ ok: false, error: err });
  };
  upstream.attach({
    write(chunk) {
      const toClient = out.push(chunk);
      const toDisk = recorder.write(chunk);
      if (!toClient) clientFull = true;
      if (!toDisk && !diskFull) {
        diskFull = true;
        recorder.onDrain(() => {
          diskFull = false;
          maybeResume();
        });
      }
      return toClient && toDisk;
    },
    end() {
      out.trailers = upstream.trailers;
      out.end();
      resolveDone({ ok: true, trailers: upstream.trailers });
    },
    error(err) {
      out.fail(err);
      resolveDone({ ok: false, error: err });
    },
  });
  return { body: out, done };
}

/** Adapts a Readable (from a custom transport) to the StreamingBody protocol. */
export function fromReadable(readable: Readable): StreamingBody {
  const body = new StreamingBody();
  body.resumeSource = () => readable.resume();
  body.abortSource = (err) => readable.destroy(err);
  readable.on('data', (chunk: Buffer | string) => {
    if (!body.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) readable.pause();
  });
  readable.on('end', () => {
    const trailers = (readable as Readable & { rawTrailers?: (Buffer | string)[] }).rawTrailers;
    if (trailers) body.trailers = buffersToRaw(trailers);
    body.end();
  });
  readable.on('error', (err) => body.fail(err));
  return body;
}
