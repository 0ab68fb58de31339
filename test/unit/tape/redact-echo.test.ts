import { describe, expect, it } from '@jest/globals';
import { createRedactor } from '../../../src/tape/redact.js';
import { MIN_ECHOED_SECRET_LENGTH, scrubHeaderValues, scrubSecrets, secretValues } from '../../../src/tape/redact-echo.js';

const redactor = createRedactor();

describe('secretValues: what the redactor removed from a request', () => {
  it('takes the credentials of Authorization, each cookie value, secret headers and query values', () => {
    const secrets = secretValues(
      [
        ['authorization', 'Bearer tok-123456'],
        ['cookie', 'sid=abcdef12; theme=dark'],
        ['x-api-key', 'XAPISECRET'],
        ['accept', 'application/json'],
      ],
      [
        ['api_key', 'k-999999'],
        ['page', '2'],
      ],
      redactor,
    );
    // Longest first; 'dark' is shorter than the minimum and left out.
    expect(secrets).toEqual(['tok-123456', 'XAPISECRET', 'abcdef12', 'k-999999']);
  });

  it(`leaves out values shorter than ${MIN_ECHOED_SECRET_LENGTH} characters and the placeholder itself`, () => {
    expect(secretValues([['authorization', 'Bearer abc']], [['token', '[REDACTED]']], redactor)).toEqual([]);
  });

  it('takes the whole value when a custom rule replaced it with something else', () => {
    const custom = createRedactor({ custom: ({ kind, name }) => (kind === 'header' && name === 'x-tenant' ? 'tenant-x' : undefined) });
    expect(secretValues([['x-tenant', 'acme-corp-42']], [], custom)).toEqual(['acme-corp-42']);
  });
});

describe('scrubSecrets: a response body without the request secrets', () => {
  const secrets = ['tok-123456', 'k-999999'];

  it('replaces each occurrence in a text body', () => {
    const out = scrubSecrets(Buffer.from('you sent tok-123456 and k-999999, tok-123456 again'), 'text/plain', secrets);
    expect(out.toString()).toBe('you sent [REDACTED] and [REDACTED], [REDACTED] again');
  });

  it('keeps the layout of a JSON body when the secrets sit inside strings', () => {
    const body = Buffer.from('{\n  "headers": [\n    "Authorization",\n    "Bearer tok-123456"\n  ]\n}');
    expect(scrubSecrets(body, 'application/json', secrets).toString()).toBe(
      '{\n  "headers": [\n    "Authorization",\n    "Bearer [REDACTED]"\n  ]\n}',
    );
  });

  it('keeps a JSON body valid when a numeric secret appears as a number', () => {
    const out = scrubSecrets(Buffer.from('{"id":12345678,"echo":"key=12345678"}'), 'application/json', ['12345678']);
    expect(JSON.parse(out.toString())).toEqual({ id: '[REDACTED]', echo: 'key=[REDACTED]' });
  });

  it('returns the same Buffer when no secret occurs', () => {
    const plain = Buffer.from('{"ok":true}');
    expect(scrubSecrets(plain, 'application/json', secrets)).toBe(plain);
    const binary = Buffer.from([0, 1, 2, 0xff]);
    expect(scrubSecrets(binary, 'application/octet-stream', secrets)).toBe(binary);
  });

  it('replaces secrets in binary bodies byte for byte', () => {
    const binary = Buffer.concat([Buffer.from([0, 0xff]), Buffer.from('tok-123456'), Buffer.from([1]), Buffer.from('k-999999')]);
    expect(scrubSecrets(binary, 'application/octet-stream', secrets)).toEqual(
      Buffer.concat([Buffer.from([0, 0xff]), Buffer.from('[REDACTED]'), Buffer.from([1]), Buffer.from('[REDACTED]')]),
    );
  });

  it('scrubs header values', () => {
    expect(scrubHeaderValues([['x-echo-auth', 'Bearer tok-123456']], secrets)).toEqual([['x-echo-auth', 'Bearer [REDACTED]']]);
  });
});
