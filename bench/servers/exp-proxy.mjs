// TEMP experiment server (not committed)
import fs from 'node:fs';
import { serve } from './harness.mjs';
const series = []; let t0 = 0; let bytes = 0;
await serve('exp', async () => {
  const mod = await import('../../dist/index.js');
  const { createProxyHandler, createServer } = mod;
  const inner = createProxyHandler({ target: process.env.BENCH_TARGET });
  const handler = (req, res) => { series.push(`REQ@${(performance.now() - t0).toFixed(0)}`); const w = res.write; res.write = function (c, ...a) { bytes += c.length; return w.call(this, c, ...a); }; return inner(req, res); };
  const server = await createServer(handler, { host: '127.0.0.1', port: 0 });
  return { url: String(server.url).replace(/\/$/, ''), close: () => server.close() };
});
setInterval(() => { const m = process.memoryUsage(); const st = fs.readFileSync('/proc/self/status','utf8'); const g = (k) => (Number(st.match(new RegExp(k+':\\s+(\\d+)'))[1])/1024).toFixed(0); series.push(`${(performance.now() - t0).toFixed(0)}:${g('RssAnon')}+${g('RssFile')}/ab${(m.arrayBuffers/1e6).toFixed(0)}:${(bytes/1e6).toFixed(0)}`); }, 10).unref();
process.on('message', (m) => { if (m?.cmd === 'rss-reset') { series.length = 0; t0 = performance.now(); } if (m?.cmd === 'rss-report') fs.appendFileSync('/tmp/series.txt', series.slice(0, 40).join(' ') + '\n'); });
