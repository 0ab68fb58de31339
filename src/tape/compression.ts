/**
 * Content-Encoding handling for fixtures: responses are recorded decoded (so a
 * fixture is readable and diffable) with the backend's encoding noted, and
 * re-encoded on replay when the client's Accept-Encoding allows it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** The content codings proxytape decodes when recording and re-applies on replay. */
export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'br'] as const;

/** One of {@link SUPPORTED_ENCODINGS}. */
export type SupportedEncoding = (typeof SUPPORTED_ENCODINGS)[number];

/**
 * The supported coding a Content-Encoding value names (`x-gzip` is gzip, RFC 9110 §8.4.1.3),
 * or `undefined` for identity, unknown codings and stacked ones (`gzip, br`), which are stored as they came.
 *
 * @example
 * ```ts
 * normalizeEncoding(' GZIP '); // 'gzip'
 * normalizeEncoding('zstd');   // undefined
 * ```
 */
export function normalizeEncoding(encoding: string | undefined): SupportedEncoding | undefined {
  const coding = encoding?.trim().toLowerCase();
  if (coding === 'x-gzip') return 'gzip';
  return (SUPPORTED_ENCODINGS as readonly string[]).includes(coding ?? '') ? (coding as SupportedEncoding) : undefined;
}

/**
 * HTTP "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send raw
 * deflate. Like browsers and undici, look at the first byte and pick the inflater.
 */
class DeflateDecoder extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;
  private done: TransformCallback | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.inner === undefined) {
      // A zlib header's first byte has compression method 8 in its low nibble (0x78 in practice).
      const first = chunk[0];
      if (first === undefined) {
        callback();
        return;
      }
      this.inner = (first & 0x0f) === 0x08 ? zlib.createInflate() : zlib.createInflateRaw();
      this.inner.on('data', (data: Buffer) => this.push(data));
      this.inner.on('error', (err) => (this.done ?? ((e: Error) => this.destroy(e)))(err));
      this.inner.on('end', () => this.done?.());
    }
    this.inner.write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (this.inner === undefined) {
      callback();
      return;
    }
    this.done = callback;
    this.inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }
}

/**
 * A stream that decodes a response body sent with `Content-Encoding: encoding`,
 * or `null` when there is nothing to decode (identity, unknown or stacked codings).
 *
 * @example
 * ```ts
 * const decoder = createDecoder(headers['content-encoding'] ?? '');
 * const decoded = decoder ? upstreamBody.pipe(decoder) : upstreamBody;
 * ```
 */
export function createDecoder(encoding: string): Transform | null {
  switch (normalizeEncoding(encoding)) {
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return new DeflateDecoder();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return null;
  }
}

/** Fixed settings: the same bytes always encode to the same output (on one zlib build). */
const GZIP_OPTIONS: zlib.ZlibOptions = { level: 6 };
/** Brotli's default quality 11 costs seconds per MiB; 5 compresses about as well as gzip -6, faster. */
const BROTLI_OPTIONS: zlib.BrotliOptions = {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC },
};

/**
 * Encodes a decoded body for replay. Deterministic: fixed level, and node's
 * zlib writes gzip headers with mtime 0.
 *
 * @example
 * ```ts
 * const gz = encode(Buffer.from('{"ok":true}'), 'gzip');
 * zlib.gunzipSync(gz).toString(); // '{"ok":true}'
 * ```
 */
export function encode(bytes: Buffer, encoding: SupportedEncoding): Buffer {
  switch (encoding) {
    case 'gzip':
      return zlib.gzipSync(bytes, GZIP_OPTIONS);
    case 'deflate':
      return zlib.deflateSync(bytes, GZIP_OPTIONS);
    case 'br':
      return zlib.brotliCompressSync(bytes, {
        ...BROTLI_OPTIONS,
        params: { ...BROTLI_OPTIONS.params, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      });
  }
}

/** A qvalue (RFC 9110 §12.4.2): `0` to `1` with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The weight Accept-Encoding gives each coding, lower-cased; `x-gzip` counts as gzip.
 * A malformed element (bad q) is ignored, as RFC 9110 lets a recipient do.
 */
function weights(acceptEncoding: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const element of acceptEncoding.split(',')) {
    const [rawCoding = '', ...params] = element.split(';');
    let coding = rawCoding.trim().toLowerCase();
    if (coding === '') continue;
    if (coding === 'x-gzip') coding = 'gzip';
    let q = 1;
    let valid = true;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=').map((s) => s.trim());
      if (name.toLowerCase() !== 'q') continue;
      if (!QVALUE.test(value)) valid = false;
      else q = Number(value);
    }
    // Repeated codings: the most specific rule is ambiguous, keep the first like most servers.
    if (valid && !out.has(coding)) out.set(coding, q);
  }
  return out;
}

/**
 * Whether a client sending `acceptEncoding` accepts a response with Content-Encoding `encoding`
 * (RFC 9110 §12.5.3): an explicit entry wins over `*`; q=0 means "not acceptable"; identity is
 * acceptable unless refused by `identity;q=0` or `*;q=0`. Without an Accept-Encoding header only
 * identity is used: the RFC allows any coding, but clients that send none (curl, scripts)
 * rarely decode, so a test proxy plays safe.
 *
 * @example
 * ```ts
 * acceptsEncoding('gzip, br;q=0', 'br');   // false
 * acceptsEncoding('*', 'gzip');            // true
 * acceptsEncoding(undefined, 'identity');  // true
 * ```
 */
export function acceptsEncoding(acceptEncoding: string | undefined, encoding: string): boolean {
  let coding = encoding.trim().toLowerCase();
  if (coding === 'x-gzip') coding = 'gzip';
  if (acceptEncoding === undefined) return coding === 'identity';
  const table = weights(acceptEncoding);
  const q = table.get(coding) ?? table.get('*');
  if (q === undefined) return coding === 'identity';
  return q > 0;
}

/**
 * The Content-Encoding to replay a fixture with: the recorded one when the client accepts it, else identity.
 *
 * @example
 * ```ts
 * chooseEncoding('gzip, deflate', 'gzip'); // 'gzip'
 * chooseEncoding(undefined, 'gzip');       // 'identity'
 * ```
 */
export function chooseEncoding(acceptEncoding: string | undefined, recorded: string | undefined): SupportedEncoding | 'identity' {
  const coding = normalizeEncoding(recorded);
  return coding !== undefined && acceptsEncoding(acceptEncoding, coding) ? coding : 'identity';
}
