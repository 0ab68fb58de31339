// bench/fs-create.mjs — what creating one fixture file atomically costs on this disk:
// open(wx) + write + close + rename, in a loop, synchronously (no event loop in the way).
// Usage: node bench/fs-create.mjs [DIR] [COUNT]   (DIR defaults to a fresh temp dir, COUNT to 30000)
// Prints wall and CPU (user + system) microseconds per file. Deletes what it created.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'proxytape-fs-create-'));
const count = Number(process.argv[3] ?? 30_000);
const dir = path.join(base, 'default', '127.0.0.1');
fs.mkdirSync(dir, { recursive: true });
const body = Buffer.alloc(1500, 'x'); // about the size of a recorded 1 KiB fixture
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const file = path.join(dir, `GET-1k-${i.toString(16).padStart(8, '0')}-0.json`);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${i.toString(16)}.tmp`);
  const fd = fs.openSync(temp, 'wx');
  fs.writeSync(fd, body);
  fs.closeSync(fd);
  fs.renameSync(temp, file);
}
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  `${count} fixture-sized files in ${dir}: ${((wall / count) * 1000).toFixed(1)} µs wall, ` +
    `${((cpu.user + cpu.system) / count).toFixed(1)} µs CPU (${(cpu.system / count).toFixed(1)} µs kernel) per file`,
);
fs.rmSync(base, { recursive: true, force: true });
