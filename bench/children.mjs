// bench/children.mjs — parent-side control of the server child processes.
// startServer(script, env) forks `node bench/servers/<script>`, waits for its
// {type:'ready', url} (or {type:'unavailable'}), and returns a handle with
// rssReset() / rssReport() / close() that talk to bench/servers/harness.mjs
// over IPC. Every child is tracked so killAll() can clean up on any exit path.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Set();

export function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

export function startServer(script, env = {}, { readyTimeoutMs = 20_000, execArgv = [] } = {}) {
  const path = fileURLToPath(new URL(`./servers/${script}`, import.meta.url));
  const child = fork(path, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
  });

  let nextId = 1;
  const pending = new Map();
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      exitInfo = { code, signal };
      for (const { reject } of pending.values()) reject(new Error(`${script} exited (${code ?? signal}) ${stderr}`));
      pending.clear();
      resolve(exitInfo);
    });
  });

  const request = (cmd, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      if (exitInfo) return reject(new Error(`${script} already exited (${exitInfo.code ?? exitInfo.signal}) ${stderr}`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${script}: no reply to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.send({ cmd, id });
    });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script}: not ready within ${readyTimeoutMs} ms ${stderr}`));
    }, readyTimeoutMs);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited before ready (${code ?? signal})\n${stderr}`));
    });
    child.on('message', (msg) => {
      if (msg?.type === 'reply') {
        const { type: _t, id: _i, ...body } = msg;
        pending.get(msg.id)?.resolve(body);
        pending.delete(msg.id);
      } else if (msg?.type === 'ready') {
        clearTimeout(timer);
        resolve({
          name: msg.name,
          url: msg.url,
          pid: msg.pid,
          startRss: msg.rss,
          available: true,
          rssReset: () => request('rss-reset'),
          rssReport: () => request('rss-report'),
          isAlive: () => exitInfo === null,
          stderr: () => stderr,
          close: async () => {
            if (exitInfo) return exitInfo;
            const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.send({ cmd: 'close', id: 0 });
            const info = await exited;
            clearTimeout(kill);
            return info;
          },
        });
      } else if (msg?.type === 'unavailable') {
        clearTimeout(timer);
        resolve({ available: false, reason: msg.reason, close: async () => exited });
      } else if (msg?.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${script} failed to start:\n${msg.error}`));
      }
    });
  });
}
