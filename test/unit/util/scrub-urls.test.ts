import { describe, expect, it } from '@jest/globals';
import { ProxyError } from '../../../src/errors.js';
import { createRedactor } from '../../../src/tape/redact.js';
import { redactUrlsInText, scrubMessage } from '../../../src/util/scrub-urls.js';

describe('scrubMessage: secrets in the URLs of an error message', () => {
  it.each([
    [
      'the client URL and the upstream URL of an undici error',
      'Failed to proxy GET /down?api_key=S3CRET&q=1: refused (http://127.0.0.1:1/down?api_key=S3CRET&q=1: ECONNREFUSED)',
      'Failed to proxy GET /down?api_key=[REDACTED]&q=1: refused (http://127.0.0.1:1/down?api_key=[REDACTED]&q=1: ECONNREFUSED)',
    ],
    ['a secret right before sentence punctuation', 'GET /x?token=abc.', 'GET /x?token=[REDACTED].'],
    [
      'names compared like the redactor does',
      'GET /x?apiKey=a&ACCESS-TOKEN=b&Password=c',
      'GET /x?apiKey=[REDACTED]&ACCESS-TOKEN=[REDACTED]&Password=[REDACTED]',
    ],
    ['a token in the fragment', 'Location http://h/cb#access_token=abc&state=1', 'Location http://h/cb#access_token=[REDACTED]&state=1'],
    ['user info of an absolute URL', 'connect to http://ann:pw@db.local/x failed', 'connect to http://[REDACTED]@db.local/x failed'],
    ['a percent-encoded name', 'GET /x?api%5Fkey=abc', 'GET /x?api%5Fkey=[REDACTED]'],
  ])('%s', (_what, message, expected) => {
    expect(scrubMessage(message)).toBe(expected);
  });

  it('leaves text without secrets as it is (the same string)', () => {
    const message = 'Failed to proxy GET /users?page=2: the backend refused the connection. Is it running?';
    expect(scrubMessage(message)).toBe(message);
  });

  it('every proxytape error message goes through it', () => {
    const error = new ProxyError('PROXYTAPE_UPSTREAM_REFUSED', 'Failed to proxy GET /x?token=abc123: refused', {
      method: 'GET',
      url: '/x?token=abc123',
    });
    expect(error.message).toBe('Failed to proxy GET /x?token=[REDACTED]: refused');
  });
});

describe('Redactor.text: the configured redaction, in free text', () => {
  it('redacts configured query parameters as well as the default ones', () => {
    const redactor = createRedactor({ query: ['tenant_code'] });
    expect(redactor.text('Failed to proxy GET /a?tenant_code=t-1&token=x&q=1 (http://h/a?tenant_code=t-1&token=x&q=1: ECONNRESET)')).toBe(
      'Failed to proxy GET /a?tenant_code=[REDACTED]&token=[REDACTED]&q=1 (http://h/a?tenant_code=[REDACTED]&token=[REDACTED]&q=1: ECONNRESET)',
    );
  });

  it('is idempotent: a message scrubbed by default (as every error message is) comes out the same', () => {
    const redactor = createRedactor({ query: ['tenant_code'] });
    const once = redactor.text(scrubMessage('GET http://[::1]:8080/x?api_key=abc&tenant_code=t1 failed'));
    expect(once).toBe('GET http://[::1]:8080/x?api_key=[REDACTED]&tenant_code=[REDACTED] failed');
    expect(redactor.text(once)).toBe(once);
  });

  it('redactUrlsInText passes each URL found, without trailing punctuation, to the function given', () => {
    const seen: string[] = [];
    redactUrlsInText('see /a?x=1, then http://h/b?y=2: done', (url) => (seen.push(url), url));
    expect(seen).toEqual(['/a?x=1', 'http://h/b?y=2']);
  });
});
