/**
 * bench/import: generate a synthetic 100,000-product feed (300,000 variants), import it with the real CLI
 * into a fresh data directory, and compare with a bare better-sqlite3 bulk insert of exactly the rows the
 * import wrote (read back from its database, inserted into a fresh database with the same schema, in one
 * transaction with prepared statements). Prints wall time, peak RSS and both rates.
 *
 *   npm run build && node dist/bench/import.js [--products 100000] [--runs 3] [--keep]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { feedLines } from '../src/demo/generate.js';
import { openDatabase } from '../src/store/sqlite/db.js';
import { projectPath } from '../src/paths.js';
import { median } from './lib.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith('--')) args.set(a.slice(2), process.argv[i + 1]?.startsWith('--') || i + 1 >= process.argv.length ? 'true' : process.argv[++i]!);
}
const products = Number(args.get('products') ?? 100_000);
const runs = Number(args.get('runs') ?? 3);
const outDir = projectPath('bench', 'out');
mkdirSync(outDir, { recursive: true });
const feed = path.join(outDir, `feed-${products}.jsonl`);
const cli = projectPath('dist', 'src', 'cli', 'main.js');

async function generate(): Promise<void> {
  if (existsSync(feed)) return;
  const t = performance.now();
  const out = createWriteStream(feed);
  for (const line of feedLines({ products, variants: 'fixed3', reviews: false, currencies: ['USD'] })) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  console.log(`generated ${feed} (${(statSync(feed).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

interface CliRun {
  wallS: number;
  peakRssMb: number;
  importMs: number;
  dataDir: string;
}

function importWithCli(): CliRun {
  const dataDir = path.join(os.tmpdir(), `ucpd-bench-import-${process.pid}-${Date.now()}`);
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'RUSAGE %e %M', process.execPath, cli, '--data-dir', dataDir, 'import', feed, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`import failed (${r.status}): ${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  const usage = /RUSAGE ([\d.]+) (\d+)/.exec(r.stderr);
  const report = JSON.parse(r.stdout) as { durationMs: number; status: string };
  if (report.status !== 'applied') throw new Error(`import not applied: ${r.stdout.slice(0, 2000)}`);
  return { wallS, peakRssMb: usage ? Number(usage[2]) / 1024 : NaN, importMs: report.durationMs, dataDir };
}

/** Insert exactly the rows the import produced, table by table in dependency order, into a fresh database. */
function bareInsert(sourceDb: string): { ms: number; rows: number } {
  const src = new Database(sourceDb, { readonly: true });
  const tables = ['changes', 'merchant', 'locations', 'products', 'variants', 'prices', 'inventory', 'imports'];
  const data = tables.map((t) => {
    const stmt = src.prepare(`SELECT * FROM ${t}`).raw(true);
    const columns = stmt.columns().map((c) => c.name);
    return { t, columns, rows: stmt.all() as unknown[][] };
  });
  src.close();
  const file = path.join(os.tmpdir(), `ucpd-bench-bare-${process.pid}-${Date.now()}.sqlite`);
  const db = openDatabase({ file });
  const inserts = data.map((d) => db.prepare(`INSERT INTO ${d.t} (${d.columns.join(',')}) VALUES (${d.columns.map(() => '?').join(',')})`));
  const t = performance.now();
  db.transaction(() => {
    data.forEach((d, i) => {
      const stmt = inserts[i]!;
      for (const row of d.rows) stmt.run(row);
    });
  })();
  const ms = performance.now() - t;
  db.close();
  rmSync(file, { force: true });
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  return { ms, rows: data.reduce((n, d) => n + d.rows.length, 0) };
}

await generate();
const results: { cli: CliRun; bare: { ms: number; rows: number } }[] = [];
for (let i = 0; i < runs; i++) {
  const cliRun = importWithCli();
  const bare = bareInsert(path.join(cliRun.dataDir, 'ucpd.sqlite'));
  results.push({ cli: cliRun, bare });
  console.log(
    `run ${i + 1}: CLI import wall ${cliRun.wallS.toFixed(2)} s (pipeline ${(cliRun.importMs / 1000).toFixed(2)} s), peak RSS ${cliRun.peakRssMb.toFixed(0)} MB; ` +
      `bare insert of the same ${bare.rows.toLocaleString('en-US')} rows ${(bare.ms / 1000).toFixed(2)} s; ratio ${(bare.ms / cliRun.importMs).toFixed(2)}`,
  );
  if (!args.has('keep')) rmSync(cliRun.dataDir, { recursive: true, force: true });
}
const wall = median(results.map((r) => r.cli.wallS));
const rss = median(results.map((r) => r.cli.peakRssMb));
const pipeline = median(results.map((r) => r.cli.importMs)) / 1000;
const bare = median(results.map((r) => r.bare.ms)) / 1000;
const ratios = results.map((r) => r.bare.ms / r.cli.importMs);
console.log(`\nbench/import: ${products.toLocaleString('en-US')} products, ${(products * 3).toLocaleString('en-US')} variants, ${runs} runs (medians)`);
console.log(`  CLI wall time          ${wall.toFixed(2)} s   (target <= 30 s)`);
console.log(`  CLI peak RSS           ${rss.toFixed(0)} MB  (target <= 512 MB)`);
console.log(`  import pipeline        ${pipeline.toFixed(2)} s = ${Math.round(products / pipeline).toLocaleString('en-US')} products/s`);
console.log(`  bare bulk insert       ${bare.toFixed(2)} s = ${Math.round(products / bare).toLocaleString('en-US')} products/s`);
console.log(`  rate ratio ucpd/bare   ${median(ratios).toFixed(2)} (per-run ${ratios.map((r) => r.toFixed(2)).join(', ')}; target >= 0.50)`);
