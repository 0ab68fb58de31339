import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  SUPPORTED_ENCODINGS,
  acceptsEncoding,
  chooseEncoding,
  createDecoder,
  encode,
  normalizeEncoding,
} from '../../../src/tape/compression.js';

/** Pipes `bytes` through a decoder in small chunks, as a response body arrives. */
async function decode(bytes: Buffer, encoding: string): Promise<Buffer> {
  const decoder = createDecoder(encoding);
  if (decoder === null) throw new Error(`no decoder for ${encoding}`);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => bytes.subarray(i * 1000, (i + 1) * 1000));
  return buffer(Readable.from(chunks).pipe(decoder));
}

describe('compression', () => {
  const json = Buffer.from(JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `item ${i}` })) }));
  const binary = randomBytes(64 * 1024);

  it('supports exactly gzip, deflate and br', () => {
    expect(SUPPORTED_ENCODINGS).toEqual(['gzip', 'deflate', 'br']);
  });

  it.each(SUPPORTED_ENCODINGS.flatMap((encoding) => [[encoding, 'JSON', json] as const, [encoding, 'binary', binary] as const]))(
    '%s round-trips %s through encode and createDecoder',
    async (encoding, _kind, bytes) => {
      const encoded = encode(bytes, encoding);
      expect((await decode(encoded, encoding)).equals(bytes)).toBe(true);
    },
  );

  it.each(SUPPORTED_ENCODINGS)('%s encoding is deterministic', (encoding) => {
    expect(encode(json, encoding).equals(encode(json, encoding))).toBe(true);
  });

  it('writes gzip headers with mtime 0', () => {
    expect(encode(json, 'gzip').readUInt32LE(4)).toBe(0);
  });

  it('decodes what other encoders produce: zlib gzip, x-gzip, and raw deflate sent as "deflate"', async () => {
    expect((await decode(zlib.gzipSync(json, { level: 9 }), 'x-gzip')).equals(json)).toBe(true);
    expect((await decode(zlib.deflateRawSync(json), 'deflate')).equals(json)).toBe(true);
    expect((await decode(zlib.brotliCompressSync(json), ' BR ')).equals(json)).toBe(true);
  });

  it('fails the stream on a corrupt body', async () => {
    await expect(decode(Buffer.from('not gzip at all'), 'gzip')).rejects.toThrow(/incorrect header check/);
    await expect(decode(Buffer.from([0x78, 0x9c, 0xff, 0xff]), 'deflate')).rejects.toThrow();
  });

  it.each(['identity', '', 'zstd', 'gzip, br', 'compress'])('has no decoder for %j', (encoding) => {
    expect(createDecoder(encoding)).toBeNull();
    expect(normalizeEncoding(encoding)).toBeUndefined();
  });

  it.each<[string | undefined, string, boolean]>([
    [undefined, 'gzip', false],
    [undefined, 'identity', true],
    ['', 'gzip', false],
    ['', 'identity', true],
    ['gzip', 'gzip', true],
    ['GZIP', 'gzip', true],
    ['x-gzip', 'gzip', true],
    ['gzip', 'x-gzip', true],
    ['gzip, deflate, br', 'br', true],
    ['gzip, deflate', 'br', false],
    ['gzip;q=0', 'gzip', false],
    ['gzip;q=0.0', 'gzip', false],
    ['gzip; q=0.001', 'gzip', true],
    ['br;q=1.0, gzip;q=0.5', 'gzip', true],
    ['*', 'br', true],
    ['*;q=0', 'br', false],
    ['*;q=0, gzip', 'gzip', true],
    ['gzip;q=0, *', 'gzip', false],
    ['*', 'identity', true],
    ['*;q=0', 'identity', false],
    ['identity;q=0', 'identity', false],
    ['identity;q=0, *', 'identity', false],
    ['*;q=0, identity', 'identity', true],
    ['gzip', 'identity', true],
    ['gzip;q=2', 'gzip', false],
    ['gzip;q=abc, *;q=0', 'gzip', false],
    [' gzip ;  q=0.8 , deflate', 'gzip', true],
  ])('acceptsEncoding(%j, %j) is %s', (header, encoding, expected) => {
    expect(acceptsEncoding(header, encoding)).toBe(expected);
  });

  it.each<[string | undefined, string | undefined, string]>([
    ['gzip, deflate', 'gzip', 'gzip'],
    ['br', 'gzip', 'identity'],
    [undefined, 'br', 'identity'],
    ['*', undefined, 'identity'],
    ['*', 'zstd', 'identity'],
  ])('chooseEncoding(%j, %j) is %s', (header, recorded, expected) => {
    expect(chooseEncoding(header, recorded)).toBe(expected);
  });
});
