import { describe, expect, test } from '@jest/globals';
import { type HarError, isHarError } from '../../../src/har/har-error.js';
import { parseHar, readHarEntries } from '../../../src/har/validate.js';
import { devtoolsHar, pollyHar } from './samples.js';

const ok = { request: { method: 'GET', url: 'http://a.test/' }, response: { status: 200 } };

function withEntry(index: number, entry: unknown): unknown {
  const entries: unknown[] = [ok, ok, ok, ok].slice(0, index);
  entries.push(entry);
  return { log: { version: '1.2', creator: { name: 't', version: '1' }, entries } };
}

describe('readHarEntries', () => {
  test('reads devtools and Polly HARs', () => {
    expect(readHarEntries(devtoolsHar())).toHaveLength(3);
    expect(readHarEntries(pollyHar())).toHaveLength(3);
  });

  test.each([
    [{ log: { entries: {} } }, 'Invalid HAR: log.entries must be an array, got an object'],
    [[], 'Invalid HAR: the top-level value must be an object, got an array'],
    [{}, 'Invalid HAR: log is missing'],
    [{ log: { version: '2.0', entries: [] } }, 'Invalid HAR: log.version must be "1.2" (or "1.1"), got "2.0"'],
    [withEntry(3, { request: { method: 'GET' }, response: { status: 200 } }), 'Invalid HAR: log.entries[3].request.url is missing'],
    [withEntry(1, { response: { status: 200 } }), 'Invalid HAR: log.entries[1].request is missing'],
    [
      withEntry(0, { request: { method: 'GET', url: '/relative' }, response: { status: 200 } }),
      'Invalid HAR: log.entries[0].request.url must be an absolute http:// or https:// URL, got "/relative"',
    ],
    [
      withEntry(0, { request: { method: 'GET', url: 'ftp://a.test/x' }, response: { status: 200 } }),
      'Invalid HAR: log.entries[0].request.url must be an absolute http:// or https:// URL, got "ftp://a.test/x"',
    ],
    [
      withEntry(2, { request: { method: 'G T', url: 'http://a.test/' }, response: { status: 200 } }),
      'Invalid HAR: log.entries[2].request.method must be an HTTP method (a token such as GET), got "G T"',
    ],
    [
      withEntry(0, { request: { method: 'GET', url: 'http://a.test/' }, response: { status: '200' } }),
      'Invalid HAR: log.entries[0].response.status must be an integer from 100 to 999, got "200"',
    ],
    [withEntry(0, { request: { method: 'GET', url: 'http://a.test/' } }), 'Invalid HAR: log.entries[0].response is missing'],
    [
      withEntry(0, { request: { method: 'GET', url: 'http://a.test/', headers: [{ name: 'accept' }] }, response: { status: 200 } }),
      'Invalid HAR: log.entries[0].request.headers[0].value is missing',
    ],
    [
      withEntry(0, { request: { method: 'GET', url: 'http://a.test/', headers: {} }, response: { status: 200 } }),
      'Invalid HAR: log.entries[0].request.headers must be an array of { name, value }, got an object',
    ],
    [
      withEntry(0, { ...ok, response: { status: 200, headers: [{ name: 'bad header', value: 'x' }] } }),
      'Invalid HAR: log.entries[0].response.headers[0].name must be a header name (an HTTP token), got "bad header"',
    ],
    [
      withEntry(0, { ...ok, response: { status: 200, content: { text: 'x', encoding: 'gzip' } } }),
      'Invalid HAR: log.entries[0].response.content.encoding must be "base64" or absent, got "gzip"',
    ],
    [
      withEntry(0, { ...ok, response: { status: 200, content: { text: '***', encoding: 'base64' } } }),
      'Invalid HAR: log.entries[0].response.content.text is not valid base64',
    ],
    [
      withEntry(0, { ...ok, response: { status: 200, content: { text: 5 } } }),
      'Invalid HAR: log.entries[0].response.content.text must be a string, got 5',
    ],
    [
      withEntry(0, { request: { ...ok.request, postData: { mimeType: 'text/plain', text: {} } }, response: { status: 200 } }),
      'Invalid HAR: log.entries[0].request.postData.text must be a string, got an object',
    ],
  ])('%j → %s', (har, message) => {
    let error: unknown;
    try {
      readHarEntries(har);
    } catch (err) {
      error = err;
    }
    expect(isHarError(error)).toBe(true);
    expect((error as HarError).message).toBe(message);
    expect((error as HarError).code).toBe('PROXYTAPE_HAR_INVALID');
  });

  test('the error names the entry index and field', () => {
    const error = (() => {
      try {
        readHarEntries(withEntry(3, { request: { method: 'GET' }, response: { status: 200 } }));
      } catch (err) {
        return err as HarError;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ entry: 3, field: 'log.entries[3].request.url', name: 'HarError' });
  });
});

describe('parseHar', () => {
  test('reports a JSON syntax error with its line and column', () => {
    expect(() => parseHar('{\n  "log": {\n    "entries": [,]\n  }\n}')).toThrow(
      /^Invalid HAR: the file is not valid JSON \(line 3, column 17: /,
    );
  });

  test('accepts a UTF-8 BOM', () => {
    expect(parseHar(`\ufeff${JSON.stringify(pollyHar())}`)).toHaveLength(3);
  });
});
