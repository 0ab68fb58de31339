// bench/report.mjs — turns the results collected by bench/run.mjs into the
// stdout tables, the pass/fail target lines, and the optional JSON document.
// Units: MB = 10^6 bytes (throughput and RSS alike); latencies in ms.

const MB = 1e6;
const fmt = (n, d = 0) => (n === undefined || n === null || Number.isNaN(n) ? '—' : n.toFixed(d));
const pct = (f) => (f === undefined || f === null ? '—' : `${Math.round(f * 100)}%`);
const ratio = (a, b, d = 2) => (a && b ? `${(a / b).toFixed(d)}×` : '—');

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function errText(r) {
  if (!r?.load) return '';
  const e = r.load.errors;
  const parts = Object.entries(e)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k}=${v}`);
  const w = r.warmup?.errorTotal ? [`warm-up errors=${r.warmup.errorTotal}`] : [];
  return [...parts, ...w].join(' ') || '0';
}

export function renderSmall(results, cfg) {
  const direct = results.find((r) => r.target === 'direct')?.load;
  const rows = results.map((r) => {
    if (!r.load) return [r.target, r.status, '', '', '', '', '', '', '', ''];
    const l = r.load;
    return [
      r.target,
      fmt(l.rps),
      ratio(l.rps, direct?.rps),
      `${fmt(l.rpsMin)}–${fmt(l.rpsMax)}`,
      fmt(l.p50Ms, 2),
      ratio(l.p50Ms, direct?.p50Ms),
      fmt(l.p99Ms, 2),
      ratio(l.p99Ms, direct?.p99Ms),
      pct(l.otherCpu),
      errText(r),
    ];
  });
  return (
    `1 KiB GET — ${cfg.connections} connections; ${cfg.rounds} interleaved rounds × ${cfg.smallDuration} s per target ` +
    `after ${cfg.warmup} s warm-up; medians of the rounds (range = slowest–fastest round;\n` +
    ` other CPU = share of the machine used by processes outside the benchmark, worst round)\n` +
    table(['target', 'req/s', '×direct', 'req/s range', 'p50 ms', '×direct', 'p99 ms', '×direct', 'other CPU', 'errors'], rows)
  );
}

export function renderLarge(results, cfg) {
  const d = results.find((r) => r.target === 'direct');
  const rows = results.map((r) => {
    if (!r.load) return [r.target, r.status, '', '', '', '', '', ''];
    return [
      r.target,
      fmt(r.load.bytesPerSec / MB),
      ratio(r.load.bytesPerSec, d?.load?.bytesPerSec),
      fmt(r.rss.peakRss / MB, 1),
      ratio(r.rss.peakRss, d?.rss?.peakRss),
      fmt(r.rss.startRss / MB, 1),
      pct(r.load.otherCpu),
      errText(r),
    ];
  });
  return (
    `8 MiB streamed GET — ${cfg.connections} connections, ${cfg.largeDuration} s measured after ${cfg.warmup} s warm-up\n` +
    `(peak RSS: of the process serving the load — the proxy child; for "direct", the backend — over the measured run;\n` +
    ` idle RSS: the same process just after it started listening)\n` +
    table(['target', 'MB/s', '×direct', 'peak RSS MB', '×direct', 'idle RSS MB', 'other CPU', 'errors'], rows)
  );
}

export function renderHuge(results, cfg) {
  const rows = results.map((r) => {
    if (!r.drain) return [r.target, r.status, '', '', '', '', ''];
    return [
      r.target,
      fmt(r.drain.bytes / MB / (r.drain.ms / 1000)),
      fmt(r.drain.ms / 1000, 2),
      fmt(r.rss.peakRss / MB, 1),
      fmt(r.rss.startRss / MB, 1),
      pct(r.drain.otherCpu),
      r.drain.ok ? 'ok' : `FAILED ${r.drain.error ?? ''}`,
    ];
  });
  return (
    `${cfg.hugeBytes / 2 ** 30} GiB streamed GET — one request, client reads and discards\n` +
    table(['target', 'MB/s', 'seconds', 'peak RSS MB', 'idle RSS MB', 'other CPU', 'result'], rows)
  );
}

/**
 * The ratio a/b of two targets' requests/s, from rounds measured in the same interleaved
 * round: the median of the per-round ratios. A slow spell of the shared machine lowers both
 * figures of a round, so pairing cancels most of it (unlike a ratio of the two medians).
 */
export function pairedRatio(a, b) {
  const n = Math.min(a.perRound?.length ?? 0, b.perRound?.length ?? 0);
  if (n === 0) return { ratio: a.rps / b.rps, perRound: [] };
  const perRound = Array.from({ length: n }, (_, i) => a.perRound[i].rps / b.perRound[i].rps);
  const sorted = [...perRound].sort((x, y) => x - y);
  const mid = Math.floor(n / 2);
  return { ratio: n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2, perRound };
}

const pairedDetail = (a, b) => {
  const { ratio: r, perRound } = pairedRatio(a, b);
  const rounds = perRound.length ? ` (per round: ${perRound.map((x) => x.toFixed(2)).join(', ')})` : '';
  return { ratio: r, text: `median of per-round ratios ${r.toFixed(3)}×${rounds}; medians ${fmt(a.rps)} vs ${fmt(b.rps)} req/s` };
};

/** Evaluates the targets. Each check: {name, pass: true|false|null, detail}. */
export function evaluate({ small, large, huge }) {
  const get = (arr, t) => arr.find((r) => r.target === t);
  const checks = [];
  const pt = get(small, 'proxytape')?.load;
  const hp = get(small, 'http-proxy')?.load;
  const uf = get(small, 'undici-floor')?.load;
  checks.push(
    pt && hp
      ? (() => {
          const d = pairedDetail(pt, hp);
          return { name: 'proxytape 1 KiB req/s ≥ 1.5× http-proxy', pass: d.ratio >= 1.5, detail: d.text };
        })()
      : { name: 'proxytape 1 KiB req/s ≥ 1.5× http-proxy', pass: null, detail: 'pending (no figure)' },
  );
  checks.push(
    pt && uf
      ? (() => {
          const d = pairedDetail(pt, uf);
          return { name: 'proxytape 1 KiB req/s ≥ 0.9× bare-undici floor', pass: d.ratio >= 0.9, detail: d.text };
        })()
      : { name: 'proxytape 1 KiB req/s ≥ 0.9× bare-undici floor', pass: null, detail: 'pending (no figure)' },
  );
  const ptL = get(large, 'proxytape')?.rss;
  const ufL = get(large, 'undici-floor')?.rss;
  checks.push(
    ptL && ufL
      ? {
          name: 'proxytape 8 MiB peak RSS ≤ bare-undici floor + 10%',
          pass: ptL.peakRss <= 1.1 * ufL.peakRss,
          detail: `${fmt(ptL.peakRss / MB, 1)} MB vs ${fmt(ufL.peakRss / MB, 1)} MB → ${ratio(ptL.peakRss, ufL.peakRss, 3)}`,
        }
      : { name: 'proxytape 8 MiB peak RSS ≤ bare-undici floor + 10%', pass: null, detail: 'pending (no figure)' },
  );
  const ptH = get(huge, 'proxytape');
  checks.push(
    ptH?.rss && ptH.drain?.ok
      ? {
          name: '1 GiB stream through proxytape: peak RSS < 100 MB',
          pass: ptH.rss.peakRss < 100 * MB,
          detail: `${fmt(ptH.rss.peakRss / MB, 1)} MB`,
        }
      : {
          name: '1 GiB stream through proxytape: peak RSS < 100 MB',
          pass: null,
          detail: ptH?.drain ? 'stream failed' : 'pending (no figure)',
        },
  );
  return checks;
}

export function renderChecks(checks) {
  return checks.map((c) => `${c.pass === null ? 'PENDING' : c.pass ? 'PASS   ' : 'FAIL   '} ${c.name}: ${c.detail}`).join('\n');
}
