import type { Command } from 'commander';
import { buildQualityReport, type QualityReport } from '../../catalog/quality.js';
import { systemClock } from '../../store/store.js';
import { configFrom, openStore } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';

function format(r: QualityReport, limit: number): string {
  const lines = [`data quality: ${r.ready} of ${r.products} products pass every check`];
  for (const c of r.checks) lines.push(`  ${c.id.padEnd(20)} ${String(c.failing).padStart(7)} failing   (${c.description})`);
  if (r.excludedChecks.length) lines.push(`excluded from agents (failing ${r.excludedChecks.join(', ')}): ${r.excluded} products`);
  if (r.failing.length) {
    lines.push(`failing products${r.failing.length > limit ? ` (first ${limit} of ${r.failing.length})` : ''}:`);
    for (const p of r.failing.slice(0, limit)) {
      lines.push(`  ${p.productId}  ${p.title}`);
      for (const f of p.failures) lines.push(`      ${f.check}: ${f.reason}`);
    }
  }
  return lines.join('\n');
}

export function registerQuality(program: Command): void {
  program
    .command('quality')
    .description('data quality report: the readiness checks agents reward, per product and in aggregate')
    .option('--json', 'print the report as JSON')
    .option('--limit <n>', 'failing products to list', '50')
    .option('--strict', 'exit 1 when any product fails a check')
    .option('--quality-exclude <checks>', 'checks whose failures hide a product from agents (UCPD_QUALITY_EXCLUDE)')
    .action(async (opts, cmd: Command) => {
      const config = configFrom(cmd.optsWithGlobals());
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError('--limit must be a non-negative integer');
      const store = openStore(config);
      try {
        const merchant = await store.getMerchant();
        const report = await buildQualityReport(store.scanProducts(), {
          now: systemClock.now(),
          currency: merchant?.currencies[0] ?? config.defaultCurrency,
          exclude: config.qualityExclude,
        });
        process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : format(report, limit)}\n`);
        if (opts.strict && report.failing.length) throw new CommandFailed();
      } finally {
        await store.close();
      }
    });
}
