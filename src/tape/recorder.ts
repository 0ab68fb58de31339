import { type Hash, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecoder } from './compression.js';

/** The raw bytes of a recorded body: in memory, or spilled to a temp file once past the limit. */
export type RecordedBytes = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string; size: number; sha256: string };

/**
 * Collects a response body while it streams to the client, memory-bounded:
 * up to `limit` bytes stay in memory, beyond that everything goes to a temp
 * file. `write()` returns false when the file needs to drain (the caller then
 * pauses the upstream, so a slow disk slows the download instead of filling memory).
 */
export class BodyRecorder {
  #chunks: Buffer[] = [];
  #size = 0;
  #file: WriteStream | null = null;
  #filePath: string | null = null;
  #failed: Error | null = null;
  /** sha256 of the bytes written to the file, computed as they pass (no second read). */
  #hash: Hash | null = null;

  constructor(
    private readonly limit: number,
    private readonly tempPath: () => string,
  ) {}

  get size(): number {
    return this.#size;
  }

  write(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#file === null) {
      this.#chunks.push(chunk);
      if (this.#size <= this.limit) return true;
      this.#filePath = this.tempPath();
      this.#file = createWriteStream(this.#filePath);
      this.#file.on('error', (err) => (this.#failed = err));
      this.#hash = createHash('sha256');
      let ok = true;
      for (const c of this.#chunks) {
        this.#hash.update(c);
        ok = this.#file.write(c);
      }
      this.#chunks = [];
      return ok;
    }
    this.#hash!.update(chunk);
    return this.#file.write(chunk);
  }

  /** Calls `fn` once the temp file can take more. */
  onDrain(fn: () => void): void {
    if (this.#file) this.#file.once('drain', fn);
    else fn();
  }

  async finish(): Promise<RecordedBytes> {
    if (this.#file === null) return { kind: 'memory', bytes: Buffer.concat(this.#chunks, this.#size) };
    const file = this.#file;
    await new Promise<void>((resolve, reject) => {
      if (this.#failed) return reject(this.#failed);
      file.once('error', reject);
      file.end(() => resolve());
    });
    return { kind: 'file', path: this.#filePath!, size: this.#size, sha256: this.#hash!.digest('hex') };
  }

  async discard(): Promise<void> {
    this.#chunks = [];
    if (this.#file) {
      this.#file.destroy();
      await rm(this.#filePath!, { force: true });
    }
  }
}

/** A decoded body ready to store: bytes, or a temp file with its size and sha256 (a sidecar to be). */
export type DecodedBody = { kind: 'memory'; bytes: Buffer } | { kind: 'file'; path: string; size: number; sha256: string };

/**
 * Decodes a recorded body (gzip, deflate, br → identity) so fixtures store readable
 * bytes; keeps it in memory when it fits `limit`, else writes it to a temp file.
 * Unknown encodings are stored as received.
 */
export async function decodeRecorded(
  recorded: RecordedBytes,
  encoding: string | undefined,
  limit: number,
  tempPath: () => string,
): Promise<DecodedBody> {
  const decoder = createDecoder(encoding ?? 'identity');
  if (recorded.kind === 'memory') {
    const bytes = decoder === null ? recorded.bytes : await decodeBuffer(recorded.bytes, decoder);
    if (bytes.length <= limit) return { kind: 'memory', bytes };
    const path = tempPath();
    const hash = createHash('sha256').update(bytes);
    await pipeline(async function* () {
      yield bytes;
    }, createWriteStream(path));
    return { kind: 'file', path, size: bytes.length, sha256: hash.digest('hex') };
  }
  // Identity: the raw file is the sidecar, and its hash was taken while it was written.
  if (decoder === null) return recorded;
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const out = tempPath();
  await pipeline(createReadStream(recorded.path), decoder, meter, createWriteStream(out));
  await rm(recorded.path, { force: true });
  if (size <= limit) {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(out);
    await rm(out, { force: true });
    return { kind: 'memory', bytes };
  }
  return { kind: 'file', path: out, size, sha256: hash.digest('hex') };
}

function decodeBuffer(bytes: Buffer, decoder: Transform): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (c: Buffer) => chunks.push(c));
    decoder.on('end', () => resolve(Buffer.concat(chunks)));
    decoder.on('error', reject);
    decoder.end(bytes);
  });
}
