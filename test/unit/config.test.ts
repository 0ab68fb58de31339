import { describe, expect, it } from '@jest/globals';
import { type ProxyConfig, compileProxyConfig, createProxyHandler, isConfigError } from '../../src/index.js';

function configError(config: unknown): { option: string; message: string } {
  try {
    createProxyHandler(config as ProxyConfig);
  } catch (err) {
    if (isConfigError(err)) return { option: err.option, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('invalid proxy config fails at construction, naming the option and the allowed values', () => {
  it.each([
    [{}, 'target', "Missing option `target`: the backend URL to forward to, e.g. 'http://127.0.0.1:3000'."],
    [
      { target: 'not a url' },
      'target',
      'Invalid option `target`: "not a url" is not a URL. Must be an absolute http: or https: URL, e.g. \'http://127.0.0.1:3000\'.',
    ],
    [{ target: 'ftp://files.test' }, 'target', 'Invalid option `target`: "ftp://files.test" uses ftp. Must be one of: http, https.'],
    [
      { target: 'http://u:p@api.test' },
      'target',
      'Invalid option `target`: credentials in the URL are not supported. Send an Authorization header from the client instead.',
    ],
    [
      { target: 'http://a.test', tmeouts: {} },
      'tmeouts',
      'Unknown option `tmeouts`. Allowed options: target, host, xForwarded, timeouts, tls, transport.',
    ],
    [
      { target: 'http://a.test', timeouts: { connect: -1 } },
      'timeouts.connect',
      'Invalid option `timeouts.connect`: -1. Must be a whole number of milliseconds >= 0 (0 disables the timeout).',
    ],
    [
      { target: 'http://a.test', timeouts: { headers: 1.5 } },
      'timeouts.headers',
      'Invalid option `timeouts.headers`: 1.5. Must be a whole number of milliseconds >= 0 (0 disables the timeout).',
    ],
    [
      { target: 'http://a.test', timeouts: { idle: 5 } },
      'timeouts.idle',
      'Unknown option `timeouts.idle`. Allowed options in `timeouts`: connect, headers, body.',
    ],
    [
      { target: 'http://a.test', host: 'client' },
      'host',
      "Invalid option `host`: \"client\". Must be one of: 'target', 'preserve', { replace: '<host>' }.",
    ],
    [{ target: 'http://a.test', xForwarded: 'yes' }, 'xForwarded', 'Invalid option `xForwarded`: "yes". Must be true or false.'],
    [
      { target: 'http://a.test', tls: { rejectUnauthorised: false } },
      'tls.rejectUnauthorised',
      'Unknown option `tls.rejectUnauthorised`. Allowed options in `tls`: ca, rejectUnauthorized, servername.',
    ],
    [
      { target: 'http://a.test', transport: {} },
      'transport',
      'Invalid option `transport`: {}. Must be an object with a roundTrip(request) method (see the Transport interface).',
    ],
  ])('%j → %s', (config, option, message) => {
    expect(configError(config)).toEqual({ option, message });
  });

  it('rejects unknown handler options', () => {
    expect(() => createProxyHandler({ target: 'http://a.test' }, { onRespone: () => {} } as never)).toThrow(
      'Unknown option `onRespone`. Allowed options: onResponse, middleware.',
    );
  });
});

describe('compileProxyConfig', () => {
  it('applies the defaults', () => {
    const compiled = compileProxyConfig({ target: 'http://api.test:8080/v1/' });
    expect(compiled).toMatchObject({
      origin: 'http://api.test:8080',
      basePath: '/v1',
      baseQuery: '',
      hostHeader: 'api.test:8080',
      xForwarded: true,
      timeouts: { connect: 10_000, headers: 60_000, body: 60_000 },
    });
  });

  it('validates a config object once and reuses the result', () => {
    const config = { target: 'http://api.test' };
    expect(compileProxyConfig(config)).toBe(compileProxyConfig(config));
  });

  it('accepts an already compiled config as is', () => {
    const compiled = compileProxyConfig({ target: 'http://api.test' });
    expect(compileProxyConfig(compiled)).toBe(compiled);
  });
});
