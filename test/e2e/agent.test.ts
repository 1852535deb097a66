/**
 * An agent that knows only the store's address: the real server (compiled CLI) on a free loopback
 * port, walked from /.well-known/commerce by following links, then kept fresh through the change stream.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import { expandChecked } from '../helpers/jsonld.js';
import { tempDir } from '../helpers/store.js';
import { CLI, cleanEnv, startServer } from '../helpers/server.js';

const env = cleanEnv;
type Node = Record<string, unknown>;

let server: ChildProcessWithoutNullStreams;
let base: string;
let data: { dir: string; cleanup: () => void };

beforeAll(async () => {
  data = tempDir('ucpd-agent-');
  ({ child: server, base } = await startServer(data.dir));
});
afterAll(() => {
  server.kill('SIGKILL');
  data.cleanup();
});

async function getJson(url: string): Promise<{ status: number; body: Node; headers: Headers }> {
  const res = await fetch(url, { headers: { accept: 'application/ld+json' } });
  return { status: res.status, body: (await res.json()) as Node, headers: res.headers };
}

describe('an agent discovers and reads the store from its domain alone', () => {
  test('store document -> catalog feed (all pages) -> product documents; everything expands offline', async () => {
    const store = await getJson(`${base}/.well-known/commerce`);
    expect(store.status).toBe(200);
    // The base URL defaults to the listening address, so every link is absolute and reachable.
    const feedUrl = store.body.catalogFeed as string;
    expect(feedUrl.startsWith(base)).toBe(true);
    let next: string | undefined = `${feedUrl}?limit=50`;
    const products: string[] = [];
    while (next) {
      const page = await getJson(next);
      expect(page.status).toBe(200);
      expect((await expandChecked(page.body, base)).unknown).toEqual([]);
      products.push(...(page.body.dataFeedElement as Node[]).map((i) => (i.item as Node)['@id'] as string));
      next = page.body.next as string | undefined;
    }
    expect(products).toHaveLength(200);
    for (const url of products.filter((_, i) => i % 20 === 0)) {
      const doc = await getJson(url);
      expect(doc.status).toBe(200);
      expect(doc.body['@id']).toBe(url);
      expect((await expandChecked(doc.body, base)).unknown).toEqual([]);
    }
    const changes = await getJson(store.body.changeFeed as string);
    expect(changes.body['@type']).toBe('ChangeFeed');
  });

  test('the change stream delivers a stock change and resumes from Last-Event-ID', async () => {
    const token = spawnSync(process.execPath, [CLI, '--data-dir', data.dir, 'tokens', 'create', '--name', 'agent-test'], { encoding: 'utf8', env }).stdout.trim();
    const events: { id: string; data: Node }[] = [];
    const stream = (headers: Record<string, string>) =>
      new Promise<http.ClientRequest>((resolve) => {
        const req = http.get(`${base}/.well-known/commerce/changes`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let buf = '';
          res.on('data', (chunk: Buffer) => {
            buf += chunk.toString('utf8');
            for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
              const block = buf.slice(0, end);
              buf = buf.slice(end + 2);
              const id = /^id: (\d+)$/m.exec(block)?.[1];
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (id && data) events.push({ id, data: JSON.parse(data) as Node });
            }
          });
          resolve(req);
        });
      });
    const first = await stream({});
    const update = (onHand: number) =>
      fetch(`${base}/admin/v1/inventory`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ updates: [{ sku: 'RDG-00001-00', location_id: 'wh-reno', on_hand: onHand }] }),
      });
    expect((await update(11)).status).toBe(200);
    const deadline = Date.now() + 5000;
    while (events.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ '@type': 'Change', changeKind: 'update', changedEntity: 'inventory', changedLocation: `${base}/.well-known/commerce#location-wh-reno` });
    first.destroy();

    // while disconnected, two more changes; resuming from the last id delivers exactly those
    expect((await update(12)).status).toBe(200);
    expect((await update(13)).status).toBe(200);
    const second = await stream({ 'Last-Event-ID': events[0]!.id });
    while (events.length < 3 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 20));
    second.destroy();
    expect(events.map((e) => Number(e.id))).toEqual([Number(events[0]!.id), Number(events[0]!.id) + 1, Number(events[0]!.id) + 2]);
  });
});
