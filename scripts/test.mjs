#!/usr/bin/env node
// The project's test command (`npm test`): lint and format check with Biome (zero findings, or no tests
// run), type-check and build with tsc (the end-to-end tests run the compiled CLI), run jest, and end with
// one plain line `N passed, N failed` read from jest's JSON report.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const report = path.join(root, '.jest-results.json');

const biome = spawnSync(bin('biome'), ['ci', '--colors=off', '.'], { cwd: root, stdio: 'inherit' });
if (biome.status !== 0) {
  console.log('lint/format findings (npx biome check --write . fixes most): no tests ran');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const tsc = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) {
  console.log('typecheck/build failed: no tests ran');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

rmSync(report, { force: true });
const env = {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules --disable-warning=ExperimentalWarning`.trim(),
};
const jest = spawnSync(bin('jest'), ['--json', `--outputFile=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});

let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  // A suite that cannot even load (syntax error, failing import) has no failed tests; count it as one.
  failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
} catch {
  failed = 1;
  console.log('jest produced no JSON report');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(jest.status === 0 && failed === 0 ? 0 : 1);
