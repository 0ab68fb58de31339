// Regenerates the code table in docs/errors.md from the registry in src/errors.ts (via dist/).
// Run: npm run build && node scripts/errors-doc.mjs. test/unit/errors.test.ts checks the two agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../dist/errors.js';

const file = new URL('../docs/errors.md', import.meta.url);
const doc = readFileSync(file, 'utf8');
const start = '<!-- codes:start -->';
const end = '<!-- codes:end -->';
const rows = Object.entries(ERROR_CODES).map(
  ([code, info]) => `| \`${code}\` | ${info.status} | ${info.phase} | ${info.summary} | ${info.hint} |`,
);
const table = ['| code | status | phase | meaning | how to fix |', '|---|---|---|---|---|', ...rows].join('\n');
const i = doc.indexOf(start);
const j = doc.indexOf(end);
if (i === -1 || j === -1) throw new Error(`docs/errors.md needs the markers ${start} and ${end}`);
writeFileSync(file, `${doc.slice(0, i + start.length)}\n${table}\n${doc.slice(j)}`);
console.log(`docs/errors.md: ${rows.length} codes`);
