/**
 * The Store contract: every implementation (SQLite now, PostgreSQL later) must pass these. Data goes in
 * through the import pipeline and the store's own write methods; assertions read through the interface.
 */
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { importFeed } from '../../src/feed/pipeline.js';
import type { Store } from '../../src/store/store.js';
import { linesSource, type TestClock } from '../helpers/store.js';
import { basicFeed, location, merchant, product, review } from '../helpers/records.js';

export interface ContractHarness {
  store: Store;
  clock: TestClock;
  close(): Promise<void>;
}

export function storeContract(name: string, make: () => ContractHarness): void {
  describe(`Store contract: ${name}`, () => {
    let h: ContractHarness;
    let store: Store;
    const load = async (records: object[], mode: 'upsert' | 'replace' = 'upsert') => {
      const report = await importFeed(store, linesSource(records), { mode, clock: h.clock });
      expect(report.errors).toEqual([]);
      return report;
    };

    beforeEach(() => {
      h = make();
      store = h.store;
    });
    afterEach(async () => h.close());

    test('a product reads back with variants, prices, stock and rating', async () => {
      await load(basicFeed());
      const r = (await store.getProduct('p1'))!;
      expect(r.product).toMatchObject({ id: 'p1', title: 'Product p1', brand: 'Acme', options: [{ name: 'Size', values: ['S', 'M'] }] });
      expect(r.product.variants.map((v) => [v.id, v.prices])).toEqual([
        ['p1-s', [{ currency: 'USD', amount: 1999 }]],
        ['p1-m', [{ currency: 'USD', amount: 2499, listAmount: 2999 }]],
      ]);
      expect(r.product.variants[0]!.options).toEqual([{ name: 'Size', value: 'S' }]);
      expect(r.levels.map((l) => [l.variantId, l.locationId, l.onHand, l.reserved])).toEqual([
        ['p1-m', 'wh', 0, 0],
        ['p1-s', 'wh', 5, 0],
      ]);
      expect(r.rating).toEqual({ value: 4, count: 1, distribution: [0, 0, 0, 1, 0] });
      expect(r.createdAt).toBe(h.clock.now().toISOString());
      expect(await store.getProduct('nope')).toBeUndefined();
      expect((await store.getProducts(['p2', 'nope', 'p1'])).map((x) => x.product.id)).toEqual(['p2', 'p1']);
      expect(await store.countProducts()).toBe(2);
      expect((await store.getMerchant())?.currencies).toEqual(['USD', 'EUR']);
    });

    test('variants resolve by id, SKU and GTIN', async () => {
      await load(basicFeed());
      expect(await store.findVariant('p2-m')).toEqual({ productId: 'p2', variantId: 'p2-m' });
      expect(await store.findVariant('SKU-p1-M')).toEqual({ productId: 'p1', variantId: 'p1-m' });
      expect(await store.findVariant('zzz')).toBeUndefined();
    });

    test('many keys resolve at once: product ids, then variant ids, SKUs, GTINs and handles, with the product version', async () => {
      await load(basicFeed());
      const p1 = (await store.getProductKey('p1'))!;
      const gtin = (await store.getProduct('p2'))!.product.variants.find((v) => v.gtin)?.gtin;
      const handle = (await store.getProduct('p2'))!.product.handle;
      const keys = ['p1', 'p2-m', 'SKU-p1-M', 'zzz', ...(gtin ? [gtin] : []), ...(handle ? [handle] : [])];
      const got = await store.resolveKeys(keys);
      expect(got.get('p1')).toEqual({ productId: 'p1', seq: p1.seq });
      expect(got.get('p2-m')).toMatchObject({ productId: 'p2', variantId: 'p2-m' });
      expect(got.get('SKU-p1-M')).toEqual({ productId: 'p1', variantId: 'p1-m', seq: p1.seq });
      expect(got.has('zzz')).toBe(false);
      if (gtin) expect(got.get(gtin)).toMatchObject((await store.findVariant(gtin))!); // the same answer as one by one
      if (handle) expect(got.get(handle)).toMatchObject({ productId: 'p2' });
      expect(gtin ?? handle).toBeDefined();
    });

    test('every change gets a monotonic sequence number; re-importing the same feed changes nothing', async () => {
      await load(basicFeed());
      const first = await store.listChanges(0, 1000);
      expect(first.map((c) => c.seq)).toEqual([...first.map((c) => c.seq)].sort((a, b) => a - b));
      expect(new Set(first.map((c) => c.seq)).size).toBe(first.length);
      expect(first.filter((c) => c.entity === 'product').map((c) => [c.kind, c.productId])).toEqual([
        ['create', 'p1'],
        ['create', 'p2'],
      ]);
      const last = await store.lastSeq();
      h.clock.advance(60_000);
      const again = await load(basicFeed());
      expect(again.counts.products).toEqual({ created: 0, updated: 0, unchanged: 2, deleted: 0 });
      expect(await store.lastSeq()).toBe(last);
    });

    test('a price change logs a price change and moves only that product', async () => {
      await load(basicFeed());
      const before = (await store.getProduct('p2'))!;
      const seq = await store.lastSeq();
      h.clock.advance(1000);
      const feed = basicFeed();
      (feed[2] as ReturnType<typeof product>).variants[0]!.prices[0]!.amount = 1799;
      await load(feed);
      const changes = await store.listChanges(seq, 100);
      expect(changes.map((c) => [c.entity, c.kind, c.productId, c.variantId])).toEqual([['price', 'update', 'p1', 'p1-s']]);
      const p1 = (await store.getProduct('p1'))!;
      expect(p1.seq).toBe(changes[0]!.seq);
      expect(p1.updatedAt).toBe(h.clock.now().toISOString());
      expect((await store.getProduct('p2'))!.seq).toBe(before.seq);
    });

    test('stock updates: absolute, relative, atomic, logged, and visible immediately', async () => {
      await load(basicFeed());
      const seq = await store.lastSeq();
      const changes = await store.applyInventory([
        { variantId: 'p1-s', locationId: 'wh', onHand: 9 },
        { variantId: 'p1-m', adjust: 3 },
      ]);
      expect(changes.map((c) => [c.variantId, c.onHand])).toEqual([
        ['p1-s', 9],
        ['p1-m', 3],
      ]);
      const levels = await store.getLevels(['p1-s', 'p1-m']);
      expect(levels.map((l) => [l.variantId, l.onHand])).toEqual([
        ['p1-s', 9],
        ['p1-m', 3],
      ]);
      expect((await store.listChanges(seq, 10)).map((c) => [c.entity, c.variantId, c.locationId])).toEqual([
        ['inventory', 'p1-s', 'wh'],
        ['inventory', 'p1-m', 'wh'],
      ]);
      // one bad update: nothing applied
      await expect(
        store.applyInventory([
          { variantId: 'p1-s', onHand: 1 },
          { variantId: 'ghost', onHand: 1 },
        ]),
      ).rejects.toThrow(/updates\[1\]: unknown variant "ghost"/);
      await expect(store.applyInventory([{ variantId: 'p1-s', locationId: 'mars', onHand: 1 }])).rejects.toThrow(/unknown location "mars"/);
      await expect(store.applyInventory([{ variantId: 'p1-m', adjust: -4 }])).rejects.toThrow(/negative/);
      expect((await store.getLevels(['p1-s']))[0]!.onHand).toBe(9);
      // re-stating the same level is not a change, but it refreshes the sync time
      h.clock.advance(5000);
      const seq2 = await store.lastSeq();
      expect(await store.applyInventory([{ variantId: 'p1-s', onHand: 9 }])).toEqual([]);
      expect(await store.lastSeq()).toBe(seq2);
      expect((await store.getLevels(['p1-s']))[0]!.syncedAt).toBe(h.clock.now().toISOString());
    });

    test('price updates are atomic and logged', async () => {
      await load(basicFeed());
      const prices = await store.applyPrices([{ variantId: 'p2-m', currency: 'EUR', amount: 2299 }]);
      expect(prices).toEqual([{ currency: 'EUR', amount: 2299 }]);
      expect((await store.getProduct('p2'))!.product.variants[1]!.prices).toContainEqual({ currency: 'EUR', amount: 2299 });
      await expect(
        store.applyPrices([
          { variantId: 'p2-m', currency: 'USD', amount: 1 },
          { variantId: 'nope', currency: 'USD', amount: 1 },
        ]),
      ).rejects.toThrow(/unknown variant/);
      expect((await store.getProduct('p2'))!.product.variants[1]!.prices).toContainEqual({ currency: 'USD', amount: 2499, listAmount: 2999 });
    });

    test('listing: keyset pages cover every product once; filters', async () => {
      const products = Array.from({ length: 25 }, (_, i) =>
        product(`p${String(i).padStart(2, '0')}`, { brand: i % 2 ? 'Odd' : 'Even', categories: [{ taxonomy: 'merchant', path: i < 5 ? 'Camping > Tents' : 'Clothing > Jackets' }] }),
      );
      await load([merchant(), location('wh'), ...products]);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.listProducts({ limit: 7, ...(after ? { after } : {}) });
        seen.push(...page.items.map((r) => r.product.id));
        after = page.next;
      } while (after);
      expect(seen).toEqual(products.map((p) => p.id));
      expect((await store.listProducts({ limit: 100, brand: 'odd' })).items).toHaveLength(12);
      expect((await store.listProducts({ limit: 100, category: 'Camping' })).items.map((r) => r.product.id)).toEqual(['p00', 'p01', 'p02', 'p03', 'p04']);
      expect((await store.listProducts({ limit: 100, category: 'Tents' })).items).toHaveLength(0);
      await expect(store.listProducts({ limit: 5, after: 'garbage!' })).rejects.toThrow(/cursor/);
    });

    test('modified since: changed products in change order, and deletions', async () => {
      await load([merchant(), location('wh'), product('a'), product('b'), product('c')]);
      h.clock.advance(60_000);
      const since = h.clock.now().toISOString();
      await store.applyInventory([{ variantId: 'c-s', onHand: 1 }]);
      h.clock.advance(1000);
      await load([product('a', { title: 'Renamed' })]);
      await load([{ type: 'delete', product_id: 'b' }]);
      const page = await store.listProducts({ limit: 10, modifiedSince: since });
      expect(page.items.map((r) => r.product.id)).toEqual(['c', 'a']);
      expect(await store.listDeletedProducts(since, 10)).toEqual([{ id: 'b', at: expect.any(String) }]);
      expect(await store.listDeletedProducts(new Date(h.clock.now().getTime() + 1).toISOString(), 10)).toEqual([]);
    });

    test('replace mode deletes what the feed no longer has; upsert keeps it', async () => {
      await load(basicFeed());
      await load([product('p3')]);
      expect(await store.countProducts()).toBe(3);
      const report = await load([merchant(), location('wh'), product('p1')], 'replace');
      expect(report.counts.products).toMatchObject({ unchanged: 1, deleted: 2 });
      expect(await store.countProducts()).toBe(1);
      // reviews were not in the replacing feed: that collection is left alone (only p1's review survives, p2 had none)
      expect((await store.getProduct('p1'))!.rating?.count).toBe(1);
    });

    test('variants missing from an updated product are deleted', async () => {
      await load(basicFeed());
      const p = product('p1');
      p.variants = [p.variants[0]!];
      p.options = [{ name: 'Size', values: ['S'] }];
      await load([p]);
      const r = (await store.getProduct('p1'))!;
      expect(r.product.variants.map((v) => v.id)).toEqual(['p1-s']);
      expect(r.levels.map((l) => l.variantId)).toEqual(['p1-s']);
      expect(await store.findVariant('p1-m')).toBeUndefined();
    });

    test('reviews maintain the aggregate rating', async () => {
      await load([...basicFeed(), review('r2', 'p1', 2), review('r3', 'p1', 5)]);
      expect((await store.getProduct('p1'))!.rating).toEqual({ value: 3.67, count: 3, distribution: [0, 1, 0, 1, 1] });
      expect((await store.listReviews('p1', 2)).map((r) => r.id)).toHaveLength(2);
    });

    test('quality: stored checks, review count and stock age filter listings', async () => {
      await load([merchant(), location('wh'), product('good'), product('thin', { description: 'too short' }), review('r', 'good'), review('r2', 'thin')]);
      const thin = (await store.getProduct('thin'))!;
      expect(thin.qualityMask).not.toBe(0);
      const ids = async (quality: { mask: number; requireReviews: boolean; freshSince?: string }) => (await store.listProducts({ limit: 10, quality })).items.map((r) => r.product.id);
      expect(await ids({ mask: thin.qualityMask, requireReviews: false })).toEqual(['good']);
      const stale = new Date(h.clock.now().getTime() + 16 * 60_000).toISOString();
      expect(await ids({ mask: 0, requireReviews: false, freshSince: stale })).toEqual([]);
      expect(await ids({ mask: 0, requireReviews: true })).toEqual(['good', 'thin']);
    });

    test('holds: reserve, release, commit; all lines or none; idempotent', async () => {
      await load([
        merchant(),
        location('wh'),
        location('shop', { kind: 'store', pickup: true }),
        product('p1', {
          options: [{ name: 'Size', values: ['S'] }],
          variants: [
            {
              id: 'v',
              options: { Size: 'S' },
              prices: [{ currency: 'USD', amount: 100 }],
              inventory: [
                { location_id: 'wh', on_hand: 3 },
                { location_id: 'shop', on_hand: 2 },
              ],
            },
          ],
        }),
      ]);
      const later = '2026-11-01T18:00:00.000Z';
      expect(await store.reserve('h1', [{ variantId: 'v', quantity: 4 }], later)).toEqual({
        ok: true,
        lines: [
          { variantId: 'v', locationId: 'wh', quantity: 3 },
          { variantId: 'v', locationId: 'shop', quantity: 1 },
        ],
      });
      expect(await store.reserve('h2', [{ variantId: 'v', quantity: 2 }], later)).toEqual({ ok: false, shortages: [{ variantId: 'v', requested: 2, available: 1 }] });
      expect((await store.reserve('h1', [{ variantId: 'v', quantity: 4 }], later)).ok).toBe(true); // same id: same hold
      await store.release('h1');
      await store.release('h1');
      expect((await store.getLevels(['v'])).map((l) => l.reserved)).toEqual([0, 0]);
      expect(await store.reserve('h3', [{ variantId: 'v', quantity: 2, locationId: 'shop' }], later)).toMatchObject({ ok: true });
      await store.commitReservation('h3');
      await store.commitReservation('h3');
      expect((await store.getLevels(['v'])).map((l) => [l.locationId, l.onHand, l.reserved])).toEqual([
        ['shop', 0, 0],
        ['wh', 3, 0],
      ]);
      await expect(store.release('h3')).rejects.toThrow(/already committed/);
      expect((await store.getProduct('p1'))!.seq).toBe(await store.lastSeq());
    });

    test('expired holds are released', async () => {
      await load(basicFeed());
      await store.reserve('h', [{ variantId: 'p1-s', quantity: 5 }], '2026-11-01T12:30:00.000Z');
      expect(await store.releaseExpired(new Date('2026-11-01T12:29:00Z'))).toBe(0);
      expect(await store.releaseExpired(new Date('2026-11-01T12:30:00Z'))).toBe(1);
      expect((await store.getLevels(['p1-s']))[0]!.reserved).toBe(0);
    });

    test('concurrent buyers never take the same last unit', async () => {
      await load(basicFeed()); // p1-s has 5
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.reserve(`c${i}`, [{ variantId: 'p1-s', quantity: 1 }], '2026-11-02T00:00:00Z')));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect((await store.getLevels(['p1-s']))[0]!.reserved).toBe(5);
    });

    test('tokens: stored by hash, revocable', async () => {
      await store.insertToken({ id: 't1', name: 'sync', scopes: ['inventory:write'], createdAt: '2026-11-01T00:00:00Z', hash: 'h1' });
      expect(await store.useToken('h1')).toMatchObject({ id: 't1', scopes: ['inventory:write'], lastUsedAt: h.clock.now().toISOString() });
      expect(await store.useToken('h2')).toBeUndefined();
      expect(await store.revokeToken('t1')).toBe(true);
      expect(await store.revokeToken('t1')).toBe(false);
      expect(await store.useToken('h1')).toBeUndefined();
      expect((await store.listTokens())[0]).toMatchObject({ id: 't1', revokedAt: expect.any(String) });
    });

    test('customers, addresses (de-duplicated by content) and payment instruments', async () => {
      const addr = { street: '1 Main St', locality: 'Springfield', postal_code: '62704', country: 'US' };
      await load([
        {
          type: 'customer',
          id: 'c1',
          name: 'Jo',
          email: 'Jo@Example.com',
          addresses: [
            { id: 'a1', ...addr },
            { id: 'a2', ...addr },
          ],
        },
        { type: 'payment_instrument', id: 'i1', instrument_type: 'card', token: 'success_token', handler_id: 'mock_payment_handler' },
      ]);
      expect(await store.findCustomerByEmail('jo@example.com')).toEqual({ id: 'c1', name: 'Jo', email: 'jo@example.com' });
      expect((await store.listAddresses('c1')).map((a) => a.id)).toEqual(['a1']);
      expect(await store.listPaymentInstruments()).toEqual([expect.objectContaining({ id: 'i1', token: 'success_token' })]);
    });

    test('import history records applied and failed imports', async () => {
      await load(basicFeed());
      await importFeed(store, linesSource([{ type: 'product' }]), { clock: h.clock });
      const history = await store.listImports(10);
      expect(history.map((i) => i.status).sort()).toEqual(['applied', 'failed']);
    });
  });
}
