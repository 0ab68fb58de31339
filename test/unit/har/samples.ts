/**
 * Realistic HAR inputs: what Chrome DevTools "Save all as HAR with content" and
 * Polly.js's fs persister write, trimmed to a few entries.
 */

/** Chrome DevTools: HTTP/2 pseudo-headers, decoded gzip body, secrets, a failed request (status 0). */
export function devtoolsHar(): Record<string, unknown> {
  return {
    log: {
      version: '1.2',
      creator: { name: 'WebInspector', version: '537.36' },
      pages: [
        {
          startedDateTime: '2024-05-01T10:00:00.000Z',
          id: 'page_1',
          title: 'https://app.example.com/',
          pageTimings: { onContentLoad: 300, onLoad: 500 },
        },
      ],
      entries: [
        {
          _initiator: { type: 'script' },
          _priority: 'High',
          _resourceType: 'fetch',
          cache: {},
          connection: '443',
          pageref: 'page_1',
          request: {
            method: 'GET',
            url: 'https://API.Example.com/v1/users?page=2&token=live-secret',
            httpVersion: 'http/2.0',
            headers: [
              { name: ':authority', value: 'api.example.com' },
              { name: ':method', value: 'GET' },
              { name: ':path', value: '/v1/users?page=2&token=live-secret' },
              { name: ':scheme', value: 'https' },
              { name: 'accept', value: 'application/json' },
              { name: 'accept-encoding', value: 'gzip, deflate, br' },
              { name: 'authorization', value: 'Bearer live-jwt' },
              { name: 'cookie', value: 'sid=abc123; theme=dark' },
              { name: 'user-agent', value: 'Mozilla/5.0' },
            ],
            queryString: [
              { name: 'page', value: '2' },
              { name: 'token', value: 'live-secret' },
            ],
            cookies: [{ name: 'sid', value: 'abc123' }],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: 200,
            statusText: '',
            httpVersion: 'http/2.0',
            headers: [
              { name: 'content-encoding', value: 'gzip' },
              { name: 'content-length', value: '71' },
              { name: 'content-type', value: 'application/json; charset=utf-8' },
              { name: 'date', value: 'Wed, 01 May 2024 10:00:00 GMT' },
              { name: 'set-cookie', value: 'sid=new-session; Path=/; HttpOnly' },
              { name: 'x-request-id', value: 'abc' },
            ],
            cookies: [],
            content: {
              size: 64,
              mimeType: 'application/json',
              compression: -7,
              text: '{"users":[{"id":1,"name":"Ada"}],"password":"hunter2","page":2}',
            },
            redirectURL: '',
            headersSize: -1,
            bodySize: 71,
            _transferSize: 300,
            _error: null,
          },
          serverIPAddress: '93.184.216.34',
          startedDateTime: '2024-05-01T10:00:00.100Z',
          time: 42.5,
          timings: { blocked: 1, dns: -1, ssl: -1, connect: -1, send: 0.1, wait: 40, receive: 1.4, _blocked_queueing: 0.5 },
        },
        {
          cache: {},
          pageref: 'page_1',
          request: {
            method: 'POST',
            url: 'https://api.example.com/v1/login',
            httpVersion: 'http/2.0',
            headers: [
              { name: ':method', value: 'POST' },
              { name: 'content-type', value: 'application/json' },
              { name: 'content-length', value: '39' },
            ],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 39,
            postData: { mimeType: 'application/json', text: '{"user":"ada","password":"correct-pw"}' },
          },
          response: {
            status: 201,
            statusText: 'Created',
            httpVersion: 'http/2.0',
            headers: [{ name: 'content-type', value: 'image/png' }],
            cookies: [],
            content: { size: 4, mimeType: 'image/png', text: 'iVBORw==', encoding: 'base64' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 4,
          },
          startedDateTime: '2024-05-01T10:00:00.200Z',
          time: 10,
          timings: { send: 0, wait: 10, receive: 0 },
        },
        {
          cache: {},
          request: {
            method: 'GET',
            url: 'https://api.example.com/v1/blocked',
            httpVersion: '',
            headers: [],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: 0,
            statusText: '',
            httpVersion: '',
            headers: [],
            cookies: [],
            content: { size: 0, mimeType: 'x-unknown' },
            redirectURL: '',
            headersSize: -1,
            bodySize: -1,
            _error: 'net::ERR_BLOCKED_BY_CLIENT',
          },
          startedDateTime: '2024-05-01T10:00:00.300Z',
          time: 0,
          timings: { send: 0, wait: 0, receive: 0 },
        },
      ],
    },
  };
}

/** Polly.js (fs persister): `_id`/`_order`, the same request twice, bodies in content.text. */
export function pollyHar(): Record<string, unknown> {
  const entry = (order: number, count: number): Record<string, unknown> => ({
    _id: '5d3a1c0b8e6f4a2b9c7d1e0f3a2b1c4d',
    _order: order,
    cache: {},
    request: {
      bodySize: 0,
      cookies: [],
      headers: [{ _fromType: 'array', name: 'accept', value: 'application/json' }],
      headersSize: 120,
      httpVersion: 'HTTP/1.1',
      method: 'GET',
      queryString: [],
      url: 'http://localhost:3000/api/counter',
    },
    response: {
      bodySize: 11,
      content: { mimeType: 'application/json; charset=utf-8', size: 11, text: `{"count":${count}}` },
      cookies: [],
      headers: [
        { name: 'content-type', value: 'application/json; charset=utf-8' },
        { name: 'connection', value: 'close' },
      ],
      headersSize: 150,
      httpVersion: 'HTTP/1.1',
      redirectURL: '',
      status: 200,
      statusText: 'OK',
    },
    startedDateTime: `2024-05-01T10:00:0${order}.000Z`,
    time: 3,
    timings: { blocked: -1, connect: -1, dns: -1, receive: 0, send: 0, ssl: -1, wait: 3 },
  });
  return {
    log: {
      _recordingName: 'counter/increments',
      creator: { comment: 'persister:fs', name: 'Polly.JS', version: '6.0.6' },
      entries: [entry(0, 1), entry(1, 2), entry(2, 3)],
      pages: [],
      version: '1.2',
    },
  };
}
