// bench/clients/drain.mjs — a one-request client in its own process: GETs one
// URL, reads and discards the body, prints one JSON line
// {status, bytes, ms, error?} on stdout. Used for the 1 GiB streaming phase.
// Usage: node bench/clients/drain.mjs <url>
import http from 'node:http';

const url = process.argv[2];
const t0 = process.hrtime.bigint();
const done = (o) => {
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(JSON.stringify({ ...o, ms }) + '\n');
  process.exit(0);
};

const req = http.get(url, { agent: false }, (res) => {
  let bytes = 0;
  res.on('data', (chunk) => {
    bytes += chunk.length;
  });
  res.on('end', () => done({ status: res.statusCode, bytes }));
  res.on('error', (err) => done({ status: res.statusCode, bytes, error: String(err) }));
  res.on('aborted', () => done({ status: res.statusCode, bytes, error: 'response aborted' }));
});
req.on('error', (err) => done({ status: 0, bytes: 0, error: String(err) }));
