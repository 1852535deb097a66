import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { feedLines } from '../../demo/generate.js';
import { configFrom, loadDemo, openStore } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';
import { formatReport } from '../report.js';

export function registerDemo(program: Command): void {
  const demo = program.command('demo').description('the demo outdoor-gear store: load it, or generate catalogs of any size');

  demo
    .command('load')
    .description('import the bundled demo catalog (demo/outdoor-gear.jsonl) into the store')
    .option('--replace', 'replace the catalog instead of upserting into it')
    .option('--json', 'print the report as JSON')
    .action(async (opts, cmd: Command) => {
      const store = openStore(configFrom(cmd.optsWithGlobals()));
      try {
        const report = await loadDemo(store, opts.replace ? 'replace' : 'upsert');
        process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
        if (report.status === 'failed') throw new CommandFailed();
      } finally {
        await store.close();
      }
    });

  demo
    .command('generate')
    .description('write a deterministic demo feed (JSON Lines) to a file or standard output')
    .option('-n, --products <n>', 'number of products', '200')
    .option('--seed <n>', 'random seed', '20261001')
    .option('--variants <kind>', 'demo (realistic size/colour variants) or fixed3 (three per product)', 'demo')
    .option('--no-reviews', 'leave out reviews')
    .option('--currencies <list>', 'currencies priced, first = default', 'USD,CAD,EUR,GBP')
    .option('-o, --out <file>', 'output file (default: standard output)')
    .action(async (opts) => {
      const products = Number(opts.products);
      const seed = Number(opts.seed);
      if (!Number.isInteger(products) || products < 1) throw new UsageError('--products must be a positive integer');
      if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
      if (opts.variants !== 'demo' && opts.variants !== 'fixed3') throw new UsageError('--variants must be demo or fixed3');
      const out = opts.out ? createWriteStream(opts.out) : process.stdout;
      for (const line of feedLines({ products, seed, variants: opts.variants, reviews: opts.reviews, currencies: String(opts.currencies).split(',') })) {
        if (!out.write(line)) await once(out, 'drain');
      }
      if (opts.out) {
        (out as ReturnType<typeof createWriteStream>).end();
        await once(out, 'finish');
      }
    });
}
