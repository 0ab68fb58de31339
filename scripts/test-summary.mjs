// Prints jest's totals as one plain line ("tests: N passed, N failed, N skipped") for CI logs.
// Exits 1 when the results file is missing, no test ran, or any test failed.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.tmp/jest-results.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test-summary: cannot read jest results from ${file}: ${err.message}`);
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
const failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0 || failed > 0 || results.success === false) process.exit(1);
