// bench/cpu.mjs — detects interference from the rest of the machine during a
// measured run. The machine is small and may be shared (builds, test runs…), so
// each measured load run records what fraction of the machine's CPU was used
// by processes OUTSIDE the benchmark:
//   other = Δ(machine user+nice+system ticks, /proc/stat)
//         − Δ(this process + its reaped children, i.e. the finished load generator)
//         − Δ(each live server child, /proc/<pid>/stat)
// A few percent is normal; tens of percent mean the figures of that run are noisy.
// Returns null where /proc is unavailable.
import fs from 'node:fs';
import os from 'node:os';

const NCPU = os.availableParallelism?.() ?? os.cpus().length;
const HZ = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux

function machineBusy() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return f[0] + f[1] + f[2];
}

function statFields(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s
    .slice(s.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

function ours(pids) {
  const self = statFields('self');
  let t = self[11] + self[12] + self[13] + self[14]; // utime stime cutime cstime
  for (const pid of pids) {
    try {
      const f = statFields(pid);
      t += f[11] + f[12];
    } catch {
      /* exited */
    }
  }
  return t;
}

/** Starts a window over the given live server pids; stop() → fraction of the machine used by others. */
export function cpuWindow(pids) {
  try {
    const uniq = [...new Set(pids.filter(Boolean))];
    const t0 = process.hrtime.bigint();
    const m0 = machineBusy();
    const o0 = ours(uniq);
    return {
      stop() {
        const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
        const other = machineBusy() - m0 - (ours(uniq) - o0);
        return Math.max(0, other / HZ / (elapsed * NCPU));
      },
    };
  } catch {
    return { stop: () => null };
  }
}
