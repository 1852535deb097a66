/** The real CLI (compiled, as `npm start` runs it) in child processes against temp data directories. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectPath } from '../../src/paths.js';
import { FLOWER_SHOP, tempDir } from '../helpers/store.js';
import { CLI, cleanEnv, startServer } from '../helpers/server.js';

function ucpd(args: string[], opts: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...cleanEnv, ...opts.env }, input: opts.input ?? '', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let data: { dir: string; cleanup: () => void };
beforeAll(() => {
  data = tempDir('ucpd-e2e-');
});
afterAll(() => data.cleanup());

describe('ucpd CLI', () => {
  test('--help on every command, exit 0', () => {
    for (const cmd of [[], ['serve'], ['import'], ['quality'], ['demo'], ['demo', 'generate'], ['demo', 'load'], ['tokens'], ['tokens', 'create']]) {
      const r = ucpd([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: ucpd/);
    }
  });

  test('usage errors exit 2 with a clear message', () => {
    expect(ucpd([]).code).toBe(2);
    const unknown = ucpd(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(ucpd(['import']).code).toBe(2);
    const mode = ucpd(['--data-dir', data.dir, 'import', FLOWER_SHOP, '--mode', 'merge']);
    expect(mode).toMatchObject({ code: 2, stderr: expect.stringMatching(/--mode must be upsert or replace/) });
    const missing = ucpd(['--data-dir', data.dir, 'import', path.join(data.dir, 'nope.jsonl')]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/no such file or directory/) });
    const env = ucpd(['serve'], { env: { UCPD_PORT: 'eighty', UCPD_DATA_DIR: data.dir } });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/--port \/ UCPD_PORT must be an integer from 0 to 65535, got "eighty"/);
  });

  test('imports the UCP reference store, then finds nothing to change', () => {
    const dir = path.join(data.dir, 'flowers');
    const first = ucpd(['--data-dir', dir, 'import', FLOWER_SHOP]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/import applied: .*flower_shop \(ucp-csv, upsert\)/);
    expect(first.stdout).toMatch(/products\s+6 created, 0 updated, 0 unchanged, 0 deleted/);
    const again = ucpd(['--data-dir', dir, 'import', FLOWER_SHOP, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).counts.products).toEqual({ created: 0, updated: 0, unchanged: 6, deleted: 0 });
  });

  test('a corrupt feed exits 1, names the record, changes nothing; --dry-run writes nothing', () => {
    const dir = path.join(data.dir, 'corrupt');
    expect(ucpd(['--data-dir', dir, 'import', projectPath('test', 'fixtures', 'gmc', 'products.tsv')]).code).toBe(0);
    const bad = path.join(data.dir, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"type":"product","id":"a","title":"A","variants":[{"id":"a1","prices":[{"currency":"USD","amount":100}]}]}\n{"type":"product","id":"b","title":"B","variants":[{"id":"b1","prices":[{"currency":"USD","amount":"1.00"}]}]}\n',
    );
    const r = ucpd(['--data-dir', dir, 'import', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED, nothing was changed/);
    expect(r.stdout).toContain('bad.jsonl:2 variants[0].prices[0].amount: must be integer');
    const dry = ucpd(['--data-dir', dir, 'import', bad.replace('bad', 'good'), '--dry-run']);
    expect(dry.code).toBe(2); // no such file
    writeFileSync(path.join(data.dir, 'good.jsonl'), `${readFileSync(bad, 'utf8').split('\n')[0]}\n`);
    const dryRun = ucpd(['--data-dir', dir, 'import', path.join(data.dir, 'good.jsonl'), '--dry-run', '--json']);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ status: 'dry_run', counts: { products: { created: 1 } } });
    const quality = JSON.parse(ucpd(['--data-dir', dir, 'quality', '--json']).stdout);
    expect(quality.products).toBe(2); // the Merchant Center feed's two products; nothing from the failed or dry runs
  });

  test('reads a feed from standard input', () => {
    const dir = path.join(data.dir, 'stdin');
    const line = '{"type":"product","id":"s","title":"S","variants":[{"id":"s1","prices":[{"currency":"USD","amount":100}],"inventory":[{"on_hand":3}]}]}\n';
    expect(ucpd(['--data-dir', dir, 'import', '-'], { input: line }).code).toBe(2);
    const r = ucpd(['--data-dir', dir, 'import', '-', '--format', 'jsonl', '--json'], { input: line });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'stdin', counts: { products: { created: 1 } } });
  });

  test('quality report in text and JSON; --strict fails when products fail', () => {
    const dir = path.join(data.dir, 'demo');
    expect(ucpd(['--data-dir', dir, 'demo', 'load']).code).toBe(0);
    const text = ucpd(['--data-dir', dir, 'quality', '--limit', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/data quality: \d+ of 200 products pass every check/);
    expect(text.stdout).toMatch(/description\s+\d+ failing\s+\(description of at least 50 words\)/);
    const json = JSON.parse(ucpd(['--data-dir', dir, 'quality', '--json']).stdout);
    expect(json.products).toBe(200);
    expect(json.failing.length).toBe(200 - json.ready);
    expect(ucpd(['--data-dir', dir, 'quality', '--strict']).code).toBe(1);
  });

  test('demo generate is deterministic JSON Lines', () => {
    const a = ucpd(['demo', 'generate', '-n', '3', '--seed', '5']);
    expect(a.code).toBe(0);
    expect(ucpd(['demo', 'generate', '-n', '3', '--seed', '5']).stdout).toBe(a.stdout);
    const records = a.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ type: 'header', record_count: records.length - 1 });
    expect(records.filter((r) => r.type === 'product')).toHaveLength(3);
    expect(ucpd(['demo', 'generate', '-n', 'lots']).code).toBe(2);
  });

  test('tokens: created once, listed without secrets, revoked', () => {
    const dir = path.join(data.dir, 'tokens');
    const created = ucpd(['--data-dir', dir, 'tokens', 'create', '--name', 'stock sync', '--scope', 'inventory:write', '--json']);
    expect(created.code).toBe(0);
    const token = JSON.parse(created.stdout);
    expect(token).toMatchObject({ id: expect.stringMatching(/^tok_/), name: 'stock sync', scopes: ['inventory:write'], token: expect.stringMatching(/^ucpd_/) });
    const list = ucpd(['--data-dir', dir, 'tokens', 'list']);
    expect(list.stdout).toContain(token.id);
    expect(list.stdout).not.toContain(token.token);
    expect(readFileSync(path.join(dir, 'ucpd.sqlite')).includes(Buffer.from(token.token))).toBe(false);
    expect(ucpd(['--data-dir', dir, 'tokens', 'create', '--name', 'x', '--scope', 'root']).code).toBe(2);
    expect(ucpd(['--data-dir', dir, 'tokens', 'revoke', token.id]).code).toBe(0);
    expect(ucpd(['--data-dir', dir, 'tokens', 'revoke', token.id]).code).toBe(1);
  });
});

describe('ucpd serve', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  const start = (dir: string) => startServer(dir);

  test('first start seeds the demo catalog; stock updates through the admin API show at once; restart keeps data', async () => {
    const dir = path.join(data.dir, 'serve');
    const first = await start(dir);
    child = first.child;
    const health = (await (await fetch(`${first.base}/healthz`)).json()) as { seq: number };
    expect(health).toMatchObject({ status: 'ok', products: 200 });

    const token = ucpd(['--data-dir', dir, 'tokens', 'create', '--name', 'e2e']).stdout.trim();
    const res = await fetch(`${first.base}/admin/v1/inventory`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ updates: [{ sku: 'RDG-00000-00', location_id: 'wh-reno', on_hand: 77 }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { changes: object[] }).changes[0]).toMatchObject({ location_id: 'wh-reno', on_hand: 77 });
    const after = (await (await fetch(`${first.base}/healthz`)).json()) as { seq: number };
    expect(after.seq).toBeGreaterThan(health.seq);

    const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const second = await start(dir);
    child = second.child;
    const again = await (await fetch(`${second.base}/healthz`)).json();
    expect(again).toMatchObject({ products: 200, seq: after.seq }); // not seeded twice
    second.child.kill('SIGTERM');
  });
});
