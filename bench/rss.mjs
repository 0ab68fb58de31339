// bench/rss.mjs — peak-RSS measurement, used INSIDE each server child process.
//
// Two independent measurements, combined as max():
//   1. a sampler reading process.memoryUsage.rss() every 50 ms (portable);
//   2. the kernel's exact high-water mark VmHWM from /proc/self/status, which we
//      reset at the start of the measured phase by writing "5" to
//      /proc/self/clear_refs (Linux >= 4.0). If the reset is not permitted, the
//      HWM would include start-up/warm-up, so it is then ignored and only the
//      sampler is used.
// The parent (bench/children.mjs) drives this over IPC: reset → run load → report.
import fs from 'node:fs';

const SAMPLE_MS = 50;

function readHwmBytes() {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function resetHwm() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

export function createRssMonitor() {
  let sampledPeak = 0;
  let atPeak = null; // full process.memoryUsage() at the highest sample: where the memory was
  let hwmResetOk = false;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > sampledPeak) {
      sampledPeak = rss;
      atPeak = process.memoryUsage();
    }
  };
  const timer = setInterval(sample, SAMPLE_MS);
  timer.unref();
  sample();

  return {
    /** Start a new measured phase: forget earlier peaks. */
    reset() {
      sampledPeak = 0;
      atPeak = null;
      hwmResetOk = resetHwm();
      sample();
      return { hwmResetOk };
    },
    /** Peak RSS (bytes) since the last reset, plus how it was obtained. */
    report() {
      sample();
      const hwm = hwmResetOk ? readHwmBytes() : undefined;
      return {
        peakRss: Math.max(sampledPeak, hwm ?? 0),
        sampledPeak,
        hwmPeak: hwm ?? null,
        currentRss: process.memoryUsage.rss(),
        atPeak,
        method: hwm !== undefined ? 'VmHWM(reset)+50ms-sampler' : '50ms-sampler',
      };
    },
    stop() {
      clearInterval(timer);
    },
  };
}
