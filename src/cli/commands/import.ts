import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { importFeed } from '../../feed/pipeline.js';
import { FORMATS, openFeed, streamFeed, type FeedFormat } from '../../feed/open.js';
import type { FeedSource } from '../../feed/records.js';
import { UcpdError } from '../../errors.js';
import { configFrom, openStore } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';
import { progressReporter } from '../progress.js';
import { formatReport } from '../report.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import a retailer feed: ucpd JSON Lines, a UCP CSV directory, or a Google Merchant Center TSV')
    .argument('<path>', 'feed file or directory, or - for standard input (needs --format)')
    .option('-f, --format <format>', `${FORMATS.join('|')} (default: detected)`)
    .option('-m, --mode <mode>', 'upsert: add and update; replace: also delete what the feed no longer has', 'upsert')
    .option('--dry-run', 'validate and report what would change, write nothing')
    .option('--currency <code>', 'currency of amounts in formats that carry none (UCP CSV; UCPD_DEFAULT_CURRENCY, default USD)')
    .option('--max-errors <n>', 'errors to list', '100')
    .option('--json', 'print the report as JSON')
    .action(async (target: string, opts, cmd: Command) => {
      const config = configFrom({ ...cmd.optsWithGlobals(), defaultCurrency: opts.currency });
      if (opts.mode !== 'upsert' && opts.mode !== 'replace') throw new UsageError(`--mode must be upsert or replace, got "${opts.mode}"`);
      if (opts.format !== undefined && !(FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
      }
      const maxErrors = Number(opts.maxErrors);
      if (!Number.isInteger(maxErrors) || maxErrors < 1) throw new UsageError('--max-errors must be a positive integer');
      let source: FeedSource;
      try {
        if (target === '-') {
          if (!opts.format) throw new UsageError('reading standard input needs --format jsonl or --format gmc');
          source = streamFeed(process.stdin, opts.format as FeedFormat, 'stdin');
        } else {
          source = openFeed(target, { ...(opts.format ? { format: opts.format as FeedFormat } : {}), currency: config.defaultCurrency });
        }
      } catch (err) {
        if (err instanceof UcpdError) throw new UsageError(err.message);
        throw err;
      }
      const store = openStore(config);
      mkdirSync(path.join(config.dataDir, 'tmp'), { recursive: true, mode: 0o700 });
      const progress = progressReporter();
      try {
        const report = await importFeed(store, source, { mode: opts.mode, dryRun: Boolean(opts.dryRun), maxErrors, onProgress: progress.update, spoolDir: path.join(config.dataDir, 'tmp') });
        progress.done();
        process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
        if (report.status === 'failed') throw new CommandFailed();
      } finally {
        await store.close();
      }
    });
}
