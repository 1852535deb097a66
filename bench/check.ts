/**
 * bench/check: how long a full `ucpd check` run takes, as a user runs it (the compiled CLI, wall time),
 * against a freshly started ucpd: the demo catalog (200 products), and a larger generated one to show
 * how the run scales (the feed is crawled whole; product documents are sampled, --max-documents).
 * Reports the median of --runs runs per catalog, the time per group (from the JSON report) and the
 * number of requests.
 *
 *   npm run build && node dist/bench/check.js [--runs 3] [--large 5000]
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Report } from '../src/check/model.js';
import { projectPath } from '../src/paths.js';
import { UCPD_READY, freePort, median, spawnUntil, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const runs = Number(args.get('runs') ?? 3);
const large = Number(args.get('large') ?? 5000);
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const out = path.join(os.tmpdir(), `ucpd-bench-check-${process.pid}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UCPD_')));

async function serve(dataDir: string, agentPort: number): Promise<{ child: ChildProcess; base: string }> {
  const { child, url } = await spawnUntil([cli, 'serve', '--port', '0', '--log-level', 'warn', '--profile-fetch-allow', `127.0.0.1:${agentPort}`], UCPD_READY, {
    env: { ...env, UCPD_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await waitForCredentials(url, 100);
  return { child, base: url };
}

async function measure(label: string, dataDir: string): Promise<void> {
  const agentPort = await freePort();
  const { child, base } = await serve(dataDir, agentPort);
  const walls: number[] = [];
  let last: Report | undefined;
  try {
    for (let i = 0; i < runs; i++) {
      const json = path.join(out, `${label}-${i}.json`);
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [cli, 'check', base, '--agent-port', String(agentPort), '--json', json], { env, encoding: 'utf8' });
      walls.push((performance.now() - t0) / 1000);
      last = JSON.parse(readFileSync(json, 'utf8')) as Report;
      if (r.status !== 0)
        console.log(
          `  run ${i + 1}: exit ${r.status}\n${r.stdout
            .split('\n')
            .filter((l) => l.startsWith('FAIL'))
            .join('\n')}`,
        );
    }
  } finally {
    child.kill('SIGKILL');
  }
  const groups = new Map<string, number>();
  for (const r of last!.results) groups.set(r.group, (groups.get(r.group) ?? 0) + r.ms);
  const slowest = [...last!.results].sort((a, b) => b.ms - a.ms).slice(0, 3);
  console.log(
    `${label}: median wall ${median(walls).toFixed(1)} s over ${runs} runs (${walls.map((w) => w.toFixed(1)).join(', ')}); ${last!.requests} requests; ${last!.summary.pass} pass, ${last!.summary.fail} fail, ${last!.summary.warn} warn, ${last!.summary.skip} skip`,
  );
  console.log(`  per group (last run): ${[...groups].map(([g, ms]) => `${g} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
  console.log(`  slowest checks: ${slowest.map((r) => `${r.id} ${(r.ms / 1000).toFixed(1)} s`).join(', ')}`);
}

const demoDir = path.join(out, 'demo');
await measure('demo catalog (200 products)', demoDir);
if (large > 0) {
  const dir = path.join(out, 'large');
  const feed = path.join(out, 'large.jsonl');
  spawnSync(process.execPath, [cli, 'demo', 'generate', '--products', String(large), '--out', feed], { env, stdio: 'inherit' });
  const imp = spawnSync(process.execPath, [cli, 'import', feed], { env: { ...env, UCPD_DATA_DIR: dir }, encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
  await measure(`generated catalog (${large} products)`, dir);
}
rmSync(out, { recursive: true, force: true });
