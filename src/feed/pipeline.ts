/**
 * The import pipeline, in two stages so the store's write lock is held only to write:
 *
 * 1. Stage: stream records from the source and prepare them (validate, map, serialise; see prepare.ts;
 *    big files on a worker thread) into a spool, without touching the store's write lock. A feed with
 *    problems stops here: nothing was locked, nothing changes.
 * 2. Apply: open one import session (one transaction per feed version), apply the spooled operations,
 *    yielding to the event loop every APPLY_SLICE_MS so a server keeps answering, and commit, or roll back if
 *    any operation was refused (an unknown reference), so the previous catalog stays fully intact.
 *
 * `dryRun` runs both stages, reports, and rolls back.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UcpdError } from '../errors.js';
import { projectPath } from '../paths.js';
import type { Clock, Collection, ImportSession, PutOutcome, Store } from '../store/store.js';
import { systemClock } from '../store/store.js';
import { FeedPreparer, type PreparedItem, type PreparedOp, type VariantKey } from './prepare.js';
import type { WorkerInput, WorkerMessage } from './prepare-worker.js';
import type { FeedSource, SourceRef } from './records.js';
import { Spool } from './spool.js';

/** A prepared operation waiting in the spool, with the record it came from. */
type Staged = [PreparedOp, SourceRef];

export interface ImportProblem {
  file: string;
  line: number;
  field?: string;
  message: string;
}

export interface CollectionCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

/** Report keys: the collections, plus stock and price updates given as records of their own. */
export type Counted = Collection | 'inventory' | 'prices';

export interface ImportReport {
  importId: string;
  format: string;
  source: string;
  mode: 'upsert' | 'replace';
  status: 'applied' | 'failed' | 'dry_run';
  startedAt: string;
  durationMs: number;
  /** How long the apply stage held the store's write lock (absent when the feed failed validation). */
  writeLockMs?: number;
  records: number;
  counts: Partial<Record<Counted, CollectionCounts>>;
  errorCount: number;
  /** The first `maxErrors` problems, each naming file, line and field. */
  errors: ImportProblem[];
  warnings: ImportProblem[];
}

export interface ImportProgress {
  records: number;
  bytes: number;
  totalBytes?: number;
}

export interface ImportOptions {
  mode?: 'upsert' | 'replace';
  dryRun?: boolean;
  maxErrors?: number;
  clock?: Clock;
  /** Default currency when neither the store nor the feed has a merchant record. */
  currency?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Prepare on a worker thread: 'auto' = for files of 8 MB and more. */
  parallel?: 'auto' | 'always' | 'never';
  /** The bundled demo catalog, or a retailer's feed (default); see the store's ImportOptions.origin. */
  origin?: 'demo' | 'feed';
  /** Where prepared batches that do not fit in memory wait for the apply stage (default: the OS temp dir). */
  spoolDir?: string;
}

const PARALLEL_MIN_BYTES = 8 * 1024 * 1024;
const BATCH = 256;
/** Writing between two yields to the event loop while applying, milliseconds. */
const APPLY_SLICE_MS = 20;

interface Batch {
  items: PreparedItem[];
  records: number;
  bytes: number;
  totalBytes?: number;
}

class Tally {
  readonly counts: Partial<Record<Counted, CollectionCounts>> = {};
  add(key: Counted, outcome: PutOutcome | 'deleted', n = 1): void {
    let c = this.counts[key];
    if (c === undefined) {
      c = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
      this.counts[key] = c;
    }
    c[outcome] += n;
  }
}

export async function importFeed(store: Store, source: FeedSource, options: ImportOptions = {}): Promise<ImportReport> {
  const clock = options.clock ?? systemClock;
  const mode = options.mode ?? 'upsert';
  const maxErrors = options.maxErrors ?? 100;
  const started = clock.now();
  const t0 = performance.now();
  const currency = (await store.getMerchant())?.currencies[0] ?? options.currency ?? 'USD';

  const errors: ImportProblem[] = [];
  const warnings: ImportProblem[] = [];
  let errorCount = 0;
  const fail = (ref: SourceRef, message: string, field?: string) => {
    errorCount++;
    if (errors.length < maxErrors) errors.push({ file: ref.file, line: ref.line, ...(field ? { field } : {}), message });
  };

  const useWorker = source.spec !== undefined && (options.parallel === 'always' || (options.parallel !== 'never' && (source.totalBytes ?? 0) >= PARALLEL_MIN_BYTES));
  const batches = useWorker ? preparedInWorker(source, currency) : preparedInline(source, currency);
  const spool = new Spool<Staged[]>(options.spoolDir);
  let records = 0;
  let tally = new Tally();
  let importId: string | undefined;
  let lockedAt = 0;
  let writeLockMs: number | undefined;
  try {
    // Stage 1: validate and prepare everything; the store is not locked.
    try {
      for await (const batch of batches) {
        records = batch.records;
        const staged: Staged[] = [];
        for (const item of batch.items) {
          if ('problems' in item) {
            for (const p of item.problems) fail(item.ref, p.message, p.field || undefined);
            continue;
          }
          // After a problem, keep validating every record but stage nothing more: nothing will be applied.
          if (errorCount === 0) staged.push([item.op, item.ref]);
        }
        if (staged.length) await spool.push(staged);
        options.onProgress?.({ records: batch.records, bytes: batch.bytes, ...(batch.totalBytes !== undefined ? { totalBytes: batch.totalBytes } : {}) });
      }
    } catch (err) {
      await batches.return?.(undefined);
      throw err;
    }
    // Stage 2: apply in one transaction, unless the feed already failed.
    if (errorCount === 0) {
      const session = await store.beginImport({ format: source.format, mode, source: source.description, origin: options.origin ?? 'feed' });
      lockedAt = performance.now();
      importId = session.importId;
      const applier = new Applier(session, (ref, message) => warnings.length < maxErrors && warnings.push({ file: ref.file, line: ref.line, message }));
      tally = applier.tally;
      try {
        let slice = performance.now();
        outer: for await (const staged of spool.read()) {
          for (const [op, ref] of staged) {
            try {
              await applier.apply(op, ref);
            } catch (err) {
              if (!(err instanceof UcpdError)) throw err;
              const field = err.details?.field;
              fail(ref, err.message, typeof field === 'string' ? field : undefined);
              // operations depending on a refused one would only add cascading "unknown reference" noise
              break outer;
            }
            if (performance.now() - slice >= APPLY_SLICE_MS) {
              await new Promise((r) => setImmediate(r));
              slice = performance.now();
            }
          }
        }
        if (errorCount === 0 && mode === 'replace') {
          const removed = await session.removeUnseen([...applier.present]);
          for (const [collection, n] of Object.entries(removed)) applier.tally.add(collection as Collection, 'deleted', n);
        }
        if (errorCount === 0 && !options.dryRun) await session.commit();
        else await session.rollback();
      } catch (err) {
        await session.rollback();
        throw err;
      } finally {
        writeLockMs = Math.round(performance.now() - lockedAt);
      }
    }
  } finally {
    await spool.dispose();
  }

  const report: ImportReport = {
    importId: importId ?? randomUUID(),
    format: source.format,
    source: source.description,
    mode,
    status: errorCount > 0 ? 'failed' : options.dryRun ? 'dry_run' : 'applied',
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...(writeLockMs !== undefined ? { writeLockMs } : {}),
    records,
    counts: tally.counts,
    errorCount,
    errors,
    warnings,
  };
  await store.recordImport({
    id: report.importId,
    format: report.format,
    mode,
    source: report.source,
    startedAt: report.startedAt,
    finishedAt: clock.now().toISOString(),
    status: report.status,
    summary: { records, counts: report.counts, errorCount, errors: errors.slice(0, 10), ...(writeLockMs !== undefined ? { writeLockMs } : {}) },
  });
  return report;
}

async function* preparedInline(source: FeedSource, currency: string): AsyncGenerator<Batch> {
  const preparer = new FeedPreparer(currency);
  let items: PreparedItem[] = [];
  const total = source.totalBytes !== undefined ? { totalBytes: source.totalBytes } : {};
  for await (const item of source.records()) {
    const prepared = preparer.prepare(item);
    if (prepared) items.push(prepared);
    if (items.length >= BATCH) {
      yield { items, records: preparer.recordCount, bytes: source.bytesRead(), ...total };
      items = [];
    }
  }
  yield { items: [...items, ...preparer.finish()], records: preparer.recordCount, bytes: source.bytesRead(), ...total };
}

/** The compiled worker next to this module, or in dist/ when running from TypeScript sources (tests). */
function workerUrl(): URL {
  const here = new URL('./prepare-worker.js', import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : pathToFileURL(projectPath('dist', 'src', 'feed', 'prepare-worker.js'));
}

async function* preparedInWorker(source: FeedSource, currency: string): AsyncGenerator<Batch> {
  const spec = source.spec!;
  const input: WorkerInput = { target: spec.target, ...(spec.format ? { format: spec.format } : {}), feedCurrency: spec.currency, storeCurrency: currency, batchSize: BATCH };
  const worker = new Worker(workerUrl(), { workerData: input });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  worker.on('exit', (code) => {
    if (code !== 0) failure ??= new Error(`feed worker exited with code ${code}`);
    wake?.();
  });
  try {
    for (;;) {
      const m = queue.shift();
      if (!m) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (m.kind === 'fatal') throw new Error(`feed worker failed: ${m.message}`);
      yield m;
      if (m.kind === 'end') return;
      worker.postMessage('credit');
    }
  } finally {
    await worker.terminate();
  }
}

/** Stage two: apply prepared operations to the session, counting outcomes per collection. */
class Applier {
  readonly tally = new Tally();
  readonly present = new Set<Collection>();

  constructor(
    private readonly session: ImportSession,
    private readonly warn: (ref: SourceRef, message: string) => void,
  ) {}

  private put(collection: Collection, outcome: PutOutcome): void {
    this.present.add(collection);
    this.tally.add(collection, outcome);
  }

  async apply(item: PreparedOp, ref: SourceRef): Promise<void> {
    const s = this.session;
    switch (item.op) {
      case 'merchant':
        return this.put('merchant', await s.putMerchant(item.merchant));
      case 'location':
        return this.put('locations', await s.putLocation(item.location));
      case 'shipping_rate':
        return this.put('shipping_rates', await s.putShippingRate(item.rate));
      case 'tax_rate':
        return this.put('tax_rates', await s.putTaxRate(item.rate));
      case 'return_policy':
        return this.put('return_policies', await s.putReturnPolicy(item.policy));
      case 'product':
        return this.put('products', await s.putProduct(item.product));
      case 'inventory':
        return this.tally.add('inventory', await s.setInventory({ ...item.input, variantId: await this.variant(item.variant) }));
      case 'price':
        return this.tally.add('prices', await s.setPrice({ ...item.input, variantId: await this.variant(item.variant) }));
      case 'review':
        return this.put('reviews', await s.putReview(item.review));
      case 'discount':
        return this.put('discounts', await s.putDiscount(item.discount));
      case 'promotion':
        return this.put('promotions', await s.putPromotion(item.promotion));
      case 'customer':
        this.put('customers', await s.putCustomer(item.customer));
        for (const a of item.addresses) this.put('addresses', await s.putAddress(a));
        return;
      case 'address':
        return this.put('addresses', await s.putAddress(item.address));
      case 'payment_instrument':
        return this.put('payment_instruments', await s.putPaymentInstrument(item.instrument));
      case 'delete':
        if (await s.deleteProduct(item.productId)) this.tally.add('products', 'deleted');
        else this.warn(ref, `no product "${item.productId}" to delete`);
        return;
    }
  }

  private async variant({ key, bySku }: VariantKey): Promise<string> {
    const found = await this.session.resolveVariant(key);
    if (found) return found;
    throw new UcpdError('invalid_input', 'unknown_reference', `unknown ${bySku ? 'SKU' : 'variant'} "${key}" (not in the store, and not defined earlier in this feed)`, {
      field: bySku ? 'sku' : 'variant_id',
    });
  }
}
