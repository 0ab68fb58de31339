// bench/servers/harness.mjs — shared scaffolding for every server child process
// (backend and each proxy). A child calls serve(name, start): start() must listen
// on 127.0.0.1 port 0 and resolve { url, close }. The harness then
//   - tells the parent {type:'ready', url} over IPC,
//   - answers 'rss-reset' / 'rss-report' / 'close' requests (see bench/children.mjs),
//   - exits when the parent goes away (IPC disconnect), so no orphan is left.
// A child that cannot run (e.g. proxytape not built yet) calls unavailable(reason).
import { createRssMonitor } from '../rss.mjs';

const monitor = createRssMonitor();

function send(msg) {
  if (process.send && process.connected) process.send(msg);
}

export function unavailable(reason) {
  send({ type: 'unavailable', reason });
  setTimeout(() => process.exit(0), 50);
}

export async function serve(name, start) {
  if (!process.send) {
    console.error(`${name}: must be started by bench/run.mjs (needs an IPC channel)`);
    process.exit(2);
  }
  let handle;
  try {
    handle = await start();
  } catch (err) {
    send({ type: 'error', error: String(err?.stack ?? err) });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  if (!handle) return; // start() reported unavailable()

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    monitor.stop();
    const t = setTimeout(() => process.exit(0), 30_000); // a recording proxy flushes its fixtures on close
    t.unref();
    try {
      await handle.close();
    } catch {
      /* closing anyway */
    }
    process.exit(0);
  };

  process.on('message', async (msg) => {
    if (!msg || typeof msg !== 'object') return;
    let reply;
    switch (msg.cmd) {
      case 'rss-reset':
        reply = monitor.reset();
        break;
      case 'rss-report':
        reply = monitor.report();
        break;
      case 'close':
        send({ type: 'reply', id: msg.id });
        await close();
        return;
      default:
        reply = { error: `unknown command ${msg.cmd}` };
    }
    send({ type: 'reply', id: msg.id, ...reply });
  });
  process.on('disconnect', () => void close());
  process.on('SIGTERM', () => void close());

  send({ type: 'ready', name, url: handle.url, pid: process.pid, rss: process.memoryUsage.rss() });
}

/** Listen an http.Server on 127.0.0.1:0 and return its base URL. */
export function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

/** Close an http.Server, dropping idle keep-alive sockets first. */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
    setTimeout(() => server.closeAllConnections?.(), 500).unref();
  });
}
