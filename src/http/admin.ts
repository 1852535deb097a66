/**
 * The retailer's admin API (/admin/v1, bearer tokens): stock and price deltas without a full feed, feed
 * upload, data quality, import history. Handlers parse, call the store or pipeline, and serialise.
 */
import { Router } from 'express';
import path from 'node:path';
import { UcpdError, invalidInput } from '../errors.js';
import { availableUnits } from '../catalog/availability.js';
import { buildQualityReport } from '../catalog/quality.js';
import { requireScope } from '../edge/require-scope.js';
import type { Config } from '../config.js';
import { importFeed } from '../feed/pipeline.js';
import { FORMATS, openFeed, type FeedFormat } from '../feed/open.js';
import { receiveUpload } from './upload.js';
import { jsonBody } from '../edge/json-body.js';
import { toInventoryInput, toPriceInput } from '../feed/map.js';
import type { InventoryRecord, PriceRecord } from '../feed/records.js';
import { validateRecord, validator } from '../feed/validate.js';
import type { Clock, InventoryInput, PriceInput, Store } from '../store/store.js';

export interface AdminDeps {
  store: Store;
  config: Config;
  clock: Clock;
}

const MAX_UPDATES = 10_000;

/** `{updates: [...]}` with 1..MAX_UPDATES objects, each validated as a feed record of `type`. */
function updatesOf<T>(body: unknown, type: 'inventory' | 'price'): T[] {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { updates?: unknown }).updates)) {
    throw invalidInput('invalid_body', 'body must be a JSON object {"updates": [...]}', { field: 'updates' });
  }
  const updates = (body as { updates: unknown[] }).updates;
  if (updates.length === 0) throw invalidInput('invalid_body', 'updates must not be empty', { field: 'updates' });
  if (updates.length > MAX_UPDATES) throw new UcpdError('too_large', 'too_many_updates', `at most ${MAX_UPDATES} updates per request`, { field: 'updates' });
  const errors: { field: string; message: string }[] = [];
  const records = updates.map((u, i) => {
    if (!u || typeof u !== 'object' || Array.isArray(u)) {
      errors.push({ field: `updates[${i}]`, message: 'must be an object' });
      return undefined;
    }
    if ('type' in u) errors.push({ field: `updates[${i}].type`, message: 'is not a known field' });
    const record = { ...(u as object), type };
    for (const p of validateRecord(record)) errors.push({ field: `updates[${i}].${p.field}`, message: p.message });
    return record as T;
  });
  if (errors.length) throw invalidInput('invalid_updates', `${errors.length} invalid update${errors.length > 1 ? 's' : ''}; nothing was applied`, { errors: errors.slice(0, 100) });
  return records as T[];
}

/** SKU -> variant id; unknown ones are reported together. */
async function resolveVariants(store: Store, records: { variant_id?: string; sku?: string }[]): Promise<string[]> {
  const errors: { field: string; message: string }[] = [];
  const ids = await Promise.all(
    records.map(async (r, i) => {
      if (r.variant_id !== undefined) return r.variant_id;
      const found = await store.findVariant(r.sku!);
      if (!found) errors.push({ field: `updates[${i}].sku`, message: `unknown SKU "${r.sku}"` });
      return found?.variantId ?? '';
    }),
  );
  if (errors.length) throw invalidInput('invalid_updates', 'unknown SKUs; nothing was applied', { errors });
  return ids;
}

export function adminRouter({ store, config, clock }: AdminDeps): Router {
  validator(); // compile the feed schema up front: the first stock update should not pay ~100 ms for it
  const r = Router();
  const body = jsonBody({ limit: config.jsonLimit });

  r.post('/inventory', requireScope(store, 'inventory:write'), body, async (req, res) => {
    const records = updatesOf<InventoryRecord>(req.body, 'inventory');
    const ids = await resolveVariants(store, records);
    const inputs: InventoryInput[] = records.map((rec, i) => toInventoryInput(rec, ids[i]!));
    const changes = await store.applyInventory(inputs);
    res.json({
      applied: inputs.length,
      changed: changes.length,
      changes: changes.map((c) => ({
        variant_id: c.variantId,
        product_id: c.productId,
        location_id: c.locationId,
        on_hand: c.onHand,
        reserved: c.reserved,
        available: availableUnits(c),
      })),
      seq: await store.lastSeq(),
    });
  });

  r.post('/prices', requireScope(store, 'catalog:write'), body, async (req, res) => {
    const records = updatesOf<PriceRecord>(req.body, 'price');
    const ids = await resolveVariants(store, records);
    const inputs: PriceInput[] = records.map((rec, i) => toPriceInput(rec, ids[i]!));
    const prices = await store.applyPrices(inputs);
    res.json({
      applied: inputs.length,
      prices: prices.map((p, i) => ({ variant_id: inputs[i]!.variantId, currency: p.currency, amount: p.amount, list_amount: p.listAmount ?? null })),
      seq: await store.lastSeq(),
    });
  });

  /**
   * A feed upload: received into a private file first (nothing is locked while the client sends, however
   * slowly; a stalled, oversized or aborted upload changes nothing), then imported from the file like
   * `ucpd import` does: validated and prepared (on a worker thread when big) before the store's write
   * lock is taken, then applied in one short transaction.
   */
  r.post('/feed', requireScope(store, 'catalog:write'), async (req, res) => {
    const format = String(req.query.format ?? (req.is('text/tab-separated-values') ? 'gmc' : 'jsonl')) as FeedFormat;
    if (format !== 'jsonl' && format !== 'gmc') {
      throw invalidInput('invalid_parameter', `format must be jsonl or gmc (${FORMATS.join(', ')} exist; ucp-csv is a directory: use the CLI)`, { parameter: 'format' });
    }
    const mode = String(req.query.mode ?? 'upsert');
    if (mode !== 'upsert' && mode !== 'replace') throw invalidInput('invalid_parameter', 'mode must be upsert or replace', { parameter: 'mode' });
    const dryRun = ['1', 'true', 'yes'].includes(String(req.query.dry_run ?? 'false'));
    const work = path.join(config.dataDir, 'tmp');
    const upload = await receiveUpload(req, { dir: work, name: 'upload', limit: config.feedLimit, idleMs: config.feedIdleMs });
    let report: Awaited<ReturnType<typeof importFeed>>;
    try {
      const source = openFeed(upload.file, { format, currency: config.defaultCurrency });
      report = await importFeed(store, source, { mode, dryRun, clock, spoolDir: work });
    } finally {
      await upload.discard();
    }
    res.status(report.status === 'failed' ? 422 : 200).json(report);
  });

  r.get('/quality', requireScope(store, 'quality:read'), async (req, res) => {
    const limit = Number(req.query.limit ?? 500);
    if (!Number.isInteger(limit) || limit < 0 || limit > 100_000) throw invalidInput('invalid_parameter', 'limit must be an integer 0..100000', { parameter: 'limit' });
    const merchant = await store.getMerchant();
    const report = await buildQualityReport(store.scanProducts(), {
      now: clock.now(),
      currency: merchant?.currencies[0] ?? config.defaultCurrency,
      exclude: config.qualityExclude,
    });
    res.json({ ...report, failing: report.failing.slice(0, limit), failingTruncated: report.failing.length > limit });
  });

  r.get('/imports', requireScope(store, 'quality:read'), async (_req, res) => {
    res.json({ imports: await store.listImports(50) });
  });

  return r;
}
