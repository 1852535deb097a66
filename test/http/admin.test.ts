import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../src/paths.js';
import { basicFeed, product } from '../helpers/records.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { snapshot } from '../helpers/store.js';

let t: TestApp;
let admin: string;
beforeEach(async () => {
  t = await testApp(basicFeed());
  admin = await t.token();
});
afterEach(async () => t.close());

const expectProblem = (res: request.Response, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `urn:ucpd:problem:${code}`, detail: expect.any(String) });
};

describe('admin authentication', () => {
  test('no token, a wrong token, a revoked token, a token without the scope', async () => {
    const noToken = await request(t.app)
      .post('/admin/v1/inventory')
      .send({ updates: [{ variant_id: 'p1-s', on_hand: 1 }] });
    expectProblem(noToken, 401, 'missing_token');
    expect(noToken.headers['www-authenticate']).toMatch(/^Bearer/);
    expectProblem(await request(t.app).get('/admin/v1/quality').set('Authorization', 'Bearer ucpd_nope'), 401, 'invalid_token');
    expectProblem(await request(t.app).get('/admin/v1/quality').set('Authorization', 'Basic abc'), 401, 'missing_token');

    const quality = await t.token(['quality:read']);
    expect((await request(t.app).get('/admin/v1/quality').set('Authorization', `Bearer ${quality}`)).status).toBe(200);
    expectProblem(await request(t.app).post('/admin/v1/inventory').set('Authorization', `Bearer ${quality}`).send({ updates: [] }), 403, 'insufficient_scope');

    const adminToken = (await t.store.listTokens()).find((x) => x.scopes.includes('admin'));
    await t.store.revokeToken(adminToken!.id);
    expectProblem(await request(t.app).get('/admin/v1/quality').set('Authorization', `Bearer ${admin}`), 401, 'invalid_token');
  });
});

describe('POST /admin/v1/inventory', () => {
  test('applies stock updates by variant id or SKU and shows them on the next read', async () => {
    const res = await request(t.app)
      .post('/admin/v1/inventory')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        updates: [
          { variant_id: 'p1-s', location_id: 'wh', on_hand: 12, low_stock_threshold: 3 },
          { sku: 'SKU-p2-M', adjust: 4 },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      applied: 2,
      changed: 2,
      changes: [
        { variant_id: 'p1-s', product_id: 'p1', location_id: 'wh', on_hand: 12, reserved: 0, available: 12 },
        { variant_id: 'p2-m', product_id: 'p2', location_id: 'wh', on_hand: 4, reserved: 0, available: 4 },
      ],
      seq: await t.store.lastSeq(),
    });
    expect((await t.store.getLevels(['p1-s']))[0]).toMatchObject({ onHand: 12, lowStockThreshold: 3 });
  });

  test('one invalid update: 400 naming every bad field, nothing applied', async () => {
    const before = snapshot(t.store);
    const res = await request(t.app)
      .post('/admin/v1/inventory')
      .set('Authorization', `Bearer ${admin}`)
      .send({ updates: [{ variant_id: 'p1-s', on_hand: 3 }, { variant_id: 'p1-m', on_hand: -1 }, { on_hand: 2 }, 'x', { variant_id: 'p1-s', quantity: 1 }] });
    expectProblem(res, 400, 'invalid_updates');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['updates[1].on_hand', 'updates[3]', 'updates[4].quantity']));
    expect(snapshot(t.store)).toEqual(before);
  });

  test('unknown variants, SKUs and locations: nothing applied', async () => {
    const before = snapshot(t.store);
    expectProblem(
      await request(t.app)
        .post('/admin/v1/inventory')
        .set('Authorization', `Bearer ${admin}`)
        .send({
          updates: [
            { variant_id: 'p1-s', on_hand: 3 },
            { variant_id: 'ghost', on_hand: 1 },
          ],
        }),
      400,
      'unknown_reference',
    );
    expectProblem(
      await request(t.app)
        .post('/admin/v1/inventory')
        .set('Authorization', `Bearer ${admin}`)
        .send({ updates: [{ sku: 'NOPE', on_hand: 1 }] }),
      400,
      'invalid_updates',
    );
    expectProblem(
      await request(t.app)
        .post('/admin/v1/inventory')
        .set('Authorization', `Bearer ${admin}`)
        .send({ updates: [{ variant_id: 'p1-s', location_id: 'moon', on_hand: 1 }] }),
      400,
      'unknown_reference',
    );
    expect(snapshot(t.store)).toEqual(before);
  });

  test('malformed, empty, wrong-shaped and oversized bodies are clear 4xx errors', async () => {
    const post = () => request(t.app).post('/admin/v1/inventory').set('Authorization', `Bearer ${admin}`);
    expectProblem(await post().set('Content-Type', 'application/json').send('{"updates": [ '), 400, 'malformed_json');
    expectProblem(await post().send({}), 400, 'invalid_body');
    expectProblem(await post().send([]), 400, 'invalid_body');
    expectProblem(await post().send({ updates: [] }), 400, 'invalid_body');
    expectProblem(await post().send({ updates: Array.from({ length: 10_001 }, () => ({ variant_id: 'p1-s', on_hand: 1 })) }), 413, 'too_many_updates');
    expectProblem(
      await post()
        .set('Content-Type', 'application/json')
        .send(`{"updates":[${'{"variant_id":"p1-s","on_hand":1},'.repeat(200_000)}{}]}`),
      413,
      'body_too_large',
    );
    expectProblem(await post().set('Content-Type', 'text/plain').send('hello'), 400, 'invalid_body');
  });
});

describe('POST /admin/v1/prices', () => {
  test('updates prices atomically', async () => {
    const res = await request(t.app)
      .post('/admin/v1/prices')
      .set('Authorization', `Bearer ${admin}`)
      .send({ updates: [{ variant_id: 'p1-s', currency: 'USD', amount: 1799, list_amount: 1999 }] });
    expect(res.status).toBe(200);
    expect(res.body.prices).toEqual([{ variant_id: 'p1-s', currency: 'USD', amount: 1799, list_amount: 1999 }]);
    expectProblem(
      await request(t.app)
        .post('/admin/v1/prices')
        .set('Authorization', `Bearer ${admin}`)
        .send({ updates: [{ variant_id: 'p1-s', currency: 'ZZZ', amount: 1 }] }),
      400,
      'invalid_updates',
    );
  });
});

describe('POST /admin/v1/feed', () => {
  test('a JSON Lines upload is imported; a broken one is 422 with the report and changes nothing', async () => {
    const body = [product('p5'), product('p6')].map((r) => JSON.stringify(r)).join('\n');
    const ok = await request(t.app).post('/admin/v1/feed?format=jsonl').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/x-ndjson').send(body);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'applied', counts: { products: { created: 2 } } });
    expect(await t.store.countProducts()).toBe(4);

    const before = snapshot(t.store);
    const bad = await request(t.app)
      .post('/admin/v1/feed')
      .set('Authorization', `Bearer ${admin}`)
      .set('Content-Type', 'application/x-ndjson')
      .send(`${JSON.stringify(product('p7'))}\n{"type":"product"}\n`);
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ status: 'failed', errors: [{ file: 'upload', line: 2, field: 'id', message: 'is required' }] });
    expect(snapshot(t.store)).toEqual(before);
  });

  test('a Merchant Center TSV upload, as a dry run', async () => {
    const tsv = readFileSync(projectPath('test', 'fixtures', 'gmc', 'products.tsv'));
    const res = await request(t.app).post('/admin/v1/feed?dry_run=true').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'text/tab-separated-values').send(tsv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'dry_run', format: 'gmc', counts: { products: { created: 2 } } });
    expect(await t.store.countProducts()).toBe(2);
  });

  test('bad parameters and oversized uploads', async () => {
    expectProblem(await request(t.app).post('/admin/v1/feed?format=xml').set('Authorization', `Bearer ${admin}`).send('x'), 400, 'invalid_parameter');
    expectProblem(await request(t.app).post('/admin/v1/feed?mode=merge').set('Authorization', `Bearer ${admin}`).send('x'), 400, 'invalid_parameter');
    const small = await testApp(basicFeed(), { UCPD_FEED_LIMIT: '1kb' });
    try {
      const token = await small.token();
      const before = snapshot(small.store);
      const big = Array.from({ length: 20 }, (_, i) => JSON.stringify(product(`x${i}`))).join('\n');
      expectProblem(await request(small.app).post('/admin/v1/feed').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/x-ndjson').send(big), 413, 'body_too_large');
      expect(snapshot(small.store)).toEqual(before);
    } finally {
      await small.close();
    }
  });
});

describe('GET /admin/v1/quality', () => {
  test('aggregate report with reasons per failing product', async () => {
    const res = await request(t.app).get('/admin/v1/quality').set('Authorization', `Bearer ${admin}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ products: 2, ready: 1, failingTruncated: false });
    expect(res.body.failing).toEqual([{ productId: 'p2', title: 'Product p2', ready: false, failures: [{ check: 'reviews', reason: '0 reviews (minimum 1)' }] }]);
    expectProblem(await request(t.app).get('/admin/v1/quality?limit=-1').set('Authorization', `Bearer ${admin}`), 400, 'invalid_parameter');
  });
});

describe('everything else', () => {
  test('unknown paths are 404 problems; health reports the catalog', async () => {
    expectProblem(await request(t.app).get('/nope'), 404, 'not_found');
    const health = await request(t.app).get('/healthz');
    expect(health.body).toEqual({ status: 'ok', store: 'sqlite', products: 2, seq: await t.store.lastSeq(), credentials: 'issuing', testPayments: false, faults: 0, writable: true });
  });

  test('demo media are served as SVG; other names are 404', async () => {
    const img = await request(t.app).get('/demo/media/rdg-stormfront-rain-jacket-1.svg');
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toMatch(/image\/svg\+xml/);
    expectProblem(await request(t.app).get('/demo/media/..%2Fetc%2Fpasswd'), 404, 'not_found');
  });
});
