import { beforeEach, describe, expect, test } from '@jest/globals';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeStock } from '../../src/catalog/availability.js';
import { openFeed } from '../../src/feed/open.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { projectPath } from '../../src/paths.js';
import { basicFeed, location, merchant, product } from '../helpers/records.js';
import { FLOWER_SHOP, linesSource, snapshot, storePerTest, tempStore, writeFile } from '../helpers/store.js';

const GMC = projectPath('test', 'fixtures', 'gmc', 'products.tsv');
const DEMO = projectPath('demo', 'outdoor-gear.jsonl');

const t = storePerTest();

const run = (target: string, opts: Parameters<typeof importFeed>[2] = {}, currency = 'USD') => importFeed(t.store, openFeed(target, { currency }), { clock: t.clock, ...opts });

describe('formats', () => {
  test('the UCP reference store (flower_shop CSV directory)', async () => {
    const report = await run(FLOWER_SHOP);
    expect(report).toMatchObject({ status: 'applied', format: 'ucp-csv', errorCount: 0 });
    expect(report.counts).toMatchObject({
      products: { created: 6 },
      inventory: { created: 6 },
      shipping_rates: { created: 3 },
      discounts: { created: 3 },
      promotions: { created: 2 },
      customers: { created: 3 },
      addresses: { created: 3 },
      payment_instruments: { created: 3 },
    });
    const roses = (await t.store.getProduct('bouquet_roses'))!;
    expect(roses.product).toMatchObject({ title: 'Bouquet of Red Roses', media: [{ type: 'image', url: 'https://example.com/roses.jpg' }] });
    expect(roses.product.variants).toEqual([expect.objectContaining({ id: 'bouquet_roses', prices: [{ currency: 'USD', amount: 3500 }] })]);
    expect(roses.levels).toEqual([expect.objectContaining({ locationId: 'default', onHand: 1000 })]);
    expect(summarizeStock((await t.store.getProduct('gardenias'))!.levels).availability).toBe('out_of_stock');
    expect(await t.store.getDiscount('fixed500')).toEqual({ code: 'FIXED500', type: 'fixed_amount', value: 500, currency: 'USD', description: '$5.00 Off' });
    expect(await t.store.listPromotions()).toEqual([
      expect.objectContaining({ id: 'promo_1', type: 'free_shipping', minSubtotal: 10000, eligibleIds: [] }),
      expect.objectContaining({ id: 'promo_2', type: 'free_shipping', eligibleIds: ['bouquet_roses'] }),
    ]);
    expect((await t.store.listShippingRates()).map((r) => [r.id, r.country, r.serviceLevel, r.price])).toEqual([
      ['exp-ship-intl', '*', 'express', 2500],
      ['exp-ship-us', 'US', 'express', 1500],
      ['std-ship', '*', 'standard', 500],
    ]);
    const john = (await t.store.findCustomerByEmail('john.doe@example.com'))!;
    expect((await t.store.listAddresses(john.id)).map((a) => a.postalCode)).toEqual(['62704', '10012']);
    expect((await t.store.listPaymentInstruments()).map((p) => [p.id, p.token, p.handlerId])).toContainEqual(['instr_fail', 'fail_token', 'mock_payment_handler']);
  });

  test('the demo catalog', async () => {
    const report = await run(DEMO);
    expect(report.status).toBe('applied');
    expect(report.counts.products?.created).toBe(200);
    expect(await t.store.countProducts()).toBe(200);
    expect(await t.store.listLocations()).toHaveLength(3);
    const merchantDoc = await t.store.getMerchant();
    expect(merchantDoc).toMatchObject({ name: 'Summit & Trail Outfitters', currencies: ['USD', 'CAD', 'EUR', 'GBP'] });
  });

  test('a Google Merchant Center TSV: item groups become products with options', async () => {
    const report = await run(GMC);
    expect(report).toMatchObject({ status: 'applied', format: 'gmc', errorCount: 0, counts: { products: { created: 2 } } });
    const jacket = (await t.store.getProduct('TJ'))!;
    expect(jacket.product).toMatchObject({
      title: 'Trail Jacket',
      brand: 'Ridgeline',
      url: 'https://shop.example/p/trail-jacket',
      options: [
        { name: 'Color', values: ['Red', 'Blue'] },
        { name: 'Size', values: ['M', 'L'] },
      ],
      categories: [
        { taxonomy: 'google', id: '5598', path: '5598' },
        { taxonomy: 'merchant', path: 'Clothing > Jackets' },
      ],
      shippingOverrides: [
        { country: 'US', region: 'CA', service: 'Overnight', price: 1600, currency: 'USD' },
        { country: 'US', service: 'Standard', price: 495, currency: 'USD' },
      ],
    });
    expect(jacket.product.media.map((m) => m.url)).toEqual([
      'https://shop.example/img/tj-red.jpg',
      'https://shop.example/img/tj-back.jpg',
      'https://shop.example/img/tj-detail.jpg',
      'https://shop.example/img/tj-blue.jpg',
    ]);
    const [redM, redL, blueM] = jacket.product.variants;
    expect(redM).toMatchObject({
      id: 'TJ-RED-M',
      gtin: '4006381333931',
      options: [
        { name: 'Color', value: 'Red' },
        { name: 'Size', value: 'M' },
      ],
    });
    expect(redM!.prices).toEqual([{ currency: 'USD', amount: 6900, listAmount: 8900, validUntil: '2026-12-01T08:00:00.000Z' }]);
    const stock = (id: string) => summarizeStock(jacket.levels.filter((l) => l.variantId === id));
    expect(stock(redM!.id)).toMatchObject({ availability: 'in_stock', quantity: null });
    expect(stock(redL!.id)).toMatchObject({ availability: 'out_of_stock', restockDate: '2026-12-15' });
    expect(stock(blueM!.id)).toMatchObject({ availability: 'backorder' });
    const lamp = (await t.store.getProduct('HL-400'))!;
    expect(lamp.product.variants[0]).toMatchObject({ id: 'HL-400', condition: 'refurbished' });
    expect(summarizeStock(lamp.levels)).toMatchObject({ availability: 'preorder', restockDate: '2027-01-10' });
  });

  test('inventory-only and price-only delta files need no full feed', async () => {
    await importFeed(t.store, linesSource(basicFeed()), { clock: t.clock });
    const seq = await t.store.lastSeq();
    const delta = writeFile(
      t.scratch,
      'delta.jsonl',
      [
        { type: 'inventory', variant_id: 'p1-s', location_id: 'wh', on_hand: 42 },
        { type: 'inventory', sku: 'SKU-p2-M', adjust: 7 },
        { type: 'price', sku: 'SKU-p1-M', currency: 'USD', amount: 2199 },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const report = await run(delta);
    expect(report.counts).toEqual({
      inventory: { created: 0, updated: 2, unchanged: 0, deleted: 0 },
      prices: { created: 0, updated: 1, unchanged: 0, deleted: 0 },
    });
    expect((await t.store.getLevels(['p1-s', 'p2-m'])).map((l) => l.onHand)).toEqual([42, 7]);
    expect((await t.store.getProduct('p1'))!.product.variants[1]!.prices[0]!.amount).toBe(2199);
    expect((await t.store.listChanges(seq, 10)).map((c) => c.entity)).toEqual(['inventory', 'inventory', 'price']);
  });

  test('the worker-thread path produces exactly what the inline path does', async () => {
    await run(DEMO, { parallel: 'always' });
    const parallel = snapshot(t.store);
    const other = tempStore(t.clock);
    try {
      await importFeed(other.store, openFeed(DEMO, { currency: 'USD' }), { clock: t.clock, parallel: 'never' });
      const inline = snapshot(other.store);
      const stripIds = (s: Record<string, unknown[]>) => ({ ...s, changes: (s.changes as { import_id: string }[]).map((c) => ({ ...c, import_id: 'x' })) });
      expect(stripIds(parallel)).toEqual(stripIds(inline));
    } finally {
      await other.close();
    }
  });
});

describe('modes', () => {
  test('dry run reports what would change and writes nothing', async () => {
    await importFeed(t.store, linesSource(basicFeed()), { clock: t.clock });
    const before = snapshot(t.store);
    const report = await importFeed(t.store, linesSource([product('p1', { title: 'New title' }), product('p9')]), { clock: t.clock, dryRun: true, mode: 'replace' });
    expect(report).toMatchObject({ status: 'dry_run', counts: { products: { created: 1, updated: 1, deleted: 1 } } });
    expect(snapshot(t.store)).toEqual(before);
  });
});

describe('corrupt feeds leave the store exactly as it was and name the record', () => {
  let before: Record<string, unknown[]>;
  beforeEach(async () => {
    await importFeed(t.store, linesSource(basicFeed()), { clock: t.clock });
    before = snapshot(t.store);
  });

  const expectIntact = async (report: Awaited<ReturnType<typeof importFeed>>) => {
    expect(report.status).toBe('failed');
    expect(snapshot(t.store)).toEqual(before);
  };

  test('a bad row among good ones', async () => {
    const report = await importFeed(
      t.store,
      linesSource([product('p1', { title: 'Changed' }), product('p7'), product('p8', { variants: [{ id: 'x', prices: [{ currency: 'USD', amount: 'ten' }] }] }), product('p9')], 'feed.jsonl'),
      { clock: t.clock },
    );
    await expectIntact(report);
    expect(report.errors).toEqual([{ file: 'feed.jsonl', line: 3, field: 'variants[0].prices[0].amount', message: 'must be integer' }]);
  });

  test('malformed JSON and a truncated last line', async () => {
    const report = await importFeed(t.store, linesSource([product('p7'), '{"type":"product",', product('p8'), '{"type":"prod'], 'feed.jsonl'), { clock: t.clock });
    await expectIntact(report);
    expect(report.errors.map((e) => [e.line, e.message.split(':')[0]])).toEqual([
      [2, 'not valid JSON'],
      [4, 'not valid JSON'],
    ]);
  });

  test('a file cut at a line boundary fails on its header count', async () => {
    const lines = readFileSync(DEMO, 'utf8').split('\n');
    const file = writeFile(t.scratch, 'cut.jsonl', `${lines.slice(0, 300).join('\n')}\n`);
    const report = await run(file);
    await expectIntact(report);
    const whole = lines.filter((l) => l.trim()).length - 1; // every line but the header is a record
    expect(JSON.parse(lines[0]!).record_count).toBe(whole);
    expect(report.errors).toEqual([{ file: 'cut.jsonl', line: 1, field: 'record_count', message: `header says ${whole} records but the feed has 299: the file may be truncated` }]);
  });

  test('wrong types in CSV fields and a truncated CSV row', async () => {
    cpSync(FLOWER_SHOP, t.scratch, { recursive: true });
    writeFileSync(path.join(t.scratch, 'products.csv'), 'id,title,price,image_url\nbouquet_roses,Roses,35.00,https://x/r.jpg\npot_ceramic,Pot,1500,https://x/p.jpg\npot_big,Big Pot');
    const report = await run(t.scratch);
    await expectIntact(report);
    expect(report.errors).toEqual([
      { file: 'products.csv', line: 2, field: 'price', message: '"35.00" is not a whole number' },
      { file: 'products.csv', line: 4, message: 'has 2 fields but the header has 4 (truncated row?)' },
    ]);
  });

  test('duplicate ids', async () => {
    const report = await importFeed(
      t.store,
      linesSource([product('p5'), product('p6'), product('p5'), product('p7', { variants: [{ id: 'p6-s', prices: [{ currency: 'USD', amount: 1 }] }], options: [] })], 'dups.jsonl'),
      { clock: t.clock },
    );
    await expectIntact(report);
    expect(report.errors).toEqual([
      { file: 'dups.jsonl', line: 3, field: 'id', message: 'duplicate id "p5": already on line 1' },
      { file: 'dups.jsonl', line: 4, field: 'variants[0].id', message: 'duplicate variant id "p6-s": already on line 2' },
    ]);
  });

  test('references to what does not exist', async () => {
    const report = await importFeed(t.store, linesSource([product('p7'), { type: 'review', id: 'r9', product_id: 'ghost', rating: 5, body: 'x', author: 'A', date: '2026-01-01' }, product('p8')]), {
      clock: t.clock,
    });
    await expectIntact(report);
    expect(report.errors.map((e) => [e.line, e.message])).toEqual([[2, 'unknown product "ghost" (not in the store, and not defined earlier in this feed)']]);
    const second = await importFeed(t.store, linesSource([{ type: 'inventory', variant_id: 'p1-s', location_id: 'moon', on_hand: 1 }]), { clock: t.clock });
    await expectIntact(second);
    expect(second.errors.map((e) => e.message)).toEqual(['unknown location "moon" (not in the store, and not defined earlier in this feed)']);
    const third = await importFeed(t.store, linesSource([product('p7', { return_policy_id: 'gone' })]), { clock: t.clock });
    await expectIntact(third);
    expect(third.errors.map((e) => e.message)).toEqual(['unknown return policy "gone" (not in the store, and not defined earlier in this feed)']);
  });

  test('errors after the first are still reported, up to the limit', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => ({ type: 'product', id: `b${i}` }));
    const report = await importFeed(t.store, linesSource(bad), { clock: t.clock, maxErrors: 10 });
    await expectIntact(report);
    expect(report.errorCount).toBe(30);
    expect(report.errors).toHaveLength(10);
  });

  test('a GMC row with a bad price', async () => {
    const file = writeFile(t.scratch, 'bad.tsv', readFileSync(GMC, 'utf8').replace('39.95 USD', '39,95'));
    const report = await run(file);
    await expectIntact(report);
    expect(report.errors).toEqual([{ file: 'bad.tsv', line: 4, field: 'price', message: '"39,95" is not a price like "15.00 USD"' }]);
  });

  test('promotions whose amount or share cannot be applied as stated', async () => {
    const promo = (id: string, over: object) => ({ type: 'promotion', id, promotion_type: 'fixed_amount', value: 500, ...over });
    const report = await importFeed(
      t.store,
      linesSource(
        [
          promo('no-currency', {}),
          promo('too-much', { promotion_type: 'percentage', value: 150 }),
          promo('two-currencies', { currency: 'USD', min_subtotal: { amount: 5000, currency: 'CAD' } }),
          promo('no-value', { promotion_type: 'percentage', value: undefined }),
          promo('fine', { currency: 'USD' }),
        ],
        'promos.jsonl',
      ),
      { clock: t.clock },
    );
    await expectIntact(report);
    expect(report.errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [1, 'currency', 'a fixed_amount promotion needs the currency its amount is in'],
      [2, 'value', 'a percentage must be 0-100'],
      [3, 'min_subtotal.currency', "must be the promotion's currency (USD)"],
      [4, 'value', 'a percentage promotion needs a value'],
    ]);
  });

  test('the merchant record after products', async () => {
    const report = await importFeed(t.store, linesSource([location('wh'), product('p7'), merchant()]), { clock: t.clock });
    await expectIntact(report);
    expect(report.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/merchant record must come before any product/) });
  });
});
