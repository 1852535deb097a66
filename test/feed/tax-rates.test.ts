import { describe, expect, test } from '@jest/globals';
import { openFeed } from '../../src/feed/open.js';
import { importFeed } from '../../src/feed/pipeline.js';
import { Snapshots } from '../../src/publish/snapshot.js';
import { merchant } from '../helpers/records.js';
import { linesSource, storePerTest, writeFile } from '../helpers/store.js';

const t = storePerTest();

const taxRate = (id: string, over: object = {}) => ({ type: 'tax_rate', id, country: 'US', region: 'CA', rate: 7.25, ...over });
const load = (records: object[], mode: 'upsert' | 'replace' = 'upsert') => importFeed(t.store, linesSource(records, 'tax.jsonl'), { clock: t.clock, mode });

describe('tax_rate records', () => {
  test('land in the store with their defaults: sales tax unless included, shipping taxed like the goods', async () => {
    const report = await load([
      merchant(),
      taxRate('us-ca'),
      taxRate('us-sf', { region: undefined, postal_prefix: '941', rate: 8.625, name: 'San Francisco sales tax' }),
      taxRate('de-vat', { country: 'DE', region: undefined, rate: 19, included: true }),
      taxRate('ca-on', { country: 'CA', region: 'ON', rate: 13, shipping: true, name: 'HST' }),
      taxRate('us-co', { region: 'CO', rate: 2.9 }),
    ]);
    expect(report.errors).toEqual([]);
    expect(report.counts.tax_rates).toEqual({ created: 5, updated: 0, unchanged: 0, deleted: 0 });
    expect(await t.store.listTaxRates()).toEqual([
      { id: 'ca-on', country: 'CA', region: 'ON', rate: 13, included: false, shipping: true, name: 'HST' },
      { id: 'de-vat', country: 'DE', rate: 19, included: true, shipping: true, name: 'VAT' },
      { id: 'us-ca', country: 'US', region: 'CA', rate: 7.25, included: false, shipping: false, name: 'Sales tax' },
      { id: 'us-co', country: 'US', region: 'CO', rate: 2.9, included: false, shipping: false, name: 'Sales tax' },
      { id: 'us-sf', country: 'US', postalPrefix: '941', rate: 8.625, included: false, shipping: false, name: 'San Francisco sales tax' },
    ]);
  });

  test('a region and a postal prefix together are accepted', async () => {
    const report = await load([taxRate('us-ca-941', { postal_prefix: '941' })]);
    expect(report.errors).toEqual([]);
    expect(await t.store.listTaxRates()).toEqual([expect.objectContaining({ id: 'us-ca-941', region: 'CA', postalPrefix: '941' })]);
  });

  test('invalid ones are rejected naming the field, and nothing is stored', async () => {
    const report = await load([
      taxRate('too-much', { rate: 150 }),
      taxRate('bad-country', { country: 'USA' }),
      taxRate('too-precise', { rate: 8.62501 }),
      taxRate('prefixed-region', { region: 'US-CA' }),
      { type: 'tax_rate', id: 'no-rate', country: 'US' },
      taxRate('unknown-field', { compound: true }),
    ]);
    expect(report.status).toBe('failed');
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [1, 'rate'],
      [2, 'country'],
      [3, 'rate'],
      [4, 'region'],
      [5, 'rate'],
      [6, 'compound'],
    ]);
    expect(report.errors[0]!.message).toBe('must be <= 100');
    expect(report.errors[2]!.message).toBe('must be multiple of 0.0001');
    expect(await t.store.listTaxRates()).toEqual([]);
  });

  test('ids are unique within a feed', async () => {
    const report = await load([taxRate('us-ca'), taxRate('us-ca', { rate: 8 })]);
    expect(report.errors).toEqual([{ file: 'tax.jsonl', line: 2, field: 'id', message: 'duplicate id "us-ca": already on line 1' }]);
  });

  test('replace mode deletes the rates a feed with tax rates no longer has; upsert, and a feed without any, keep them', async () => {
    await load([taxRate('us-ca'), taxRate('us-ny', { region: 'NY', rate: 4 })]);
    await load([taxRate('us-nv', { region: 'NV', rate: 6.85 })]);
    expect((await t.store.listTaxRates()).map((r) => r.id)).toEqual(['us-ca', 'us-nv', 'us-ny']);
    // like shipping rates: a replacing feed prunes only the collections it has records of
    await load([merchant()], 'replace');
    expect((await t.store.listTaxRates()).map((r) => r.id)).toEqual(['us-ca', 'us-nv', 'us-ny']);
    const report = await load([taxRate('us-ca')], 'replace');
    expect(report.counts.tax_rates).toEqual({ created: 0, updated: 0, unchanged: 1, deleted: 2 });
    expect((await t.store.listTaxRates()).map((r) => r.id)).toEqual(['us-ca']);
  });

  test('a change moves the store-wide version and the snapshot reads it; an unchanged re-import does not', async () => {
    const snapshots = new Snapshots({ store: t.store, baseUrl: 'https://shop.example', defaultCurrency: 'USD' });
    await load([merchant(), taxRate('us-ca')]);
    const first = await t.store.storeVersion();
    expect((await snapshots.get()).taxRates.map((r) => [r.id, r.rate])).toEqual([['us-ca', 7.25]]);

    await load([taxRate('us-ca')]);
    expect(await t.store.storeVersion()).toEqual(first);

    t.clock.advance(1000);
    await load([taxRate('us-ca', { rate: 7.5 })]);
    const updated = await t.store.storeVersion();
    expect(updated.seq).toBeGreaterThan(first.seq);
    expect(updated.at).toBe(t.clock.now().toISOString());
    expect((await snapshots.get()).taxRates.map((r) => [r.id, r.rate])).toEqual([['us-ca', 7.5]]);

    await load([taxRate('us-ny', { region: 'NY', rate: 4 })], 'replace');
    const pruned = await t.store.storeVersion();
    expect(pruned.seq).toBeGreaterThan(updated.seq);
    expect(await snapshots.get()).toMatchObject({ seq: pruned.seq, taxRates: [expect.objectContaining({ id: 'us-ny' })] });
  });
});

describe('tax_rates.csv (UCP CSV directory)', () => {
  const products = 'id,title,price\nbouquet_roses,Bouquet of Red Roses,3500\n';

  test('maps each row to a tax_rate record', async () => {
    writeFile(t.scratch, 'products.csv', products);
    writeFile(
      t.scratch,
      'tax_rates.csv',
      [
        'id,country_code,region,postal_prefix,rate,included,shipping,name',
        'us-ca,us,ca,,7.25,,,California sales tax',
        'us-sf,US,,941,8.625,false,false,',
        'gb-vat,GB,,,20,true,,',
        'ca-on,CA,ON,,13,no,yes,HST',
      ].join('\n'),
    );
    const report = await importFeed(t.store, openFeed(t.scratch, { currency: 'USD' }), { clock: t.clock });
    expect(report).toMatchObject({ status: 'applied', format: 'ucp-csv', counts: { products: { created: 1 }, tax_rates: { created: 4 } } });
    expect(await t.store.listTaxRates()).toEqual([
      { id: 'ca-on', country: 'CA', region: 'ON', rate: 13, included: false, shipping: true, name: 'HST' },
      { id: 'gb-vat', country: 'GB', rate: 20, included: true, shipping: true, name: 'VAT' },
      { id: 'us-ca', country: 'US', region: 'CA', rate: 7.25, included: false, shipping: false, name: 'California sales tax' },
      { id: 'us-sf', country: 'US', postalPrefix: '941', rate: 8.625, included: false, shipping: false, name: 'Sales tax' },
    ]);
  });

  test('a rate that is not a decimal number names the file, line and column', async () => {
    writeFile(t.scratch, 'products.csv', products);
    writeFile(t.scratch, 'tax_rates.csv', 'id,country_code,rate\nus-ca,US,7.25\nus-sf,US,"8,625"\nde,DE,19%\n');
    const report = await importFeed(t.store, openFeed(t.scratch, { currency: 'USD' }), { clock: t.clock });
    expect(report.status).toBe('failed');
    expect(report.errors).toEqual([
      { file: 'tax_rates.csv', line: 3, field: 'rate', message: '"8,625" is not a decimal percent like 8.625' },
      { file: 'tax_rates.csv', line: 4, field: 'rate', message: '"19%" is not a decimal percent like 8.625' },
    ]);
    expect(await t.store.countProducts()).toBe(0);
  });
});
