/**
 * Bodies in fixtures: stored readable (JSON as JSON, UTF-8 as text, binary as
 * base64, large bodies in a sidecar file) and replayed byte-exact. The rule that
 * makes both possible: a body is stored in a readable form only when that form
 * converts back to exactly the recorded bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { type Readable, Transform } from 'node:stream';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CODES, ProxytapeError } from '../errors.js';
import { SIDECAR_FILE } from './fixture-validate.js';
import type { StoredBody } from './types.js';

/** Bodies larger than this (bytes) go to a sidecar file instead of the fixture JSON. */
export const DEFAULT_INLINE_LIMIT = 256 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `application/json`, `application/problem+json`, `application/vnd.api+json`… (parameters ignored). */
export function isJsonContentType(contentType: string | undefined): boolean {
  const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || (media.includes('/') && media.endsWith('+json'));
}

/** Decodes strict UTF-8 (a BOM is kept as U+FEFF), or `undefined` for invalid UTF-8. */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Control characters other than tab, LF and CR (and DEL) mark a body as binary. */
// eslint-disable-next-line no-control-regex
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The JSON.stringify `space` a text was pretty-printed with, judged from its second line. */
function detectIndent(text: string): number | '\t' | undefined {
  const match = /^[[{]\n([ \t]+)/.exec(text);
  const lead = match?.[1];
  if (lead === undefined) return undefined;
  if (lead === '\t') return '\t';
  return /^ {1,10}$/.test(lead) ? lead.length : undefined;
}

/** Re-serialises a stored JSON body with its recorded layout. */
function renderJson(body: Extract<StoredBody, { encoding: 'json' }>): string | undefined {
  const text = body.indent === undefined ? JSON.stringify(body.json) : JSON.stringify(body.json, null, body.indent);
  if (text === undefined) return undefined;
  return body.trailingNewline === true ? `${text}\n` : text;
}

/**
 * Tries to store `text` as a JSON value: only when re-serialising the parsed value
 * (compact, or pretty with the detected indent, with or without one trailing newline)
 * reproduces it exactly. Reordered integer keys, `1.0`, `\u00e9` escapes, odd spacing:
 * all fail the check and are stored as text instead.
 */
function asJson(text: string): StoredBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const trailingNewline = text.endsWith('\n') && !text.endsWith('\n\n');
  const core = trailingNewline ? text.slice(0, -1) : text;
  const indent = detectIndent(core);
  const body: StoredBody = { encoding: 'json', json };
  if (indent !== undefined) body.indent = indent;
  if (trailingNewline) body.trailingNewline = true;
  return renderJson(body) === text ? body : undefined;
}

/**
 * Chooses how to store a body inline: `null` for no bytes; a JSON value for a JSON
 * content type whose bytes re-serialise exactly; text for UTF-8 without binary control
 * characters; base64 otherwise. Always reversible with {@link loadBody}, byte for byte.
 * (Bodies over the inline limit are the store's business: see `FixtureStore.write`.)
 *
 * @example
 * ```ts
 * storeBody(Buffer.from('{"id":1}'), 'application/json');       // { encoding: 'json', json: { id: 1 } }
 * storeBody(Buffer.from('{"id": 1}'), 'application/json');      // { encoding: 'text', text: '{"id": 1}' }
 * storeBody(Buffer.from([0xff, 0x00]), 'application/octet-stream'); // { encoding: 'base64', base64: '/wA=' }
 * ```
 */
export function storeBody(bytes: Buffer, contentType: string | undefined): StoredBody {
  if (bytes.length === 0) return null;
  const text = decodeUtf8(bytes);
  if (text === undefined) return { encoding: 'base64', base64: bytes.toString('base64') };
  if (isJsonContentType(contentType)) {
    const json = asJson(text);
    if (json !== undefined) return json;
  }
  if (BINARY_CONTROL.test(text)) return { encoding: 'base64', base64: bytes.toString('base64') };
  return { encoding: 'text', text };
}

function corrupt(fixturePath: string, problem: string, cause?: unknown): ProxytapeError {
  return new ProxytapeError(
    'PROXYTAPE_FIXTURE_CORRUPT',
    `Cannot load fixture ${fixturePath}: ${problem}. ${ERROR_CODES.PROXYTAPE_FIXTURE_CORRUPT.hint}`,
    cause === undefined ? {} : { cause },
  );
}

/** The absolute path of a `file` body's sidecar; refuses names that would leave the fixture's directory. */
export function sidecarPath(body: Extract<StoredBody, { encoding: 'file' }>, fixturePath: string): string {
  if (!SIDECAR_FILE.test(body.file))
    throw corrupt(fixturePath, `"response.body.file" ${JSON.stringify(body.file)} is not a plain file name`);
  return path.join(path.dirname(fixturePath), body.file);
}

function checkSidecar(bytes: Buffer, body: Extract<StoredBody, { encoding: 'file' }>, file: string, fixturePath: string): Buffer {
  if (bytes.length !== body.size) {
    throw corrupt(fixturePath, `body sidecar ${file} has ${bytes.length} bytes, the fixture says ${body.size}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== body.sha256) {
    throw corrupt(fixturePath, `body sidecar ${file} does not match the fixture's sha256 (expected ${body.sha256}, got ${sha256})`);
  }
  return bytes;
}

function sidecarError(err: unknown, file: string, fixturePath: string): ProxytapeError {
  const code = (err as NodeJS.ErrnoException).code;
  const problem = code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})`;
  return corrupt(fixturePath, `body sidecar ${file} ${problem}`, err);
}

function inline(body: Exclude<StoredBody, { encoding: 'file' }>, fixturePath: string): Buffer {
  if (body === null) return Buffer.alloc(0);
  switch (body.encoding) {
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'base64':
      return Buffer.from(body.base64, 'base64');
    case 'json': {
      const text = renderJson(body);
      if (text === undefined) throw corrupt(fixturePath, 'a json body has no JSON value');
      return Buffer.from(text, 'utf8');
    }
  }
}

/**
 * The exact bytes of a stored body. A `file` body is read from its sidecar next to
 * `fixturePath` and checked against the recorded size and sha256; a missing or
 * different sidecar throws `PROXYTAPE_FIXTURE_CORRUPT` naming it.
 *
 * @example
 * ```ts
 * loadBody({ encoding: 'json', json: { id: 1 }, indent: 2 }, fixturePath).toString(); // '{\n  "id": 1\n}'
 * ```
 */
export function loadBody(body: StoredBody, fixturePath: string): Buffer {
  if (body === null || body.encoding !== 'file') return inline(body, fixturePath);
  const file = sidecarPath(body, fixturePath);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw sidecarError(err, file, fixturePath);
  }
  return checkSidecar(bytes, body, file, fixturePath);
}

/**
 * {@link loadBody} without blocking the event loop on a sidecar read (for large bodies at replay time).
 *
 * @example
 * ```ts
 * const bytes = await loadBodyAsync(stored.fixture.response.body, stored.path);
 * ```
 */
export async function loadBodyAsync(body: StoredBody, fixturePath: string): Promise<Buffer> {
  if (body === null || body.encoding !== 'file') return inline(body, fixturePath);
  const file = sidecarPath(body, fixturePath);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw sidecarError(err, file, fixturePath);
  }
  return checkSidecar(bytes, body, file, fixturePath);
}

/**
 * Streams a `file` body from its sidecar, checking it against the recorded size and
 * sha256 as it goes. The last chunk is held back until the whole file has been read and
 * checked, so a damaged sidecar never reaches a client complete: the stream fails with
 * `PROXYTAPE_FIXTURE_CORRUPT` naming it before its final bytes, and the client sees a cut
 * response instead of a wrong one. Memory: one chunk (64 KiB), whatever the size.
 *
 * @example
 * ```ts
 * const stream = streamSidecar(stored.fixture.response.body, stored.path);
 * stream.pipe(res);
 * ```
 */
export function streamSidecar(body: Extract<StoredBody, { encoding: 'file' }>, fixturePath: string): Readable {
  const file = sidecarPath(body, fixturePath);
  const hash = createHash('sha256');
  let seen = 0;
  let held: Buffer | undefined;
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > body.size)
        return callback(corrupt(fixturePath, `body sidecar ${file} has more than the ${body.size} bytes the fixture says`));
      hash.update(chunk);
      const previous = held;
      held = chunk;
      callback(null, previous);
    },
    flush(callback) {
      if (seen !== body.size)
        return callback(corrupt(fixturePath, `body sidecar ${file} has ${seen} bytes, the fixture says ${body.size}`));
      const sha256 = hash.digest('hex');
      if (sha256 !== body.sha256) {
        return callback(
          corrupt(fixturePath, `body sidecar ${file} does not match the fixture's sha256 (expected ${body.sha256}, got ${sha256})`),
        );
      }
      callback(null, held);
    },
  });
  const source = createReadStream(file);
  source.on('error', (err) => checked.destroy(sidecarError(err, file, fixturePath)));
  checked.on('close', () => source.destroy());
  source.pipe(checked);
  return checked;
}

/**
 * The sidecar file name for a fixture file name: same base, `.body` extension.
 *
 * @example
 * ```ts
 * sidecarName('GET-api-big-3fa2c1d9-0.json'); // 'GET-api-big-3fa2c1d9-0.body'
 * ```
 */
export function sidecarName(fixtureFileName: string): string {
  return `${fixtureFileName.replace(/\.json$/, '')}.body`;
}

/**
 * The sidecar file name of a large *request* body: same base, `.request.body` extension.
 *
 * @example
 * ```ts
 * requestSidecarName('POST-api-upload-3fa2c1d9-0.json'); // 'POST-api-upload-3fa2c1d9-0.request.body'
 * ```
 */
export function requestSidecarName(fixtureFileName: string): string {
  return `${fixtureFileName.replace(/\.json$/, '')}.request.body`;
}
